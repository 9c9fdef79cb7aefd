"""Issue 24 items 1, 2 and 4 as deployed: the real deploy/nginx.conf (TLS) in front of gunicorn
(gunicorn.conf.py), DEBUG off, on a throwaway SQLite database.

Runs only with NGINX_STACK=1 and an `nginx` binary (Debian's package; `.ci/run` installs it). Clients
connect from different loopback addresses (127.0.0.2, 127.0.0.3, ...) so that nginx sees different
client addresses, as it would on the Internet.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.database_template import sqlite_template

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.environ.get("NGINX_STACK") != "1" or not shutil.which("nginx"),
                                reason="the nginx stack test runs with NGINX_STACK=1 and nginx installed")

ID_NUMBER = "350521199001011234"
PHONE = "13805950001"
NAME = "王建国"

SETUP = f"""
from django.core.files.base import ContentFile
from governance.tests.factories import CenterFactory, UserFactory
from intake.models import Attachment, Party, CaseParty
from intake.tests.factories import CaseFactory
center = CenterFactory(quanzhou=True)
clerk = UserFactory(username="clerk", password="right-password-1", roles=["window_clerk"], center=center)
UserFactory(username="other", password="other-password-1", roles=["window_clerk"])
case = CaseFactory(district=center, first_receiver=clerk)
party = Party.objects.create(name="{NAME}", id_number="{ID_NUMBER}", phone="{PHONE}")
CaseParty.objects.create(case=case, party=party)
pdf = b"%PDF-1.4\\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\\n%%EOF\\n"
attachment = Attachment(case=case, name="js.pdf", size=len(pdf), content_type="application/pdf", uploaded_by=clerk)
attachment.file.save("js.pdf", ContentFile(pdf), save=True)
print("ATTACHMENT", attachment.pk)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, what: str, log: Path) -> None:
    for _ in range(150):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not start: {log.read_text(errors='replace')[-2000:]}")


