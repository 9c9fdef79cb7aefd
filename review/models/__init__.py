"""Review models, one module per concern (assessment, report; the command side adds its own)."""

from review.models.assessment import AssessmentScheme, AssessmentVersion
from review.models.report import WorkReport

__all__ = ["AssessmentScheme", "AssessmentVersion", "WorkReport"]
