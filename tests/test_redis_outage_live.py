"""Issue 28 point 0: Redis (broker and shared cache) stopped under window load, with real processes: a
gunicorn web server on a private redis-server, clerks registering by form and by API, the matter list and
the dispatch board read, a login, all while Redis is stopped and after it is back. Counted: 0 answers of
500, 0 registrations lost (every 201/302 is a matter in the database), and no request waits on Redis
(the cache's circuit breaker).

Runs with CELERY_LIVE_TESTS=1, REDIS_URL and a PostgreSQL DATABASE_URL (CI's second pass) in the real
database (fresh codes per run); Redis is a private redis-server on a free port between 6390 and 6399,
never the shared one.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from dispatch.tests.faults_live import _free_port, _json, _redis
from dispatch.tests.test_work_live_celery import (
    LIVE_ONLY,
    ROOT,
    _env,
    _manage,
    _migrate,
    _stop,
)
from tests.processes import own_session_ending_with_parent

pytestmark = [
    *LIVE_ONLY,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

requests = pytest.importorskip("requests")

SETUP = r"""
import json
from knox.models import AuthToken
from governance.models import ServiceWindow
from governance.tests.factories import CenterFactory, UserFactory
from intake.models import Category
token = "{token}"
center = CenterFactory(code="R" + token, name="停机演练中心" + token)
clerk = UserFactory(username="clerk" + token, roles=["window_clerk"], center=center)
dispatcher = UserFactory(username="disp" + token, roles=["dispatcher"], center=center)
for user in (clerk, dispatcher):
    user.set_password("pass-" + token)
    user.save()
window = ServiceWindow.objects.create(center=center, number=1, name="综合受理")
window.staff.add(clerk)
print(json.dumps({{"api_token": AuthToken.objects.create(clerk)[1], "window": window.pk,
                   "category": Category.objects.get(code="JF10").pk}}))
"""

COUNT = r"""
import json
from intake.models import Case, CaseEvent
cases = Case.objects.filter(center__code="R{token}")
print(json.dumps({{"cases": cases.count(), "events": CaseEvent.objects.filter(case__in=cases,
                                                                              type="case.registered").count(),
                   "titles": sorted(cases.values_list("title", flat=True))}}))
