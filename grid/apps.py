from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("网格")
