"""Photo uploads of grid work go through intake's one validator (`validate_upload`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext

from intake.services.cleaning import FieldErrors
from intake.validators import IMAGE_TYPES, CheckedUpload, UploadedFileLike, validate_upload

MAX_PHOTOS = 9


def photos_check(errors: FieldErrors, photos: Iterable[UploadedFileLike], *, field: str = "photos"
                 ) -> list[tuple[UploadedFileLike, CheckedUpload]]:
    """Each photo through the one validator; only images are photos; at most nine per action."""
    checked: list[tuple[UploadedFileLike, CheckedUpload]] = []
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        errors.fail(field, gettext("一次最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS})
        return []
    for index, upload in enumerate(photos):
        upload_checked = errors.check(validate_upload, upload, field=f"{field}.{index}")
        if not upload_checked:
            continue
        if upload_checked.extension not in IMAGE_TYPES:
            errors.fail(f"{field}.{index}", gettext("“%(name)s”不是照片：请上传 JPG 或 PNG 图片。") % {
                "name": upload.name}, code="forbidden_type")
            continue
        checked.append((upload, upload_checked))
    return checked