class Stack:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.https_port = _free_port()
        self.app_port = _free_port()
        self.gunicorn_log = work / "gunicorn.log"
        self.nginx_log = work / "nginx-access.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "VAR_DIR": str(work / "var"), "MEDIA_ROOT": str(work / "media"), "DEBUG": "0",
            "SECRET_KEY": "nginx-stack-test-only", "ALLOWED_HOSTS": "gov.example.cn",
            "SECURE_PROXY_SSL_HEADER": "1", "SECURE_SSL_REDIRECT": "1", "SECURE_COOKIES": "1",
            "SECURE_HSTS_SECONDS": "31536000", "TRUSTED_PROXIES": "127.0.0.1",
            "ATTACHMENT_X_ACCEL_PREFIX": "/protected-media/", "CELERY_TASK_ALWAYS_EAGER": "1",
            "CSRF_TRUSTED_ORIGINS": "https://gov.example.cn", "DEMO_HISTORY_MATTERS": "0",
        }
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start(self) -> None:
        # the deploy's `migrate`, on a copy of the suite's migrated template (tests/database_template.py)
        (self.work / "var").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sqlite_template(), self.work / "var" / "db.sqlite3")
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.attachment = int(re.search(r"ATTACHMENT (\d+)", self.manage("shell", "-c", SETUP)).group(1))
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.processes.append(subprocess.Popen(
            [str(gunicorn), "governance.wsgi:application", "--bind", f"127.0.0.1:{self.app_port}", "--workers", "1",
             "--threads", "4", "--no-control-socket"],
            cwd=ROOT, env=self.env, stdout=self.gunicorn_log.open("w"), stderr=subprocess.STDOUT))
        _wait(self.app_port, "gunicorn", self.gunicorn_log)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=gov.example.cn", "-keyout", str(self.work / "tls.key"), "-out", str(self.work / "tls.crt")],
                       check=True, capture_output=True)
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        for old, new in [
            ("listen 80;", f"listen 127.0.0.1:{_free_port()};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
            ("/etc/nginx/tls/gov.example.cn.crt", str(self.work / "tls.crt")),
            ("/etc/nginx/tls/gov.example.cn.key", str(self.work / "tls.key")),
            ("/var/lib/docker/volumes/governance_media/_data/", str(self.work / "media") + "/"),
            ("/var/log/nginx/governance.access.log", str(self.nginx_log)),
            ("http://127.0.0.1:8000", f"http://127.0.0.1:{self.app_port}"),
        ]:
            assert old in site, old
            site = site.replace(old, new)
        temp = self.work / "nginx-temp"
        temp.mkdir()
        (self.work / "nginx.conf").write_text(
            ""
            # As root, nginx's workers would run as `nobody`, who cannot read pytest's private temp dir.
            + ("user root;\n" if os.geteuid() == 0 else "")
            + f"daemon off;\nworker_processes 1;\npid {self.work}/nginx.pid;\nerror_log {self.work}/nginx-error.log;\n"
            "events { worker_connections 64; }\n"
            f"http {{\ninclude /etc/nginx/mime.types;\naccess_log off;\nclient_body_temp_path {temp}/body;\n"
            f"proxy_temp_path {temp}/proxy;\nfastcgi_temp_path {temp}/fastcgi;\nuwsgi_temp_path {temp}/uwsgi;\n"
            f"scgi_temp_path {temp}/scgi;\n{site}\n}}\n")
        nginx_out = self.work / "nginx.out"
        self.processes.append(subprocess.Popen(["nginx", "-p", str(self.work), "-c", str(self.work / "nginx.conf")],
                                               stdout=nginx_out.open("w"), stderr=subprocess.STDOUT))
        _wait(self.https_port, "nginx", nginx_out)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
            process.wait(timeout=20)

    def logs(self) -> str:
        time.sleep(0.5)  # gunicorn and nginx write their access lines after answering
        return self.gunicorn_log.read_text(errors="replace") + self.nginx_log.read_text(errors="replace")


class Browser:
    """One client at one source address, keeping its cookies, talking HTTPS to nginx."""

    def __init__(self, stack: Stack, address: str) -> None:
        self.stack, self.address, self.cookies = stack, address, {}

    def request(self, method: str, path: str, data: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", self.stack.https_port, context=context,
                                                 source_address=(self.address, 0), timeout=30)
        sent = {"Host": "gov.example.cn", "Referer": "https://gov.example.cn/", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            if "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        response.text = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def login(self, username: str, password: str) -> http.client.HTTPResponse:
        page = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.request("POST", "/accounts/login/",
                            {"username": username, "password": password, "csrfmiddlewaretoken": token})


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("nginx-stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_the_lockout_counts_each_client_behind_nginx(stack):
    attacker = Browser(stack, "127.0.0.2")
    statuses = [attacker.login("clerk", f"wrong-{n}").status for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert attacker.login("clerk", "right-password-1").status == 429
    # The owner at her own address is not locked out by someone who knows her username.
    assert Browser(stack, "127.0.0.3").login("clerk", "right-password-1").status == 302


def test_no_id_number_phone_or_name_in_any_log_line(stack):
    clerk = Browser(stack, "127.0.0.4")
    assert clerk.login("clerk", "right-password-1").status == 302
    found = clerk.request("POST", "/intake/window/applicant/", {"id_number": ID_NUMBER, "phone": PHONE},
                          headers={"Accept": "application/json"})
    assert found.status == 200 and NAME in found.text
    # Even a search typed into a list's query string stays out of the logs.
    assert clerk.request("GET", "/intake/cases/?" + urlencode({"q": PHONE})).status == 200
    logs = stack.logs()
    assert "/intake/window/applicant/" in logs and "/intake/cases/" in logs
    for secret in (ID_NUMBER, PHONE, NAME, "%E7%8E%8B"):
        assert secret not in logs


def test_attachments_through_x_accel_keep_their_protective_headers(stack):
    clerk = Browser(stack, "127.0.0.5")
    assert clerk.login("clerk", "right-password-1").status == 302
    served = clerk.request("GET", f"/intake/attachments/{stack.attachment}/")
    assert served.status == 200 and served.text.startswith("%PDF")
    assert served.getheader("Content-Disposition", "").startswith("attachment")  # a PDF is never shown inline
    assert served.getheader("X-Content-Type-Options") == "nosniff"
    assert "sandbox" in served.getheader("Content-Security-Policy", "")
    assert served.getheader("X-Frame-Options") == "DENY"
    assert "max-age=31536000" in served.getheader("Strict-Transport-Security", "")
    assert "no-store" in served.getheader("Cache-Control", "")
    assert served.getheader("Server") == "nginx"  # no version
    assert clerk.request("GET", "/media/attachments/").status == 404
