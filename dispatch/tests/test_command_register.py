"""Calls to the command center and 上级交办 matters registered from a page by the dispatcher and the duty
director (issue 22 item 12; before, only through the API), through `case_register`, at their own center,
on duty."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from dispatch.tests.factories import DutyRosterFactory, DutyTeamFactory
from dispatch.tests.factories_work import World, at
from governance.errors import ApplicationError, PermissionDeniedError
from governance.tests.factories import CenterFactory, UserFactory
from intake.choices import CaseStatus, Channel, PartyRole
from intake.models import Case
from intake.services import MatterInput, PartyInput, case_register_at_command
from intake.tests.factories import valid_id_number

pytestmark = pytest.mark.django_db

START = dt.date(2026, 11, 16)  # a Monday: 公安分局's week, then 资规建交局's
NOW = at(2026, 11, 18, 10)


class Command(World):
    def __init__(self) -> None:
        super().__init__()
        self.off_director = UserFactory(username="director_zgj", roles=["duty_director"],
                                        profile={"center": self.center})
        DutyTeamFactory(department=self.police, main_director=self.director, deputy_director=None)
        DutyTeamFactory(department=self.zgj, main_director=self.off_director, deputy_director=None)
        DutyRosterFactory(center=self.center, departments=[self.police, self.zgj], start_date=START, weekly=True)
        self.clerk = UserFactory(username="clerk_zh", roles=["window_clerk"], profile={"center": self.center})

    def register(self, actor, channel=Channel.UPPER_ASSIGNMENT, center=None, **fields):
        return case_register_at_command(actor=actor, center=center or self.center, now=NOW, matter=MatterInput(
            channel=channel, category=self.category, title="市中心交办：洛阳镇工地欠薪",
            description="泉州市社会治理中心交办，请核实处置并反馈。",
            parties=[PartyInput(name="王建国", phone="13805950001", id_number=valid_id_number(order=7),
                                role=PartyRole.APPLICANT)], **fields))


@pytest.fixture
def world():
    return Command()


def _form(world, **values):
    data = {"channel": Channel.UPPER_ASSIGNMENT, "category": world.category.pk, "title": "市中心交办：工地欠薪",
            "description": "市中心交办，请核实处置。", "urgency": "normal", "risk_level": "low",
            "applicant_kind": "person", "applicant_name": "王建国", "applicant_phone": "13805950001",
            "respondent_kind": "person", "external_ref": "泉社治交〔2026〕15号"}
    data.update(values)
    return data


def test_an_upper_assignment_goes_to_the_queue_with_its_document_number(world):
    with time_machine.travel(NOW, tick=False):
        case = world.register(world.dispatcher, external_ref="泉社治交〔2026〕15号")
    assert (case.channel, case.status, case.first_receiver, case.window) == (
        Channel.UPPER_ASSIGNMENT, CaseStatus.PENDING_DISPATCH, world.dispatcher, None)
    assert (case.external_source, case.external_ref) == (Channel.UPPER_ASSIGNMENT, "泉社治交〔2026〕15号")
    assert list(case.events.order_by("pk").values_list("type", flat=True)) == [
        "case.registered", "case.sent_to_dispatch"]


def test_a_call_stays_with_the_director_on_duty_who_took_it(world):
    with time_machine.travel(NOW, tick=False):
        case = world.register(world.director, channel=Channel.PHONE)
    assert (case.status, case.first_receiver) == (CaseStatus.REGISTERED, world.director)


def test_refused_off_duty_elsewhere_for_a_walk_in_and_for_a_clerk(world):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(PermissionDeniedError) as refused:
            world.register(world.off_director)
        assert refused.value.code == "not_on_duty"
        other = CenterFactory(code="QZFZ", name="丰泽区社会治理中心")
        with pytest.raises(PermissionDeniedError) as refused:
            world.register(world.dispatcher, center=other)
        assert refused.value.code == "not_your_center"
        with pytest.raises(ApplicationError) as refused:
            world.register(world.dispatcher, channel=Channel.WALK_IN)
        assert refused.value.code == "invalid_channel"
        with pytest.raises(PermissionDeniedError, match="只有调度员和轮值主任"):
            world.register(world.clerk)
    assert not Case.objects.exists()


def test_the_page_is_in_the_dispatchers_navigation_and_registers(world, client):
    url = reverse("intake:command_register")
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.dispatcher)
        page = client.get(url)
        assert page.status_code == 200 and f'href="{url}"' in page.content.decode()
        assert 'name="window"' not in page.content.decode() and "来电与上级交办登记" in page.content.decode()
        done = client.post(url, _form(world), follow=True)
    case = Case.objects.get()
    assert done.redirect_chain[-1][0] == reverse("intake:receipt", args=[case.code])
    assert (case.channel, case.status, case.external_ref) == (Channel.UPPER_ASSIGNMENT, CaseStatus.PENDING_DISPATCH,
                                                              "泉社治交〔2026〕15号")
    assert f'href="{url}"' in done.content.decode()  # 登记下一件 leads back here


def test_the_page_tells_an_off_duty_director_and_keeps_the_form(world, client):
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.off_director)
        page = client.post(reverse("intake:command_register"), _form(world))
    assert page.status_code == 400 and "不在值班" in page.content.decode()
    assert "市中心交办：工地欠薪" in page.content.decode() and not Case.objects.exists()


def test_the_page_refuses_a_walk_in_and_is_not_for_clerks(world, client):
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.dispatcher)
        page = client.post(reverse("intake:command_register"), _form(world, channel=Channel.WALK_IN))
        assert page.status_code == 400 and not Case.objects.exists()
        client.force_login(world.clerk)
        assert client.get(reverse("intake:command_register")).status_code == 403
