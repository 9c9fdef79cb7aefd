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

        from governance.backup import backup_checks
        from governance.health import governance_checks, register_check

        # The status page and /healthz: the shared cache, long jobs whose worker died, the last backup.
        register_check(governance_checks)
        register_check(backup_checks)

        # Beat's and the workers' heartbeats on Celery's signals (they read the models, which the Celery
        # app, loaded before the settings, cannot import).
        import governance.celery_signals  # noqa: F401
