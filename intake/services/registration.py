"""Registering a matter (`registration_input.MatterInput`) from any channel: its checks, its code,
parties, attachments, links and first event, and the rows the answer shows."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from governance.cache import OPERATING_MODE, cached_read
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center, Grid
from governance.workcal import WorkingCalendar
from intake import hooks
from intake.answer_limits import answer_limit_choose
from intake.choices import (
    QUEUED_ON_ARRIVAL,
    CaseEventType,
    CaseStatus,
    Channel,
    Complexity,
    EventSource,
    OperatingMode,
    PartyRole,
    RiskLevel,
    Urgency,
)
from intake.events import case_event_build, case_events_record_many
from intake.models import Attachment, Case, CaseEvent, CaseLink, CaseParty, CaseSequence, Category
from intake.services.cleaning import (
    FieldErrors,
    PartyInput,
    clean_choice,
    clean_coordinate,
    clean_parties,
    clean_text,
    resolve_category,
    resolve_grid,
)
from intake.services.party_matching import parties_match, parties_save
from intake.services.registration_input import GROUP_SIZE_MAX, MatterInput
from intake.services.transition import case_transition
from intake.validators import (
    ADDRESS_MAX_CHARS,
    DESCRIPTION_MAX_CHARS,
    EXTERNAL_REF_MAX_CHARS,
    TITLE_MAX_CHARS,
    CheckedUpload,
    UploadedFileLike,
    validate_upload,
)

logger = logging.getLogger(__name__)


def case_answer_deadline(
    *, center: Center, registered_at: dt.datetime, complexity: str, calendar: WorkingCalendar | None = None,
    category: Category | None = None,
) -> dt.datetime:
    """When the answer is due: by the kind's own limit when `category` (or its parent) has one,
    else the end of the N-th working day after the day of registration (N by complexity)."""
    calendar = calendar or WorkingCalendar(center=center)
    return answer_limit_choose(category=category, complexity=complexity, start=registered_at, calendar=calendar)[1]


def _operating_mode(*, district: Center) -> str:
    """The mode in force, as dispatch answers through the `intake.hooks.operating_mode` hook
    (cached until a mode switch commits)."""

    def load() -> str:
        kind = hooks.operating_mode(center=district)
        return kind if kind in OperatingMode.values else OperatingMode.NORMAL

    return cached_read(OPERATING_MODE, district.pk, load)


def _next_sequence(*, district: Center, year: int) -> int:
    """Take the next number of the district's year: one atomic UPDATE, row-locked until commit.

    Concurrent registrations queue on the row lock, so no two get the same number. Registration
    takes it before its own transaction (issue 25): the UPDATE then commits at once and the lock
    is held for that statement only, not across the matter's insert (a GIN pending-list clean-up
    can take it tens of milliseconds) and the COMMIT's flush, which every other registration of
    the district waited for. A registration that fails after this burns its number (codes are
    never reused, gaps are allowed); the checks and the party lookup that can refuse it come first.
    Inside a caller's transaction the lock lasts until that transaction ends, as before.
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


def store_files(uploads: Sequence[tuple[UploadedFileLike, CheckedUpload]], *, case: Case, actor: AbstractBaseUser,
                 purpose: str, stored: list[str]) -> list[Attachment]:
    """Save checked files under unguessable names and their rows (one INSERT); stored names are
    appended to `stored` so the caller can remove them when its transaction rolls back."""
    if not uploads:
        return []
    field = Attachment._meta.get_field("file")
    rows = []
    for upload, checked in uploads:
        name = field.generate_filename(None, f"upload.{checked.extension}")
        upload.seek(0)
        saved = field.storage.save(name, upload, max_length=field.max_length)
        stored.append(saved)
        rows.append(Attachment(case=case, file=saved, name=checked.name, size=upload.size,
                               content_type=checked.content_type, purpose=purpose, uploaded_by=actor))
    return Attachment.objects.bulk_create(rows)


