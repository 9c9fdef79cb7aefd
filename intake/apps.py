from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("受理")

    def ready(self) -> None:
        from governance.navigation import register
        from governance.roles import Role

        register(_("窗口受理"), "intake:window", {Role.WINDOW_CLERK}, order=10)
        register(_("我的事项"), "intake:mine", {Role.WINDOW_CLERK}, order=11)
        register(
            _("事项查询"),
            "intake:case_list",
            {Role.DISPATCHER, Role.DUTY_DIRECTOR, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.LEADER,
             Role.ADMINISTRATOR},
            order=20,
        )
