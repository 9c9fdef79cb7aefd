"""Open311 GeoReport v2 endpoints: parse the request, check the platform key, call one service or
selector, answer in the spec's JSON or XML (errors included: `[{"code": 400, "description": …}]`).

`services` and reading requests are public (public fields only); the platform's `api_key` gives its
whole records, and posting needs it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from rest_framework.throttling import SimpleRateThrottle

from governance.api import http_status_for
from governance.errors import ApplicationError
from intake.models import PlatformKey
from intake.open311 import formats, selectors, services

MAX_IDS = 1000
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](?:\[\])?$")

# What our validation calls a field, in the GeoReport parameter names a platform sent.
FIELD_NAMES = {
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "category": "service_code",
    "external_ref": "attribute[external_ref]",
    "title": "attribute[title]",
    "urgency": "attribute[urgency]",
    "grid": "attribute[grid_code]",
    "parties.0.phone": "phone",
    "parties.0.name": "first_name",
    "parties": "phone",
}


def clock() -> dt.datetime:
    """The time of a request; tests replace it to push on a given day."""
    return timezone.now()


View = Callable[..., HttpResponse]


class Open311Throttle(SimpleRateThrottle):
    """Calls per platform key (`API_THROTTLE_OPEN311`, 120 a minute by default); keyless calls per address."""

    scope = "open311"

    def get_cache_key(self, request: Any, view: Any) -> str:
        raw = request.GET.get("api_key") or (request.POST.get("api_key") if request.method == "POST" else None)
        ident = "key:" + hashlib.sha256(raw.encode()).hexdigest()[:32] if raw else "ip:" + (self.get_ident(request) or "")
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _throttled(request: HttpRequest, fmt: str) -> HttpResponse | None:
    throttle = Open311Throttle()
    if throttle.allow_request(request, None):
        return None
    wait = throttle.wait()
    response = formats.render_errors(fmt, 429, ["Too many requests: slow down and retry later."])
    if wait is not None:
        response["Retry-After"] = str(max(int(wait), 1))
    return response


def open311_view(*methods: str) -> Callable[[View], View]:
    """Answer spec errors for a wrong method and for `ApplicationError`, in the requested format."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = formats.render_errors(fmt, 405, [f"Method {request.method} not allowed."])
                response["Allow"] = ", ".join(methods)
                return response
            refused = _throttled(request, fmt)
            if refused is not None:
                return refused
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except ApplicationError as error:
                return formats.render_errors(fmt, http_status_for(error), _descriptions(error))

        return csrf_exempt(wrapper)

    return decorate


def _descriptions(error: ApplicationError) -> list[str]:
    fields = error.extra.get("errors") if isinstance(error.extra.get("errors"), dict) else None
    if not fields:
        name = FIELD_NAMES.get(error.field or "", error.field)
        return [f"{name}: {error.message}" if name else error.message]
    return [f"{FIELD_NAMES.get(field, field)}: {message}" if field != "__all__" else message
            for field, message in fields.items()]


def _key(request: HttpRequest, params: dict[str, str] | None = None) -> PlatformKey:
    raw = (params or {}).get("api_key") or request.GET.get("api_key")
    return services.platform_key_authenticate(raw_key=raw)


def _key_if_given(request: HttpRequest) -> PlatformKey | None:
    """GETs are public in GeoReport v2: no key, public fields; a key (checked: a wrong or revoked
    one is still refused) gives the platform's whole records."""
    if not (request.GET.get("api_key") or "").strip():
        return None
    return _key(request)


# --- services ---------------------------------------------------------------------------------


@open311_view("GET")
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return formats.render(fmt, selectors.open311_services(), root="services", item="service")


@open311_view("GET")
def service_definition(request: HttpRequest, service_code: str, *, fmt: str) -> HttpResponse:
    category = selectors.open311_service_get(service_code=service_code)
    return formats.render(fmt, formats.service_definition(category), root="service_definition", item=None)


# --- requests ---------------------------------------------------------------------------------


