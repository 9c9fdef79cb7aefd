"""What the Open311 tests share (test_open311_*.py): the spec's paths, a platform's push as a form, the
XML answer's root, and "nothing was saved". The `clock` and `platform` fixtures are in conftest.py."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from django.test import Client

from intake.models import Case, CaseEvent, Party

SH = ZoneInfo("Asia/Shanghai")
PUSHED_AT = dt.datetime(2025, 9, 30, 16, 50, tzinfo=SH)
BASE = "/open311/v2"


def form_post(client: Client, path: str, data: dict[str, str]):
    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


def push_form(client: Client, api_key: str, fmt: str = "json", **extra: str | None):
    data = {
        "api_key": api_key,
        "service_code": "RX03",
        "lat": "24.956123",
        "long": "118.690456",
        "address_string": "洛阳镇夜市",
        "description": "洛阳镇夜市每晚噪音扰民到凌晨两点。",
        "first_name": "建国",
        "last_name": "王",
        "phone": "13805950001",
        "attribute[external_ref]": "GD20250930-0001",
    }
    data.update(extra)
    return form_post(client, f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def xml_root(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def nothing_saved():
    return Case.objects.count() == 0 and CaseEvent.objects.count() == 0 and Party.objects.count() == 0

