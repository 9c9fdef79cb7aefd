"""Settings come from the environment; mistakes end in one clear line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from governance.config import Env

ROOT = Path(__file__).resolve().parents[2]


def test_sqlite_under_var_when_database_url_is_unset(tmp_path):
    db = Env({}).database(default_sqlite=tmp_path / "var" / "db.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "var" / "db.sqlite3")
    assert (tmp_path / "var").is_dir()


def test_postgresql_when_database_url_is_set(tmp_path):
    db = Env({"DATABASE_URL": "postgres://gov:secret@db.internal:5433/center"}).database(default_sqlite=tmp_path / "x")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.internal", 5433, "center", "gov")


@pytest.mark.parametrize("url", ["mysql://root@localhost/db", "postgress://x@y/z", "localhost:5432"])
def test_unsupported_database_scheme_is_refused(url, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        Env({"DATABASE_URL": url}).database(default_sqlite=tmp_path / "x")


def _read_everything(env: Env) -> Env:
    env.str("DATABASE_URL", default="")
    env.str("REDIS_URL", default="")
    return env


def test_misspelled_variable_is_refused_with_a_suggestion():
    with pytest.raises(ImproperlyConfigured, match="DATABSE_URL.*DATABASE_URL"):
        _read_everything(Env({"DATABSE_URL": "postgres://x"})).reject_misspelled()
    _read_everything(Env({"DATABASE_URL": "x", "HOME": "/root", "PATH": "/bin"})).reject_misspelled()
    with pytest.raises(ImproperlyConfigured, match="PORTT.*PORT"):
        _read_everything(Env({"PORTT": "8000"})).reject_misspelled(also_known={"PORT"})


def test_the_names_read_are_the_names_documented():
    """Every variable the settings read (however conditionally) is in `.env.example`, and the file
    documents nothing else (PORT: the Makefile's; DATABASE_URL and DATABASE_REPLICA_URL: read by
    `env.database()` and `env.replica_database()`)."""
    settings_text = "".join((ROOT / "governance" / name).read_text()
                            for name in ("settings.py", "settings_channels.py", "settings_api.py"))
    read = set(re.findall(r"""\benv\.\w+\(\s*["']([A-Z][A-Z0-9_]*)["']""", settings_text))
    documented = set(re.findall(r"^#? *([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert read and read | {"PORT", "DATABASE_URL", "DATABASE_REPLICA_URL"} == documented


def test_the_settings_read_through_the_recording_env():
    from django.conf import settings as django_settings

    from governance import settings

    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "WORKING_HOURS"} <= settings.env.read
    assert django_settings.WORKING_HOURS == settings.WORKING_HOURS


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("off", False), ("", False)])
def test_booleans(raw, expected):
    assert Env({"DEBUG": raw}).bool("DEBUG") is expected


def test_bad_boolean_and_numbers_are_refused():
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        Env({"DEBUG": "maybe"}).bool("DEBUG")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        Env({"EMAIL_PORT": "twenty-five"}).int("EMAIL_PORT", default=25)
    with pytest.raises(ImproperlyConfigured, match="VOICE_CALL_AFTER_MINUTES"):
        Env({"VOICE_CALL_AFTER_MINUTES": "five"}).float("VOICE_CALL_AFTER_MINUTES", default=5)
    assert Env({"VOICE_CALL_AFTER_MINUTES": "0.25"}).float("VOICE_CALL_AFTER_MINUTES", default=5) == 0.25
    assert Env({}).float("VOICE_CALL_AFTER_MINUTES", default=5) == 5


def test_an_empty_number_is_its_default_and_lists_lose_their_blanks():
    """What the project adds to django-environ's parsing (a copied `.env.example` sets names empty)."""
    assert Env({"EMAIL_PORT": ""}).int("EMAIL_PORT", default=25) == 25
    assert Env({"VOICE_CALL_AFTER_MINUTES": ""}).float("VOICE_CALL_AFTER_MINUTES", default=5) == 5
    assert Env({"ALLOWED_HOSTS": " a.example, b.example,"}).list("ALLOWED_HOSTS", default=[]) == ["a.example", "b.example"]
    assert Env({"ALLOWED_HOSTS": ""}).list("ALLOWED_HOSTS", default=["x"]) == []


def test_working_hours_parse_and_validate():
    assert Env({}).working_hours("WORKING_HOURS", default="08:30-12:00,14:30-17:30") == [
        ((8, 30), (12, 0)),
        ((14, 30), (17, 30)),
    ]
    for bad in ("8-12", "12:00-08:00", "14:30-17:30,08:30-12:00"):
        with pytest.raises(ImproperlyConfigured, match="WORKING_HOURS"):
            Env({"WORKING_HOURS": bad}).working_hours("WORKING_HOURS", default="")


def test_redis_url_scheme_checked():
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        Env({}).check_url("REDIS_URL", "http://localhost:6379", schemes={"redis", "rediss"})


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_secret_key_without_debug_is_one_line(tmp_path):
    result = _manage("check", VAR_DIR=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path):
    result = _manage(
        "migrate", DEBUG="1", VAR_DIR=str(tmp_path), DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere"
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "无法连接数据库" in result.stderr and "DATABASE_URL" in result.stderr


def test_misspelled_setting_is_one_line(tmp_path):
    result = _manage("check", DEBUG="1", VAR_DIR=str(tmp_path), REDIS_ULR="redis://localhost")
    assert result.returncode == 2
    assert "REDIS_ULR" in result.stderr and "REDIS_URL" in result.stderr
    assert result.stderr.strip().count("\n") == 0
