"""The audited full view of a resident ID number."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import NotFoundError, PermissionDeniedError
from governance.roles import MAY_SEE_FULL_ID, may
from intake.choices import CaseEventType
from intake.events import case_event_record
from intake.models import Case, CaseParty, Party, SensitiveView

# --- parties --------------------------------------------------------------------------------


def party_lookup_record(*, actor: AbstractBaseUser, party: Party, page: str = "",
                        now: dt.datetime | None = None) -> SensitiveView:
    """Record that `actor` looked a person up by ID number or phone (the window's lookup, the API's),
    in the same audit table as the full-ID view (`field="lookup"`)."""
    return SensitiveView.objects.create(actor=actor, party=party, field="lookup", page=page[:300],
                                        viewed_at=now or timezone.now())


def party_full_id_view(
    *,
    actor: AbstractBaseUser,
    party: Party,
    case: Case | None = None,
    page: str = "",
    now: dt.datetime | None = None,
) -> str:
    """Return the full ID number to an allowed role, and log the view (and on the case's timeline)."""
    if not actor.is_authenticated or not may(actor, MAY_SEE_FULL_ID):
        raise PermissionDeniedError(gettext("您的角色不能查看完整身份证号。"))
    if case is not None and not CaseParty.objects.filter(case=case, party=party).exists():
        raise NotFoundError()
    now = now or timezone.now()
    with transaction.atomic():
        SensitiveView.objects.create(actor=actor, party=party, case=case, field="id_number", page=page[:300],
                                     viewed_at=now)
        if case is not None:
            case_event_record(case=case, type=CaseEventType.PARTY_ID_VIEWED, actor=actor,
                              data={"party_id": party.pk, "party_name": party.name, "page": page[:300]}, now=now)
    return party.id_number
