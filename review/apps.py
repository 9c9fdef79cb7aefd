from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("考核")

    def ready(self) -> None:
        from governance.transitions import Table, register_table
        from review.command_choices import (
            CONSULTATION_TRANSITIONS,
            LETTER_TRANSITIONS,
            SIGNAL_TRANSITIONS,
            ConsultationStatus,
            LetterStatus,
            SignalStatus,
        )
        from review.models import Consultation, RiskSignal, WarningLetter

        register_table(Table(RiskSignal, SIGNAL_TRANSITIONS, SignalStatus))
        register_table(Table(WarningLetter, LETTER_TRANSITIONS, LetterStatus))
        register_table(Table(Consultation, CONSULTATION_TRANSITIONS, ConsultationStatus))

        from governance.choices import CenterLevel
        from governance.demo import register_demo_seeder
        from governance.navigation import DISTRICT_LEVEL, register
        from governance.roles import MAY_READ_ASSESSMENT, MAY_READ_DASHBOARD
        from review.demo import seed_demo

        register(_("领导通"), "review:dashboard", MAY_READ_DASHBOARD, order=40)
        # The monthly assessment is the district's; a town sub-center reads its own work report instead.
        register(_("月度考核"), "review:assessment", MAY_READ_ASSESSMENT, order=41, levels=DISTRICT_LEVEL)
        register(_("工作专报"), "review:report-current", MAY_READ_ASSESSMENT, order=41,
                 levels=frozenset({CenterLevel.TOWN}))
        register_demo_seeder(seed_demo)

        from governance.jobs import register_recoverer
        from review.services.report import report_export_recover

        # A work report's export whose worker died is queued again (or failed) by jobs-recover.
        register_recoverer("report-export", report_export_recover)

        from dispatch import hooks as dispatch_hooks
        from review.selectors.assessment_scheme import handling_limits_for

        # Dispatch reads the year's 退单时限 and extension limits from the assessment scheme.
        dispatch_hooks.handling_limits.register(handling_limits_for)

        from review.services.consultation import consultation_schedule_wartime

        # A wartime declaration schedules its first 战时会商 (dispatch.services.wartime).
        dispatch_hooks.wartime_consultation.register(consultation_schedule_wartime)

        from review.command_setup import command_ready

        command_ready()

        from review.leaders_setup import leaders_ready

        leaders_ready()
