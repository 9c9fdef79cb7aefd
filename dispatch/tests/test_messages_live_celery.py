"""Issue 27's acceptance played with real processes: a summons reaches the liaison by the (fake) Aliyun SMS
gateway and the (fake) WeCom, the gateway's receipt comes back over HTTP and shows 已送达 on the summons
page and the board, the liaison confirms from the card's link, nobody reports in, the escalation
reaches the leader in charge and the commander, the commander reads it, and a (fake) voice call reaches
the leader, not the commander; pressing 1 acknowledges it. Nothing is sent twice.

The gateways are the local fakes of `fake_gateways` (each an HTTP server in this process, checking the
vendor's signature); the web app (gunicorn), the Celery worker and beat are real processes on the real
PostgreSQL and Redis, with a report-in limit of one minute and the voice call 15 s after the escalation.
Runs only with CELERY_LIVE_TESTS=1 (see test_work_live_celery).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dispatch.tests.fake_gateways import FakeAliyunSMS, FakeAliyunVoice, FakeWeCom
from dispatch.tests.test_work_live_celery import (
    LIVE_ONLY,
    ROOT,
    _env,
    _migrate,
    _shell,
    _start,
    _stop,
    summons_setup,
)
from tests.processes import own_session_ending_with_parent

pytestmark = LIVE_ONLY

RECEIPT_TOKEN = "live-receipt-token-" + uuid.uuid4().hex
SMS_TEMPLATES = {"SMS_100001": ["title", "detail"], "SMS_100002": ["title", "detail"], "SMS_100003": ["title", "detail"]}
TTS_TEMPLATES = {"TTS_900001": ["title", "detail"], "TTS_900002": []}
VOICE_AFTER_SECONDS = 15
# From the approval: the call-up delivered, its receipt pushed and the card confirmed, all before the deadline.
REPORT_IN_LEFT_SECONDS = 30
WAIT_SECONDS = 120

SETUP = summons_setup("M", channels=r"""
phones = {{"liaison": "{liaison_phone}", "leader": "{leader_phone}", "commander": "{commander_phone}",
          "director": "{director_phone}"}}
for name, user in (("liaison", liaison), ("leader", leader), ("commander", commander), ("director", director)):
    Profile.objects.filter(user=user).update(phone=phones[name])
Profile.objects.filter(user=liaison).update(wecom_userid="lia" + token)
""")

STATE = r"""
import json
from dispatch.models import Notification, SummonsDepartment
from intake.models import CaseEvent
row = SummonsDepartment.objects.get(summons_id={summons}, department_id={department})
rows = Notification.objects.filter(dedupe_key__startswith="summons:{summons}:").order_by("pk")
print(json.dumps({{
    "acknowledged_by": row.acknowledged_by_id,
    "messages": [[n.kind, n.channel, n.recipient_id, n.status, n.receipt, bool(n.read_at)] for n in rows],
    "events": sorted(CaseEvent.objects.filter(case_id={case}).values_list("type", flat=True)),
}}))
"""

READ_ESCALATION = r"""
import json
from django.utils import timezone
from dispatch.models import Notification
from dispatch.services import notification_mark_read
message = Notification.objects.get(dedupe_key="summons:{summons}:department:{department}:overdue",
                                   recipient_id={commander}, channel="in_app")
