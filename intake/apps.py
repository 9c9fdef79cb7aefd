from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("受理")

    def ready(self) -> None:
        # Imported here: models are loaded only once the app registry is ready.
        from governance.demo import register_demo_seeder
        from governance.navigation import register
        from governance.roles import MAY_REGISTER_AT_COMMAND, MAY_SEARCH_MATTERS, SHOWN_WINDOW_PAGES
        from intake.demo import seed_demo

        register(_("窗口受理"), "intake:window", SHOWN_WINDOW_PAGES, order=10)
        register(_("我的事项"), "intake:mine", SHOWN_WINDOW_PAGES, order=11)
        register(_("事项查询"), "intake:case_list", MAY_SEARCH_MATTERS, order=20)
        # Calls to the command center and 上级交办 matters, entered by its dispatcher and duty director.
        register(_("来电/交办登记"), "intake:command_register", MAY_REGISTER_AT_COMMAND, order=19)
        register_demo_seeder(seed_demo)

        from governance.transitions import Table, register_table
        from intake.choices import CASE_TRANSITIONS, CaseStatus
        from intake.models import Case

        register_table(Table(Case, CASE_TRANSITIONS, CaseStatus))

        from governance.cache import CATEGORY, cache_invalidate_on_change
        from intake.models import Category

        cache_invalidate_on_change(Category, CATEGORY)

        from governance.navigation import register_home_panel
        from intake.selectors import follow_up_panel

        # First-receiver responsibility: the clerk's home lists what they still owe (revisit, close).
        register_home_panel("intake/_follow_ups.html", follow_up_panel, SHOWN_WINDOW_PAGES, order=10)

        from governance.health import register_check
        from intake.services.timeline import timeline_chain_checks

        # The status page is red while the last verification found a rewritten timeline.
        register_check(timeline_chain_checks)

        from governance.middleware import register_error_renderer
        from intake.open311.formats import render_request_errors

        register_error_renderer("/open311/", render_request_errors)
