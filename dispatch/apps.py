from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("调度")

    def ready(self) -> None:
        # Imported here: models are loaded only once the app registry is ready.
        from dispatch.choices import DispatchEventType
        from dispatch.demo import seed_demo
        from dispatch.selectors.mode import mode_current
        from dispatch.selectors.work import case_ids_visible_to_department_user
        from dispatch.services.engine import deadline_engine_checks
        from governance.demo import register_demo_seeder
        from governance.health import register_check
        from governance.navigation import register
        from governance.roles import (
            EVERYONE,
            MAY_HANDLE_ASSIGNMENTS,
            MAY_SWITCH_MODE,
            MAY_VIEW_BOARD,
            MAY_VIEW_ROSTER,
            SHOWN_VERIFICATION_QUEUE,
        )
        from intake import hooks as intake_hooks
        from intake.events import event_types_declare

        register(_("轮值排班"), "dispatch:roster", MAY_VIEW_ROSTER, order=30)
        register(_("平战转换"), "dispatch:mode", MAY_SWITCH_MODE, order=35)
        from governance.scope import reads_center_territory

        # The board lists the center's matters: not for a leader in charge of departments (who
        # reads only those departments' matters).
        register(_("调度台"), "dispatch:board", MAY_VIEW_BOARD, order=20,
                 when=lambda user: reads_center_territory(user=user))
        register(_("部门待办"), "dispatch:work-inbox", MAY_HANDLE_ASSIGNMENTS, order=21)
        register(_("待核查"), "dispatch:work-verification", SHOWN_VERIFICATION_QUEUE, order=22)
        register(_("我的通知"), "dispatch:notifications", EVERYONE, order=70)
        # An approved summons is on the liaison's home, at the top, until the department reports in.
        from dispatch.selectors.work import summons_awaiting_panel
        from governance.navigation import register_home_panel

        register_home_panel("dispatch/work/_summons_awaiting.html", summons_awaiting_panel, MAY_HANDLE_ASSIGNMENTS,
                            order=5, first=True)

        # Intake asks dispatch who was assigned a matter and which mode is in force.
        intake_hooks.department_case_ids.register(case_ids_visible_to_department_user)
        intake_hooks.operating_mode.register(lambda *, center: mode_current(center=center).kind)

        event_types_declare(DispatchEventType)
        register_demo_seeder(seed_demo)
        # The status page and /healthz show whether every deadline step that fell due has fired.
        register_check(deadline_engine_checks)

        from dispatch.models import Mode
        from governance.cache import OPERATING_MODE, cache_invalidate_on_change

        cache_invalidate_on_change(Mode, OPERATING_MODE)

        from dispatch.services.arrivals import case_queued_notify

        # Matters arriving on the dispatch queue (from any channel) notify the duty director on duty.
        intake_hooks.case_queued.register(case_queued_notify)
