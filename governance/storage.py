"""Where uploads are written (STORAGES["default"]): photos lose their metadata on the way in.

A phone's JPEG carries EXIF: GPS coordinates, the phone's make and model, the time it was taken.
Grid reports, patrol photos and window uploads are shown to every reader of the matter, so the
photo is turned upright (the EXIF orientation applied to the pixels) and saved again without any
metadata. The location the application records on purpose (a report's own point) is kept in the
database, not in the file (issue 24 item 3)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def photo_without_metadata(data: bytes, *, image_format: str) -> bytes:
    """The photo upright and re-encoded with no EXIF, XMP, text chunks or comments."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        clean = upright.copy()
        clean.info = {}  # nothing of the original travels along (EXIF, XMP, comments, text chunks)
        out = io.BytesIO()
        options: dict[str, Any] = {"quality": 90, "optimize": True} if image_format == "JPEG" else {"optimize": True}
        clean.save(out, format=image_format, **options)
    return out.getvalue()


class MediaStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        image_format = PHOTO_FORMATS.get("." + name.rsplit(".", 1)[-1].lower()) if "." in name else None
        if image_format:
            content.seek(0)
            data = content.read()
            try:
                content = ContentFile(photo_without_metadata(data, image_format=image_format))
            except (UnidentifiedImageError, OSError, ValueError):
                content = ContentFile(data)  # the validator accepted it; keep it as it came
        return super()._save(name, content)
