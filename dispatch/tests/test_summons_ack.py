"""Confirming a summons from the WeCom/DingTalk card: a signed, expiring link; opening it marks the
message seen, the button confirms once for the department, a preview's GET confirms nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from dispatch import services
from dispatch.choices import DispatchEventType, NotificationChannel
from dispatch.links import ack_token_for
from dispatch.models import Notification
from dispatch.selectors.attendance import attendance_code
from dispatch.tests.conftest import at
from dispatch.tests.factories_work import World
from dispatch.tests.fake_gateways import FakeWeCom
from governance.models import Profile
from intake.models import CaseEvent

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 18, 2, 5)


@pytest.fixture
def called(settings):
    """A summons approved at 02:05 calling 公安分局, whose liaison has WeCom on file."""
    cache.clear()
    settings.SITE_URL = "https://zz.example.gov.cn"
    settings.SMS_BACKEND = "dispatch.sms.LocmemSMSBackend"
    fake = FakeWeCom(users={"zhuangwei"})
    with fake.running(), time_machine.travel(NOW, tick=False):
        settings.WECOM_ENDPOINT, settings.WECOM_CORP_ID = fake.url, fake.corp_id
        settings.WECOM_SECRET, settings.WECOM_AGENT_ID = fake.secret, str(fake.agent_id)
        world = World()
        Profile.objects.filter(user=world.police.liaison).update(wecom_userid="zhuangwei")
        case = world.case()
        summons = services.summons_request(actor=world.director, center=world.center, departments=[world.police],
                                           reason="上浦村群体性讨薪", case=case, now=NOW)
        services.summons_approve(actor=world.deputy, summons=summons, now=NOW)
        message = Notification.objects.get(kind="summons.approved", channel=NotificationChannel.WECOM,
                                           recipient=world.police.liaison)
        yield world, summons, message, fake
    cache.clear()


def test_the_card_carries_the_confirmation_link(called):
    world, summons, message, fake = called
    services.notification_deliver(notification_id=message.pk, now=NOW)
    (card,) = fake.accepted
    url = card["textcard"]["url"]
    assert url.startswith("https://zz.example.gov.cn/dispatch/ack/")
    assert url.removeprefix("https://zz.example.gov.cn") == reverse("dispatch:summons-ack", args=[ack_token_for(message.pk)])


def test_opening_marks_seen_and_the_button_confirms_once(called, client):
    world, summons, message, fake = called
    url = reverse("dispatch:summons-ack", args=[ack_token_for(message.pk)])
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        page = client.get(url)
    assert page.status_code == 200 and 'data-testid="ack-confirm"' in page.content.decode()
    message.refresh_from_db()
    assert message.read_at == NOW + dt.timedelta(minutes=2)
    row = summons.departments.get()
    assert row.acknowledged_at is None  # seeing is not confirming (a chat preview only GETs)
    with time_machine.travel(NOW + dt.timedelta(minutes=3), tick=False):
        confirmed = client.post(url).content.decode()
        again = client.post(url).content.decode()
    assert "已确认。请按时到指挥中心报到。" in confirmed and "本部门已于 02:08 由" in again
    row.refresh_from_db()
    assert row.acknowledged_by == world.police.liaison and row.acknowledged_at == NOW + dt.timedelta(minutes=3)
    assert CaseEvent.objects.filter(type=DispatchEventType.SUMMONS_DEPARTMENT_ACKNOWLEDGED).count() == 1
    client.force_login(world.deputy)
    cell = client.get(reverse("dispatch:work-summons", args=[summons.pk])).content.decode().split(
        'data-testid="call-deliveries"', 1)[1].split("</td>", 1)[0]
    assert 'data-testid="seen"' in cell and "02:07" in cell


def test_a_forged_or_expired_link_does_nothing(called, client, settings):
    world, summons, message, fake = called
    token = ack_token_for(message.pk)
    assert client.post(reverse("dispatch:summons-ack", args=[token[:-2] + "xx"])).status_code == 404
    other = Notification.objects.filter(kind="summons.approved", channel=NotificationChannel.IN_APP).first()
    assert client.get(reverse("dispatch:summons-ack", args=[ack_token_for(other.pk)])).status_code == 404
    with time_machine.travel(NOW + dt.timedelta(minutes=settings.ACK_LINK_MINUTES + 1), tick=False):
        response = client.post(reverse("dispatch:summons-ack", args=[token]))
    assert response.status_code == 410 and "链接已过期" in response.content.decode()
    assert summons.departments.get().acknowledged_at is None


def test_a_closed_summons_cannot_be_confirmed(called, client):
    world, summons, message, fake = called
    row = summons.departments.get()
    services.summons_report_in(actor=world.police.liaison, row=row, now=NOW + dt.timedelta(minutes=1),
                               code=attendance_code(center=summons.center, at=NOW + dt.timedelta(minutes=1)))
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        page = client.post(reverse("dispatch:summons-ack", args=[ack_token_for(message.pk)])).content.decode()
    assert "该召集已结束或本部门已报到。" in page
    row.refresh_from_db()
    assert row.acknowledged_at is None


def test_the_board_shows_who_the_call_up_reached_and_who_has_seen_it(called, client):
    world, summons, message, fake = called
    services.notification_deliver(notification_id=message.pk, now=NOW)
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        client.get(reverse("dispatch:summons-ack", args=[ack_token_for(message.pk)]))  # opened on the phone
        client.force_login(world.director)
        board = client.get(reverse("dispatch:board")).content.decode()
    line = board.split(f'data-delivery="{message.pk}"', 1)[1].split("</li>", 1)[0]
    assert "企业微信" in line and "已发送" in line and 'data-testid="seen"' in line and "02:07" in line
    sms = Notification.objects.get(kind="summons.approved", channel=NotificationChannel.SMS,
                                   recipient=world.police.liaison)
    assert f'data-delivery="{sms.pk}"' in board.split('data-testid="summons-list"', 1)[1]
