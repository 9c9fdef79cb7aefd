"""Personal data at rest (issue 24 item 8): ID numbers and phones are stored encrypted, found through
their blind index, re-encrypted by key rotation; the development keys are refused in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from governance.crypto import pii_digest
from intake.models import Party
from intake.selectors import party_find
from intake.tests.factories import valid_id_number

ROOT = Path(__file__).resolve().parents[2]
ID = valid_id_number(order=321)


def stored(table: str, pk: int) -> tuple[str, str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, phone, id_number_digest, phone_digest FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


@pytest.mark.django_db
def test_a_partys_id_number_and_phone_are_stored_encrypted_and_found_by_their_index():
    party = Party.objects.create(name="王建国", id_number=ID, phone="13805950001")
    id_token, phone_token, id_digest, phone_digest = stored("intake_party", party.pk)
    assert id_token.startswith("gAAAAA") and ID not in id_token
    assert phone_token.startswith("gAAAAA") and "13805950001" not in phone_token
    assert (id_digest, phone_digest) == (pii_digest(ID), pii_digest("13805950001"))
    again = Party.objects.get(pk=party.pk)
    assert (again.id_number, again.phone) == (ID, "13805950001")
    assert party_find(id_number=ID.lower()) == party
    assert party_find(phone="138 0595 0001") == party
    with pytest.raises(FieldError, match="blind index"):
        list(Party.objects.filter(id_number=ID))


@pytest.mark.django_db
def test_a_blank_value_stays_blank_and_matches_nothing():
    party = Party.objects.create(name="无证件", id_number="", phone="")
    assert stored("intake_party", party.pk) == ("", "", "", "")
    assert party_find(id_number="", phone="") is None


@pytest.mark.django_db
def test_rotation_re_encrypts_every_value_with_the_first_key(settings):
    old = settings.PII_ENCRYPTION_KEYS[0]
    party = Party.objects.create(name="王建国", id_number=ID, phone="13805950001")
    new = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [new, old]
    assert Party.objects.get(pk=party.pk).id_number == ID  # the old key still decrypts
    call_command("pii_rotate_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    id_token, phone_token, *_ = stored("intake_party", party.pk)
    assert Fernet(new.encode()).decrypt(id_token.encode()).decode() == ID
    assert Fernet(new.encode()).decrypt(phone_token.encode()).decode() == "13805950001"
    settings.PII_ENCRYPTION_KEYS = [new]  # the old key can go
    assert Party.objects.get(pk=party.pk).phone == "13805950001"


@pytest.mark.django_db
def test_reindex_after_a_new_index_key(settings):
    party = Party.objects.create(name="王建国", id_number=ID, phone="13805950001")
    settings.PII_INDEX_KEY = "another-index-key"
    assert party_find(id_number=ID) is None
    call_command("pii_rotate_keys", "--reindex", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert party_find(id_number=ID) == party


@pytest.mark.parametrize("extra", [{}, {"PII_ENCRYPTION_KEYS": "ZGV2LW9ubHktcGlpLWtleS1ub3QtZm9yLXByb2R1Y3Q=",
                                        "PII_INDEX_KEY": "x"}])
def test_production_refuses_missing_or_development_keys(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PII_")}
    env.update({"DEBUG": "0", "SECRET_KEY": "x" * 50, **extra})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "PII_ENCRYPTION_KEYS" in result.stderr