def check_uploads(errors: FieldErrors, attachments: Iterable[UploadedFileLike], *,
                  field: str = "attachments") -> list[tuple[UploadedFileLike, CheckedUpload]]:
    """Every upload through `validate_upload`; failures are collected under `<field>.<index>`."""
    uploads = []
    for index, upload in enumerate(attachments):
        checked = errors.check(validate_upload, upload, field=f"{field}.{index}")
        if checked:
            uploads.append((upload, checked))
    return uploads


def remove_files(stored: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in stored:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - best effort after a rollback
            logger.warning("could not remove orphan attachment %s", name)


@dataclass(frozen=True)
class _Checked:
    """A matter that passed every check, as it will be written: clean text, the rows it names, its
    complexity settled, its parties (with a group's spokesman), its checked files and links."""

    category: Category
    grid: Grid | None
    title: str
    description: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    complexity: str
    group_size: int
    external_ref: str
    external_source: str
    parties: list[PartyInput]
    uploads: list[tuple[UploadedFileLike, CheckedUpload]]
    link_ids: list[int]


def _check(matter: MatterInput, *, center: Center, today: dt.date) -> _Checked:
    """Every field of `matter` checked; all that failed are raised at once (`FieldErrors`)."""
    errors = FieldErrors()
    clean_choice(errors, "channel", matter.channel, Channel, label=gettext("来源渠道"))
    clean_choice(errors, "urgency", matter.urgency, Urgency, label=gettext("紧急程度"))
    clean_choice(errors, "risk_level", matter.risk_level, RiskLevel, label=gettext("风险等级"))
    if matter.complexity:
        clean_choice(errors, "complexity", matter.complexity, Complexity, label=gettext("复杂程度"))
    title = clean_text(errors, "title", matter.title, label=gettext("标题"), max_chars=TITLE_MAX_CHARS, required=True)
    description = clean_text(errors, "description", matter.description, label=gettext("事项描述"),
                             max_chars=DESCRIPTION_MAX_CHARS, required=True)
    address = clean_text(errors, "address", matter.address, label=gettext("发生地址"), max_chars=ADDRESS_MAX_CHARS)
    external_ref = clean_text(errors, "external_ref", matter.external_ref, label=gettext("外部工单号"),
                              max_chars=EXTERNAL_REF_MAX_CHARS)
    external_source = clean_text(errors, "external_source", matter.external_source, label=gettext("外部来源"),
                                 max_chars=EXTERNAL_REF_MAX_CHARS)
    category = resolve_category(errors, matter.category)
    grid = resolve_grid(errors, matter.grid)
    lat = clean_coordinate(errors, "latitude", matter.latitude, 90)
    lng = clean_coordinate(errors, "longitude", matter.longitude, 180)
    if (lat is None) != (lng is None) and "latitude" not in errors.items and "longitude" not in errors.items:
        errors.fail("longitude" if lng is None else "latitude", gettext("经度和纬度须同时填写。"), code="required")
    window = matter.window
    if window is not None and (window.center_id != center.pk or not window.active):
        errors.fail("window", gettext("所选窗口不属于本中心或已关闭。"))
    group_size = 1
    if matter.is_group:
        try:
            group_size = int(matter.group_size)
        except (TypeError, ValueError, OverflowError):
            group_size = 0
        if group_size < 2:
            errors.fail("group_size", gettext("群体性事项请填写涉及人数（至少 2 人）。"))
        elif group_size > GROUP_SIZE_MAX:
            errors.fail("group_size", gettext("涉及人数最多 %(max)s 人，请核对。") % {"max": GROUP_SIZE_MAX})
    parties = clean_parties(errors, list(matter.parties), channel=matter.channel, today=today)
    uploads = check_uploads(errors, matter.attachments)
    link_ids = sorted({item.pk if isinstance(item, Case) else int(item) for item in matter.link_to})
    errors.raise_if_any()
    assert category is not None

    if matter.is_group and not any(p.is_spokesman for p in parties):
        first_applicant = next((i for i, p in enumerate(parties) if p.role == PartyRole.APPLICANT), None)
        if first_applicant is not None:
            p = parties[first_applicant]
            parties[first_applicant] = PartyInput(**{**p.__dict__, "is_spokesman": True})
    complexity = matter.complexity or (
        Complexity.URGENT if matter.urgency in {Urgency.URGENT, Urgency.CRITICAL} else category.default_complexity
    )
    return _Checked(category=category, grid=grid, title=title, description=description, address=address,
                    latitude=lat, longitude=lng, complexity=complexity, group_size=group_size,
                    external_ref=external_ref, external_source=external_source, parties=parties, uploads=uploads,
                    link_ids=link_ids)


@dataclass(frozen=True)
class _Written:
    """The rows one registration wrote, in the order they were made."""

    case: Case
    case_parties: list[CaseParty]
    attachments: list[Attachment]
    links: list[CaseLink]
    events: list[CaseEvent]


def _write(*, actor: AbstractBaseUser, center: Center, matter: MatterInput, checked: _Checked, source: str,
           now: dt.datetime, stored: list[str]) -> _Written:
    """The matter's code, row, parties, files, links and events, in one transaction; the names of
    the files saved are appended to `stored` (removed by the caller when the transaction rolls back)."""
    category, channel, window = checked.category, matter.channel, matter.window
    district = center.district_center
    town = None
    if checked.grid is not None:
        town = checked.grid if checked.grid.level == "town" else checked.grid.town

    operating_mode = _operating_mode(district=district)
    limit, expected = answer_limit_choose(category=category, complexity=checked.complexity, start=now,
                                          calendar=WorkingCalendar(center=center))
    year = timezone.localtime(now).year

    linked: list[Case] = []
    if checked.link_ids:
        linked = list(Case.objects.filter(pk__in=checked.link_ids, district=district).only("id", "code", "title"))
        if len(linked) != len(checked.link_ids):
            raise ApplicationError(gettext("要关联的事项不存在或不属于本区。"), code="not_found", field="link_to")
    match = parties_match(checked.parties)  # a person typed otherwise than on file stops here (409)
    sequence = _next_sequence(district=district, year=year)
    differences = match.differences
    with transaction.atomic():
        party_rows = parties_save(match)
        case = Case.objects.create(
            district=district,
            center=center,
            code=f"{district.code}-{year}-{sequence:06d}",
            year=year,
            sequence=sequence,
            channel=channel,
            category=category,
            title=checked.title,
            description=checked.description,
            address=checked.address,
            grid=checked.grid,
            town=town,
            latitude=checked.latitude,
            longitude=checked.longitude,
            urgency=matter.urgency,
            risk_level=matter.risk_level,
            complexity=checked.complexity,
            status=CaseStatus.REGISTERED,
            operating_mode=operating_mode,
            is_group=matter.is_group,
            group_size=checked.group_size,
            first_receiver=actor,
            window=window,
            registered_at=now,
            expected_answer_at=expected,
            answer_limit=limit.amount,
            answer_limit_unit=limit.unit,
            # The matter's overall deadline until dispatch sets the handling limits.
            due_at=expected,
            external_ref=checked.external_ref,
            external_source=checked.external_source,
        )
        case_parties = CaseParty.objects.bulk_create(
            CaseParty(case=case, party=party, role=item.role, is_spokesman=item.is_spokesman)
            for party, item in zip(party_rows, checked.parties, strict=True)
        )
        attachment_rows = store_files(checked.uploads, case=case, actor=actor, purpose="intake", stored=stored)
        events = [
            case_event_build(
                case=case,
                type=CaseEventType.CASE_REGISTERED,
                actor=actor,
                source=source,
                to_status=CaseStatus.REGISTERED,
                data={
                    "code": case.code,
                    "channel": channel,
                    "category": category.code,
                    "complexity": checked.complexity,
                    "urgency": matter.urgency,
                    "operating_mode": operating_mode,
                    "expected_answer_at": expected,
                    "answer_limit": [limit.amount, limit.unit],
                    "window": window.pk if window else None,
                    "parties": [p.pk for p in party_rows],
                    "attachments": [checked_upload.name for _, checked_upload in checked.uploads],
                },
                now=now,
            )
        ]
        events += [
            case_event_build(case=case, type=(CaseEventType.PARTY_UPDATED if diff["choice"] == "update"
                                   else CaseEventType.PARTY_KEPT),
                             actor=actor, source=source,
                             data={"party_id": diff["party_id"], "role": checked.parties[index].role,
                                   "choice": diff["choice"], "differences": diff["fields"]}, now=now)
            for index, diff in sorted(differences.items())
        ]
        links: list[CaseLink] = []
        if linked:
            links = CaseLink.objects.bulk_create(
                CaseLink(from_case=case, to_case=other, note="重复访", created_by=actor) for other in linked
            )
            events += [
                case_event_build(case=case, type=CaseEventType.CASE_LINKED, actor=actor, source=source,
                                 data={"other_id": other.pk, "other_code": other.code, "note": "重复访"}, now=now)
                for other in linked
            ]
        case_events_record_many(events=events, new_case=case)
        if channel not in QUEUED_ON_ARRIVAL:  # the first receiver's 移送 clock starts (马上受理)
            hooks.case_status_changed(case=case, from_status="", to_status=CaseStatus.REGISTERED, now=now)
        else:
            case_transition(case=case, to_status=CaseStatus.PENDING_DISPATCH, actor=actor,
                            event_type=CaseEventType.CASE_SENT_TO_DISPATCH, source=source,
                            data={"note": "", "rule": "channel", "channel": channel}, now=now)
            hooks.case_queued(case=case, now=now)
    return _Written(case=case, case_parties=case_parties, attachments=attachment_rows, links=links, events=events)


def _with_rows(written: _Written) -> Case:
    """The matter carrying what was just written, in the order the selectors read it, so an answer
    needs no read-back."""
    case = written.case
    case.party_rows = sorted(written.case_parties, key=lambda row: (row.role, not row.is_spokesman, row.pk))
    case.attachment_rows = written.attachments
    case.link_rows = [{"other": link.to_case, "note": link.note, "outgoing": True, "created_at": link.created_at}
                      for link in written.links]
    encoder = CaseEvent._meta.get_field("data").encoder
    for event in written.events:  # the data as stored (dates as text), as a read would give it
        event.data = json.loads(json.dumps(event.data, cls=encoder))
    case.timeline_rows = written.events
    return case


def case_register(
    *,
    actor: AbstractBaseUser,
    center: Center,
    matter: MatterInput,
    source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Case:
    """Register `matter` at `center` from any channel and give it its code; the actor is its first
    receiver.

    Everything is checked before anything is written, and the writes are one transaction; the
    number is taken just before it, on its own (`_next_sequence`). Text is stored exactly as typed
    (HTML included): pages escape it. `matter.complexity=None` takes the category's default, or
    "urgent" for an urgent/critical matter.

    SQL for a walk-in with one applicant and no attachments (transaction control aside), 5 or 6:
    party lookup (only with an ID number or credit code), sequence (UPDATE ... RETURNING), party
    insert or update (skipped when nothing changed), case, case party, events. The mode in force,
    the calendar's days and the category come from `governance.cache`.

    The returned matter carries the rows just written, as the matter's selectors would read them
    (`party_rows`, `attachment_rows`, `link_rows`, `timeline_rows`): the API answers from them.
    """
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError(gettext("请先登录。"))
    checked = _check(matter, center=center, today=timezone.localdate(now))
    stored: list[str] = []
    try:
        written = _write(actor=actor, center=center, matter=matter, checked=checked, source=source, now=now,
                         stored=stored)
    except IntegrityError as error:
        remove_files(stored)
        ref, ref_source = checked.external_ref, checked.external_source
        if ref and Case.objects.filter(external_source=ref_source, external_ref=ref).exists():
            raise ApplicationError(
                gettext("外部工单号 %(ref)s 已登记过。") % {"ref": ref}, code="duplicate_external_ref", field="external_ref",
            ) from error
        raise
    except BaseException:
        remove_files(stored)
        raise
    return _with_rows(written)
