from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("调度")

    def ready(self) -> None:
        # Imported here: models are loaded only once the app registry is ready.
        from dispatch.choices import (
            ASSIGNMENT_TRANSITIONS,
            SUMMONS_TRANSITIONS,
            AssignmentStatus,
            SummonsStatus,
        )
        from dispatch.links import work_case_url
        from dispatch.models import Assignment, Summons
        from governance.transitions import Table, register_table

        register_table(Table(Assignment, ASSIGNMENT_TRANSITIONS, AssignmentStatus))
        register_table(Table(Summons, SUMMONS_TRANSITIONS, SummonsStatus))

        from dispatch.choices import DispatchEventType
        from dispatch.demo import seed_demo
        from dispatch.selectors.mode import mode_current
        from dispatch.selectors.roster import center_keeps_roster
        from dispatch.selectors.work import case_ids_visible_to_department_user, department_case_count
        from dispatch.services.engine_audit import deadline_engine_checks
        from governance.demo import register_demo_seeder
        from governance.health import register_check
        from governance.navigation import register
        from governance.roles import (
            EVERYONE,
            MAY_HANDLE_ASSIGNMENTS,
            MAY_LEAD_SUPERVISION,
            MAY_READ_WARTIME,
            MAY_SHOW_SIGN_CODE,
            MAY_SIGN_IN_AT_CENTER,
            MAY_SWITCH_MODE,
            MAY_VIEW_BOARD,
            MAY_VIEW_ROSTER,
            SHOWN_VERIFICATION_QUEUE,
        )
        from intake import hooks as intake_hooks
        from intake.events import event_types_declare

        # A town or village without a rotation of its own has no roster to read (its director runs it).
        register(_("轮值排班"), "dispatch:roster", MAY_VIEW_ROSTER, order=30,
                 when=lambda user: center_keeps_roster(user=user))
        register(_("平战转换"), "dispatch:mode", MAY_SWITCH_MODE, order=35)
        # Duty attendance (issue 23, 6): sign in and out at the center; the screen shows the code.
        register(_("值班签到"), "dispatch:attendance", MAY_SIGN_IN_AT_CENTER, order=31)
        # The screen is put up by whoever the view admits (a dispatcher at the desk, the duty director, a
        # commander) at any center: a town's or a village's people sign in (and report to a summons) there too.
        register(_("签到大屏"), "dispatch:attendance-screen", MAY_SHOW_SIGN_CODE, order=32)
        register(_("战时响应"), "dispatch:wartime", MAY_READ_WARTIME, order=36)
        from governance.scope import reads_center_territory

        # The board lists the center's matters: not for a leader in charge of departments (who
        # reads only those departments' matters).
        register(_("调度台"), "dispatch:board", MAY_VIEW_BOARD, order=20,
                 when=lambda user: reads_center_territory(user=user))
        register(_("部门待办"), "dispatch:work-inbox", MAY_HANDLE_ASSIGNMENTS, order=21)
        register(_("待核查"), "dispatch:work-verification", SHOWN_VERIFICATION_QUEUE, order=22)
        register(_("我督办的事项"), "dispatch:work-supervised", MAY_LEAD_SUPERVISION, order=23)
        register(_("我的通知"), "dispatch:notifications", EVERYONE, order=70)
        # An approved summons is on the liaison's home, at the top, until the department reports in.
        from dispatch.selectors.summons_work import summons_awaiting_panel
        from governance.navigation import register_home_panel

        register_home_panel("dispatch/work/_summons_awaiting.html", summons_awaiting_panel, MAY_HANDLE_ASSIGNMENTS,
                            order=5, first=True)
        # Below it, what waits in 部门待办, counted: to acknowledge, overdue, due today or tomorrow.
        from dispatch.selectors.department_home import department_work_panel

        register_home_panel("dispatch/work/_department_work.html", department_work_panel, MAY_HANDLE_ASSIGNMENTS,
                            order=6, first=True)

        # Intake asks dispatch who was assigned a matter and which mode is in force.
        intake_hooks.department_case_ids.register(case_ids_visible_to_department_user)
        intake_hooks.department_case_count.register(department_case_count)
        intake_hooks.operating_mode.register(lambda *, center: mode_current(center=center).kind)
        from dispatch.selectors.answers import case_answers

        intake_hooks.case_answers.register(case_answers)
        intake_hooks.case_work_url.register(work_case_url)
        from dispatch.views.window_self import self_handle_action

        # 窗口自办: a stationed department's window takes a matter it received into its own department.
        intake_hooks.window_actions.register(self_handle_action)

        event_types_declare(DispatchEventType)
        register_demo_seeder(seed_demo)
        # The status page and /healthz show whether every deadline step that fell due has fired.
        register_check(deadline_engine_checks)
        # ... and each message channel's last success, failure rate and queue depth.
        from dispatch.selectors.notifications import notification_channel_checks

        register_check(notification_channel_checks)

        from dispatch.models import Mode
        from governance.cache import OPERATING_MODE, cache_invalidate_on_change

        cache_invalidate_on_change(Mode, OPERATING_MODE)

        from dispatch.services.arrivals import case_queued_notify

        # Matters arriving on the dispatch queue (from any channel) notify the duty director on duty.
        intake_hooks.case_queued.register(case_queued_notify)

        from dispatch.selectors.duty import duty_flow_check

        # Settling or sending on a matter for its first receiver is the desk's flow: on duty only.
        intake_hooks.duty_flow_check.register(duty_flow_check)

        # The center's own clocks (移送, 派单, 核查, 回访, 解释回访) on the deadline engine.
        from dispatch.selectors.clocks import CLOCK_SUBJECT_TYPES, case_clocks, case_ids_to_explain
        from dispatch.services.clocks import case_clock_steps_fire, case_clocks_on_status
        from dispatch.services.subjects import deadline_subject_register

        intake_hooks.case_status_changed.register(case_clocks_on_status)
        intake_hooks.case_clocks.register(case_clocks)
        intake_hooks.case_ids_to_explain.register(case_ids_to_explain)
        for subject_type in CLOCK_SUBJECT_TYPES:
            deadline_subject_register(subject_type=subject_type, handler=case_clock_steps_fire)
