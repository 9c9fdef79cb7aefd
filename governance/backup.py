"""Backups that restore: the database (a consistent `pg_dump`, or SQLite's online backup API) and the
uploaded files, in one folder with a manifest of checksums (`manage.py backup` / `manage.py restore`,
and the nightly beat task `backup-nightly`, which keeps the newest `BACKUP_KEEP`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from governance.errors import ApplicationError

MANIFEST = "manifest.json"
PREFIX = "backup-"


def backup_dir() -> Path:
    return Path(settings.BACKUP_DIR)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return args, env


def _dump_database(target: Path) -> Path:
    if connection.vendor == "postgresql":
        out = target / "database.sql"
        args, env = _pg_env()
        # one snapshot of the whole database (pg_dump runs in a single repeatable-read transaction)
        subprocess.run(["pg_dump", *args, "--no-owner", "--no-privileges", "-f", str(out),  # noqa: S603, S607
                        connection.settings_dict["NAME"]], check=True, env=env, capture_output=True)
        return out
    if connection.vendor == "sqlite":
        out = target / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(out) as copy:
            connection.connection.backup(copy)  # the online backup API: consistent while others write
        copy.close()
        return out
    raise ApplicationError(f"不支持备份 {connection.vendor} 数据库。", code="unsupported")


def backup_create(*, now: dt.datetime | None = None, keep: int | None = None) -> Path:
    """A new backup folder under BACKUP_DIR; the oldest beyond `keep` (BACKUP_KEEP) are removed."""
    now = now or timezone.now()
    root = backup_dir()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{PREFIX}{timezone.localtime(now):%Y%m%d-%H%M%S}"
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    files = [_dump_database(partial)]
    media = Path(settings.MEDIA_ROOT)
    archive = partial / "media.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        if media.is_dir():
            tar.add(media, arcname="media")
    files.append(archive)
    manifest = {
        "created_at": timezone.localtime(now).isoformat(), "vendor": connection.vendor,
        "files": {path.name: {"sha256": _sha256(path), "bytes": path.stat().st_size} for path in files},
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    partial.rename(target)  # a backup is listed only once it is complete
    backup_prune(keep=settings.BACKUP_KEEP if keep is None else keep)
    return target


def backups() -> list[Path]:
    """Complete backups, newest first."""
    root = backup_dir()
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if p.name.startswith(PREFIX) and (p / MANIFEST).is_file()),
                  key=lambda p: p.name, reverse=True)


def backup_prune(*, keep: int) -> list[Path]:
    removed = backups()[max(keep, 1):]
    for path in removed:
        shutil.rmtree(path)
    return removed


def backup_verify(path: Path) -> dict[str, Any]:
    """The manifest, after checking every file's checksum."""
    manifest = json.loads((path / MANIFEST).read_text())
    for name, meta in manifest["files"].items():
        file = path / name
        if not file.is_file() or _sha256(file) != meta["sha256"]:
            raise ApplicationError(f"备份文件 {name} 缺失或校验和不符，不能恢复。", code="corrupt_backup")
    return manifest


def backup_restore(path: Path) -> dict[str, Any]:
    """Restore the database (into the configured database, which must be empty: a fresh one) and the
    uploaded files. Checks the checksums first."""
    manifest = backup_verify(path)
    if manifest["vendor"] != connection.vendor:
        raise ApplicationError(f"备份来自 {manifest['vendor']}，当前数据库是 {connection.vendor}。", code="vendor")
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        connection.close()
        subprocess.run(["psql", *args, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(path / "database.sql"),  # noqa: S603, S607
                        connection.settings_dict["NAME"]], check=True, env=env, capture_output=True)
    else:
        connection.ensure_connection()
        with sqlite3.connect(path / "database.sqlite3") as source:
            source.backup(connection.connection)
        source.close()
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path / "media.tar.gz") as tar:
        for member in tar.getmembers():
            if member.name == "media" or not member.isfile():
                continue
            relative = Path(member.name).relative_to("media")
            if ".." in relative.parts:
                continue
            target = media / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as source, target.open("wb") as out:  # type: ignore[union-attr]
                shutil.copyfileobj(source, out)
    return manifest


def backup_checks(*, now: dt.datetime) -> dict[str, dict[str, Any]]:
    """For the status page: when the last good backup was made (amber when older than BACKUP_STALE_HOURS)."""
    latest = backups()[:1]
    if not latest:
        # a new installation: nothing to warn about until the first night (the message says so)
        return {"备份": {"ok": True, "soft": True, "message": "尚无备份（manage.py backup，或每晚的定时备份）"}}
    made = dt.datetime.strptime(latest[0].name.removeprefix(PREFIX), "%Y%m%d-%H%M%S").replace(
        tzinfo=timezone.get_current_timezone())
    age_hours = (now - made).total_seconds() / 3600
    fresh = age_hours <= settings.BACKUP_STALE_HOURS
    return {"备份": {"ok": fresh, "soft": True, "last_backup": made.isoformat(), "path": str(latest[0]),
                   "message": f"最近一次备份 {made:%Y-%m-%d %H:%M}" + ("" if fresh else "：已超过时限，请检查定时备份")}}
