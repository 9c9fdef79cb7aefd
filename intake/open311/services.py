"""Writes of the Open311 interface: platform keys, and a platform's push registered as a matter.

The push goes through `intake.services.case_register` (channel "platform"); this module only turns
GeoReport parameters into its arguments and makes a retried push return the matter it created.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center, Grid, Profile
from intake.choices import Channel, EventSource, PartyRole, Urgency
from intake.models import Case, Category, PlatformKey
from intake.services import MatterInput, PartyInput, case_register
from intake.titles import title_for_push

KEY_PREFIX = "o311_"
EXTERNAL_REF_MAX_CHARS = 64
MEDIA_URL_MAX_CHARS = 500

# Attributes of every service definition (GeoReport `attribute[code]=value`).
ATTRIBUTE_EXTERNAL_REF = "external_ref"
ATTRIBUTE_TITLE = "title"
ATTRIBUTE_URGENCY = "urgency"
ATTRIBUTE_GRID_CODE = "grid_code"


def _hash(raw_key: str) -> str:
    # Keys are 256-bit random strings, so a plain SHA-256 is enough (no password stretching needed).
    return hashlib.sha256(raw_key.encode()).hexdigest()


# --- platform keys ----------------------------------------------------------------------------


def platform_key_create(
    *, name: str, center: Center | None = None, source: str = "", now: dt.datetime | None = None
) -> tuple[PlatformKey, str]:
    """Create a key and its system user (the first receiver of the platform's pushes).

    Returns the key row and the raw key, which is shown once and never stored.
    """
    name = (name or "").strip()
    source = (source or "").strip() or name
    if not name:
        raise ApplicationError("请填写平台名称。", code="required", field="name")
    if len(name) > 100:
        raise ApplicationError("平台名称最多 100 个字。", code="too_long", field="name")
    if len(source) > 64:
        raise ApplicationError("平台标识最多 64 个字符。", code="too_long", field="source")
    if center is None:
        center = Center.objects.filter(level="district", active=True).order_by("pk").first()
        if center is None:
            raise ApplicationError("尚未配置区级中心。", code="not_found", field="center")
    if PlatformKey.objects.filter(name=name).exists():
        raise ApplicationError(f"已有名为“{name}”的密钥。", code="duplicate", field="name")
    now = now or timezone.now()
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    prefix = raw_key[: len(KEY_PREFIX) + 6]
    user_model = get_user_model()
    try:
        with transaction.atomic():
            receiver = user_model(username=f"open311-{prefix}", first_name=name[:150], is_active=True)
            receiver.set_unusable_password()
            receiver.save()
            Profile.objects.update_or_create(user=receiver, defaults={"center": center, "post": "平台接口"})
            key = PlatformKey.objects.create(name=name, source=source, key_hash=_hash(raw_key), prefix=prefix,
                                             center=center, receiver=receiver, created_at=now)
    except IntegrityError:
        raise ApplicationError(f"已有名为“{name}”的密钥。", code="duplicate", field="name") from None
    return key, raw_key


def platform_key_revoke(*, name: str, now: dt.datetime | None = None) -> int:
    """Revoke the active key of that name; returns how many were revoked (0 or 1)."""
    return PlatformKey.objects.filter(name=name, revoked_at__isnull=True).update(revoked_at=now or timezone.now())


def platform_key_authenticate(*, raw_key: str | None) -> PlatformKey:
    """The active key matching `raw_key`; `PermissionDeniedError` for a missing, wrong or revoked key."""
    raw_key = (raw_key or "").strip()
    if not raw_key:
        raise PermissionDeniedError("api_key was not provided.", code="api_key_missing")
    key = (
        PlatformKey.objects.select_related("center__district", "receiver")
        .filter(key_hash=_hash(raw_key), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        raise PermissionDeniedError("api_key is invalid or revoked.", code="api_key_invalid")
    return key


# --- a platform's push ------------------------------------------------------------------------


@dataclass(frozen=True)
class PushResult:
    case: Case
    created: bool


def _number(value: str | None, *, field: str, limit: int) -> float | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ApplicationError(f"{field} must be a decimal number (WGS84).", field=field) from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ApplicationError(f"{field} must be between -{limit} and {limit}.", field=field)
    return number


def _existing(*, key: PlatformKey, external_ref: str) -> Case | None:
    return Case.objects.filter(external_source=key.source, external_ref=external_ref).first()


def open311_request_submit(
    *, key: PlatformKey, params: Mapping[str, str], attributes: Mapping[str, str], now: dt.datetime | None = None
) -> PushResult:
    """Register a GeoReport `POST requests` as a matter, or return the one an earlier push created.

    `params` are the standard parameters (service_code, lat, long, address_string, description,
    first_name, last_name, phone, media_url ...), `attributes` the `attribute[code]` values.
    A retry with the same `external_ref` — also a concurrent one — returns the first matter.
    """
    now = now or timezone.now()
    service_code = (params.get("service_code") or "").strip()
    if not service_code:
        raise ApplicationError("service_code was not provided.", code="required", field="service_code")
    category = Category.objects.filter(code=service_code, active=True).first()
    if category is None or category.children.filter(active=True).exists():
        raise ApplicationError(f"service_code {service_code[:40]} not found.", code="not_found",
                               field="service_code")

    external_ref = (attributes.get(ATTRIBUTE_EXTERNAL_REF) or "").strip()
    if not external_ref:
        raise ApplicationError("attribute[external_ref] (the platform's work-order number) is required.",
                               code="required", field="attribute[external_ref]")
    if len(external_ref) > EXTERNAL_REF_MAX_CHARS:
        raise ApplicationError(f"attribute[external_ref] is longer than {EXTERNAL_REF_MAX_CHARS} characters.",
                               code="too_long", field="attribute[external_ref]")
    existing = _existing(key=key, external_ref=external_ref)
    if existing is not None:
        return PushResult(case=existing, created=False)

    lat = _number(params.get("lat"), field="lat", limit=90)
    lng = _number(params.get("long"), field="long", limit=180)
    if (lat is None) != (lng is None):
        raise ApplicationError("lat and long must be given together.", field="lat" if lat is None else "long")
    address = (params.get("address_string") or "").strip() or (params.get("address_id") or "").strip()
    if lat is None and not address:
        raise ApplicationError("A location is required: lat and long, address_string or address_id.",
                               code="required", field="lat")

    urgency = (attributes.get(ATTRIBUTE_URGENCY) or "").strip() or Urgency.NORMAL
    if urgency not in Urgency.values:
        raise ApplicationError(f"attribute[urgency] must be one of {', '.join(Urgency.values)}.",
                               field="attribute[urgency]")
    grid_id = None
    grid_code = (attributes.get(ATTRIBUTE_GRID_CODE) or "").strip()
    if grid_code:
        grid_id = Grid.objects.filter(code=grid_code).values_list("pk", flat=True).first()
        if grid_id is None:
            raise ApplicationError(f"attribute[grid_code] {grid_code[:20]} not found.", code="not_found",
                                   field="attribute[grid_code]")

    description = params.get("description") or ""
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        if len(media_url) > MEDIA_URL_MAX_CHARS or not media_url.lower().startswith(("http://", "https://")):
            raise ApplicationError("media_url must be an http(s) URL of at most 500 characters.",
                                   field="media_url")
        # No column for it: the clerk sees the link at the end of the description.
        description = f"{description.rstrip()}\n\n附件链接：{media_url}" if description.strip() else description
    title = (attributes.get(ATTRIBUTE_TITLE) or "").strip()
    if not title:
        title = title_for_push(category=category.name, place=address, description=params.get("description") or "")

    parties: list[PartyInput] = []
    name = f"{(params.get('last_name') or '').strip()}{(params.get('first_name') or '').strip()}"
    phone = (params.get("phone") or "").strip()
    if name or phone:
        parties.append(PartyInput(name=name or "（未留姓名）", phone=phone, role=PartyRole.APPLICANT))

    try:
        case = case_register(
            actor=key.receiver,
            center=key.center,
            matter=MatterInput(channel=Channel.PLATFORM, category=category, title=title, description=description,
                               parties=parties, address=address, grid=grid_id, latitude=lat, longitude=lng,
                               urgency=urgency, external_ref=external_ref, external_source=key.source),
            source=EventSource.API,
            now=now,
        )
    except ApplicationError as error:
        # A concurrent retry committed first: the unique (external_source, external_ref) said no.
        if error.code == "duplicate_external_ref":
            existing = _existing(key=key, external_ref=external_ref)
            if existing is not None:
                return PushResult(case=existing, created=False)
        raise
    return PushResult(case=case, created=True)
