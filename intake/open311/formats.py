"""GeoReport v2 representations: the JSON and XML shapes of services, requests and errors.

XML is built with ElementTree (text is escaped by the library, never concatenated) and starts with
the UTF-8 declaration the spec requires.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - building XML only; parsing uses defusedxml

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from intake.answer_limits import case_answer_limit
from intake.choices import CaseStatus, Urgency
from intake.models import Case, Category
from intake.open311.services import (
    ATTRIBUTE_EXTERNAL_REF,
    ATTRIBUTE_GRID_CODE,
    ATTRIBUTE_TITLE,
    ATTRIBUTE_URGENCY,
)

FORMATS = ("json", "xml")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def w3c_datetime(value: dt.datetime | None) -> str | None:
    """2025-09-30T16:50:00+08:00: local time with its offset, as the spec's W3C note asks."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def service_notice(case: Case) -> str:
    """已受理，事项编号 …，预计 24 小时内答复（2026-10-02 10:30 前）。: the promise the matter was given at
    registration, by its kind's limit (issue 22 item 11). In Chinese, whatever the caller's language:
    the platform's operator reads it to the caller."""
    expected = timezone.localtime(case.expected_answer_at) if case.expected_answer_at else None
    notice = f"已受理，事项编号 {case.code}"
    if expected:
        with translation.override("zh-hans"):
            limit = case_answer_limit(case)
            promise = limit.promise
        when = f"{expected:%Y-%m-%d %H:%M}" if limit.in_hours else f"{expected:%Y-%m-%d}"
        notice += f"，{promise}（{when} 前）"
    return notice + "。"


def request_representation(case: Case, answer: str = "") -> dict[str, Any]:
    """One service request; our finer status (e.g. 待调度, 当场办结) goes into status_notes, and once
    the matter is closed, what was done: the settlement on the spot, or the department's answer the
    center approved (`answer`, from `intake.hooks.case_answers`)."""
    notes = str(CaseStatus(case.status).label)
    if case.settlement:
        notes = f"{notes}：{case.settlement}"
    elif answer and case.status == CaseStatus.CLOSED:
        notes = f"{notes}：{answer}"
    return {
        "service_request_id": case.code,
        "status": "closed" if case.status == CaseStatus.CLOSED else "open",
        "status_notes": notes,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": case.center.name,
        "service_notice": service_notice(case),
        "requested_datetime": w3c_datetime(case.registered_at),
        "updated_datetime": w3c_datetime(case.updated_at),
        "expected_datetime": w3c_datetime(case.expected_answer_at),
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": float(case.latitude) if case.latitude is not None else None,
        "long": float(case.longitude) if case.longitude is not None else None,
        "media_url": None,
    }


PUBLIC_FIELDS = ("service_request_id", "status", "service_name", "service_code", "agency_responsible",
                 "service_notice", "requested_datetime", "updated_datetime", "expected_datetime")


def public_representation(case: Case) -> dict[str, Any]:
    """What anyone may read without a key: status, service, dates, agency, and the status in words.
    The description, address, coordinates and the settlement text may name people: withheld."""
    full = request_representation(case)
    return {**{name: full[name] for name in PUBLIC_FIELDS}, "status_notes": str(CaseStatus(case.status).label)}


def created_representation(case: Case) -> dict[str, Any]:
    return {"service_request_id": case.code, "service_notice": service_notice(case), "account_id": None}


def service_definition(category: Category) -> dict[str, Any]:
    attributes = [
        {"variable": True, "code": ATTRIBUTE_EXTERNAL_REF, "datatype": "string", "required": True,
         "datatype_description": "平台工单号，最多 64 个字符；同一工单重复推送返回同一事项。", "order": 1,
         "description": "外部工单号"},
        {"variable": True, "code": ATTRIBUTE_TITLE, "datatype": "string", "required": False,
         "datatype_description": "最多 200 个字；留空取描述的第一行。", "order": 2, "description": "标题"},
        {"variable": True, "code": ATTRIBUTE_URGENCY, "datatype": "singlevaluelist", "required": False,
         "datatype_description": None, "order": 3, "description": "紧急程度",
         "values": [{"key": value, "name": str(label)} for value, label in Urgency.choices]},
        {"variable": True, "code": ATTRIBUTE_GRID_CODE, "datatype": "string", "required": False,
         "datatype_description": "网格编码（如 350521100001001）", "order": 4, "description": "所属网格"},
    ]
    return {"service_code": category.code, "attributes": attributes}


def error_list(status: int, descriptions: Sequence[str]) -> list[dict[str, Any]]:
    return [{"code": status, "description": text} for text in descriptions]


# --- rendering ------------------------------------------------------------------------------------


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        # <attributes><attribute>…</attribute></attributes>, <values><value>…</value></values>
        child_tag = tag[:-1] if tag.endswith("s") else "item"
        for item in value:
            _append(element, child_tag, item)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, item: str | None, data: Any) -> bytes:
    """`<root><item>…</item>…</root>` for a list, `<root>…</root>` for one object."""
    element = ET.Element(root)
    if item is None:
        for key, value in data.items():
            _append(element, key, value)
    else:
        for row in data:
            _append(element, item, row)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def render(fmt: str, data: Any, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    body = to_xml(root, item, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, descriptions: Sequence[str]) -> HttpResponse:
    return render(fmt, error_list(status, descriptions), root="errors", item="error", status=status)


def render_request_errors(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A refusal of the middleware (bad input before any view) in the format the address asks for."""
    return render_errors("xml" if request.path.endswith(".xml") else "json", status, [message])
