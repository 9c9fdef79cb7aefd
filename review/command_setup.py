"""What the command side of review (radar, letters, consultations, daily report) registers at start:
its deadline-engine handlers, navigation entries, timeline event types and admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from governance.roles import MAY_HANDLE_ASSIGNMENTS, MAY_READ_COMMAND, MAY_READ_REFERRALS


def command_ready() -> None:
    from dispatch.services import deadline_subject_register
    from governance.navigation import COMMAND_LEVELS, DISTRICT_LEVEL, register
    from intake import hooks as intake_hooks
    from intake.events import event_types_declare
    from review.command_choices import (
        ACTION_SUBJECT,
        CONSULTATION_SUBJECT,
        LETTER_SUBJECT,
        URGENT_SUBJECT,
        CommandEventType,
    )
    from review.services.cadence import consultation_steps_fire
    from review.services.consultation import action_steps_fire
    from review.services.letters import letter_steps_fire
    from review.services.urgent import urgent_steps_fire
    from review.views.letters_from import letters_panel
    from review.views.urgent import urgent_panel

    deadline_subject_register(subject_type=LETTER_SUBJECT, handler=letter_steps_fire)
    deadline_subject_register(subject_type=ACTION_SUBJECT, handler=action_steps_fire)
    # The accountability ladder: its steps are added when the sweep marks an assignment overdue.
    from dispatch import hooks as dispatch_hooks
    from review.command_choices import LADDER_SUBJECT
    from review.services.ladder import ladder_schedule, ladder_steps_fire
    from review.views.ladder import ladder_panel

    deadline_subject_register(subject_type=LADDER_SUBJECT, handler=ladder_steps_fire)
    dispatch_hooks.assignments_overdue.register(ladder_schedule)
    deadline_subject_register(subject_type=CONSULTATION_SUBJECT, handler=consultation_steps_fire)
    deadline_subject_register(subject_type=URGENT_SUBJECT, handler=urgent_steps_fire)
    # A matter's pages: its letters, and 发函 for those who issue letters (after the grid's seven steps).
    intake_hooks.case_panels.register(letters_panel)
    intake_hooks.case_panels.register(ladder_panel)
    intake_hooks.case_panels.register(urgent_panel)
    # A village station runs no command work (it settles or escalates its queue): the district's and
    # the towns' people see these entries, each for their own center.
    register(_("风险研判"), "review:radar", MAY_READ_COMMAND, order=45, levels=COMMAND_LEVELS)
    register(_("提示函"), "review:letters", MAY_READ_COMMAND | MAY_HANDLE_ASSIGNMENTS, order=46,
             levels=COMMAND_LEVELS)
    register(_("议事会商"), "review:consultations", MAY_READ_COMMAND | MAY_HANDLE_ASSIGNMENTS, order=47,
             levels=COMMAND_LEVELS)
    register(_("会商待办"), "review:actions", MAY_HANDLE_ASSIGNMENTS, order=48)
    register(_("纠纷日报"), "review:daily-reports", MAY_READ_COMMAND, order=49, levels=COMMAND_LEVELS)
    register(_("情况报告"), "review:urgent-reports", MAY_READ_COMMAND, order=50, levels=COMMAND_LEVELS)
    register(_("研判专报"), "review:analyses", MAY_READ_COMMAND, order=51, levels=COMMAND_LEVELS)
    # The referrals of the accountability ladder: the district's (the 区效能办 is a district office).
    register(_("效能问责"), "review:referrals", MAY_READ_REFERRALS, order=52, levels=DISTRICT_LEVEL)
    event_types_declare(CommandEventType)
    import review.command_admin  # noqa: F401  (registers the admin; review/admin.py is left to the assessment)
