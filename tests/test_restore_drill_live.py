"""Issue 28 point 3, the restore drill with real processes: a demo district with history (seed_demo, 40
matters of history) and a matter with an uploaded file, `manage.py backup`, the database dropped and the
files deleted, `manage.py restore` into a fresh database: every matter, timeline event and file is back
(the same digest) and the pages answer.

Runs with CELERY_LIVE_TESTS=1 and a PostgreSQL DATABASE_URL whose user may create databases (CI's second
pass), on databases of its own (`<name>_drill_<token>`, dropped at the end).
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from dispatch.tests.faults_live import _json
from dispatch.tests.test_work_live_celery import DATABASE_URL, LIVE_ONLY, _env, _manage

pytestmark = LIVE_ONLY

psycopg2 = pytest.importorskip("psycopg2")

UPLOAD = r"""
import json
from django.core.files.uploadedfile import SimpleUploadedFile
from governance.demo import DISTRICT_CODE
from governance.models import Center
from intake.models import Category
from intake.services import MatterInput, case_register
from intake.services.cleaning import PartyInput
from django.contrib.auth.models import User
center = Center.objects.get(code=DISTRICT_CODE)
case = case_register(actor=User.objects.get(username="clerk"), center=center, matter=MatterInput(
    channel="walk_in", category=Category.objects.get(code="JF10"), title="备份演练：附件", description="带附件的事项。",
    parties=[PartyInput(name="郑演练", phone="13805959999", address="洛阳镇")],
    attachments=[SimpleUploadedFile("现场.pdf", b"%PDF-1.4 drill " + bytes(range(256)), content_type="application/pdf")]))
print(json.dumps({"code": case.code}))
"""

DIGEST = r"""
import hashlib, json
from django.core.files.storage import default_storage
from intake.models import Attachment, Case, CaseEvent
cases = list(Case.objects.order_by("code").values_list("code", "status", "title"))
events = list(CaseEvent.objects.order_by("pk").values_list("pk", "case__code", "type", "occurred_at"))
files = {}
for name in Attachment.objects.order_by("pk").values_list("file", flat=True):
    with default_storage.open(name) as handle:
        files[name] = hashlib.sha256(handle.read()).hexdigest()
digest = hashlib.sha256(json.dumps([cases, events], default=str).encode()).hexdigest()
print(json.dumps({"cases": len(cases), "events": len(events), "files": files, "digest": digest}))
"""

PAGES = r"""
import json
from django.contrib.auth.models import User
from django.test import Client
client = Client()
client.force_login(User.objects.get(username="admin"))
print(json.dumps({path: client.get(path).status_code for path in
                  ["/", "/intake/cases/", "/intake/cases/{code}/", "/dispatch/board/", "/org/status/"]}))
"""


def _db_url(name: str) -> str:
    return urlunsplit(urlsplit(DATABASE_URL)._replace(path=f"/{name}"))


def _admin(sql: str) -> None:
    connection = psycopg2.connect(DATABASE_URL)
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


def test_restore_drill_demo_district_with_history_comes_back_whole(tmp_path):
    base = urlsplit(DATABASE_URL).path.lstrip("/")
    token = uuid.uuid4().hex[:6]
    original, fresh = f"{base}_drill_{token}", f"{base}_restored_{token}"
    _admin(f'CREATE DATABASE "{original}"')
    env = {**_env(tmp_path / "var"), "DATABASE_URL": _db_url(original), "DEMO_HISTORY_MATTERS": "40",
           "BACKUP_DIR": str(tmp_path / "backups"), "MEDIA_ROOT": str(tmp_path / "media")}
    try:
        _manage(env, "migrate", "--noinput", timeout=300)
        _manage(env, "seed_demo", timeout=300)
        code = _json(env, UPLOAD)["code"]
        before = _json(env, DIGEST)
        assert before["cases"] > 40 and before["events"] > before["cases"] and len(before["files"]) >= 1
        _manage(env, "backup", timeout=300)
        (backup,) = sorted((tmp_path / "backups").iterdir())
        assert json.loads((backup / "manifest.json").read_text())["vendor"] == "postgresql"
        _manage(env, "restore", "--verify-only", str(backup))

        # The disaster: the database and the uploaded files are gone.
        _admin(f'DROP DATABASE "{original}"')
        subprocess.run(["rm", "-rf", str(tmp_path / "media")], check=True)
        _admin(f'CREATE DATABASE "{fresh}"')
        restored = {**env, "DATABASE_URL": _db_url(fresh)}
        _manage(restored, "restore", str(backup), timeout=300)

        after = _json(restored, DIGEST)
        assert after == before  # every matter, event and file, byte for byte
        pages = _json({**restored, "DEBUG": "1"}, PAGES.replace("{code}", code))  # static files unbuilt here
        assert set(pages.values()) == {200}, pages
        assert Path(tmp_path / "media").is_dir()
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{original}" WITH (FORCE)')
        _admin(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
