from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    """How the center's work went: the monthly assessment, the leaders' dashboard, the work report
    and the accountability ladder of overdue assignments (with its referrals to the efficiency office)."""

    name = "review"
    verbose_name = _("考核")

    def ready(self) -> None:
        from command.views.leaders import leader_home_panel
        from dispatch import hooks as dispatch_hooks
        from dispatch.services import deadline_subject_register
        from governance.choices import CenterLevel
        from governance.demo import register_demo_seeder
        from governance.jobs import register_recoverer
        from governance.navigation import DISTRICT_LEVEL, register, register_home_panel
        from governance.roles import (
            MAY_LEAD_FROM_PHONE,
            MAY_READ_ASSESSMENT,
            MAY_READ_DASHBOARD,
            MAY_READ_REFERRALS,
        )
        from intake import hooks as intake_hooks
        from intake.events import event_types_declare
        from review.choices import LADDER_SUBJECT, LadderEventType
        from review.demo import seed_demo
        from review.selectors.assessment_scheme import handling_limits_for
        from review.services.ladder import ladder_schedule, ladder_steps_fire
        from review.services.report import report_export_recover
        from review.views.ladder import ladder_panel
        from review.views.letters_from import letters_panel

        register(_("领导通"), "review:dashboard", MAY_READ_DASHBOARD, order=40)
        # The monthly assessment is the district's; a town sub-center reads its own work report instead.
        register(_("月度考核"), "review:assessment", MAY_READ_ASSESSMENT, order=41, levels=DISTRICT_LEVEL)
        register(_("工作专报"), "review:report-current", MAY_READ_ASSESSMENT, order=41,
                 levels=frozenset({CenterLevel.TOWN}))
        # The referrals of the accountability ladder: the district's (the 区效能办 is a district office).
        register(_("效能问责"), "review:referrals", MAY_READ_REFERRALS, order=52, levels=DISTRICT_LEVEL)
        # 领导通 at the top of a leader's home (the phone): 我的关注 and 我的批示 (command's), with the dashboard.
        register_home_panel("review/_leader_home.html", leader_home_panel, MAY_LEAD_FROM_PHONE, order=2, first=True)
        register_demo_seeder(seed_demo)
        # A work report's export whose worker died is queued again (or failed) by jobs-recover.
        register_recoverer("report-export", report_export_recover)
        # Dispatch reads the year's 退单时限 and extension limits from the assessment scheme.
        dispatch_hooks.handling_limits.register(handling_limits_for)
        # The accountability ladder: its steps are added when the sweep marks an assignment overdue.
        event_types_declare(LadderEventType)
        deadline_subject_register(subject_type=LADDER_SUBJECT, handler=ladder_steps_fire)
        dispatch_hooks.assignments_overdue.register(ladder_schedule)
        # A matter's pages: its letters, and 发函 for those who issue letters (after the grid's seven steps),
        # then its rungs of the ladder.
        intake_hooks.case_panels.register(letters_panel)
        intake_hooks.case_panels.register(ladder_panel)