notification_mark_read(actor=message.recipient, notification_id=message.pk, now=timezone.now())
print(json.dumps({{"read": message.pk}}))
"""

SUMMONS_PAGE = r"""
import json
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
client = Client()
client.force_login(User.objects.get(pk={director}))
page = client.get(reverse("dispatch:work-summons", args=[{summons}]))
cell = page.content.decode().split('data-testid="call-deliveries"', 1)[1].split("</td>", 1)[0]
board = client.get(reverse("dispatch:board"))
card = board.content.decode().split('data-testid="summons-list"', 1)[-1].split('data-testid="pending"', 1)[0]
print(json.dumps({{"status": page.status_code, "cell": cell, "board": board.status_code, "card": card}}))
"""


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _until(what: str, check: Callable[[], Any], *, logs: Path, seconds: int = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            tail = "\n".join(f"--- {log.name}\n{log.read_text()[-2500:]}" for log in sorted(logs.glob("*.log")))
            pytest.fail(f"timed out waiting for {what}\n{tail}")
        time.sleep(0.5)


@pytest.fixture
def center_with_gateways(tmp_path: Path) -> Iterator[dict]:
    sms = FakeAliyunSMS(templates=SMS_TEMPLATES)
    wecom = FakeWeCom()
    voice = FakeAliyunVoice(templates=TTS_TEMPLATES)
    with sms.running(), wecom.running(), voice.running():
        web_port = _port()
        env = {**_env(tmp_path), "DEBUG": "1", "SITE_URL": f"http://127.0.0.1:{web_port}",
               "SMS_BACKEND": "aliyun", "SMS_ENDPOINT": sms.url, "SMS_KEY_ID": sms.key_id,
               "SMS_KEY_SECRET": sms.secret, "SMS_SIGN_NAME": sms.sign_name, "SMS_TEMPLATE_SUMMONS": "SMS_100001",
               "SMS_TEMPLATE_ESCALATION": "SMS_100002", "SMS_TEMPLATE_NOTICE": "SMS_100003",
               "SMS_RECEIPT_TOKEN": RECEIPT_TOKEN,
               "WECOM_ENDPOINT": wecom.url, "WECOM_CORP_ID": wecom.corp_id, "WECOM_SECRET": wecom.secret,
               "WECOM_AGENT_ID": str(wecom.agent_id),
               "VOICE_BACKEND": "aliyun", "VOICE_ENDPOINT": voice.url, "VOICE_KEY_ID": voice.key_id,
               "VOICE_KEY_SECRET": voice.secret, "VOICE_SHOW_NUMBER": "057156780000",
               "VOICE_TEMPLATE_ESCALATION": "TTS_900001", "VOICE_TEMPLATE_CONFIRMED": "TTS_900002",
               "VOICE_CALL_AFTER_MINUTES": str(VOICE_AFTER_SECONDS / 60)}
        _migrate(env)
        web = subprocess.Popen([sys.executable, "-m", "gunicorn", "governance.wsgi:application", "--bind",
                                f"127.0.0.1:{web_port}", "--workers", "1", "--threads", "4", "--no-control-socket"],
                               cwd=ROOT, env=env, stdout=(tmp_path / "web.log").open("w"), stderr=subprocess.STDOUT,
                               preexec_fn=own_session_ending_with_parent)
        worker = _start(env, tmp_path / "worker.log", "worker", "--loglevel=INFO", "--concurrency=2",
                        "-Q", "default,sweep,deliveries,urgent", "--hostname", f"msg-{uuid.uuid4().hex[:6]}@%h")
        beat = _start(env, tmp_path / "beat.log", "beat", "--loglevel=INFO",
                      "--schedule", str(tmp_path / "celerybeat-schedule"))
        base = f"http://127.0.0.1:{web_port}"
        try:
            def serving() -> bool:
                try:
                    return requests.get(f"{base}/livez", timeout=5).status_code == 200
                except requests.RequestException:
                    return False
            _until("the web server", serving, logs=tmp_path, seconds=60)
            yield {"env": env, "base": base, "sms": sms, "wecom": wecom, "voice": voice, "logs": tmp_path,
                   "processes": (web, worker, beat)}
        finally:
            for process in (beat, worker, web):
                _stop(process)


def test_a_summons_reaches_confirms_escalates_and_calls_through_the_gateways(center_with_gateways):
    live = center_with_gateways
    env, base, logs = live["env"], live["base"], live["logs"]
    sms, wecom, voice = live["sms"], live["wecom"], live["voice"]
    token = uuid.uuid4().hex[:8]
    serial = int(token, 16) % 10**8
    phones = {name: f"139{serial:08d}"[:-1] + str(i) for i, name in enumerate(("liaison", "leader", "commander",
                                                                                "director"))}
    wecom.users.add("lia" + token)
    ids = _shell(env, SETUP.format(token=token, ago=60 - REPORT_IN_LEFT_SECONDS, liaison_phone=phones["liaison"],
                                   leader_phone=phones["leader"], commander_phone=phones["commander"],
                                   director_phone=phones["director"]))
    state = lambda: _shell(env, STATE.format(**ids))  # noqa: E731

    # The call-up reaches the liaison by SMS (the summons template) and by a WeCom card with the link.
    call_up = _until("the call-up SMS", lambda: [m for m in sms.accepted if m["phone"] == phones["liaison"]],
                     logs=logs)[0]
    assert call_up["template"] == "SMS_100001" and call_up["params"]["title"].startswith("召集：请于")
    card = _until("the WeCom card", lambda: [m for m in wecom.accepted if m.get("touser") == "lia" + token],
                  logs=logs)[0]
    link = card["textcard"]["url"]
    assert link.startswith(f"{base}/dispatch/ack/")

    # The gateway pushes its delivery receipt (SmsReport) to the receipts webhook: 已送达 on the summons page.
    report = [{"phone_number": phones["liaison"], "send_time": "2026-11-18 02:05:00",
               "report_time": "2026-11-18 02:05:07", "success": True, "err_code": "DELIVERED",
               "err_msg": "用户接收成功", "sms_size": "1", "biz_id": call_up["biz_id"], "out_id": call_up["out_id"]}]
    answer = requests.post(f"{base}/dispatch/receipts/sms/aliyun/{RECEIPT_TOKEN}/", json=report, timeout=30)
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "成功"}, answer.text[:500]
    page = _shell(env, SUMMONS_PAGE.format(**ids))
    assert page["status"] == 200 and "已送达" in page["cell"], page["cell"]
    assert page["board"] == 200 and "已送达" in page["card"], page["card"][:3000]  # and on the board

    # The liaison opens the card's link on the phone (no password) and confirms.
    phone = requests.Session()
    opened = phone.get(link, timeout=30)
    assert opened.status_code == 200 and 'data-testid="ack-confirm"' in opened.text, opened.text[:1000]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', opened.text).group(1)
    confirmed = phone.post(link, data={"csrfmiddlewaretoken": csrf}, headers={"Referer": link}, timeout=30)
    assert confirmed.status_code == 200 and "已确认" in confirmed.text, confirmed.text[:1000]
    assert state()["acknowledged_by"] is not None

    # Confirming is not reporting in: at the deadline the leader in charge and the commander are told.
    _until("the escalation SMS to the leader",
           lambda: [m for m in sms.accepted if m["phone"] == phones["leader"] and m["template"] == "SMS_100002"],
           logs=logs)
    _until("the commander's escalation", lambda: any(m[0] == "summons.overdue" and m[1] == "in_app"
                                                      and m[2] == ids["commander"] for m in state()["messages"]),
           logs=logs)
    _shell(env, READ_ESCALATION.format(**ids))  # the commander reads it in the app at once

    # 15 s later the leader, who has not seen it, is called; the commander, who has, is not.
    ours = lambda: [m for m in voice.accepted if m["phone"] in phones.values()]  # noqa: E731 (not an earlier run's)
    call = _until("the voice call", ours, logs=logs)[0]
    assert call["phone"] == phones["leader"] and call["template"] == "TTS_900001" and call["key_1"] == "1"
    assert call["params"]["title"].startswith("召集报到超时")
    press = requests.post(f"{base}/dispatch/receipts/voice/aliyun/{RECEIPT_TOKEN}/",
                          json=FakeAliyunVoice.report(call, status_code="300000", dtmf="1"), timeout=30)
    assert press.status_code == 200, press.text[:500]
    final = _until("the key press on the timeline",
                   lambda: (s := state()) and "summons.voice_acknowledged" in s["events"] and s, logs=logs)

    time.sleep(5)  # a moment more: nothing further is called or sent
    assert [m["phone"] for m in ours()] == [phones["leader"]]
    sent = Counter((m["phone"], m["template"]) for m in sms.accepted)
    assert all(count == 1 for count in sent.values()), sent
    assert (phones["liaison"], "SMS_100001") in sent and (phones["leader"], "SMS_100002") in sent
    assert Counter(m["touser"] for m in wecom.accepted)["lia" + token] == 1
    final = state()
    assert final["events"].count("summons.voice_called") == 1
    assert final["events"].count("summons.voice_acknowledged") == 1
    assert final["events"].count("summons.department_acknowledged") == 1
    voice_rows = [m for m in final["messages"] if m[1] == "voice"]
    assert voice_rows == [["summons.voice_call", "voice", ids["leader"], "sent", "delivered", True]]
    assert all(process.poll() is None for process in live["processes"])
