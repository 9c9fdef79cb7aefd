"""`{% once_key %}`: a page form's one-time key, for a form written by hand in the template (a form
rendered from a Django form writes `{{ form.once }}`). See `governance.page_actions`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from governance.page_actions import ONCE, OnceField, new_key

register = template.Library()


@register.simple_tag
def once_key() -> SafeString:
    """A hidden field with a new key each time the page is drawn; the action's form must declare
    `once = OnceField()` for `perform` to honour it."""
    return OnceField().widget.render(ONCE, new_key())
