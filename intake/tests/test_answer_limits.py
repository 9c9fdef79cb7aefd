"""Per-kind answer limits (issue 22 item 11): the category's own limit and calendar, inherited from the
parent; fixed on the matter at registration; stated on the receipt and in the Open311 notice; edited
in the admin with clean messages. Every date below is counted by hand on the 2026 official calendar:
中秋节 2026-09-25 (Fri) to 09-27 off, 国庆节 2026-10-01 (Thu) to 10-07 (Wed) off, 10-08 (Thu) back at work, 10-10 (Sat) a make-up working day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from governance.errors import ApplicationError
from governance.tests.factories import UserFactory
from governance.workcal import WorkingCalendar
from intake.admin import CategoryAdminForm
from intake.answer_limits import AnswerLimit, answer_limit_errors, case_answer_limit, category_answer_limit
from intake.category_tree import LIMITS, seed_limits
from intake.choices import AnswerLimitUnit, Urgency
from intake.models import Case, Category
from intake.open311.formats import request_representation, service_notice
from intake.services import category_save
from intake.tests.factories import CaseFactory, category
from intake.tests.test_services_case import register

SH = ZoneInfo("Asia/Shanghai")
END = dt.time(23, 59, 59)
pytestmark = pytest.mark.django_db


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def kind(code: str, amount: int | None, unit: str = "", parent: Category | None = None) -> Category:
    return Category.objects.create(code=code, name=f"测试{code}", parent=parent, answer_limit=amount,
                                   answer_limit_unit=unit)


# --- the seeded kinds -----------------------------------------------------------------------------
def test_the_seeded_kinds_carry_their_limits_and_children_inherit_them():
    assert category("XF").answer_limit == 60 and category("XF").answer_limit_unit == AnswerLimitUnit.CALENDAR_DAYS
    assert category_answer_limit(category("XF01")) == AnswerLimit(60, AnswerLimitUnit.CALENDAR_DAYS)  # 来访 ← 信访
    assert category_answer_limit(category("RX06")) == AnswerLimit(24, AnswerLimitUnit.HOURS)  # 停水停电停气
    assert category_answer_limit(category("RX03")) is None  # 投诉: by complexity
    assert category_answer_limit(category("JF10")) is None


def test_the_data_migration_sets_limits_by_code_and_keeps_what_an_administrator_set():
    Category.objects.filter(code="XF").update(answer_limit=None, answer_limit_unit="")
    Category.objects.filter(code="RX06").update(answer_limit=12, answer_limit_unit=AnswerLimitUnit.HOURS)
    from django.apps import apps

    seed_limits(apps, None)
    assert Category.objects.values_list("answer_limit", "answer_limit_unit").get(code="XF") == LIMITS["XF"]
    assert Category.objects.values_list("answer_limit", "answer_limit_unit").get(code="RX06") == (12, "hours")


# --- registration ------------------------------------------------------------------------------------
def test_a_60_day_petition_ending_in_the_holiday_is_due_the_first_working_day_after(clerk, center):
    # 2026-08-03 + 60 days = 2026-10-02, a holiday: the period ends at the end of 10-08 (民法典 第二百零三条).
    case = register(clerk, center, category=category("XF01"), now=at(2026, 8, 3, 10, 0))
    assert case.expected_answer_at == at(2026, 10, 8, 23, 59, 59) == case.due_at
    assert (case.answer_limit, case.answer_limit_unit) == (60, "calendar_days")
    assert case.events.get().data["answer_limit"] == [60, "calendar_days"]
    stored = Case.objects.get(pk=case.pk)
    assert case_answer_limit(stored).promise == "预计 60 日内答复"


def test_a_15_day_kind_ending_on_an_ordinary_day_ends_that_day(clerk, center):
    fifteen = kind("T15", 15, AnswerLimitUnit.CALENDAR_DAYS)
    # 2026-09-01 (Tue) + 15 = 2026-09-16 (Wed), a working day
    case = register(clerk, center, category=fifteen, now=at(2026, 9, 1, 15, 0))
    assert case.expected_answer_at == at(2026, 9, 16, 23, 59, 59)
    # 2026-09-10 (Thu) + 15 = 2026-09-25, 中秋节 (a Friday off): moved to Monday 09-28
    case = register(clerk, center, category=fifteen, now=at(2026, 9, 10, 15, 0))
    assert case.expected_answer_at == at(2026, 9, 28, 23, 59, 59)
    # 2026-09-20 (Sun) + 15 = 2026-10-05, in the holiday: moved to 10-08
    case = register(clerk, center, category=fifteen, now=at(2026, 9, 20, 9, 0))
    assert case.expected_answer_at == at(2026, 10, 8, 23, 59, 59)


def test_a_24_hour_kind_runs_through_the_night_and_the_holiday(clerk, center):
    case = register(clerk, center, category=category("RX06"), now=at(2026, 9, 30, 16, 50))
    assert case.expected_answer_at == at(2026, 10, 1, 16, 50)
    assert (case.answer_limit, case.answer_limit_unit) == (24, "hours")


def test_a_kind_without_a_limit_is_promised_7_working_days_across_the_holiday(clerk, center):
    # from 2026-09-29 (Tue): 09-30, 10-08, 10-09, 10-10 (make-up Sat), 10-12, 10-13, 10-14
    case = register(clerk, center, category=category("JF10"), now=at(2026, 9, 29, 10, 0))
    assert case.expected_answer_at == at(2026, 10, 14, 23, 59, 59)
    assert (case.answer_limit, case.answer_limit_unit) == (7, "working_days")


def test_a_working_day_kind_counts_on_the_working_calendar(clerk, center):
    parent = kind("TW", 3, AnswerLimitUnit.WORKING_DAYS)
    child = kind("TW01", None, parent=parent)
    case = register(clerk, center, category=child, now=at(2026, 9, 30, 10, 0))
    # 10-08, 10-09, 10-10 (make-up Saturday)
    assert case.expected_answer_at == at(2026, 10, 10, 23, 59, 59)
    assert case_answer_limit(case).promise == "预计 3 个工作日内答复"


def test_the_child_s_own_limit_wins_over_the_parent_s():
    parent = kind("TP", 60, AnswerLimitUnit.CALENDAR_DAYS)
    child = kind("TP01", 48, AnswerLimitUnit.HOURS, parent=parent)
    assert category_answer_limit(child) == AnswerLimit(48, AnswerLimitUnit.HOURS)


def test_an_urgent_petition_keeps_the_urgent_limit_when_it_comes_first(clerk, center):
    case = register(clerk, center, category=category("XF01"), urgency=Urgency.URGENT, now=at(2026, 9, 30, 10, 0))
    assert case.expected_answer_at == at(2026, 10, 8, 23, 59, 59)  # the next working day
    assert (case.answer_limit, case.answer_limit_unit) == (1, "working_days")
    # a 24-hour kind marked urgent: 24 hours come first
    burst = register(clerk, center, category=category("RX06"), urgency=Urgency.URGENT, now=at(2026, 9, 30, 10, 0))
    assert burst.expected_answer_at == at(2026, 10, 1, 10, 0) and burst.answer_limit_unit == "hours"


def test_a_matter_keeps_its_promise_when_the_kind_s_limit_changes_later(clerk, center):
    case = register(clerk, center, category=category("XF01"), now=at(2026, 8, 3, 10, 0))
    xf = category("XF")
    xf.answer_limit = 30
    category_save(category=xf)
    assert case_answer_limit(Case.objects.get(pk=case.pk)) == AnswerLimit(60, "calendar_days")


def test_a_matter_registered_before_kinds_had_limits_is_read_by_complexity():
    case = CaseFactory(complexity="complex", answer_limit=None, answer_limit_unit=None)
    assert case_answer_limit(case) == AnswerLimit(15, "working_days")


def test_the_deadline_arithmetic_by_hand():
    calendar = WorkingCalendar()
    start = at(2026, 9, 30, 17, 0)
    assert AnswerLimit(1, "calendar_days").deadline(start=start, calendar=calendar) == at(2026, 10, 8, 23, 59, 59)
    assert AnswerLimit(8, "calendar_days").deadline(start=start, calendar=calendar) == at(2026, 10, 8, 23, 59, 59)
    assert AnswerLimit(10, "calendar_days").deadline(start=start, calendar=calendar) == at(2026, 10, 10, 23, 59, 59)
    assert AnswerLimit(11, "calendar_days").deadline(start=start, calendar=calendar) == at(2026, 10, 12, 23, 59, 59)
    assert AnswerLimit(1, "working_days").deadline(start=start, calendar=calendar) == at(2026, 10, 8, 23, 59, 59)
    assert AnswerLimit(72, "hours").deadline(start=start, calendar=calendar) == at(2026, 10, 3, 17, 0)


# --- bad input ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount, unit, field, words", [
    (None, "hours", "answer_limit", "请填写答复时限"),
    (15, "", "answer_limit_unit", "只选一种"),
    (0, "calendar_days", "answer_limit", "正整数"),
    (-3, "working_days", "answer_limit", "正整数"),
    (800, "hours", "answer_limit", "最多 720"),
    (5, "weeks", "answer_limit_unit", "工作日、自然日或小时"),
    ("5", "hours", "answer_limit", "正整数"),
])
def test_a_limit_must_be_positive_and_of_one_unit(amount, unit, field, words):
    errors = answer_limit_errors(amount, unit)
    assert list(errors) == [field] and words in errors[field]
    xf = category("XF")
    xf.answer_limit, xf.answer_limit_unit = amount, unit
    with pytest.raises(ApplicationError) as raised:
        category_save(category=xf)
    assert raised.value.field == field and words in raised.value.message
    assert Category.objects.get(code="XF").answer_limit == 60


def test_the_database_refuses_half_a_limit():
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.filter(code="XF").update(answer_limit_unit="")


def _admin_data(**overrides):
    data = {"code": "TA", "name": "测试类别", "initials": "", "default_complexity": "ordinary",
            "answer_limit": "24", "answer_limit_unit": "hours", "ordering": "100", "active": "on", "phrases": ""}
    data.update(overrides)
    return data


@pytest.mark.parametrize("overrides, field, words", [
    ({"answer_limit": "0"}, "answer_limit", "正整数"),
    ({"answer_limit": ""}, "answer_limit", "请填写答复时限"),
    ({"answer_limit_unit": ""}, "answer_limit_unit", "只选一种"),
    ({"answer_limit": "abc"}, "answer_limit", ""),
    ({"answer_limit": "-1"}, "answer_limit", ""),
    ({"answer_limit": "400", "answer_limit_unit": "calendar_days"}, "answer_limit", "最多 365"),
])
def test_the_admin_form_says_what_is_wrong(overrides, field, words):
    form = CategoryAdminForm(data=_admin_data(**overrides))
    assert not form.is_valid()
    assert list(form.errors) == [field] and words in form.errors[field][0]


def test_the_administrator_sets_a_limit_in_the_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    xf01 = category("XF01")
    url = reverse("admin:intake_category_change", args=[xf01.pk])
    data = _admin_data(code="XF01", name="来访", parent=str(xf01.parent_id), answer_limit="15",
                       answer_limit_unit="calendar_days", ordering="1")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    xf01.refresh_from_db()
    assert (xf01.answer_limit, xf01.answer_limit_unit) == (15, "calendar_days")
    bad = client.post(url, {**data, "answer_limit": "0"})
    assert bad.status_code == 200 and "答复时限须为正整数。" in bad.content.decode()
    listing = client.get(reverse("admin:intake_category_changelist")).content.decode()
    assert "15 日" in listing and "60 日（沿用上级）" in listing and "按复杂程度" in listing


# --- the receipt and the Open311 notice -----------------------------------------------------------------
@pytest.mark.parametrize("code, registered, promise", [
    ("RX06", at(2026, 9, 30, 16, 50), "预计 24 小时内答复，即 2026年10月1日 16:50前"),
    ("XF01", at(2026, 8, 3, 10, 0), "预计 60 日内答复，即 2026年10月8日前"),
    ("JF10", at(2026, 9, 29, 10, 0), "预计 7 个工作日内答复，即 2026年10月14日前"),
])
def test_the_receipt_states_the_kind_s_promise(clerk, center, client, code, registered, promise):
    case = register(clerk, center, category=category(code), now=registered)
    client.force_login(clerk)
    html = client.get(reverse("intake:receipt", args=[case.code])).content.decode()
    assert promise in html


def test_the_receipt_in_english(clerk, center, client):
    case = register(clerk, center, category=category("RX06"), now=at(2026, 9, 30, 16, 50))
    client.force_login(clerk)
    try:
        assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
        html = client.get(reverse("intake:receipt", args=[case.code])).content.decode()
    finally:
        translation.activate("zh-hans")  # the request left English active in this thread
    assert "An answer is expected within 24 hours" in html


@pytest.mark.parametrize("code, registered, notice", [
    ("RX06", at(2026, 9, 30, 16, 50), "预计 24 小时内答复（2026-10-01 16:50 前）。"),
    ("XF03", at(2026, 8, 3, 10, 0), "预计 60 日内答复（2026-10-08 前）。"),
    ("RX03", at(2026, 9, 29, 10, 0), "预计 7 个工作日内答复（2026-10-14 前）。"),
])
def test_the_open311_notice_states_the_kind_s_promise(clerk, center, code, registered, notice):
    case = register(clerk, center, category=category(code), now=registered)
    assert service_notice(case) == f"已受理，事项编号 {case.code}，{notice}"
    assert request_representation(case)["service_notice"].endswith(notice)
    assert request_representation(case)["expected_datetime"] == (
        case.expected_answer_at.astimezone(SH).isoformat(timespec="seconds"))
