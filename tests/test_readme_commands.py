"""Every `./manage` and `curl` command the README shows runs as typed (issue 7 point 5).

The `./manage` commands run in a subprocess against a scratch SQLite database (the wrapper's
development defaults: no SECRET_KEY, DEBUG=1); the `curl` push runs against the live test server,
with the key the README tells the reader to paste in place of KEY and the live server's address in
place of http://127.0.0.1:8000. `make run` and `make test` are run by `.ci/run`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from governance.tests.factories import CenterFactory
from intake.demo import seed_demo
from intake.models import Case
from intake.open311.services import platform_key_create
from tests.database_template import sqlite_template

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SPAN = re.compile(r"`((?:\./manage|curl) [^`]+)`")


def readme_commands(prefix: str) -> list[str]:
    """The commands starting with `prefix`, in order, once each: inline code spans and the lines of
    ```sh blocks (comments dropped). A usage pattern (a placeholder COMMAND, or optional parts in
    brackets such as `./manage import_grids FILE [--dry-run]`) is not a command to run as it stands."""
    found = [match.group(1) for match in SPAN.finditer(README)]
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        found += [line.split("  #")[0].strip() for line in block.splitlines()]
    commands = []
    for command in found:
        command = " ".join(command.split())
        if (command.startswith(prefix) and "COMMAND" not in command and " [" not in command
                and command not in commands):
            commands.append(command)
    return commands


def test_the_readme_shows_the_commands_this_test_runs():
    assert readme_commands("./manage") == [
        "./manage seed_demo", "./manage open311_key 12345热线 --center QZTS", "./manage drf_create_token clerk",
        "./manage verify_timeline"]
    assert len(readme_commands("curl")) == 1


def test_manage_commands_run_as_typed(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in {"DEBUG", "SECRET_KEY", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'readme.sqlite3'}"

    def run(command: str) -> str:
        done = subprocess.run(shlex.split(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    # what `make run` does first; on a copy of the suite's migrated template (tests/database_template.py:
    # the template is built by the same `migrate` on an empty database)
    shutil.copyfile(sqlite_template(), tmp_path / "readme.sqlite3")
    run("./manage migrate --noinput -v0")
    outputs = {command: run(command) for command in readme_commands("./manage")}
    assert outputs["./manage open311_key 12345热线 --center QZTS"].strip().startswith("o311_")
    assert re.fullmatch(r"Generated token \w+ for user clerk( \(expires [^)]+\))?\n", outputs["./manage drf_create_token clerk"])
    assert "摘要链完整" in outputs["./manage verify_timeline"]  # the demo's timelines, sealed as written


@pytest.mark.django_db(transaction=True)
def test_the_curl_push_runs_as_typed_and_a_retry_returns_the_same_matter(live_server):
    if not shutil.which("curl"):
        pytest.skip("no curl")
    seed_demo()  # the category tree (a transactional test before this one may have flushed it)
    _key, raw = platform_key_create(name="12345热线", center=CenterFactory(code="QZTS"))
    [command] = readme_commands("curl")
    argv = [arg.replace("KEY", raw).replace("http://127.0.0.1:8000", live_server.url) for arg in shlex.split(command)]
    first = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout)
    again = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout)
    assert first == again and first[0]["service_request_id"]
    case = Case.objects.get(code=first[0]["service_request_id"])
    assert case.external_ref == "GD001" and case.status == "pending_dispatch"
    assert case.title == "东园镇夜市 投诉：夜市噪音扰民"
