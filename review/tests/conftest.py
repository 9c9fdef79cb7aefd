"""The review tests share the command tests' demo district and clock (command/tests/conftest.py)."""

from command.tests.conftest import now, world  # noqa: F401  (fixtures)