"""

OUTAGE_SECONDS = 20
LOAD_THREADS = 4


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Load:
    """Threads that register and read without pause, recording every answer by phase."""

    def __init__(self, base: str, token: str, ids: dict) -> None:
        self.base, self.token, self.ids = base, token, ids
        self.phase = "before"
        self.answers: list[tuple[str, str, int, float]] = []  # phase, what, status, seconds
        self.registered: list[str] = []  # titles answered 201/302
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.serial = 0

    def _title(self) -> str:
        with self.lock:
            self.serial += 1
            return f"停机登记{self.token}-{self.serial}"

    def _record(self, what: str, started: float, status: int, title: str | None = None) -> None:
        with self.lock:
            self.answers.append((self.phase, what, status, time.monotonic() - started))
            if title and status in (201, 302):
                self.registered.append(title)

    def _login(self, username: str) -> requests.Session:
        session = requests.Session()
        page = session.get(f"{self.base}/accounts/login/", timeout=30)
        assert page.status_code == 200, page.text[:500]
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        started = time.monotonic()
        answer = session.post(f"{self.base}/accounts/login/", timeout=30, allow_redirects=False,
                              data={"username": username, "password": f"pass-{self.token}",
                                    "csrfmiddlewaretoken": csrf}, headers={"Referer": f"{self.base}/accounts/login/"})
        self._record("login", started, answer.status_code)
        assert answer.status_code == 302, answer.text[:2000]
        return session

    def _form(self, session: requests.Session) -> None:
        started = time.monotonic()
        page = session.get(f"{self.base}/intake/window/", timeout=30)
        self._record("window page", started, page.status_code)
        if page.status_code != 200:
            return
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        form = page.text[page.text.index('id="register-form"'):]
        once = re.search(r'name="once" value="([^"]+)"', form).group(1)
        title = self._title()
        started = time.monotonic()
        answer = session.post(f"{self.base}/intake/window/", timeout=30, allow_redirects=False,
                              headers={"Referer": f"{self.base}/intake/window/"}, data={
                                  "csrfmiddlewaretoken": csrf, "once": once, "window": self.ids["window"],
                                  "channel": "walk_in", "category": self.ids["category"], "title": title,
                                  "description": "停机演练：窗口登记。", "urgency": "normal", "risk_level": "low",
                                  "complexity": "", "applicant_kind": "person", "applicant_name": "王建国",
                                  "applicant_phone": "13805950001", "applicant_address": "洛阳镇上浦村",
                                  "respondent_kind": "person", "group_size": "1"})
        registered = answer.status_code == 302 and "/receipt/" in answer.headers.get("Location", "")
        self._record("form registration", started, answer.status_code if registered or answer.status_code != 302
                     else -302, title if registered else None)

    def _api(self) -> None:
        title = self._title()
        started = time.monotonic()
        answer = requests.post(f"{self.base}/api/intake/cases/", timeout=30, json={
            "channel": "walk_in", "category": self.ids["category"], "title": title,
            "description": "停机演练：接口登记。", "window": self.ids["window"],
            "parties": [{"name": "李四", "phone": "13805950002", "address": "洛阳镇"}]},
            headers={"Authorization": f"Token {self.ids['api_token']}"})
        self._record("api registration", started, answer.status_code, title)

    def _get(self, session: requests.Session, what: str, path: str) -> None:
        started = time.monotonic()
        self._record(what, started, session.get(f"{self.base}{path}", timeout=30).status_code)

    def clerk(self) -> None:
        session = self._login(f"clerk{self.token}")
        while not self.stop.is_set():
            self._form(session)
            self._api()
            self._get(session, "matter list", "/intake/cases/")

    def dispatcher(self) -> None:
        session = self._login(f"disp{self.token}")
        while not self.stop.is_set():
            self._get(session, "board", "/dispatch/board/")
            self._get(session, "matter list", "/intake/cases/")


def test_redis_stopped_under_load_answers_no_500_and_loses_nothing(tmp_path):
    port = _free_port()
    redis_log = tmp_path / "redis.log"
    broker = _redis(port, redis_log)
    env = {**_env(tmp_path), "REDIS_URL": f"redis://127.0.0.1:{port}/0", "DEBUG": "0"}
    token = uuid.uuid4().hex[:8]
    _migrate(env)
    _manage(env, "collectstatic", "--noinput", "-v0", timeout=300)  # production: DEBUG off, hashed static files
    ids = _json(env, SETUP.format(token=token))
    web_port = _port()
    web_log = tmp_path / "web.log"
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "governance.wsgi:application", "--bind",
                            f"127.0.0.1:{web_port}", "--workers", "1", "--threads", "8", "--timeout", "60",
                            "--no-control-socket"], cwd=ROOT, env=env, stdout=web_log.open("w"),
                           stderr=subprocess.STDOUT, preexec_fn=own_session_ending_with_parent)
    base = f"http://127.0.0.1:{web_port}"
    load = Load(base, token, ids)
    threads: list[threading.Thread] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/livez", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, web_log.read_text()[-3000:]
            time.sleep(0.5)
        threads = [threading.Thread(target=load.clerk) for _ in range(LOAD_THREADS - 1)]
        threads.append(threading.Thread(target=load.dispatcher))
        for thread in threads:
            thread.start()
        time.sleep(5)
        load.phase = "outage"
        _stop(broker)
        # a login during the outage too (the lockout counters are in the cache)
        time.sleep(2)
        outage_login = load._login(f"disp{token}")
        load._get(outage_login, "board", "/dispatch/board/")
        time.sleep(OUTAGE_SECONDS)
        broker = _redis(port, redis_log)
        load.phase = "after"
        time.sleep(8)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(60)
        _stop(web)
        _stop(broker)

    by_phase = Counter((phase, what, status) for phase, what, status, _ in load.answers)
    print(json.dumps({" ".join(map(str, key)): count for key, count in sorted(by_phase.items())},
                     ensure_ascii=False, indent=1))
    errors = [answer for answer in load.answers if answer[2] >= 500]
    assert errors == [], (errors[:20], web_log.read_text()[-5000:])
    outage = [answer for answer in load.answers if answer[0] == "outage"]
    registered_in_outage = [a for a in outage if a[1].endswith("registration") and a[2] in (201, 302)]
    assert len(registered_in_outage) >= 10, by_phase  # the window kept working
    assert {a[1] for a in outage} >= {"form registration", "api registration", "matter list", "board", "login"}
    # no request waited on Redis: the circuit breaker reads around it
    slowest = max(seconds for _, _, _, seconds in outage)
    assert slowest < 10, sorted(outage, key=lambda a: -a[3])[:5]
    # nothing lost, nothing doubled: every registration answered 201/302 is one matter with its event
    state = _json(env, COUNT.format(token=token))
    assert sorted(load.registered) == state["titles"]
    assert state["cases"] == state["events"] == len(load.registered)
    assert not [a for a in load.answers if a[2] == -302]  # a form answered by a redirect elsewhere (the login)
    assert Path(web_log).exists()
