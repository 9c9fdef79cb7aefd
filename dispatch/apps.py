from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("调度")

    def ready(self) -> None:
        from dispatch.permissions import MODE_SWITCHERS, ROSTER_VIEWERS
        from governance.navigation import EVERYONE, register
        from governance.roles import Role

        register(_("轮值排班"), "dispatch:roster", ROSTER_VIEWERS, order=30)
        register(_("平战转换"), "dispatch:mode", MODE_SWITCHERS, order=35)
        register(_("调度台"), "dispatch:board", {Role.DUTY_DIRECTOR, Role.DISPATCHER, Role.COMMANDER,
                                              Role.DEPUTY_COMMANDER, Role.LEADER, Role.ADMINISTRATOR}, order=20)
        register(_("部门待办"), "dispatch:work-inbox", {Role.DEPARTMENT_LIAISON, Role.DEPARTMENT_HANDLER}, order=21)
        register(_("待核查"), "dispatch:work-verification", {Role.GRID_WORKER, Role.DUTY_DIRECTOR, Role.DISPATCHER},
                 order=22)
        register(_("我的通知"), "dispatch:notifications", EVERYONE, order=70)

        from dispatch.labels import register_event_labels

        register_event_labels()

        from dispatch.services.engine import deadline_engine_checks
        from governance.health import register_check

        # The status page and /healthz show whether every deadline step that fell due has fired.
        register_check(deadline_engine_checks)
