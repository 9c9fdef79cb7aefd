"""Checking what a clerk or a platform typed, before anything is written: every failed field
is collected so that a form can show them all at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.utils.translation import gettext

from governance.cache import CATEGORY, cached_read
from governance.errors import ApplicationError
from governance.models import Grid
from governance.parsing import db_id
from governance.text import FreeTextError, check_free_text
from intake.choices import (
    Channel,
    PartyKind,
    PartyRole,
)
from intake.models import Category
from intake.validators import (
    ADDRESS_MAX_CHARS,
    PARTY_NAME_MAX_CHARS,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)

# Channels where a person stands (or calls) in front of the clerk: an applicant who can be
# answered (by ID or phone) is required. Platform pushes and grid reports may be anonymous.
CHANNELS_NEEDING_APPLICANT = frozenset({Channel.WALK_IN, Channel.PHONE})


@dataclass(frozen=True)
class PartyInput:
    """One party as typed at the window or received from a platform."""

    kind: str = PartyKind.PERSON
    name: str = ""
    id_number: str = ""
    credit_code: str = ""
    phone: str = ""
    address: str = ""
    role: str = PartyRole.APPLICANT
    is_spokesman: bool = False
    # When the ID or credit code is already known and the typed name, phone or address differ from
    # the stored ones: "" = ask (registration refuses with the differences), "keep" = keep the
    # stored person as is, "update" = the typed values replace the stored ones. Either way the
    # difference is recorded on the matter's timeline; nothing is overwritten silently.
    on_difference: str = ""


PARTY_DIFFERENCE_CHOICES = ("", "keep", "update")


# --- registration ---------------------------------------------------------------------------


class FieldErrors:
    """Collects every failed field, so the clerk sees all problems at once."""

    def __init__(self) -> None:
        self.items: dict[str, ApplicationError] = {}

    def check(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ApplicationError as error:
            self.add(error)
            return None

    def add(self, error: ApplicationError) -> None:
        self.items.setdefault(error.field or "__all__", error)

    def fail(self, field: str, message: str, code: str = "invalid") -> None:
        self.add(ApplicationError(message, code=code, field=field))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = next(iter(self.items.values()))
        raise ApplicationError(
            first.message,
            code=first.code,
            field=first.field,
            extra={"errors": {field: error.message for field, error in self.items.items()}},
        )


def clean_text(errors: FieldErrors, field: str, value: str | None, *, label: str, max_chars: int,
          required: bool = False) -> str:
    """The one free-text rule (`governance.text`) for every typed text of every channel (window, API,
    Open311, dispatch), collected into the form's errors."""
    try:
        return check_free_text(value, label=label, max_chars=max_chars, required=required)
    except FreeTextError as error:
        errors.fail(field, error.message, code=error.code)
        return ""


def clean_choice(errors: FieldErrors, field: str, value: str, choices: type, *, label: str) -> str:
    if value not in choices.values:
        errors.fail(field, gettext("%(label)s“%(value)s”无效。") % {"label": label, "value": value})
    return value


def _category_load(pk: int) -> Category | None:
    """The category with its parent (the answer shows the path), or None."""
    return Category.objects.select_related("parent").filter(pk=pk).first()


def resolve_category(errors: FieldErrors, category: Category | int | str | None) -> Category | None:
    if category is None or category == "":
        errors.fail("category", gettext("请选择事项类别。"), code="required")
        return None
    if not isinstance(category, Category):
        pk = db_id(category)  # "²" and 25-digit ids are no category (they used to be a 500)
        category = None if pk is None else cached_read(CATEGORY, pk, partial(_category_load, pk))
        if category is None:
            errors.fail("category", gettext("所选事项类别不存在。"), code="not_found")
            return None
    if not category.active:
        errors.fail("category", gettext("事项类别“%(name)s”已停用，请另选。") % {"name": category.name}, code="inactive")
        return None
    # A matter takes a leaf (or a top level without children), on every channel: Open311 only
    # offers those, and the window's picker too; the API used to accept a top level.
    if category.parent_id is None and Category.objects.filter(parent=category, active=True).exists():
        errors.fail("category", gettext("“%(name)s”是大类，请选择其中的具体类别。") % {"name": category.name},
                    code="not_leaf")
        return None
    return category


