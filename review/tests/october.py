"""October 2025 at a small district, built from known facts (story 5's month).

The calendar of October 2025: 1–8 October are the National Day and Mid-Autumn holidays (six of them
weekdays: 1, 2, 3, 6, 7, 8) and Saturday 11 October is a make-up working day, so the month has
23 weekdays − 6 + 1 = 18 working days.

The facts, computed "now" = 2025-11-05 10:00 (a Wednesday):

资规建交局 (ZGJ)
  z1  assigned 10-09 09:00, acknowledged 09:30 (on time), due Fri 10-10 17:30, reported Mon 10-13 10:00:
      overdue; the working days begun between deadline and report: Sat 10-11 (make-up) and Mon 10-13 = 2.
  z2  assigned 10-09 14:00, acknowledged on time, due 10-20, reported 10-17: on time.
      revisits: z1's matter yes/satisfied; z2's matter partly/basically satisfied.
  summons of 10-15 (story 2), due 14:45: reported in 14:52, 7 minutes late.
公安分局 (GA)
  g1  assigned 10-10 09:00, acknowledged on time, due Thu 10-16 17:30, still not reported:
      overdue by the working days begun since: 10-17, 20–24, 27–31, 11-03, 11-04, 11-05 = 14.
      An extension asked 10-15, refused.
  g2  assigned 10-20, declined as not ours, overruled, reported 10-22 (due 10-27): on time.
      revisit of g2's matter: yes/satisfied.
  summons of 10-15: reported in 14:38, on time.
劳动保障维权服务中心 (LD)
  l1  assigned 10-27 09:00, ack due 10:00, never acknowledged (due 11-05 17:30, not yet overdue).
  l2  assigned 10-28, declined before acknowledging, upheld: withdrawn, not counted as due to acknowledge.
  l3  assigned 10-13, acknowledged on time, reported 10-14; returned for rework 10-15 and reported again
      10-16; revisit 10-20 "not resolved"/not satisfied, redone and reported 10-22 (due 10-23);
      revisit 10-24 yes/basically satisfied.
Duty roster: weekly from Mon 09-29, holidays skipped, ZGJ then GA. GA has no main director.
  ZGJ's weeks: 09-29..10-05 (no working day in October), 10-13..17, 10-27..31 → 10 duty days, of which
  the signs (the screen's code, or the dispatcher's confirmation) keep 9: 10-13 08:20, 10-14 09:05 (late,
  35 minutes), 10-15 confirmed by the dispatcher at 08:25, 10-16 the deputy 08:10, 10-17, 10-27..31
  08:15 → 10 kept, 1 late, none missed.
  GA's weeks: 10-06..12 (working: 9, 10, Sat 11) and 10-20..24 → 8 days nobody signed in (missed; its
  deputy could have).
  ZGJ is also stationed (轮驻) on Tuesdays until the end of October: 10-07 is a holiday, its staff member signed in on 10-14
  08:20, 10-21 08:40 (late, 10 minutes) and 10-28 08:25 → 3 kept, 1 late.
张坂镇 (town center): t1 registered there, settled on the spot; t2 still in progress there;
  t3 registered there and escalated to the district.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User

from dispatch.choices import AssignmentRole, AssignmentStatus, ExtensionStatus, SummonsStatus
from dispatch.models import Assignment, DutyTeam, ExtensionRequest, Revisit, Summons, SummonsDepartment
from dispatch.selectors.attendance import attendance_code
from dispatch.services.attendance import IN, duty_sign_confirm, duty_sign_in, duty_sign_out
from dispatch.tests.factories import DutyRosterFactory, DutyTeamFactory
from governance.choices import CenterLevel
from governance.models import Center, Department, Stationing
from governance.tests.factories import CenterFactory, DepartmentFactory, UserFactory
from intake.choices import CaseStatus, HandlingMode
from intake.models import Case, CaseEvent
from intake.tests.factories import CaseFactory

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2025, 11, 5, 10, 0, tzinfo=TZ)


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=TZ)


@dataclass
class October:
    center: Center
    town: Center
    zgj: Department
    ga: Department
    ld: Department
    admin: User
    assignments: dict[str, Assignment]
    summons_late: SummonsDepartment
    settled_on_spot: Case


def _assignment(center: Center, department: Department, *, assigned: dt.datetime, due: dt.datetime,
                acknowledged: dt.datetime | None = None, ack_late: bool = False,
                reported: dt.datetime | None = None, status: str = AssignmentStatus.ACKNOWLEDGED) -> Assignment:
    case = CaseFactory(district=center, registered_at=assigned - dt.timedelta(hours=1),
                       status=CaseStatus.IN_PROGRESS)
    return Assignment.objects.create(
        case=case, center=center, department=department, mode=HandlingMode.TRANSFER, role=AssignmentRole.SOLE,
        status=status, assigned_at=assigned, ack_due_at=assigned + dt.timedelta(hours=1), due_at=due,
        original_due_at=due, acknowledged_at=acknowledged, acknowledged_late=ack_late, reported_at=reported)


def _event(assignment: Assignment, type: str, when: dt.datetime, **data: object) -> None:
    CaseEvent.objects.create(case=assignment.case, type=type, occurred_at=when,
                             data={"assignment": assignment.pk, "department": assignment.department_id, **data})


def _revisit(assignment: Assignment, when: dt.datetime, resolved: str, satisfaction: str, by: User) -> Revisit:
    return Revisit.objects.create(case=assignment.case, revisited_by=by, resolved=resolved,
                                  satisfaction=satisfaction, revisited_at=when)


def _sign_in_october(center: Center, zgj: Department, team: DutyTeam) -> None:
    """The duty and stationing signs of the month, made through the services (the docstring's facts)."""
    def code_at(when: dt.datetime) -> str:
        return attendance_code(center=center, at=when)

    director, deputy = team.main_director, team.deputy_director
    for day, hour, minute, person in ((13, 8, 20, director), (14, 9, 5, director), (16, 8, 10, deputy),
                                      (17, 8, 15, director), (27, 8, 15, director), (28, 8, 15, director),
                                      (29, 8, 15, director), (30, 8, 15, director), (31, 8, 15, director)):
        when = at(10, day, hour, minute)
        duty_sign_in(actor=person, center=center, code=code_at(when), now=when)
        leaving = at(10, day, 17, 35)
        duty_sign_out(actor=person, center=center, code=code_at(leaving), now=leaving)
    dispatcher = UserFactory(username="oct-dispatcher", roles=["dispatcher"], profile={"center": center})
    duty_sign_confirm(actor=dispatcher, center=center, person=director, direction=IN, now=at(10, 15, 8, 25))
    Stationing.objects.create(center=center, department=zgj, weekday=Stationing.Weekday.TUESDAY,
                              valid_from=dt.date(2025, 9, 1), valid_to=dt.date(2025, 10, 31))
    staff = UserFactory(username="oct-zgj-staff", roles=["department_handler"],
                        profile={"center": center, "department": zgj})
    for day, minute in ((14, 20), (21, 40), (28, 25)):
        duty_sign_in(actor=staff, center=center, code=code_at(at(10, day, 8, minute)), now=at(10, day, 8, minute))


def build_october() -> October:
    center = CenterFactory(name="泉州台商投资区社会治理中心", code="QZTS-T")
    town = CenterFactory(name="张坂镇社会治理分中心", code="350521104", level=CenterLevel.TOWN, parent=center,
                         district=center)
    zgj = DepartmentFactory(center=center, name="资规建交局", short_code="A-ZGJ")
    ga = DepartmentFactory(center=center, name="公安分局", short_code="B-GA")
    ld = DepartmentFactory(center=center, name="劳动保障维权服务中心", short_code="C-LD")
    admin = UserFactory(username="oct-admin", roles=["administrator"], profile={"center": center})
    clerk = UserFactory(username="oct-clerk", roles=["window_clerk"], profile={"center": center})

    reported = AssignmentStatus.REPORTED
    z1 = _assignment(center, zgj, assigned=at(10, 9), acknowledged=at(10, 9, 9, 30), due=at(10, 10, 17, 30),
                     reported=at(10, 13, 10), status=reported)
    z2 = _assignment(center, zgj, assigned=at(10, 9, 14), acknowledged=at(10, 9, 14, 30), due=at(10, 20, 17, 30),
                     reported=at(10, 17, 11), status=reported)
    _revisit(z1, at(10, 20), "yes", "satisfied", clerk)
    _revisit(z2, at(10, 24), "partly", "basic", clerk)

    g1 = _assignment(center, ga, assigned=at(10, 10), acknowledged=at(10, 10, 9, 20), due=at(10, 16, 17, 30))
    ExtensionRequest.objects.create(assignment=g1, reason="需现场勘验", requested_due_at=at(10, 24, 17, 30),
                                    requested_by=admin, requested_at=at(10, 15), status=ExtensionStatus.REFUSED,
                                    old_due_at=at(10, 16, 17, 30))
    g2 = _assignment(center, ga, assigned=at(10, 20), acknowledged=at(10, 20, 9, 10), due=at(10, 27, 17, 30),
                     reported=at(10, 22, 16), status=reported)
    _event(g2, "assignment.declined", at(10, 20, 11), reason="非本部门职责")
    _event(g2, "assignment.decline_refused", at(10, 20, 15))
    _revisit(g2, at(10, 24, 10), "yes", "satisfied", clerk)

    l1 = _assignment(center, ld, assigned=at(10, 27), due=at(11, 5, 17, 30), status=AssignmentStatus.ASSIGNED)
    l2 = _assignment(center, ld, assigned=at(10, 28), due=at(11, 6, 17, 30), status=AssignmentStatus.WITHDRAWN)
    _event(l2, "assignment.declined", at(10, 28, 9, 30), reason="属劳动仲裁")
    _event(l2, "assignment.decline_accepted", at(10, 28, 10))
    l3 = _assignment(center, ld, assigned=at(10, 13), acknowledged=at(10, 13, 9, 40), due=at(10, 23, 17, 30),
                     reported=at(10, 22, 15), status=reported)
    _event(l3, "assignment.returned_for_rework", at(10, 15), reason="未附整改照片")
    _revisit(l3, at(10, 20), "no", "not_satisfied", clerk)
    CaseEvent.objects.create(case=l3.case, type="case.reopened", occurred_at=at(10, 20, 9, 5),
                             data={"assignment": l3.pk})
    _revisit(l3, at(10, 24, 11), "yes", "basic", clerk)

    summons = Summons.objects.create(center=center, reason="征地阻路", status=SummonsStatus.APPROVED,
                                     requested_by=admin, requested_at=at(10, 15, 14, 22), decided_by=admin,
                                     decided_at=at(10, 15, 14, 25), report_in_minutes=20,
                                     report_in_due_at=at(10, 15, 14, 45), case=z1.case)
    late = SummonsDepartment.objects.create(summons=summons, department=zgj, reported_in_at=at(10, 15, 14, 52),
                                            minutes_late=7)
    SummonsDepartment.objects.create(summons=summons, department=ga, reported_in_at=at(10, 15, 14, 38),
                                     minutes_late=0)

    zgj_team = DutyTeamFactory(department=zgj)
    DutyTeamFactory(department=ga, without_main=True)
    DutyRosterFactory(center=center, start_date=dt.date(2025, 9, 29), weekly=True, skip_holidays=True,
                      departments=[zgj, ga])
    _sign_in_october(center, zgj, zgj_team)

    # t1 was settled on the spot and has been revisited since: a fact of October, whatever its status now.
    t1 = CaseFactory(district=center, center=town, registered_at=at(10, 14), status=CaseStatus.REVISITED)
    CaseEvent.objects.create(case=t1, type="case.settled_on_spot", occurred_at=at(10, 14, 10),
                             from_status=CaseStatus.REGISTERED, to_status=CaseStatus.SETTLED_ON_SPOT)
    CaseFactory(district=center, center=town, registered_at=at(10, 15), status=CaseStatus.IN_PROGRESS)
    t3 = CaseFactory(district=center, center=center, registered_at=at(10, 16), status=CaseStatus.PENDING_DISPATCH)
    CaseEvent.objects.create(case=t3, type="case.escalated", occurred_at=at(10, 16, 15),
                             data={"from_center": town.pk, "to_center": center.pk, "reason": "涉及多部门"})
    assert Case.objects.filter(district=center).count() == 10
    return October(center=center, town=town, zgj=zgj, ga=ga, ld=ld, admin=admin,
                   assignments={"z1": z1, "z2": z2, "g1": g1, "g2": g2, "l1": l1, "l2": l2, "l3": l3},
                   summons_late=late, settled_on_spot=t1)
