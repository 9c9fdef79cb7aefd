"""Per-kind answer limits (issue 22 item 11): how long the center promises a person for an answer.

A category carries its own limit and its calendar (working days, calendar days or hours); a
category without one takes its parent's; a matter whose kind has none is promised by complexity, in
working days (seed 004: "一般问题 7 个工作日，较为复杂问题 3 周以内"). The limit is fixed onto the matter
at registration (`Case.answer_limit`, `Case.answer_limit_unit`) with the deadline it gives
(`expected_answer_at`): the receipt, the Open311 notice and dispatch read the promise made then,
whatever an administrator changes later.

Counting, as Chinese law counts a period (民法典 第二百零一条、第二百零三条): the day of
registration does not count; a period in days ends at the end of its last day, and when that day is
not a working day (a weekend or holiday on the working calendar), at the end of the next working
day. Working days skip holidays and count the adjusted working weekends (调休). Hours run on the
clock, nights and holidays included: a 24-hour kind (a burst main) does not wait for Monday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext

from governance.workcal import WorkingCalendar
from intake.choices import AnswerLimitUnit, Complexity

# The limit by complexity when the kind has none, in working days counted from the working day
# after registration. An urgent matter is answered by the end of the next working day.
ANSWER_WORKING_DAYS: dict[str, int] = {
    Complexity.ORDINARY: 7,
    Complexity.COMPLEX: 15,
    Complexity.URGENT: 1,
}

# The longest limit an administrator may set, per unit: a year's working days, a year, 30 days of hours.
MAX_AMOUNT: dict[str, int] = {
    AnswerLimitUnit.WORKING_DAYS: 250,
    AnswerLimitUnit.CALENDAR_DAYS: 365,
    AnswerLimitUnit.HOURS: 720,
}


@dataclass(frozen=True)
class AnswerLimit:
    amount: int
    unit: str

    def deadline(self, *, start: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
        """When an answer promised at `start` is due."""
        if self.unit == AnswerLimitUnit.HOURS:
            return start + dt.timedelta(hours=self.amount)
        if self.unit == AnswerLimitUnit.WORKING_DAYS:
            return calendar.working_days_deadline(start, self.amount)
        if self.unit == AnswerLimitUnit.CALENDAR_DAYS:
            last = start.astimezone(calendar.tz).date() + dt.timedelta(days=self.amount)
            if not calendar.is_working_day(last):
                last = calendar.next_working_day(last)
            return dt.datetime.combine(last, dt.time(23, 59, 59), tzinfo=calendar.tz)
        raise ValueError(f"unknown answer limit unit {self.unit}")

    @property
    def label(self) -> str:
        """7 个工作日, 15 日, 24 小时."""
        if self.unit == AnswerLimitUnit.WORKING_DAYS:
            return gettext("%(n)s 个工作日") % {"n": self.amount}
        if self.unit == AnswerLimitUnit.CALENDAR_DAYS:
            return gettext("%(n)s 日") % {"n": self.amount}
        return gettext("%(n)s 小时") % {"n": self.amount}

    @property
    def promise(self) -> str:
        """预计 7 个工作日内答复, 预计 15 日内答复, 预计 24 小时内答复."""
        if self.unit == AnswerLimitUnit.WORKING_DAYS:
            return gettext("预计 %(n)s 个工作日内答复") % {"n": self.amount}
        if self.unit == AnswerLimitUnit.CALENDAR_DAYS:
            return gettext("预计 %(n)s 日内答复") % {"n": self.amount}
        return gettext("预计 %(n)s 小时内答复") % {"n": self.amount}

    @property
    def in_hours(self) -> bool:
        return self.unit == AnswerLimitUnit.HOURS


def answer_limit_errors(amount: object, unit: object) -> dict[str, str]:
    """What is wrong with a limit as typed (field → message); empty when it is whole or wholly unset."""
    unit = unit or ""
    if amount in (None, "") and not unit:
        return {}
    if amount in (None, ""):
        return {"answer_limit": gettext("选了时限单位，请填写答复时限。")}
    if not unit:
        return {"answer_limit_unit": gettext("填写了答复时限，请选择时限单位（工作日、自然日或小时，只选一种）。")}
    if unit not in AnswerLimitUnit.values:
        return {"answer_limit_unit": gettext("时限单位只能是工作日、自然日或小时。")}
    if isinstance(amount, bool) or not isinstance(amount, int):
        return {"answer_limit": gettext("答复时限须为正整数。")}
    if amount < 1:
        return {"answer_limit": gettext("答复时限须为正整数。")}
    if amount > MAX_AMOUNT[unit]:
        return {"answer_limit": gettext("以%(unit)s计的答复时限最多 %(max)s。")
                % {"unit": AnswerLimitUnit(unit).label, "max": MAX_AMOUNT[unit]}}
    return {}


def category_answer_limit(category: object) -> AnswerLimit | None:
    """The category's own limit, else its parent's (the tree has two levels), else None."""
    while category is not None:
        amount, unit = getattr(category, "answer_limit", None), getattr(category, "answer_limit_unit", "")
        if amount and unit:
            return AnswerLimit(int(amount), unit)
        category = category.parent if getattr(category, "parent_id", None) else None
    return None


def complexity_answer_limit(complexity: str) -> AnswerLimit:
    return AnswerLimit(ANSWER_WORKING_DAYS.get(complexity, ANSWER_WORKING_DAYS[Complexity.ORDINARY]),
                       AnswerLimitUnit.WORKING_DAYS)


def answer_limit_choose(
    *, category: object, complexity: str, start: dt.datetime, calendar: WorkingCalendar
) -> tuple[AnswerLimit, dt.datetime]:
    """The limit a matter is promised at registration, and its deadline.

    The kind's limit when it has one; an urgent matter keeps the urgent limit when that comes first
    (a 60-day 信访 matter marked urgent is still answered by the next working day)."""
    by_complexity = complexity_answer_limit(complexity)
    kind = category_answer_limit(category)
    if kind is None:
        return by_complexity, by_complexity.deadline(start=start, calendar=calendar)
    kind_due = kind.deadline(start=start, calendar=calendar)
    if complexity == Complexity.URGENT:
        urgent_due = by_complexity.deadline(start=start, calendar=calendar)
        if urgent_due < kind_due:
            return by_complexity, urgent_due
    return kind, kind_due


def case_answer_limit(case: object) -> AnswerLimit:
    """The limit the matter was promised: as fixed at registration, or (for matters registered
    before kinds had limits) by its complexity."""
    amount, unit = getattr(case, "answer_limit", None), getattr(case, "answer_limit_unit", None)
    if amount and unit:
        return AnswerLimit(int(amount), unit)
    return complexity_answer_limit(getattr(case, "complexity", Complexity.ORDINARY))
