"""Standing meetings (issue 23 item 2): dates on the working calendar (the National Day holidays of
2025 and the make-up Saturday 11 October), the deputies' turn by the rhythm, invitees by rule, the
chair reminded once when a meeting is due and not yet held, and who may set one up."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from command.choices import CONSULTATION_SUBJECT, CadenceFrequency, ChairRule, ConsultationKind, InviteeRule
from command.models import Consultation
from command.services.cadence import (
    cadence_create,
    cadence_plan,
    cadences_plan,
    chair_for,
    consultation_cancel,
    consultation_missed,
    occurrences_between,
    standing_meetings_set_up,
)
from command.services.consultation import consultation_record
from command.tests.factories import TZ, CommandWorld
from dispatch.models import DeadlineStep, Notification
from dispatch.services import deadline_sweep
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Profile
from governance.tests.factories import UserFactory
from governance.workcal import WorkingCalendar

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def center_world(world: CommandWorld) -> CommandWorld:
    profile = {"center": world.center}
    world.center_director = UserFactory(username="zhuren", roles=["center_director"], profile=profile)
    world.deputy_a = UserFactory(username="fuzhuren_a", roles=["center_deputy_director"], profile=profile)
    world.deputy_b = UserFactory(username="fuzhuren_b", roles=["center_deputy_director"], profile=profile)
    return world


def stationed(world: CommandWorld, first: dt.date, frequency: str = CadenceFrequency.BIWEEKLY, **kwargs):
    return cadence_create(actor=world.center_director, center=world.center, kind=ConsultationKind.STATIONED_BIWEEKLY,
                          title="进驻部门及中心各组负责人会议", frequency=frequency, first_date=first,
                          time=dt.time(15, 0), chair_rule=ChairRule.DEPUTIES_ALTERNATE,
                          invitee_rules=[InviteeRule.STATIONED_DEPARTMENTS, InviteeRule.DISPATCHERS],
                          now=at(first - dt.timedelta(days=7)), **kwargs)


def test_biweekly_dates_move_past_the_holidays_and_the_deputies_keep_their_turn(center_world):
    world = center_world
    cadence = stationed(world, dt.date(2025, 9, 17))  # a Wednesday; 1 October falls in the holidays
    got = occurrences_between(cadence, dt.date(2025, 9, 1), dt.date(2025, 11, 15))
    assert got == [(0, dt.date(2025, 9, 17)), (1, dt.date(2025, 10, 9)), (2, dt.date(2025, 10, 15)),
                   (3, dt.date(2025, 10, 29)), (4, dt.date(2025, 11, 12))]
    chairs = [chair_for(cadence, number).username for number, _day in got]
    assert chairs == ["fuzhuren_a", "fuzhuren_b", "fuzhuren_a", "fuzhuren_b", "fuzhuren_a"]


def test_a_weekly_meeting_pushed_onto_the_next_one_is_held_once(center_world):
    world = center_world
    town = cadence_create(actor=world.center_director, center=world.center, kind=ConsultationKind.LEADERSHIP_MONTHLY,
                          title="周会", frequency=CadenceFrequency.WEEKLY, first_date=dt.date(2025, 9, 24),
                          time=dt.time(9), chair_rule=ChairRule.CENTER_DIRECTOR, invitee_rules=[])
    # 1 October moves to the 9th, past the 8th's own date: one meeting on the 9th, number 2's.
    assert occurrences_between(town, dt.date(2025, 9, 20), dt.date(2025, 10, 20)) == [
        (0, dt.date(2025, 9, 24)), (2, dt.date(2025, 10, 9)), (3, dt.date(2025, 10, 15))]


def test_a_monthly_meeting_keeps_a_make_up_saturday_and_the_months_last_day(center_world):
    world = center_world
    monthly = cadence_create(actor=world.center_director, center=world.center,
                             kind=ConsultationKind.LEADERSHIP_MONTHLY, title="中心值班领导会议",
                             frequency=CadenceFrequency.MONTHLY, first_date=dt.date(2025, 9, 11), time=dt.time(9),
                             chair_rule=ChairRule.CENTER_DIRECTOR, invitee_rules=[InviteeRule.CENTER_LEADERS])
    assert WorkingCalendar(center=world.center).is_working_day(dt.date(2025, 10, 11))  # the make-up Saturday
    assert [day for _n, day in occurrences_between(monthly, dt.date(2025, 9, 1), dt.date(2025, 12, 31))] == [
        dt.date(2025, 9, 11), dt.date(2025, 10, 11), dt.date(2025, 11, 11), dt.date(2025, 12, 11)]
    assert chair_for(monthly, 3) == world.center_director


def test_planning_with_frozen_time_invites_by_rule_and_is_idempotent(center_world, django_capture_on_commit_callbacks):
    world = center_world
    cadence = stationed(world, dt.date(2025, 9, 17))
    with time_machine.travel(at(dt.date(2025, 9, 30)), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert cadences_plan() == 1
        assert cadences_plan() == 0  # again: nothing more
    meeting = Consultation.objects.get(cadence=cadence)
    assert (meeting.occurrence, meeting.chair, meeting.scheduled_at) == (1, world.deputy_b, at(dt.date(2025, 10, 9), 15))
    invited = set(meeting.invitations.values_list("user_id", flat=True))
    stationed_liaisons = {d.liaison_id for d in (world.labour, world.zgj, world.police, world.town)}  # not on-call 东园镇
    assert invited == {world.deputy_b.pk, world.dispatcher.pk} | stationed_liaisons
    assert Notification.objects.filter(recipient=world.deputy_b, kind="consultation.invited").count() == 1
    with time_machine.travel(at(dt.date(2025, 10, 10)), tick=False):
        cadences_plan()
    assert Consultation.objects.get(cadence=cadence, occurrence=2).chair == world.deputy_a


def test_a_meeting_due_and_not_held_reminds_its_chair_once(center_world, django_capture_on_commit_callbacks):
    world = center_world
    cadence = stationed(world, dt.date(2025, 9, 17))
    meeting = cadence_plan(cadence=cadence, now=at(dt.date(2025, 9, 10)))
    due = meeting.scheduled_at
    with django_capture_on_commit_callbacks(execute=True):
        deadline_sweep(now=due - dt.timedelta(hours=20))  # the day before: the chair's reminder
        deadline_sweep(now=due + dt.timedelta(hours=1))   # within the grace: nothing
        assert not consultation_missed(meeting, now=due + dt.timedelta(hours=1))
        deadline_sweep(now=due + cadence.missed_after + dt.timedelta(minutes=1))
        deadline_sweep(now=due + cadence.missed_after + dt.timedelta(minutes=2))  # again: nothing more
    kinds = list(Notification.objects.filter(recipient=world.deputy_a, channel="in_app").exclude(
        kind="consultation.invited").order_by("pk").values_list("kind", flat=True))
    assert kinds == ["consultation.chair_reminder", "consultation.missed"]
    assert consultation_missed(meeting, now=due + cadence.missed_after)
    # The others invited are not told that the chair has not held it.
    assert not Notification.objects.filter(kind="consultation.missed").exclude(recipient=world.deputy_a).exists()


def test_recording_the_minutes_cancels_the_reminders(center_world, django_capture_on_commit_callbacks):
    world = center_world
    cadence = stationed(world, dt.date(2025, 9, 17))
    meeting = cadence_plan(cadence=cadence, now=at(dt.date(2025, 9, 10)))
    consultation_record(actor=world.deputy_a, consultation=meeting, attended_user_ids=[world.deputy_a.pk],
                        minutes="通报两周工作。", now=meeting.scheduled_at + dt.timedelta(minutes=50))
    with django_capture_on_commit_callbacks(execute=True):
        deadline_sweep(now=meeting.scheduled_at + dt.timedelta(days=1))
    assert not Notification.objects.filter(kind="consultation.missed").exists()
    assert not DeadlineStep.objects.filter(subject_type=CONSULTATION_SUBJECT, subject_id=meeting.pk,
                                           cancelled_at__isnull=True, fired_at__isnull=True).exists()


def test_who_may_set_up_a_cadence_and_what_it_needs(center_world):
    world = center_world
    with pytest.raises(PermissionDeniedError):
        cadence_create(
            actor=world.leader, center=world.center, kind=ConsultationKind.STATIONED_BIWEEKLY, title="x",
            frequency=CadenceFrequency.BIWEEKLY, first_date=dt.date(2025, 9, 17), time=dt.time(15),
            chair_rule=ChairRule.DEPUTIES_ALTERNATE, invitee_rules=[])
    with pytest.raises(ApplicationError) as refused:  # a town's meeting kind at the district center
        cadence_create(actor=world.center_director, center=world.center, kind=ConsultationKind.TOWN_WEEKLY,
                       title="例会", frequency=CadenceFrequency.WEEKLY, first_date=dt.date(2025, 9, 17),
                       time=dt.time(9), chair_rule=ChairRule.CENTER_DIRECTOR, invitee_rules=[])
    assert refused.value.field == "kind"
    Profile.objects.filter(user=world.deputy_a).update(center=None)
    world.deputy_a.groups.clear()
    world.deputy_b.groups.clear()
    with pytest.raises(ApplicationError) as nobody:
        stationed(world, dt.date(2025, 9, 17))
    assert nobody.value.field == "chair_rule"


def test_the_seeds_standing_meetings_with_their_chairs(center_world):
    world = center_world
    made = standing_meetings_set_up(actor=world.center_director, center=world.center, first_date=dt.date(2025, 9, 17))
    chairs = {cadence.kind: chair_for(cadence, 1) for cadence in made}
    assert chairs == {ConsultationKind.LEADERSHIP_MONTHLY: world.center_director,
                      ConsultationKind.STATIONED_BIWEEKLY: world.deputy_b,
                      ConsultationKind.DISPATCH_BIWEEKLY: world.deputy}
    assert standing_meetings_set_up(actor=world.center_director, center=world.center,
                                    first_date=dt.date(2025, 9, 17)) == []


def test_the_consultations_page_sets_up_the_standing_meetings_and_shows_their_chairs(center_world, client, now):
    world = center_world
    client.force_login(world.leader)
    assert 'data-testid="standing-form"' not in client.get("/command/consultations/").content.decode()
    client.force_login(world.center_director)
    assert 'data-testid="standing-form"' in client.get("/command/consultations/").content.decode()
    client.post("/command/consultations/standing/", {"first_date": "2026-11-19", "time": "15:00", "place": "三楼"})
    planned = {c.kind: c.chair for c in Consultation.objects.filter(cadence__isnull=False)}
    assert planned == {ConsultationKind.LEADERSHIP_MONTHLY: world.center_director,
                       ConsultationKind.STATIONED_BIWEEKLY: world.deputy_a,
                       ConsultationKind.DISPATCH_BIWEEKLY: world.deputy}
    client.force_login(world.leader)  # leaders read the cadences and the chairs
    page = client.get("/command/consultations/").content.decode()
    assert 'data-testid="cadences"' in page and "两名副主任轮流" in page and "standing-form" not in page


def test_the_chair_cancels_a_standing_meeting_and_nothing_of_it_fires(center_world, django_capture_on_commit_callbacks):
    """The stationed departments' meeting of 17 September (deputy_a's turn) is called off by its chair on
    the 15th with a reason: it is recorded, every invitee is told, its two engine steps are cancelled
    (the chair's reminder and "due and not yet held" never fire, however often the sweep runs), and the
    next occurrence (9 October, after the holidays, deputy_b's turn) is planned at once."""
    world = center_world
    cadence = stationed(world, dt.date(2025, 9, 17))
    meeting = cadence_plan(cadence=cadence, now=at(dt.date(2025, 9, 10)))
    invited = set(meeting.invitations.values_list("user_id", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = consultation_cancel(actor=world.deputy_a, consultation=meeting, reason="与防汛会商冲突",
                                        now=at(dt.date(2025, 9, 15), 10))
    assert (cancelled.status, cancelled.cancelled_by, cancelled.cancelled_at, cancelled.cancel_reason) == (
        "cancelled", world.deputy_a, at(dt.date(2025, 9, 15), 10), "与防汛会商冲突")
    told = Notification.objects.filter(kind="consultation.cancelled", channel="in_app")
    assert set(told.values_list("recipient_id", flat=True)) == invited and "与防汛会商冲突" in told.first().body
    steps = DeadlineStep.objects.filter(subject_type=CONSULTATION_SUBJECT, subject_id=meeting.pk)
    assert steps.count() == 2 and not steps.filter(cancelled_at__isnull=True).exists()
    following = Consultation.objects.get(cadence=cadence, occurrence=1)
    assert (following.chair, following.scheduled_at) == (world.deputy_b, at(dt.date(2025, 10, 9), 15))
    with django_capture_on_commit_callbacks(execute=True):
        for moment in (meeting.scheduled_at - dt.timedelta(hours=20), meeting.scheduled_at + cadence.missed_after
                       + dt.timedelta(minutes=1), meeting.scheduled_at + cadence.missed_after + dt.timedelta(hours=1)):
            deadline_sweep(now=moment)
    assert not Notification.objects.filter(kind__in=["consultation.chair_reminder", "consultation.missed"],
                                           link__endswith=f"/{meeting.pk}/").exists()
    assert not consultation_missed(Consultation.objects.get(pk=meeting.pk), now=at(dt.date(2025, 9, 20)))
    # Again: refused, nothing changes (the steps keep their cancellation time, no second message).
    with pytest.raises(ApplicationError) as again:
        consultation_cancel(actor=world.deputy_a, consultation=Consultation.objects.get(pk=meeting.pk), reason="x",
                            now=at(dt.date(2025, 9, 16)))
    assert again.value.code == "invalid_transition"
    assert set(steps.values_list("cancelled_at", flat=True)) == {at(dt.date(2025, 9, 15), 10)}
    assert told.count() == len(invited)
    # The rhythm passes over it: planning again adds nothing, and never plans the 17th again.
    with time_machine.travel(at(dt.date(2025, 9, 16)), tick=False):
        assert cadences_plan() == 0
    assert Consultation.objects.filter(cadence=cadence).count() == 2


def test_who_may_cancel_a_meeting(center_world):
    """The chair or the center director; not the other deputy, not a dispatcher; a reason is needed;
    a meeting held is never cancelled."""
    world = center_world
    cadence = stationed(world, dt.date(2025, 9, 17))
    meeting = cadence_plan(cadence=cadence, now=at(dt.date(2025, 9, 10)))
    for actor in (world.deputy_b, world.dispatcher, world.commander):
        with pytest.raises(PermissionDeniedError, match="只有会议主持人或中心主任"):
            consultation_cancel(actor=actor, consultation=meeting, reason="x", now=at(dt.date(2025, 9, 15)))
    with pytest.raises(ApplicationError) as blank:
        consultation_cancel(actor=world.center_director, consultation=meeting, reason="  ", now=at(dt.date(2025, 9, 15)))
    assert blank.value.field == "reason"
    assert Consultation.objects.get(pk=meeting.pk).status == "scheduled"
    done = consultation_cancel(actor=world.center_director, consultation=meeting, reason="主任另有安排",
                               now=at(dt.date(2025, 9, 15)))
    assert done.cancelled_by == world.center_director
    following = Consultation.objects.get(cadence=cadence, occurrence=1)
    consultation_record(actor=world.deputy_b, consultation=following, attended_user_ids=[], minutes="通报。",
                        now=following.scheduled_at)
    with pytest.raises(ApplicationError) as held:
        consultation_cancel(actor=world.deputy_b, consultation=Consultation.objects.get(pk=following.pk),
                            reason="x", now=following.scheduled_at)
    assert held.value.code == "invalid_transition"


def test_the_meeting_page_cancels_for_its_chair(center_world, client):
    world = center_world
    cadence = stationed(world, dt.date(2026, 12, 17))
    meeting = cadence_plan(cadence=cadence, now=at(dt.date(2026, 12, 1)))
    url = f"/command/consultations/{meeting.pk}/"
    client.force_login(world.deputy_b)
    assert 'data-testid="cancel-form"' not in client.get(url).content.decode()
    client.force_login(world.deputy_a)
    assert 'data-testid="cancel-form"' in client.get(url).content.decode()
    page = client.post(f"{url}cancel/", {"reason": ""}, follow=True).content.decode()
    assert "请填写取消原因" in page and Consultation.objects.get(pk=meeting.pk).status == "scheduled"
    page = client.post(f"{url}cancel/", {"reason": "上级会议冲突"}, follow=True).content.decode()
    assert "会议已取消，已通知参会人员" in page and 'data-testid="cancelled"' in page and "上级会议冲突" in page
    assert 'data-testid="cancel-form"' not in page and 'data-testid="record-form"' not in page
