from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("考核")

    def ready(self) -> None:
        from governance.demo import register_demo_seeder
        from governance.navigation import register
        from governance.roles import MAY_READ_ASSESSMENT, MAY_READ_DASHBOARD
        from review.demo import seed_demo

        register(_("领导通"), "review:dashboard", MAY_READ_DASHBOARD, order=40)
        register(_("月度考核"), "review:assessment", MAY_READ_ASSESSMENT, order=41)
        register_demo_seeder(seed_demo)

        from governance.jobs import register_recoverer
        from review.services.report import report_export_recover

        # A work report's export whose worker died is queued again (or failed) by jobs-recover.
        register_recoverer("report-export", report_export_recover)

        from review.command_setup import command_ready

        command_ready()
