"""Downloading a matter's attachment: only for people who may see the matter, never from /media/.

Files are stored under unguessable names and never served by the web server's static routes.
This view authorises (the same rule as the matter page), then either streams the file itself
or, when `ATTACHMENT_X_ACCEL_PREFIX` is set, hands the transfer to nginx with X-Accel-Redirect
(the prefix names an `internal` location; see README "Attachments").
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from intake import selectors
from intake.validators import INLINE_CONTENT_TYPES


def protected_file_response(*, file: FieldFile, content_type: str, name: str) -> HttpResponse:
    """Serve a stored upload after the caller has authorised it (a matter's attachment, a patrol's
    photo): inline only for the types a browser shows safely, never sniffed, never cached, and in a
    sandbox; through nginx's X-Accel-Redirect when configured."""
    inline = content_type in INLINE_CONTENT_TYPES
    prefix = settings.ATTACHMENT_X_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(file.name)
    else:
        try:
            handle = file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["X-Content-Type-Options"] = "nosniff"
    # Even a PDF or image opened in the browser runs no script and reaches nothing of ours.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = selectors.attachment_get_for_actor(actor=request.user, pk=pk)
    return protected_file_response(file=attachment.file, content_type=attachment.content_type, name=attachment.name)
