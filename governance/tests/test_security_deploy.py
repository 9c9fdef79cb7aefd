"""Issue 8 item 4: production settings. `check --deploy` is clean with docker-compose's values, and
every page forbids inline script (Content-Security-Policy) and none has any."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def compose_defaults() -> dict[str, str]:
    """`NAME: ${NAME:-default}` lines of docker-compose.yml: what production gets with nothing set."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    return dict(re.findall(r"^\s+([A-Z_]+): \$\{\1:-([^}]*)\}\s*$", text, flags=re.MULTILINE))


def test_compose_is_production_safe_by_default():
    values = compose_defaults()
    assert values["SECURE_SSL_REDIRECT"] == "1" and values["SECURE_COOKIES"] == "1"
    assert int(values["SECURE_HSTS_SECONDS"]) >= 31536000
    assert values["ATTACHMENT_X_ACCEL_PREFIX"] == "/protected-media/"
    assert '"127.0.0.1:8000:8000"' in (ROOT / "docker-compose.yml").read_text(encoding="utf-8")


def test_check_deploy_is_clean_with_production_values(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(compose_defaults())
    env.update({"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "gov.example.cn",
                "VAR_DIR": str(tmp_path), "MEDIA_ROOT": str(tmp_path / "media")})
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warned_before(tmp_path):
    """The same check with the development defaults still warns: the test above is not vacuous."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"SECRET_KEY": secrets.token_urlsafe(50), "VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def _templates() -> list[Path]:
    return [p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts and "var" not in p.parts]


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE], ids=["script", "on*", "style"])
def test_no_template_has_inline_script_handlers_or_styles(pattern):
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in _templates()
                 for m in pattern.finditer(p.read_text(encoding="utf-8"))
                 if 'type="application/json"' not in m.group(0)]
    assert offenders == []


@pytest.mark.django_db
def test_pages_send_a_policy_without_inline_script(client: Client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
