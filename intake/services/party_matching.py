"""A registration's parties against the people already known (by the blind index of their ID number): who is the same person, and how what the clerk typed differs from what is on file (the window then asks: keep or update)."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class PartyMatch:
    """A registration's parties matched against the people known, before anything is written: the
    rows in the input's order (the new ones unsaved), which to create and which to update, and the
    differences by party index (with the choice made), for the timeline."""

    parties: list[Party]
    new: list[Party]
    changed: list[Party]
    differences: dict[int, dict[str, Any]]


def parties_match(cleaned: list[PartyInput]) -> PartyMatch:
    """Find the Party rows known by ID number or credit code (one query); write nothing.

    A known person whose typed name, phone or address differ is never changed silently: without a
    choice (`on_difference`) registration stops here with the differences (409, nothing written, no
    number taken); "update" will write the typed values, "keep" leaves the row."""
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
    return PartyMatch(parties=result, new=new, changed=changed, differences=differences)


def parties_save(match: PartyMatch) -> list[Party]:
    """Write what `parties_match` found: the changed people (one UPDATE), the new ones (one INSERT)."""
    if match.changed:
        for party in match.changed:  # bulk_update does not run the fields' pre_save: keep the blind index in step
            party.phone_digest = pii_digest(party.phone)
        Party.objects.bulk_update(match.changed, [*PARTY_COMPARED_FIELDS, "phone_digest"])
    if match.new:
        Party.objects.bulk_create(match.new)
    return match.parties
