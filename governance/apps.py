from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("组织与基础配置")

    def ready(self) -> None:
        from governance.cache import CALENDAR, cache_invalidate_on_change
        from governance.models import CalendarDay, Center

        cache_invalidate_on_change(CalendarDay, CALENDAR)
        cache_invalidate_on_change(Center, CALENDAR)  # a center's parent chain picks its days
