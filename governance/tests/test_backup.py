"""manage.py backup / restore: a backup with checksums, restored into a fresh database, with its files."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from governance.backup import backup_checks, backup_create, backup_verify, backups
from governance.errors import ApplicationError
from governance.models import Center

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places(settings, tmp_path):
    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "intake").mkdir(parents=True)
    (tmp_path / "media" / "intake" / "photo.jpg").write_bytes(b"\xff\xd8photo")
    return tmp_path


def test_backup_restore_drill(places):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL drill is test_backup_restore_drill_on_postgresql")
    Center.objects.create(name="备份演练中心", code="BKP", level="district")
    call_command("backup")
    (path,) = backups()
    manifest = json.loads((path / "manifest.json").read_text())
    assert set(manifest["files"]) == {"database.sqlite3", "media.tar.gz"}
    # disaster: the data and the files are gone
    Center.objects.filter(code="BKP").delete()
    (places / "media" / "intake" / "photo.jpg").unlink()
    call_command("restore", str(path))
    assert Center.objects.filter(code="BKP", name="备份演练中心").exists()
    assert (places / "media" / "intake" / "photo.jpg").read_bytes() == b"\xff\xd8photo"


def test_a_corrupt_backup_is_refused_and_old_ones_are_pruned(places, settings):
    first = backup_create(now=timezone.now() - dt.timedelta(days=2), keep=2)
    backup_create(now=timezone.now() - dt.timedelta(days=1), keep=2)
    backup_create(keep=2)
    assert len(backups()) == 2 and not first.exists()
    newest = backups()[0]
    (newest / "media.tar.gz").write_bytes(b"tampered")
    with pytest.raises(ApplicationError, match="校验和不符"):
        backup_verify(newest)


def test_the_status_page_warns_when_the_last_backup_is_stale(places, settings):
    settings.BACKUP_STALE_HOURS = 26
    now = timezone.now()
    assert "尚无备份" in backup_checks(now=now)["备份"]["message"]  # none yet
    backup_create(now=now - dt.timedelta(hours=30))
    check = backup_checks(now=now)["备份"]
    assert check["ok"] is False and check["soft"] and "已超过时限" in check["message"]
    backup_create(now=now)
    assert backup_checks(now=now)["备份"]["ok"] is True
    assert settings.CELERY_BEAT_SCHEDULE["backup-nightly"]["task"] == "governance.tasks.backup_nightly"


@pytest.mark.postgres
def test_backup_restore_drill_on_postgresql(places, settings):
    """pg_dump of the test database, restored with psql into a fresh database: the rows are back."""
    import subprocess

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    Center.objects.create(name="备份演练中心", code="BKP", level="district")
    path = backup_create()
    fresh = f"{connection.settings_dict['NAME']}_restored"
    args = ["-h", connection.settings_dict.get("HOST") or "127.0.0.1", "-U", connection.settings_dict.get("USER")]
    subprocess.run(["dropdb", *args, "--if-exists", fresh], check=True)
    subprocess.run(["createdb", *args, fresh], check=True)
    original = connection.settings_dict["NAME"]
    try:
        connection.close()
        connection.settings_dict["NAME"] = fresh
        call_command("restore", str(path))
        assert Center.objects.filter(code="BKP").exists()
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        subprocess.run(["dropdb", *args, "--if-exists", fresh], check=False)
