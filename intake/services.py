"""Writes of intake: registering a matter, settling it on the spot, sending it to dispatch, linking
matters, categories, and the audited full view of a resident ID number.

Every public function is keyword-only and takes `now=` so tests control time. Business errors
raise `ApplicationError` (Chinese message, `field`, and for registration `extra["errors"]` with
every field that failed, so a form can show them all at once).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.models import Center, Grid, ServiceWindow
from governance.roles import Role, has_role
from governance.workcal import WorkingCalendar
from intake.choices import (
    CaseStatus,
    Channel,
    Complexity,
    EventSource,
    HandlingMode,
    OperatingMode,
    PartyKind,
    PartyRole,
    RiskLevel,
    Urgency,
)
from intake.events import case_event_build, case_event_record, case_events_record_many
from intake.models import Attachment, Case, CaseLink, CaseParty, CaseSequence, Category, Party, SensitiveView
from intake.pinyin import pinyin_initials
from intake.services_core import case_transition
from intake.validators import (
    DESCRIPTION_MAX_CHARS,
    RESULT_MAX_CHARS,
    TITLE_MAX_CHARS,
    UploadedFileLike,
    validate_attachment,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)

__all__ = [
    "ANSWER_WORKING_DAYS",
    "FULL_ID_ROLES",
    "PartyInput",
    "case_answer_deadline",
    "case_link",
    "case_register",
    "case_send_to_dispatch",
    "case_settle_on_spot",
    "case_transition",
    "category_save",
    "party_full_id_view",
]

logger = logging.getLogger(__name__)

# How long the center promises the person for an answer, in working days counted from the working
# day after registration (seed 004: "一般问题 7 个工作日，较为复杂问题 3 周以内"). An urgent matter is
# answered by the end of the next working day; dispatch sets its own, shorter handling limits.
ANSWER_WORKING_DAYS: dict[str, int] = {
    Complexity.ORDINARY: 7,
    Complexity.COMPLEX: 15,
    Complexity.URGENT: 1,
}

# Roles that may see a resident ID number in full (every view is logged).
FULL_ID_ROLES = frozenset(
    {Role.WINDOW_CLERK, Role.DISPATCHER, Role.DUTY_DIRECTOR, Role.COMMANDER, Role.ADMINISTRATOR}
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


# --- registration ---------------------------------------------------------------------------


class _Errors:
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


def _text(errors: _Errors, field: str, value: str | None, *, label: str, max_chars: int,
          required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.fail(field, gettext("请填写%(label)s。") % {"label": label}, code="required")
    elif len(text) > max_chars:
        errors.fail(field, gettext("%(label)s最多 %(max)s 个字，当前 %(count)s 个字。") % {
            "label": label, "max": max_chars, "count": len(text)}, code="too_long")
    return text


def _choice(errors: _Errors, field: str, value: str, choices: type, *, label: str) -> str:
    if value not in choices.values:
        errors.fail(field, gettext("%(label)s“%(value)s”无效。") % {"label": label, "value": value})
    return value


def _resolve_category(errors: _Errors, category: Category | int | str | None) -> Category | None:
    if category is None or category == "":
        errors.fail("category", gettext("请选择事项类别。"), code="required")
        return None
    if not isinstance(category, Category):
        try:
            category = Category.objects.get(pk=int(category))
        except (ValueError, TypeError, Category.DoesNotExist):
            errors.fail("category", gettext("所选事项类别不存在。"), code="not_found")
            return None
    if not category.active:
        errors.fail("category", gettext("事项类别“%(name)s”已停用，请另选。") % {"name": category.name}, code="inactive")
        return None
    return category


def _resolve_grid(errors: _Errors, grid: Grid | int | str | None) -> Grid | None:
    if grid is None or grid == "":
        return None
    if not isinstance(grid, Grid):
        try:
            grid = Grid.objects.get(pk=int(grid))
        except (ValueError, TypeError, Grid.DoesNotExist):
            errors.fail("grid", gettext("所选网格不存在。"), code="not_found")
            return None
    if not grid.active:
        errors.fail("grid", gettext("网格“%(name)s”已停用，请另选。") % {"name": grid.name}, code="inactive")
        return None
    return grid


def _coordinate(errors: _Errors, field: str, value: Any, limit: int) -> Decimal | None:
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


def _clean_parties(errors: _Errors, parties: Sequence[PartyInput], *, channel: str,
                   today: dt.date) -> list[PartyInput]:
    cleaned: list[PartyInput] = []
    seen: set[str] = set()
    for index, party in enumerate(parties):
        prefix = f"parties.{index}."
        kind = _choice(errors, prefix + "kind", party.kind, PartyKind, label=gettext("当事人类型"))
        role = _choice(errors, prefix + "role", party.role, PartyRole, label=gettext("当事人角色"))
        label = gettext("姓名") if kind == PartyKind.PERSON else gettext("单位名称")
        name = _text(errors, prefix + "name", party.name, label=label, max_chars=100, required=True)
        address = _text(errors, prefix + "address", party.address, label=gettext("住址"), max_chars=200)
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
        cleaned.append(PartyInput(kind=kind, name=name, id_number=id_number, credit_code=credit_code,
                                  phone=phone, address=address, role=role, is_spokesman=bool(party.is_spokesman)))
    if channel in CHANNELS_NEEDING_APPLICANT:
        applicants = [p for p in parties if p.role == PartyRole.APPLICANT]
        if not applicants:
            errors.fail("parties", gettext("请填写申请人。"), code="required")
        elif not any(p.id_number.strip() or p.phone.strip() or p.credit_code.strip() for p in applicants):
            errors.fail("parties.0.phone", gettext("请至少填写申请人的身份证号或联系电话，以便答复。"), code="required")
    if sum(1 for p in parties if p.is_spokesman) > 1:
        errors.fail("parties", gettext("代表人只能有一位。"))
    return cleaned


def case_answer_deadline(
    *, center: Center, registered_at: dt.datetime, complexity: str, calendar: WorkingCalendar | None = None
) -> dt.datetime:
    """The end of the N-th working day after the day of registration (N by complexity)."""
    calendar = calendar or WorkingCalendar(center=center)
    return calendar.working_days_deadline(registered_at, ANSWER_WORKING_DAYS[complexity])


def _operating_mode(*, district: Center) -> str:
    """The mode in force, from `dispatch.selectors.mode_current` when dispatch provides it.

    Imported lazily and looked up by name so intake never depends on dispatch at import time.
    """
    if not apps.is_installed("dispatch"):
        return OperatingMode.NORMAL
    try:
        module = importlib.import_module("dispatch.selectors")
    except ModuleNotFoundError as error:
        if error.name not in {"dispatch.selectors", "dispatch"}:
            raise
        return OperatingMode.NORMAL
    mode_current = getattr(module, "mode_current", None)
    if mode_current is None:
        return OperatingMode.NORMAL
    mode = mode_current(center=district)
    kind = getattr(mode, "kind", mode)
    return kind if kind in OperatingMode.values else OperatingMode.NORMAL


def _next_sequence(*, district: Center, year: int) -> int:
    """Take the next number of the district's year: one atomic UPDATE, row-locked until commit.

    Concurrent registrations queue on the row lock, so no two get the same number; a rolled-back
    registration burns its number (codes are never reused, gaps are allowed).
    """
    for _attempt in range(2):
        value = _increment_sequence(district_id=district.pk, year=year)
        if value is not None:
            return value
        # First matter of the year: create the row; a concurrent creator wins harmlessly.
        try:
            with transaction.atomic():
                CaseSequence.objects.create(district=district, year=year, last_value=0)
        except IntegrityError:
            pass
    raise RuntimeError("case sequence row could not be created")


def _increment_sequence(*, district_id: int, year: int) -> int | None:
    if connection.vendor in {"postgresql", "sqlite"}:
        # UPDATE ... RETURNING: the increment and the read are one statement.
        table = connection.ops.quote_name(CaseSequence._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET last_value = last_value + 1 WHERE district_id = %s AND year = %s "  # noqa: S608
                "RETURNING last_value",
                [district_id, year],
            )
            row = cursor.fetchone()
        return row[0] if row else None
    rows = CaseSequence.objects.filter(district_id=district_id, year=year)
    if not rows.update(last_value=F("last_value") + 1):
        return None
    return rows.values_list("last_value", flat=True).get()


def _match_parties(cleaned: list[PartyInput]) -> list[Party]:
    """Reuse the Party rows known by ID number or credit code; create the others (two queries)."""
    id_numbers = {p.id_number for p in cleaned if p.id_number}
    credit_codes = {p.credit_code for p in cleaned if p.credit_code}
    by_id: dict[str, Party] = {}
    by_code: dict[str, Party] = {}
    if id_numbers or credit_codes:
        condition = Q(id_number__in=id_numbers) if id_numbers else Q()
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
    for item in cleaned:
        party = (by_id.get(item.id_number) if item.id_number else None) or (
            by_code.get(item.credit_code) if item.credit_code else None
        )
        if party is None:
            party = Party(kind=item.kind, name=item.name, id_number=item.id_number, credit_code=item.credit_code,
                          phone=item.phone, address=item.address)
            new.append(party)
        else:
            updates = {"phone": item.phone, "address": item.address}
            updates = {k: v for k, v in updates.items() if v and getattr(party, k) != v}
            if updates:
                for key, value in updates.items():
                    setattr(party, key, value)
                changed.append(party)
        result.append(party)
    if changed:
        Party.objects.bulk_update(changed, ["phone", "address"])
    if new:
        Party.objects.bulk_create(new)
    return result


def _store_files(uploads: Sequence[tuple[UploadedFileLike, str]], *, case: Case, actor: AbstractBaseUser,
                 purpose: str, stored: list[str]) -> None:
    """Save the files and their rows (one INSERT); names are appended to `stored` for cleanup."""
    if not uploads:
        return
    field = Attachment._meta.get_field("file")
    rows = []
    for upload, content_type in uploads:
        name = field.generate_filename(None, upload.name.rsplit("/", 1)[-1])
        upload.seek(0)
        saved = field.storage.save(name, upload, max_length=field.max_length)
        stored.append(saved)
        rows.append(Attachment(case=case, file=saved, name=upload.name.rsplit("/", 1)[-1][:200], size=upload.size,
                               content_type=content_type, purpose=purpose, uploaded_by=actor))
    Attachment.objects.bulk_create(rows)


def _remove_files(stored: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in stored:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - best effort after a rollback
            logger.warning("could not remove orphan attachment %s", name)


def case_register(
    *,
    actor: AbstractBaseUser,
    center: Center,
    channel: str,
    category: Category | int | None,
    title: str,
    description: str,
    parties: Sequence[PartyInput],
    address: str = "",
    grid: Grid | int | None = None,
    latitude: Decimal | float | str | None = None,
    longitude: Decimal | float | str | None = None,
    urgency: str = Urgency.NORMAL,
    risk_level: str = RiskLevel.LOW,
    complexity: str | None = None,
    window: ServiceWindow | None = None,
    is_group: bool = False,
    group_size: int = 1,
    external_ref: str = "",
    external_source: str = "",
    attachments: Iterable[UploadedFileLike] = (),
    link_to: Iterable[Case | int] = (),
    source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Case:
    """Register a matter from any channel and give it its code; the actor is its first receiver.

    Everything is checked before anything is written, and the writes are one transaction. Text is
    stored exactly as typed (HTML included): pages escape it. `complexity=None` takes the
    category's default, or "urgent" for an urgent/critical matter.

    SQL for a walk-in with one applicant and no attachments (transaction control aside), 8 at most:
    mode, calendar days, sequence (UPDATE ... RETURNING), party lookup, party insert or update
    (skipped when nothing changed), case, case party, events.
    """
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError(gettext("请先登录。"))
    errors = _Errors()
    today = timezone.localdate(now)

    _choice(errors, "channel", channel, Channel, label=gettext("来源渠道"))
    _choice(errors, "urgency", urgency, Urgency, label=gettext("紧急程度"))
    _choice(errors, "risk_level", risk_level, RiskLevel, label=gettext("风险等级"))
    if complexity:
        _choice(errors, "complexity", complexity, Complexity, label=gettext("复杂程度"))
    title = _text(errors, "title", title, label=gettext("标题"), max_chars=TITLE_MAX_CHARS, required=True)
    description = _text(errors, "description", description, label=gettext("事项描述"), max_chars=DESCRIPTION_MAX_CHARS,
                        required=True)
    address = _text(errors, "address", address, label=gettext("发生地址"), max_chars=200)
    external_ref = _text(errors, "external_ref", external_ref, label=gettext("外部工单号"), max_chars=64)
    external_source = _text(errors, "external_source", external_source, label=gettext("外部来源"), max_chars=64)
    category_obj = _resolve_category(errors, category)
    grid_obj = _resolve_grid(errors, grid)
    lat = _coordinate(errors, "latitude", latitude, 90)
    lng = _coordinate(errors, "longitude", longitude, 180)
    if window is not None and (window.center_id != center.pk or not window.active):
        errors.fail("window", gettext("所选窗口不属于本中心或已关闭。"))
    if is_group:
        try:
            group_size = int(group_size)
        except (TypeError, ValueError):
            group_size = 0
        if group_size < 2:
            errors.fail("group_size", gettext("群体性事项请填写涉及人数（至少 2 人）。"))
    else:
        group_size = 1
    cleaned = _clean_parties(errors, list(parties), channel=channel, today=today)
    uploads: list[tuple[UploadedFileLike, str]] = []
    for index, upload in enumerate(attachments):
        content_type = errors.check(validate_attachment, upload, field=f"attachments.{index}")
        if content_type:
            uploads.append((upload, content_type))
    link_ids = sorted({item.pk if isinstance(item, Case) else int(item) for item in link_to})
    errors.raise_if_any()
    assert category_obj is not None

    if is_group and not any(p.is_spokesman for p in cleaned):
        first_applicant = next((i for i, p in enumerate(cleaned) if p.role == PartyRole.APPLICANT), None)
        if first_applicant is not None:
            p = cleaned[first_applicant]
            cleaned[first_applicant] = PartyInput(**{**p.__dict__, "is_spokesman": True})

    if not complexity:
        complexity = (
            Complexity.URGENT if urgency in {Urgency.URGENT, Urgency.CRITICAL} else category_obj.default_complexity
        )
    district = center.district_center
    town_id = None
    if grid_obj is not None:
        town_id = grid_obj.pk if grid_obj.level == "town" else grid_obj.town_id

    operating_mode = _operating_mode(district=district)
    expected = case_answer_deadline(center=center, registered_at=now, complexity=complexity)
    year = timezone.localtime(now).year

    stored: list[str] = []
    try:
        with transaction.atomic():
            linked: list[Case] = []
            if link_ids:
                linked = list(Case.objects.filter(pk__in=link_ids, district=district).only("id", "code"))
                if len(linked) != len(link_ids):
                    raise ApplicationError(gettext("要关联的事项不存在或不属于本区。"), code="not_found", field="link_to")
            sequence = _next_sequence(district=district, year=year)
            party_rows = _match_parties(cleaned)
            case = Case.objects.create(
                district=district,
                center=center,
                code=f"{district.code}-{year}-{sequence:06d}",
                year=year,
                sequence=sequence,
                channel=channel,
                category=category_obj,
                title=title,
                description=description,
                address=address,
                grid=grid_obj,
                town_id=town_id,
                latitude=lat,
                longitude=lng,
                urgency=urgency,
                risk_level=risk_level,
                complexity=complexity,
                status=CaseStatus.REGISTERED,
                operating_mode=operating_mode,
                is_group=is_group,
                group_size=group_size,
                first_receiver=actor,
                window=window,
                registered_at=now,
                expected_answer_at=expected,
                # The matter's overall deadline until dispatch sets the handling limits.
                due_at=expected,
                external_ref=external_ref,
                external_source=external_source,
            )
            CaseParty.objects.bulk_create(
                CaseParty(case=case, party=party, role=item.role, is_spokesman=item.is_spokesman)
                for party, item in zip(party_rows, cleaned, strict=True)
            )
            _store_files(uploads, case=case, actor=actor, purpose="intake", stored=stored)
            events = [
                case_event_build(
                    case=case,
                    type="case.registered",
                    actor=actor,
                    source=source,
                    to_status=CaseStatus.REGISTERED,
                    data={
                        "code": case.code,
                        "channel": channel,
                        "category": category_obj.code,
                        "complexity": complexity,
                        "urgency": urgency,
                        "operating_mode": operating_mode,
                        "expected_answer_at": expected,
                        "window": window.pk if window else None,
                        "parties": [p.pk for p in party_rows],
                        "attachments": [u.name for u, _ in uploads],
                    },
                    now=now,
                )
            ]
            if linked:
                CaseLink.objects.bulk_create(
                    CaseLink(from_case=case, to_case=other, note="重复访", created_by=actor) for other in linked
                )
                events += [
                    case_event_build(case=case, type="case.linked", actor=actor, source=source,
                                     data={"other_id": other.pk, "other_code": other.code, "note": "重复访"}, now=now)
                    for other in linked
                ]
            case_events_record_many(events=events)
    except IntegrityError as error:
        _remove_files(stored)
        if external_ref and Case.objects.filter(external_source=external_source, external_ref=external_ref).exists():
            raise ApplicationError(
                gettext("外部工单号 %(ref)s 已登记过。") % {"ref": external_ref}, code="duplicate_external_ref", field="external_ref",
                status_code=409,
            ) from error
        raise
    except BaseException:
        _remove_files(stored)
        raise
    return case


# --- after registration: on the spot, or to dispatch ----------------------------------------


def _require_case_hand(actor: AbstractBaseUser, case: Case) -> None:
    """The first receiver, or the command center staff, may act on a newly registered matter."""
    if not actor.is_authenticated:
        raise PermissionDeniedError(gettext("请先登录。"))
    if case.first_receiver_id == actor.pk:
        return
    if has_role(actor, Role.DISPATCHER, Role.DUTY_DIRECTOR, Role.ADMINISTRATOR):
        return
    raise PermissionDeniedError(gettext("只有首接责任人或调度人员可以办理此事项。"))


def case_settle_on_spot(
    *,
    actor: AbstractBaseUser,
    case: Case,
    result: str,
    attachments: Iterable[UploadedFileLike] = (),
    now: dt.datetime | None = None,
) -> Case:
    """自办: the window settled the matter on the spot; keep the result and the written agreement."""
    now = now or timezone.now()
    _require_case_hand(actor, case)
    errors = _Errors()
    result = _text(errors, "result", result, label=gettext("办理结果"), max_chars=RESULT_MAX_CHARS, required=True)
    uploads: list[tuple[UploadedFileLike, str]] = []
    for index, upload in enumerate(attachments):
        content_type = errors.check(validate_attachment, upload, field=f"attachments.{index}")
        if content_type:
            uploads.append((upload, content_type))
    errors.raise_if_any()
    stored: list[str] = []
    try:
        with transaction.atomic():
            case_transition(
                case=case,
                to_status=CaseStatus.SETTLED_ON_SPOT,
                actor=actor,
                event_type="case.settled_on_spot",
                data={"result": result, "attachments": [u.name for u, _ in uploads]},
                extra_fields={"handling_mode": HandlingMode.SELF, "settlement": result, "resolved": True},
                now=now,
            )
            _store_files(uploads, case=case, actor=actor, purpose="settlement", stored=stored)
    except BaseException:
        _remove_files(stored)
        raise
    return case


def case_send_to_dispatch(
    *, actor: AbstractBaseUser, case: Case, note: str = "", now: dt.datetime | None = None
) -> Case:
    """What the window cannot settle goes to the dispatch queue (there is no rejection)."""
    _require_case_hand(actor, case)
    errors = _Errors()
    note = _text(errors, "note", note, label=gettext("说明"), max_chars=500)
    errors.raise_if_any()
    case_transition(
        case=case,
        to_status=CaseStatus.PENDING_DISPATCH,
        actor=actor,
        event_type="case.sent_to_dispatch",
        data={"note": note},
        now=now or timezone.now(),
    )
    return case


def case_link(
    *, actor: AbstractBaseUser, case: Case, other: Case, note: str = "", now: dt.datetime | None = None
) -> CaseLink:
    """Link `case` to an earlier matter (repeat visit, same site, same group)."""
    errors = _Errors()
    note = _text(errors, "note", note, label=gettext("关联说明"), max_chars=200)
    errors.raise_if_any()
    if other.pk == case.pk:
        raise ApplicationError(gettext("不能把事项关联到它自己。"), field="other")
    if other.district_id != case.district_id:
        raise ApplicationError(gettext("只能关联本区的事项。"), field="other")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            link = CaseLink.objects.create(from_case=case, to_case=other, note=note, created_by=actor)
            case_event_record(case=case, type="case.linked", actor=actor,
                              data={"other_id": other.pk, "other_code": other.code, "note": note}, now=now)
    except IntegrityError:
        raise ApplicationError(gettext("已与事项 %(code)s 关联。") % {"code": other.code}, code="duplicate", field="other") from None
    return link


# --- parties --------------------------------------------------------------------------------


def party_full_id_view(
    *,
    actor: AbstractBaseUser,
    party: Party,
    case: Case | None = None,
    page: str = "",
    now: dt.datetime | None = None,
) -> str:
    """Return the full ID number to an allowed role, and log the view (and on the case's timeline)."""
    if not actor.is_authenticated or not has_role(actor, *FULL_ID_ROLES):
        raise PermissionDeniedError(gettext("您的角色不能查看完整身份证号。"))
    if case is not None and not CaseParty.objects.filter(case=case, party=party).exists():
        raise NotFoundError()
    now = now or timezone.now()
    with transaction.atomic():
        SensitiveView.objects.create(actor=actor, party=party, case=case, field="id_number", page=page[:300],
                                     viewed_at=now)
        if case is not None:
            case_event_record(case=case, type="party.id_viewed", actor=actor,
                              data={"party_id": party.pk, "party_name": party.name, "page": page[:300]}, now=now)
    return party.id_number


# --- categories -----------------------------------------------------------------------------


def category_save(*, category: Category) -> Category:
    """Save an administrator's category: two levels only, initials filled in when left blank."""
    if category.parent_id:
        parent = category.parent
        if parent.parent_id:
            raise ApplicationError(gettext("事项类别只有两级：上级类别必须是一级类别。"), field="parent")
        if category.pk and parent.pk == category.pk:
            raise ApplicationError(gettext("上级类别不能是它自己。"), field="parent")
        if category.pk and Category.objects.filter(parent_id=category.pk).exists():
            raise ApplicationError(gettext("该类别下已有子类别，不能再设上级类别。"), field="parent")
    name = (category.name or "").strip()
    if not name:
        raise ApplicationError(gettext("请填写类别名称。"), field="name", code="required")
    category.name = name
    if not (category.initials or "").strip():
        category.initials = pinyin_initials(name)[:50]
    category.initials = category.initials.strip().lower()
    category.save()
    return category
