"""Duty attendance, read: the center's sign-in code, who holds a post at the center on a day, and the
day's sheet (who should be there, who signed in and out).

The code: six digits, an HMAC (SHA-256, the server's SECRET_KEY) of the center and the minute, shown
on the command center's screen. Typing it proves presence in the room; a photo of it sent elsewhere is
worth at most two minutes (the current and the previous minute are accepted, so a code read at hh:mm:59
still works when the phone sends it a second later).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from dispatch.choices import DutyPost, DutyRole
from dispatch.models import DutyRoster, DutyShift, DutySign
from dispatch.selectors.roster import DutyDay, duty_day, duty_days, users_named
from governance.models import Center, Department, Profile, Stationing
from governance.workcal import WorkingCalendar

CODE_DIGITS = 6
CODE_PERIOD_SECONDS = 60
CODE_MINUTES_ACCEPTED = 2  # the current minute and the one before


def _minute(at: dt.datetime) -> int:
    return int(at.timestamp() // CODE_PERIOD_SECONDS)


def _code_for_minute(center_id: int, minute: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"duty-sign:{center_id}:{minute}".encode(),
                      hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def attendance_code(*, center: Center, at: dt.datetime) -> str:
    """The code the center's screen shows at `at`."""
    return _code_for_minute(center.pk, _minute(at))


def attendance_code_valid_until(*, at: dt.datetime) -> dt.datetime:
    """When the code shown at `at` is replaced on the screen (the next minute starts)."""
    return dt.datetime.fromtimestamp((_minute(at) + 1) * CODE_PERIOD_SECONDS, tz=dt.UTC)


def attendance_code_matches(*, center: Center, code: str, at: dt.datetime) -> bool:
    """Whether `code` is the center's code of this minute or of the previous one."""
    code = "".join((code or "").split())
    if len(code) != CODE_DIGITS or not code.isdigit():
        return False
    minute = _minute(at)
    return any(hmac.compare_digest(code, _code_for_minute(center.pk, minute - back))
               for back in range(CODE_MINUTES_ACCEPTED))


