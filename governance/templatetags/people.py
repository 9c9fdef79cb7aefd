from __future__ import annotations

from django import template
from django.contrib.auth.models import AbstractBaseUser

from governance.people import display_name

register = template.Library()


@register.filter(name="person")
def person(user: AbstractBaseUser | None) -> str:
    """`{{ user|person }}`: 陈晓燕 for Chinese names, "Jane Doe" otherwise, else the user name."""
    return display_name(user)
