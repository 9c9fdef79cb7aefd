"""Review models, one module per concern (assessment, dashboard, report; the command side adds its own)."""

from review.models.assessment import AssessmentScheme, AssessmentSnapshot, AssessmentVersion
from review.models.consultation import ActionItem, AgendaItem, Consultation, Decision, Invitation
from review.models.daily import DailyReport
from review.models.dashboard import IntakeMonth
from review.models.letters import LetterSequence, WarningLetter
from review.models.radar import RadarRules, RadarRun, RiskSignal, RiskSignalCase
from review.models.report import WorkReport

__all__ = [
    "ActionItem",
    "AgendaItem",
    "AssessmentScheme",
    "AssessmentSnapshot",
    "AssessmentVersion",
    "Consultation",
    "DailyReport",
    "Decision",
    "IntakeMonth",
    "Invitation",
    "LetterSequence",
    "RadarRules",
    "RadarRun",
    "RiskSignal",
    "RiskSignalCase",
    "WarningLetter",
    "WorkReport",
]
