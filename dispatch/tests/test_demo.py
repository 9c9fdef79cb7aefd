"""The demo command center: nine departments in weekly rotation, each with its duty director."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from dispatch.models import CommandAssignment, DutyRoster, DutyShift, DutyTeam
from dispatch.selectors.roster import commanders_on_duty, duty_director_on_duty, roster_gaps
from governance.models import Center

# The demo roster is built around today: a fixed mid-month day, not the wall clock.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]


def test_demo_roster_has_no_gaps_and_zfyj_on_duty_this_week():
    call_command("seed_demo", verbosity=0)
    district = Center.objects.get(code="QZTS")
    assert DutyTeam.objects.filter(main_director__isnull=False).count() == 9
    day = duty_director_on_duty(center=district, at=timezone.now())
    assert day.department.short_code == "ZFYJ" and day.director.username == "director"
    assert roster_gaps(center=district, start=timezone.localdate(), days=60) == []
    assert commanders_on_duty(center=district, at=timezone.now())


def test_demo_command_center_is_idempotent():
    call_command("seed_demo", verbosity=0)
    before = [list(m.objects.order_by("pk").values_list("pk", flat=True))
              for m in (DutyRoster, DutyTeam, CommandAssignment, DutyShift)]
    call_command("seed_demo", verbosity=0)
    after = [list(m.objects.order_by("pk").values_list("pk", flat=True))
             for m in (DutyRoster, DutyTeam, CommandAssignment, DutyShift)]
    assert before == after
