"""Photo uploads of grid work go through intake's one validator (`validate_attachment`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext

from intake.services.cleaning import FieldErrors
from intake.validators import UploadedFileLike, validate_attachment

IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
MAX_PHOTOS = 9


def photos_check(errors: FieldErrors, photos: Iterable[UploadedFileLike], *, field: str = "photos"
                 ) -> list[tuple[UploadedFileLike, str]]:
    """Each photo through the one validator; only images are photos; at most nine per action."""
    checked: list[tuple[UploadedFileLike, str]] = []
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        errors.fail(field, gettext("一次最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS})
        return []
    for index, upload in enumerate(photos):
        content_type = errors.check(validate_attachment, upload, field=f"{field}.{index}")
        if not content_type:
            continue
        if content_type not in IMAGE_TYPES:
            errors.fail(f"{field}.{index}", gettext("“%(name)s”不是照片：请上传 JPG 或 PNG 图片。") % {
                "name": upload.name}, code="forbidden_type")
            continue
        checked.append((upload, content_type))
    return checked

