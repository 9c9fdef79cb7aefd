from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    """The command work of a district center or town sub-center: the risk radar and its signals,
    warning letters, consultations and their standing meetings, the daily and analysis reports, urgent
    reports, and 领导通 (a leader's follows, instructions and supervision)."""

    name = "command"
    verbose_name = _("指挥")

    def ready(self) -> None:
        from command.choices import (
            ACTION_SUBJECT,
            CONSULTATION_SUBJECT,
            CONSULTATION_TRANSITIONS,
            INSTRUCTION_SUBJECT,
            LETTER_SUBJECT,
            LETTER_TRANSITIONS,
            SIGNAL_TRANSITIONS,
            URGENT_SUBJECT,
            CommandEventType,
            ConsultationStatus,
            LeaderEventType,
            LetterStatus,
            SignalStatus,
        )
        from command.links import consultation_url
        from command.models import Consultation, RiskSignal, WarningLetter
        from command.services.cadence import consultation_steps_fire
        from command.services.consultation import action_steps_fire, consultation_schedule_wartime
        from command.services.leaders import follow_events_notify, instruction_steps_fire
        from command.services.letters import letter_steps_fire
        from command.services.urgent import urgent_steps_fire
        from command.views.leaders import department_home_panel, instructions_case_panel
        from command.views.urgent import urgent_panel
        from dispatch import hooks as dispatch_hooks
        from dispatch.services import deadline_subject_register
        from governance.navigation import COMMAND_LEVELS, register, register_home_panel
        from governance.roles import MAY_HANDLE_ASSIGNMENTS, MAY_LEAD_FROM_PHONE, MAY_READ_COMMAND, Role
        from governance.transitions import Table, register_table
        from intake import hooks as intake_hooks
        from intake.events import event_types_declare

        register_table(Table(RiskSignal, SIGNAL_TRANSITIONS, SignalStatus))
        register_table(Table(WarningLetter, LETTER_TRANSITIONS, LetterStatus))
        register_table(Table(Consultation, CONSULTATION_TRANSITIONS, ConsultationStatus))
        event_types_declare(CommandEventType)
        event_types_declare(LeaderEventType)

        deadline_subject_register(subject_type=LETTER_SUBJECT, handler=letter_steps_fire)
        deadline_subject_register(subject_type=ACTION_SUBJECT, handler=action_steps_fire)
        deadline_subject_register(subject_type=CONSULTATION_SUBJECT, handler=consultation_steps_fire)
        deadline_subject_register(subject_type=URGENT_SUBJECT, handler=urgent_steps_fire)
        deadline_subject_register(subject_type=INSTRUCTION_SUBJECT, handler=instruction_steps_fire)
        # A wartime declaration schedules its first 战时会商 (dispatch.services.wartime).
        dispatch_hooks.wartime_consultation.register(consultation_schedule_wartime)
        dispatch_hooks.consultation_url.register(consultation_url)
        # A matter's followers hear of its new events; a matter's pages show its instructions and urgent reports.
        intake_hooks.events_recorded.register(follow_events_notify)
        intake_hooks.case_panels.register(urgent_panel)
        intake_hooks.case_panels.register(instructions_case_panel)

        # A village station runs no command work (it settles or escalates its queue): the district's and
        # the towns' people see these entries, each for their own center.
        register(_("风险研判"), "command:radar", MAY_READ_COMMAND, order=45, levels=COMMAND_LEVELS)
        register(_("提示函"), "command:letters", MAY_READ_COMMAND | MAY_HANDLE_ASSIGNMENTS, order=46,
                 levels=COMMAND_LEVELS)
        register(_("议事会商"), "command:consultations", MAY_READ_COMMAND | MAY_HANDLE_ASSIGNMENTS, order=47,
                 levels=COMMAND_LEVELS)
        register(_("会商待办"), "command:actions", MAY_HANDLE_ASSIGNMENTS, order=48)
        register(_("纠纷日报"), "command:daily-reports", MAY_READ_COMMAND, order=49, levels=COMMAND_LEVELS)
        register(_("情况报告"), "command:urgent-reports", MAY_READ_COMMAND, order=50, levels=COMMAND_LEVELS)
        register(_("研判专报"), "command:analyses", MAY_READ_COMMAND, order=51, levels=COMMAND_LEVELS)
        # 领导通: a department's unanswered instructions at the top of its liaison's and handlers' home (and
        # of a leader in charge's); a leader's 我的关注 and 我的批示 are registered by review (with the dashboard).
        register_home_panel("command/_department_instructions.html", department_home_panel,
                            MAY_HANDLE_ASSIGNMENTS | {Role.LEADER}, order=4, first=True)
        register(_("领导批示"), "command:instructions", MAY_LEAD_FROM_PHONE | MAY_HANDLE_ASSIGNMENTS, order=24)