def _w3c(name: str, value: str | None) -> dt.datetime | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ApplicationError(f"{name} must be a W3C datetime such as 2025-09-30T16:50:00+08:00.", field=name)
    if not 1900 <= parsed.year <= 2200:  # 0001-01-01 minus the default span overflowed
        raise ApplicationError(f"{name} must be between the years 1900 and 2200.", field=name)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _request_filters(query: Any) -> selectors.RequestFilters:
    ids = _comma_list(query.get("service_request_id"))
    if len(ids) > MAX_IDS:
        raise ApplicationError(f"service_request_id: at most {MAX_IDS} ids.", field="service_request_id")
    statuses = [status.lower() for status in _comma_list(query.get("status"))]
    if any(status not in {"open", "closed"} for status in statuses):
        raise ApplicationError("status must be open, closed or both (comma delimited).", field="status")
    start = _w3c("start_date", query.get("start_date"))
    end = _w3c("end_date", query.get("end_date"))
    if start and end and start > end:
        raise ApplicationError("start_date is after end_date.", field="start_date")
    updated_after = _w3c("updated_after", query.get("updated_after"))
    return selectors.RequestFilters(service_request_ids=ids, service_codes=_comma_list(query.get("service_code")),
                                    start=start, end=end, statuses=statuses, updated_after=updated_after)


def _flat(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ApplicationError(f"{name} must be a single value.", field=name)
    return str(value)


def _split(items: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Standard parameters and `attribute[code]` values from one flat mapping."""
    params: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for name, value in items.items():
        match = ATTRIBUTE_KEY.match(name)
        if match:
            attributes[match.group(1)] = _flat(value, name)
        elif name == "attribute" and isinstance(value, dict):
            attributes.update({code: _flat(item, f"attribute[{code}]") for code, item in value.items()})
        else:
            params[name] = _flat(value, name)
    return params, attributes


def _post_body(request: HttpRequest) -> tuple[dict[str, str], dict[str, str]]:
    """The spec's form encoding; JSON and XML bodies are accepted too (XML parsed with defusedxml)."""
    content_type = (request.content_type or "").lower()
    try:
        if content_type == "application/json":
            try:
                data = json.loads(request.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise ApplicationError("The JSON body is malformed.", code="malformed") from None
            if isinstance(data, list) and len(data) == 1:
                data = data[0]
            if not isinstance(data, dict):
                raise ApplicationError("The JSON body must be an object of parameters.", code="malformed")
            return _split(data)
        if content_type in {"text/xml", "application/xml"}:
            try:
                root = SafeET.fromstring(request.body)
            except (SafeET.ParseError, DefusedXmlException, ValueError):
                raise ApplicationError("The XML body is malformed or uses forbidden constructs.",
                                       code="malformed") from None
            items: dict[str, Any] = {}
            for child in root:
                if child.tag == "attribute":
                    items["attribute"] = {item.tag: (item.text or "") for item in child}
                elif len(child):
                    raise ApplicationError(f"{child.tag} must be a single value.", field=child.tag)
                else:
                    items[child.tag] = child.text or ""
            return _split(items)
        return _split({name: request.POST.get(name) for name in request.POST})
    except RequestDataTooBig:
        raise ApplicationError("The request body is too large.", code="body_too_large") from None


@open311_view("GET", "POST")
def request_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        params, attributes = _post_body(request)
        key = _key(request, params)
        result = services.open311_request_submit(key=key, params=params, attributes=attributes, now=clock())
        data = [formats.created_representation(result.case)]
        return formats.render(fmt, data, root="service_requests", item="request",
                              status=201 if result.created else 200)
    key = _key_if_given(request)
    filters = _request_filters(request.GET)
    cases = selectors.open311_requests(key=key, filters=filters, now=clock())
    if key:
        answers = selectors.open311_answers(cases=cases)
        data = [formats.request_representation(case, answers.get(case.pk, "")) for case in cases]
    else:
        data = [formats.public_representation(case) for case in cases]
    return formats.render(fmt, data, root="service_requests", item="request")


@open311_view("GET")
def request_detail(request: HttpRequest, service_request_id: str, *, fmt: str) -> HttpResponse:
    key = _key_if_given(request)
    # Any matter that came in through Open311 has a public status a keyless client can read; another
    # platform's key reads that too (not a 404), and only the matter's own platform gets its record.
    case = selectors.open311_request_get(key=None, service_request_id=service_request_id)
    own = key is not None and selectors.open311_is_own(key=key, case=case)
    if own:
        data = formats.request_representation(case, selectors.open311_answers(cases=[case]).get(case.pk, ""))
    else:
        data = formats.public_representation(case)
    return formats.render(fmt, [data], root="service_requests", item="request")


@open311_view("GET")
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    key = _key(request)
    case = selectors.open311_token_get(key=key, token=token)
    data = [{"service_request_id": case.code, "token": token}]
    return formats.render(fmt, data, root="service_requests", item="request")
