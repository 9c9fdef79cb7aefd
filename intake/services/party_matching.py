"""A registration's parties against the people already known (by the blind index of their ID number): who is the same person, and how what the clerk typed differs from what is on file (the window then asks: keep or update)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext

from governance.crypto import pii_digest
from governance.errors import ApplicationError
from intake.models import Party
from intake.services.cleaning import (
    PartyInput,
)
from intake.validators import (
    mask_phone,
)

PARTY_COMPARED_FIELDS = ("name", "phone", "address")


def _shown(field: str, value: str) -> str:
    return mask_phone(value) if field == "phone" else value


def party_differences(party: Party, item: PartyInput) -> dict[str, dict[str, str]]:
    """What the clerk typed that differs from the stored person (a typed blank is no difference);
    phones are masked, for the page and for the timeline."""
    return {
        field: {"stored": _shown(field, getattr(party, field)), "typed": _shown(field, getattr(item, field))}
        for field in PARTY_COMPARED_FIELDS
        if getattr(item, field) and getattr(item, field) != getattr(party, field)
    }


def match_parties(cleaned: list[PartyInput]) -> tuple[list[Party], dict[int, dict[str, Any]]]:
    """Reuse the Party rows known by ID number or credit code; create the others (two queries).

    A known person whose typed name, phone or address differ is never changed silently: without a
    choice (`on_difference`) registration stops with the differences (409, nothing written);
    "update" writes the typed values, "keep" leaves the row. Returns the parties and, by party
    index, the differences with the choice made, for the timeline."""
    id_numbers = {p.id_number for p in cleaned if p.id_number}
    credit_codes = {p.credit_code for p in cleaned if p.credit_code}
    by_id: dict[str, Party] = {}
    by_code: dict[str, Party] = {}
    if id_numbers or credit_codes:
        condition = Q(id_number_digest__in={pii_digest(v) for v in id_numbers}) if id_numbers else Q()
        if credit_codes:
            condition = condition | Q(credit_code__in=credit_codes) if id_numbers else Q(credit_code__in=credit_codes)
        for party in Party.objects.filter(condition).order_by("id"):
            if party.id_number:
                by_id.setdefault(party.id_number, party)
            if party.credit_code:
                by_code.setdefault(party.credit_code, party)
    result: list[Party] = []
    changed: list[Party] = []
    new: list[Party] = []
    differences: dict[int, dict[str, Any]] = {}
    for index, item in enumerate(cleaned):
        party = (by_id.get(item.id_number) if item.id_number else None) or (
            by_code.get(item.credit_code) if item.credit_code else None
        )
        if party is None:
            party = Party(kind=item.kind, name=item.name, id_number=item.id_number, credit_code=item.credit_code,
                          phone=item.phone, address=item.address)
            new.append(party)
        else:
            found = party_differences(party, item)
            # A blank stored value is filled in without asking (nothing is lost), and recorded.
            conflicts = {field for field in found if getattr(party, field)}
            choice = item.on_difference if conflicts else "update"
            if found:
                differences[index] = {"party_id": party.pk, "choice": choice, "fields": found}
            applied = set(found) if choice == "update" else set(found) - conflicts
            if applied:
                for field in applied:
                    setattr(party, field, getattr(item, field))
                changed.append(party)
        result.append(party)
    pending = {index: diff for index, diff in differences.items() if not diff["choice"]}
    if pending:
        first = min(pending)
        raise ApplicationError(
            gettext("该证件号已有登记信息，与本次填写的不一致：请核对后选择“沿用登记信息”或“更新为本次填写”。"),
            code="party_differs", field=f"parties.{first}.on_difference",
            extra={"differences": {str(index): diff["fields"] for index, diff in pending.items()}},
        )
    if changed:
        for party in changed:  # bulk_update does not run the fields' pre_save: keep the blind index in step
            party.phone_digest = pii_digest(party.phone)
        Party.objects.bulk_update(changed, [*PARTY_COMPARED_FIELDS, "phone_digest"])
    if new:
        Party.objects.bulk_create(new)
    return result, differences
