"""The admin speaks Chinese: every model it lists has a Chinese name (verbose_name), no "Case sequences"."""

from __future__ import annotations

from django.contrib import admin
from django.utils import translation


def test_every_admin_model_has_a_chinese_name():
    with translation.override("zh-hans"):
        english = [
            f"{model._meta.app_label}.{model.__name__}: {model._meta.verbose_name_plural}"
            for model in admin.site._registry
            if str(model._meta.verbose_name_plural).isascii() or str(model._meta.app_config.verbose_name).isascii()
        ]
    assert english == []