def shift_starts_at(*, day: dt.date) -> dt.datetime:
    """A shift begins with the first working period of the day (WORKING_HOURS, 08:30 by default);
    signing in after it is late."""
    start = settings.WORKING_HOURS[0][0]
    return dt.datetime.combine(day, dt.time(*start), ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class PostHeld:
    """A post a person holds at the center on a day, with the plan in force (copied onto the sign)."""

    post: str
    department: Department
    role: str = ""
    roster: DutyRoster | None = None
    shift: DutyShift | None = None


def director_post_people(day: DutyDay) -> list[AbstractBaseUser]:
    """Who keeps the duty director's shift of a day: the director on duty, and the deputy (副班) of the
    same department, who stands in when the main director cannot (the board's `on_shift`)."""
    people = [day.director, day.deputy_director]
    return [person for index, person in enumerate(people) if person is not None and person not in people[:index]]


def _department_people(department_ids: list[int]) -> dict[int, list[AbstractBaseUser]]:
    """The staff of each department: its members (profile) and its liaison, active only."""
    result: dict[int, list[AbstractBaseUser]] = {pk: [] for pk in department_ids}
    for profile in (Profile.objects.filter(department_id__in=department_ids, user__is_active=True)
                    .select_related("user").order_by("user__username")):
        result[profile.department_id].append(profile.user)
    for department in Department.objects.filter(pk__in=department_ids, liaison__is_active=True).select_related("liaison"):
        if department.liaison not in result[department.pk]:
            result[department.pk].append(department.liaison)
    return result


def stationed_days(*, center: Center, first: dt.date, last: dt.date,
                   calendar: WorkingCalendar | None = None) -> dict[dt.date, list[int]]:
    """The rotating departments (ids) stationed at the center on each day from `first` to `last`, by
    the weekly rota (`Stationing`, in force that day, department active), on working days only:
    nobody is stationed on a public holiday, and a make-up working day has its weekday's rota."""
    calendar = calendar or WorkingCalendar(center=center)
    rules = list(Stationing.objects.filter(center=center, department__active=True, valid_from__lte=last)
                 .exclude(valid_to__lt=first).values("department_id", "weekday", "valid_from", "valid_to"))
    days: dict[dt.date, list[int]] = {}
    day = first
    while day <= last:
        if calendar.is_working_day(day):
            days[day] = sorted({rule["department_id"] for rule in rules if rule["weekday"] == day.weekday()
                                and rule["valid_from"] <= day and (rule["valid_to"] is None or rule["valid_to"] >= day)})
        day += dt.timedelta(days=1)
    return days


def stationed_departments(*, center: Center, day: dt.date) -> list[Department]:
    ids = stationed_days(center=center, first=day, last=day).get(day, [])
    return list(Department.objects.filter(pk__in=ids).order_by("short_code")) if ids else []


def posts_held(*, center: Center, person: AbstractBaseUser, day: dt.date) -> list[PostHeld]:
    """The posts `person` holds at `center` on `day`: the duty director's shift (director on duty or
    the deputy of the same department), else a stationed department's day if they are its staff."""
    duty = duty_day(center=center, day=day)
    if person in director_post_people(duty):
        department = duty.department
        if department is None:  # an override naming a person and no department: his own
            department = Department.objects.filter(staff__user=person).first()
        if department is not None:
            role = duty.role or DutyRole.MAIN
            if person != duty.director:
                role = DutyRole.DEPUTY
            return [PostHeld(post=DutyPost.DIRECTOR, department=department, role=role, roster=duty.roster,
                             shift=duty.shift)]
    stationed = stationed_departments(center=center, day=day)
    if not stationed:
        return []
    people = _department_people([department.pk for department in stationed])
    return [PostHeld(post=DutyPost.STATIONED, department=department) for department in stationed
            if person in people[department.pk]]


def signs_of(*, center: Center, person: AbstractBaseUser, day: dt.date) -> list[DutySign]:
    return list(DutySign.objects.filter(center=center, person=person, date=day).select_related("department")
                .order_by("post"))


def signs_of_shift(*, center: Center, person: AbstractBaseUser, at: dt.datetime) -> list[DutySign]:
    """The signs of the shift `person` signed in to, as seen at `at`: today's; after midnight, the
    day before's while one of them is still open (a shift through the night, signed out after 00:00) or
    was signed out today (pressing 签退 again). Today's open signs come first: a sign forgotten open the
    day before is never closed by today's sign-out."""
    today = timezone.localdate(at)
    yesterday = today - dt.timedelta(days=1)
    rows = list(DutySign.objects.filter(center=center, person=person, date__in=[yesterday, today])
                .select_related("department").order_by("date", "post"))
    todays = [sign for sign in rows if sign.date == today]
    overnight = [sign for sign in rows if sign.date == yesterday and (
        sign.signed_out_at is None or timezone.localdate(sign.signed_out_at) == today)]
    if any(sign.signed_out_at is None for sign in todays):
        return todays
    if any(sign.signed_out_at is None for sign in overnight):
        return overnight
    return todays or overnight


@dataclass
class SheetLine:
    """One post of the day's sheet: who should be there, and the signs made for it."""

    post: str
    department: Department
    expected: list[AbstractBaseUser]
    signs: list[DutySign] = field(default_factory=list)
    note: str = ""

    @property
    def post_label(self) -> str:
        return str(DutyPost(self.post).label)

    @property
    def expected_names(self) -> str:
        return users_named(self.expected)

    @property
    def kept(self) -> bool:
        return bool(self.signs)

    @property
    def present(self) -> list[DutySign]:
        return [sign for sign in self.signs if sign.signed_out_at is None]

    @property
    def unsigned(self) -> list[AbstractBaseUser]:
        signed = {sign.person_id for sign in self.signs}
        return [person for person in self.expected if person.pk not in signed]


@dataclass(frozen=True)
class Sheet:
    center: Center
    day: dt.date
    starts_at: dt.datetime
    duty: DutyDay
    lines: list[SheetLine]
    others: list[DutySign]  # signs for a post the plan no longer shows (the roster changed since)


def attendance_sheet(*, center: Center, day: dt.date) -> Sheet:
    """The day at the center: the duty director's shift and each stationed department, with who should
    be there and their signs (a fixed number of queries)."""
    duty = duty_day(center=center, day=day)
    signs = list(DutySign.objects.filter(center=center, date=day)
                 .select_related("person", "department", "in_confirmed_by", "out_confirmed_by")
                 .order_by("signed_in_at", "pk"))
    lines: list[SheetLine] = []
    if duty.department is not None or duty.director is not None:
        department = duty.department or (signs[0].department if signs else None)
        if department is not None:
            lines.append(SheetLine(post=DutyPost.DIRECTOR, department=department,
                                   expected=director_post_people(duty), note=duty.role_label or duty.gap_label))
    stationed = stationed_departments(center=center, day=day)
    people = _department_people([department.pk for department in stationed])
    lines += [SheetLine(post=DutyPost.STATIONED, department=department, expected=people[department.pk])
              for department in stationed]
    by_key = {(line.post, line.department.pk): line for line in lines}
    others: list[DutySign] = []
    for sign in signs:
        line = by_key.get((sign.post, sign.department_id))
        (line.signs if line is not None else others).append(sign)
    return Sheet(center=center, day=day, starts_at=shift_starts_at(day=day), duty=duty, lines=lines, others=others)


def duty_signs_between(*, center: Center, first: dt.date, last: dt.date) -> QuerySet[DutySign]:
    """Every sign of the center in a date range (the assessment and the month's list read these)."""
    return (DutySign.objects.filter(center=center, date__gte=first, date__lte=last)
            .select_related("person", "department", "in_confirmed_by", "out_confirmed_by"))


def duty_signs_of_person(*, person: AbstractBaseUser, first: dt.date, last: dt.date) -> QuerySet[DutySign]:
    return (DutySign.objects.filter(person=person, date__gte=first, date__lte=last).select_related("department").order_by("-date", "post"))


@dataclass
class ShiftRecord:
    """One planned or kept shift of a department on a day, for the assessment and its drill-down."""

    date: dt.date
    post: str
    department_id: int
    starts_at: dt.datetime
    signs: list[DutySign] = field(default_factory=list)

    @property
    def post_label(self) -> str:
        return str(DutyPost(self.post).label)

    @property
    def first_in(self) -> DutySign | None:
        return min(self.signs, key=lambda sign: sign.signed_in_at) if self.signs else None

    @property
    def minutes_late(self) -> int:
        first = self.first_in
        return first.minutes_late if first is not None else 0


def shifts_kept_and_missed(*, center: Center, first: dt.date, last: dt.date, now: dt.datetime
                           ) -> dict[int, dict[str, list[ShiftRecord]]]:
    """Per department, from the signs: the duty director's shifts kept (someone of the shift signed in),
    kept late (the first sign-in after the shift's start) and missed (a past day of its duty, by the
    roster as it stands, with no sign-in), and the same for its stationed days (轮驻). Today is kept as
    soon as someone signs in and missed only once it is over. A fixed number of queries."""
    today = timezone.localdate(now)
    last = min(last, today)
    result: dict[int, dict[str, list[ShiftRecord]]] = {}

    def add(department_id: int, key: str, record: ShiftRecord) -> None:
        figures = result.setdefault(department_id, {k: [] for k in SHIFT_FIGURES})
        figures[key].append(record)

    if last < first:
        return result
    kept: dict[tuple[dt.date, str, int], ShiftRecord] = {}
    for sign in duty_signs_between(center=center, first=first, last=last).order_by("date", "signed_in_at", "pk"):
        record = kept.setdefault((sign.date, sign.post, sign.department_id), ShiftRecord(
            date=sign.date, post=sign.post, department_id=sign.department_id, starts_at=sign.starts_at))
        record.signs.append(sign)
    for (_day, post, department_id), record in kept.items():
        prefix = "duty" if post == DutyPost.DIRECTOR else "stationed"
        add(department_id, f"{prefix}_kept", record)
        if record.minutes_late:
            add(department_id, f"{prefix}_late", record)
    for day in duty_days(center=center, start=first, end=last):
        department = day.department or day.scheduled_department
        if day.off_day or department is None or day.date >= today:
            continue
        if (day.date, DutyPost.DIRECTOR, department.pk) not in kept:
            add(department.pk, "duty_missed", ShiftRecord(date=day.date, post=DutyPost.DIRECTOR,
                                                          department_id=department.pk,
                                                          starts_at=shift_starts_at(day=day.date)))
    for day, department_ids in stationed_days(center=center, first=first, last=last).items():
        if day >= today:
            continue
        for department_id in department_ids:
            if (day, DutyPost.STATIONED, department_id) not in kept:
                add(department_id, "stationed_missed", ShiftRecord(date=day, post=DutyPost.STATIONED,
                                                                   department_id=department_id,
                                                                   starts_at=shift_starts_at(day=day)))
    return result


SHIFT_FIGURES = ("duty_kept", "duty_late", "duty_missed", "stationed_kept", "stationed_late", "stationed_missed")
