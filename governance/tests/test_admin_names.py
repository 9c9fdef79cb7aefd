"""The admin speaks Chinese: every model it lists has a Chinese name (verbose_name), no "Case sequences"."""

from __future__ import annotations

from django.contrib import admin
from django.utils import translation

# Third-party apps (axes's login attempts, knox's tokens, guardian, Django's own) keep their own names.
PROJECT_APPS = {"governance", "intake", "dispatch", "grid", "command", "review"}


def test_every_admin_model_has_a_chinese_name():
    with translation.override("zh-hans"):
        english = [
            f"{model._meta.app_label}.{model.__name__}: {model._meta.verbose_name_plural}"
            for model in admin.site._registry
            if model._meta.app_label in PROJECT_APPS
            and (str(model._meta.verbose_name_plural).isascii() or str(model._meta.app_config.verbose_name).isascii())
        ]
    assert english == []
