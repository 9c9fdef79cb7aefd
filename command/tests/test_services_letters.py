"""A warning letter's life: issued from a radar signal, numbered, reminded and escalated by the
deadline engine, answered late, counted in the assessment; every issue and answer in the timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from command.choices import LETTER_SUBJECT, LetterKind, LetterSource, LetterStatus, SignalStatus
from command.selectors.work import letters_for_assessment, letters_visible
from command.services.letters import letter_answer, letter_issue, letters_from_overdue_records
from command.services.radar import radar_run
from command.tests.factories import ordinary_weeks
from dispatch.models import DeadlineStep, Notification, WorkReminderLetter
from dispatch.services import deadline_sweep
from governance.errors import ApplicationError, PermissionDeniedError
from intake.models import CaseEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def surge(world, now, django_capture_on_commit_callbacks):
    ordinary_weeks(world)
    for i in range(8):
        world.matter(at=now - dt.timedelta(days=i % 6, hours=2), address="夜市")
    return radar_run(center=world.center, now=now).raised[0]


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user, channel="in_app").order_by("pk")
                .values_list("kind", flat=True))


def test_letter_life_issued_reminded_answered_late_counted(world, now, surge, django_capture_on_commit_callbacks):
    town = world.dongyuan_town
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(actor=world.director, center=world.center, kind=LetterKind.RISK_WARNING,
                              department=town, subject=surge.title, body=surge.reason, signal=surge,
                              source=LetterSource.SIGNAL, answer_limit_working_days=5, now=now)
    assert letter.reference == "〔2026〕预警1号"
    assert timezone.localtime(letter.answer_due_at).date() == dt.date(2026, 11, 25)  # five working days
    surge.refresh_from_db()
    assert surge.status == SignalStatus.LETTERED
    steps = DeadlineStep.objects.filter(subject_type=LETTER_SUBJECT, subject_id=letter.pk)
    assert sorted(steps.values_list("kind", flat=True)) == ["due_reminder", "escalation", "overdue"]
    assert kinds_for(town.liaison) == ["letter.issued"]
    matters = set(surge.signal_cases.values_list("case_id", flat=True))
    assert set(CaseEvent.objects.filter(type="letter.issued").values_list("case_id", flat=True)) == matters

    # The working day before the deadline: a reminder to the liaison, once.
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            deadline_sweep(now=letter.answer_due_at - dt.timedelta(hours=20))
    assert kinds_for(town.liaison) == ["letter.issued", "letter.due_reminder"]

    # Past the deadline: marked overdue (liaison and leader in charge), then escalated to the commander.
    with django_capture_on_commit_callbacks(execute=True):
        deadline_sweep(now=letter.answer_due_at + dt.timedelta(minutes=1))
        deadline_sweep(now=letter.answer_due_at + dt.timedelta(days=1, minutes=1))
    letter.refresh_from_db()
    assert letter.overdue_at is not None
    assert kinds_for(town.leader_in_charge) == ["letter.issued", "letter.overdue", "letter.escalated"]
    assert "letter.escalated" in kinds_for(world.commander)

    # A late answer: recorded as late, remaining steps cancelled, in every matter's timeline.
    answered_at = letter.answer_due_at + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        letter_answer(actor=town.liaison, letter=letter, answer="已约谈夜市经营方，闭市时间调整到 22:00。",
                      now=answered_at)
    letter.refresh_from_db()
    assert (letter.status, letter.answered_late, letter.answered_by) == (LetterStatus.ANSWERED, True, town.liaison)
    assert not DeadlineStep.objects.filter(subject_type=LETTER_SUBJECT, subject_id=letter.pk,
                                           fired_at__isnull=True, cancelled_at__isnull=True).exists()
    assert "letter.answered" in kinds_for(world.director)
    one = sorted(matters)[0]
    assert list(CaseEvent.objects.filter(case_id=one, type__startswith="letter.").values_list("type", flat=True)) == [
        "letter.issued", "letter.overdue", "letter.escalated", "letter.answered"]
    with pytest.raises(ApplicationError):
        letter_answer(actor=town.liaison, letter=letter, answer="再答一次", now=answered_at)

    month = (timezone.make_aware(dt.datetime(2026, 11, 1)), timezone.make_aware(dt.datetime(2026, 12, 1)))
    counts = letters_for_assessment(center=world.center, start=month[0], end=month[1])
    assert counts[town.pk] == {"issued": 1, "work_reminder": 0, "risk_warning": 1, "answered_on_time": 0,
                               "answered_late": 1, "unanswered_overdue": 0, "open": 0}


def test_letters_numbered_per_kind_and_year(world, now):
    def issue(kind, at):
        return letter_issue(actor=world.director, center=world.center, kind=kind, department=world.zgj,
                            subject="超期较多", body="请整改。", now=at)

    assert issue(LetterKind.WORK_REMINDER, now).reference == "〔2026〕提示1号"
    assert issue(LetterKind.WORK_REMINDER, now).reference == "〔2026〕提示2号"
    assert issue(LetterKind.RISK_WARNING, now).reference == "〔2026〕预警1号"
    assert issue(LetterKind.WORK_REMINDER, dt.datetime(2027, 1, 5, 10, tzinfo=now.tzinfo)).reference == "〔2027〕提示1号"


def test_only_issuers_issue_and_only_the_recipient_answers(world, now):
    with pytest.raises(PermissionDeniedError):
        letter_issue(actor=world.zgj.liaison, center=world.center, kind=LetterKind.WORK_REMINDER,
                     department=world.zgj, subject="x", body="y", now=now)
    with pytest.raises(ApplicationError):
        letter_issue(actor=world.director, center=world.center, kind=LetterKind.WORK_REMINDER,
                     department=world.zgj, subject="", body="y", now=now)
    letter = letter_issue(actor=world.director, center=world.center, kind=LetterKind.WORK_REMINDER,
                          department=world.zgj, subject="超期", body="请整改。", now=now)
    with pytest.raises(PermissionDeniedError):
        letter_answer(actor=world.police.liaison, letter=letter, answer="不是我们", now=now)
    assert list(letters_visible(actor=world.police.liaison)) == []
    assert list(letters_visible(actor=world.zgj.liaison)) == [letter]
    assert list(letters_visible(actor=world.leader)) == [letter]
    letter_answer(actor=world.zgj.leader_in_charge, letter=letter, answer="已整改。", now=now)
    letter.refresh_from_db()
    assert letter.answered_late is False


def test_the_sweeps_overdue_threshold_record_becomes_one_numbered_letter(world, now):
    record = WorkReminderLetter.objects.create(department=world.zgj, month=dt.date(2026, 11, 1), overdue_count=3,
                                               issued_at=now)
    made = letters_from_overdue_records(center=world.center, now=now)
    assert len(made) == 1 and made[0].trigger_record == record and made[0].source == LetterSource.OVERDUE_COUNT
    assert made[0].issued_by is None and made[0].kind == LetterKind.WORK_REMINDER
    assert letters_from_overdue_records(center=world.center, now=now) == []


def test_a_signal_is_turned_into_one_letter(world, now, surge, django_capture_on_commit_callbacks):
    """Twenty tabs pressing 转为预警函: the first issues the letter, the others are told it exists."""
    def issue():
        return letter_issue(actor=world.director, center=world.center, kind=LetterKind.RISK_WARNING,
                            department=world.dongyuan_town, subject=surge.title, body=surge.reason, signal=surge,
                            source=LetterSource.SIGNAL, answer_limit_working_days=5, now=now)

    with django_capture_on_commit_callbacks(execute=True):
        first = issue()
    surge.refresh_from_db()
    with pytest.raises(ApplicationError, match=r"该信号已发函（〔2026〕预警1号）") as refused:
        issue()
    assert refused.value.code == "conflict"
    assert surge.letters.count() == 1 and first.number == 1
    # the refused one burned no number: the next letter is 预警2号
    with django_capture_on_commit_callbacks(execute=True):
        other = letter_issue(actor=world.director, center=world.center, kind=LetterKind.RISK_WARNING,
                             department=world.dongyuan_town, subject="另案", body="另案", now=now)
    assert other.reference == "〔2026〕预警2号"
