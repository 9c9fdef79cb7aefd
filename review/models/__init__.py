"""Review models, one module per concern (assessment, dashboard, report; the command side adds its own)."""

from review.models.analysis import AnalysisReport, AnalysisSection
from review.models.assessment import AssessmentScheme, AssessmentSnapshot, AssessmentVersion
from review.models.cadence import MeetingCadence
from review.models.consultation import ActionItem, AgendaItem, Consultation, Decision, Invitation
from review.models.daily import DailyReport
from review.models.dashboard import IntakeMonth
from review.models.ladder import AccountabilityRung, EfficiencyReferral, ReferralPerson
from review.models.leaders import Follow, Instruction, InstructionDepartment
from review.models.letters import LetterSequence, WarningLetter
from review.models.radar import RadarRules, RadarRun, RiskSignal, RiskSignalCase
from review.models.report import WorkReport
from review.models.urgent import UrgentReport, UrgentReportEntry

__all__ = [
    "AccountabilityRung",
    "EfficiencyReferral",
    "ReferralPerson",
    "ActionItem",
    "AgendaItem",
    "AnalysisReport",
    "AnalysisSection",
    "AssessmentScheme",
    "AssessmentSnapshot",
    "AssessmentVersion",
    "Consultation",
    "DailyReport",
    "Decision",
    "Follow",
    "Instruction",
    "InstructionDepartment",
    "IntakeMonth",
    "Invitation",
    "LetterSequence",
    "MeetingCadence",
    "RadarRules",
    "RadarRun",
    "RiskSignal",
    "RiskSignalCase",
    "UrgentReport",
    "UrgentReportEntry",
    "WarningLetter",
    "WorkReport",
]
