"""Review models, one module per concern (assessment, dashboard, report; the command side adds its own)."""

from review.models.assessment import AssessmentScheme, AssessmentSnapshot, AssessmentVersion
from review.models.dashboard import IntakeMonth
from review.models.report import WorkReport

__all__ = ["AssessmentScheme", "AssessmentSnapshot", "AssessmentVersion", "IntakeMonth", "WorkReport"]
