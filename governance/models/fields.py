"""Field declarations that mean the same thing wherever they stand."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def optional_person(verbose_name: Any, *, related_name: str, **kwargs: Any) -> models.ForeignKey:
    """A person a record names but does not depend on: may be empty, and is emptied (not the record
    deleted) when the account goes."""
    return models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=verbose_name, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name=related_name, **kwargs)


def up_the_tree(verbose_name: Any, *, related_name: str = "+", **kwargs: Any) -> models.ForeignKey:
    """A link from a node of a tree (centers, grids) to a node above it: empty at the root, and no
    node can be deleted while others hang below it."""
    return models.ForeignKey("self", verbose_name=verbose_name, null=True, blank=True, on_delete=models.PROTECT,
                             related_name=related_name, **kwargs)
