"""Review models, one module per concern: the assessment, the dashboard's monthly counts, the work
report and the accountability ladder (the command work has its app, command/)."""

from review.models.assessment import AssessmentScheme, AssessmentSnapshot, AssessmentVersion
from review.models.dashboard import IntakeMonth
from review.models.ladder import AccountabilityRung, EfficiencyReferral, ReferralPerson
from review.models.report import WorkReport

__all__ = [
    "AccountabilityRung",
    "AssessmentScheme",
    "AssessmentSnapshot",
    "AssessmentVersion",
    "EfficiencyReferral",
    "IntakeMonth",
    "ReferralPerson",
    "WorkReport",
]
