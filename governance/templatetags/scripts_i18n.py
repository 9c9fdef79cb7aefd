"""`{% javascript_catalog_src %}`: the address of the scripts' words (Django's JavaScript catalogue)
in the reader's language and in the catalogue's version, so that a browser keeps one copy per
language and takes the new one the day a deployment changes the words."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language

register = template.Library()


@functools.cache
def catalogue_version() -> str:
    """A digest of the compiled script catalogues (read once per process: they change only with a
    deployment)."""
    digest = hashlib.sha256()
    for folder in settings.LOCALE_PATHS:
        for path in sorted(Path(folder).glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@register.simple_tag
def javascript_catalog_src() -> str:
    return f"{reverse('javascript-catalog')}?lang={get_language()}&v={catalogue_version()}"
