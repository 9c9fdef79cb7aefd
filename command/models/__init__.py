"""Command models, one module per concern: the radar, letters, consultations and their standing
meetings, the daily report, the analysis report, urgent reports, and the leaders' follows and instructions.

Their tables keep the names they had when the command work sat inside review (`review_…`, `db_table`):
moving the models into this app changed no row (migrations command/0001 and review/0015)."""

from command.models.analysis import AnalysisReport, AnalysisSection
from command.models.cadence import MeetingCadence
from command.models.consultation import ActionItem, AgendaItem, Consultation, Decision, Invitation
from command.models.daily import DailyReport
from command.models.leaders import Follow, Instruction, InstructionDepartment
from command.models.letters import LetterSequence, WarningLetter
from command.models.radar import RadarRules, RadarRun, RiskSignal, RiskSignalCase
from command.models.urgent import UrgentReport, UrgentReportEntry

__all__ = [
    "ActionItem",
    "AgendaItem",
    "AnalysisReport",
    "AnalysisSection",
    "Consultation",
    "DailyReport",
    "Decision",
    "Follow",
    "Instruction",
    "InstructionDepartment",
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
]