def resolve_grid(errors: FieldErrors, grid: Grid | int | str | None) -> Grid | None:
    if grid is None or grid == "":
        return None
    if not isinstance(grid, Grid):
        try:
            grid = Grid.objects.select_related("town").get(pk=db_id(grid))
        except Grid.DoesNotExist:
            errors.fail("grid", gettext("所选网格不存在。"), code="not_found")
            return None
    if not grid.active:
        errors.fail("grid", gettext("网格“%(name)s”已停用，请另选。") % {"name": grid.name}, code="inactive")
        return None
    return grid


def clean_coordinate(errors: FieldErrors, field: str, value: Any, limit: int) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
        if not number.is_finite():  # NaN and Infinity parse but are no place
            raise ValueError(value)
        number = number.quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors.fail(field, gettext("坐标必须是数字。"))
        return None
    if not -limit <= number <= limit:
        errors.fail(field, gettext("坐标超出范围（-%(limit)s 至 %(limit)s）。") % {"limit": limit})
        return None
    return number


def clean_parties(errors: FieldErrors, parties: Sequence[PartyInput], *, channel: str,
                   today: dt.date) -> list[PartyInput]:
    cleaned: list[PartyInput] = []
    seen: set[str] = set()
    for index, party in enumerate(parties):
        prefix = f"parties.{index}."
        kind = clean_choice(errors, prefix + "kind", party.kind, PartyKind, label=gettext("当事人类型"))
        role = clean_choice(errors, prefix + "role", party.role, PartyRole, label=gettext("当事人角色"))
        label = gettext("姓名") if kind == PartyKind.PERSON else gettext("单位名称")
        name = clean_text(errors, prefix + "name", party.name, label=label, max_chars=PARTY_NAME_MAX_CHARS, required=True)
        address = clean_text(errors, prefix + "address", party.address, label=gettext("住址"), max_chars=ADDRESS_MAX_CHARS)
        id_number = credit_code = phone = ""
        if kind == PartyKind.PERSON and party.id_number.strip():
            id_number = errors.check(validate_id_number, party.id_number, field=prefix + "id_number",
                                     today=today) or ""
        if party.credit_code.strip():
            credit_code = errors.check(validate_credit_code, party.credit_code, field=prefix + "credit_code") or ""
        if party.phone.strip():
            phone = errors.check(validate_phone, party.phone, field=prefix + "phone") or ""
        key = id_number or credit_code
        if key:
            if key in seen:
                errors.fail(prefix + ("id_number" if id_number else "credit_code"), gettext("同一当事人填写了两次。"))
            seen.add(key)
        on_difference = party.on_difference or ""
        if on_difference not in PARTY_DIFFERENCE_CHOICES:
            errors.fail(prefix + "on_difference", gettext("当事人信息不一致时只能选择 keep（沿用登记信息）或 update（更新为本次填写）。"))
        cleaned.append(PartyInput(kind=kind, name=name, id_number=id_number, credit_code=credit_code,
                                  phone=phone, address=address, role=role, is_spokesman=bool(party.is_spokesman),
                                  on_difference=on_difference))
    if channel in CHANNELS_NEEDING_APPLICANT:
        applicants = [p for p in parties if p.role == PartyRole.APPLICANT]
        if not applicants:
            errors.fail("parties", gettext("请填写申请人。"), code="required")
        elif not any(p.id_number.strip() or p.phone.strip() or p.credit_code.strip() for p in applicants):
            errors.fail("parties.0.phone", gettext("请至少填写申请人的身份证号或联系电话，以便答复。"), code="required")
    if sum(1 for p in parties if p.is_spokesman) > 1:
        errors.fail("parties", gettext("代表人只能有一位。"))
    return cleaned
