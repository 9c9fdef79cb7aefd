"""`Idempotency-Key` for the REST API: a client that retries a write after a timeout creates nothing twice.

A POST/PUT/PATCH/DELETE under /api/ with the header is recorded under a digest of the caller (the
signed-in user, or the token it sent) and the key before it runs. The same key again from the same
caller, with the same method, path and body, is answered with the first answer (and the header
`Idempotent-Replayed: true`); while the first is still running, the second waits for it a few
seconds, then answers 409. The same key with another request answers 422. A first answer that
failed (5xx, or the process died) is forgotten so the retry runs. Keys are kept for
`SUBMISSIONS_KEPT_DAYS` (the daily prune of one-time keys).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from governance.middleware import bad_input_response
from governance.models import ApiRequest

HEADER = "HTTP_IDEMPOTENCY_KEY"
KEY_MAX = 64
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# How long a repeat waits for the first request still running before it answers 409.
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.1
# A first request that recorded its key this long ago without an answer died with its process.
ABANDONED_SECONDS = 300


def _digest(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode() if isinstance(part, str) else part)
        hasher.update(b"\x00")
    return hasher.hexdigest()


def _caller(request: HttpRequest) -> str:
    """The signed-in user, else the credentials sent (a token); empty for the anonymous."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    return f"auth:{_digest(authorization)}" if authorization else ""


def _body(request: HttpRequest) -> bytes:
    """The body, for the fingerprint; an upload by its size and type (it is not read into memory)."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/"):
        return f"{content_type}:{request.META.get('CONTENT_LENGTH', '')}".encode()
    try:
        return request.body
    except RequestDataTooBig:
        return f"too-big:{request.META.get('CONTENT_LENGTH', '')}".encode()


def _replay(row: ApiRequest) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status_code, content_type=row.content_type or None)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyKeyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.META.get(HEADER)
        if header is None or request.method not in WRITES or not request.path.startswith("/api/"):
            return self.get_response(request)
        header = header.strip()
        if not header or len(header) > KEY_MAX or not header.isascii() or not header.isprintable():
            return bad_input_response(
                request, gettext("Idempotency-Key 须为 1 至 64 个可打印 ASCII 字符。"), code="invalid_idempotency_key")
        caller = _caller(request)
        if not caller:  # the view answers 401/403; nothing to replay
            return self.get_response(request)
        key = _digest(caller, header)
        fingerprint = _digest(request.method, request.get_full_path(), _body(request))
        try:
            with transaction.atomic():
                row = ApiRequest.objects.create(key=key, fingerprint=fingerprint)
        except IntegrityError:
            return self._repeat(request, key, fingerprint)
        try:
            response = self.get_response(request)
        except BaseException:
            ApiRequest.objects.filter(pk=row.pk).delete()
            raise
        if response.status_code >= 500 or response.streaming:
            ApiRequest.objects.filter(pk=row.pk).delete()  # not an answer worth repeating: the retry runs
            return response
        ApiRequest.objects.filter(pk=row.pk).update(status_code=response.status_code, body=response.content,
                                                    content_type=response.get("Content-Type", ""))
        return response

    def _repeat(self, request: HttpRequest, key: str, fingerprint: str) -> HttpResponse:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            row = ApiRequest.objects.filter(key=key).first()
            if row is None:  # the first failed and was forgotten meanwhile: this one runs
                return self(request)
            if row.fingerprint != fingerprint:
                return bad_input_response(
                    request, gettext("这个 Idempotency-Key 已用于另一个请求，请为新请求换一个键。"), status=422,
                    code="idempotency_key_reused")
            if row.status_code is not None:
                return _replay(row)
            if row.submitted_at < timezone.now() - dt.timedelta(seconds=ABANDONED_SECONDS):
                # its process died before answering: forget it (once, whoever gets there first) and run
                ApiRequest.objects.filter(pk=row.pk, status_code__isnull=True).delete()
                continue
            if time.monotonic() >= deadline:
                return bad_input_response(
                    request, gettext("相同 Idempotency-Key 的请求正在处理，请稍后重试。"), status=409,
                    code="idempotency_in_progress")
            time.sleep(POLL_SECONDS)
