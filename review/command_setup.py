"""What the command side of review (radar, letters, consultations, daily report) registers at start:
its deadline-engine handlers, navigation entries, timeline event types and admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from governance.roles import MAY_HANDLE_ASSIGNMENTS, MAY_READ_COMMAND


def command_ready() -> None:
    from dispatch.services import deadline_subject_register
    from governance.navigation import register
    from intake import hooks as intake_hooks
    from intake.events import event_types_declare
    from review.command_choices import ACTION_SUBJECT, LETTER_SUBJECT, CommandEventType
    from review.services.consultation import action_steps_fire
    from review.services.letters import letter_steps_fire
    from review.views.letters_from import letters_panel

    deadline_subject_register(subject_type=LETTER_SUBJECT, handler=letter_steps_fire)
    deadline_subject_register(subject_type=ACTION_SUBJECT, handler=action_steps_fire)
    # A matter's pages: its letters, and 发函 for those who issue letters (after the grid's seven steps).
    intake_hooks.case_panels.register(letters_panel)
    register(_("风险研判"), "review:radar", MAY_READ_COMMAND, order=45)
    register(_("提示函"), "review:letters", MAY_READ_COMMAND | MAY_HANDLE_ASSIGNMENTS, order=46)
    register(_("议事会商"), "review:consultations", MAY_READ_COMMAND | MAY_HANDLE_ASSIGNMENTS, order=47)
    register(_("会商待办"), "review:actions", MAY_HANDLE_ASSIGNMENTS, order=48)
    register(_("纠纷日报"), "review:daily-reports", MAY_READ_COMMAND, order=49)
    event_types_declare(CommandEventType)
    import review.command_admin  # noqa: F401  (registers the admin; review/admin.py is left to the assessment)
