"""What 领导通 (follow, instruct, supervise from the phone) registers at start: the timeline hook that
tells followers, the deadline-engine handler of an instruction's answer, its event types, the
navigation entry and the panels of the home page and of a matter's pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from governance.roles import MAY_HANDLE_ASSIGNMENTS, MAY_LEAD_FROM_PHONE, Role


def leaders_ready() -> None:
    from dispatch.services import deadline_subject_register
    from governance.navigation import register, register_home_panel
    from intake import hooks as intake_hooks
    from intake.events import event_types_declare
    from review.command_choices import INSTRUCTION_SUBJECT, LeaderEventType
    from review.services.leaders import follow_events_notify, instruction_steps_fire
    from review.views.leaders import department_home_panel, instructions_case_panel, leader_home_panel

    event_types_declare(LeaderEventType)
    deadline_subject_register(subject_type=INSTRUCTION_SUBJECT, handler=instruction_steps_fire)
    intake_hooks.events_recorded.register(follow_events_notify)
    intake_hooks.case_panels.register(instructions_case_panel)
    # 我的关注 and 我的批示 at the top of a leader's home (the phone); a department's unanswered
    # instructions at the top of its liaison's and handlers' home (and of a leader in charge's).
    register_home_panel("review/_leader_home.html", leader_home_panel, MAY_LEAD_FROM_PHONE, order=2, first=True)
    register_home_panel("review/_department_instructions.html", department_home_panel,
                        MAY_HANDLE_ASSIGNMENTS | {Role.LEADER}, order=4, first=True)
    register(_("领导批示"), "review:instructions", MAY_LEAD_FROM_PHONE | MAY_HANDLE_ASSIGNMENTS, order=24)
