"""Issue 24 item 3: photos kept their EXIF (GPS, phone model, time) and were served to every reader."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image


def _phone_photo(image_format: str = "JPEG") -> bytes:
    image = Image.new("RGB", (40, 20), "red")
    image.putpixel((0, 0), (0, 0, 255))
    exif = Image.Exif()
    exif[0x010F] = "Huawei"  # Make
    exif[0x0110] = "P60 Pro"  # Model
    exif[0x0132] = "2026:11:20 08:31:00"  # DateTime
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to show
    exif[0x8825] = {1: "N", 2: (24.0, 57.0, 22.0), 3: "E", 4: (118.0, 41.0, 25.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format=image_format, exif=exif)
    return out.getvalue()


@pytest.mark.parametrize(("image_format", "name"), [("JPEG", "report.jpg"), ("PNG", "patrol.png")])
def test_a_stored_photo_is_upright_and_has_no_metadata(settings, image_format, name):
    original = _phone_photo(image_format)
    assert b"Huawei" in original
    stored = default_storage.save(f"attachments/{name}", ContentFile(original))
    data = default_storage.open(stored).read()
    assert b"Huawei" not in data and b"P60 Pro" not in data and b"2026:11:20" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif() and image.size == (20, 40)  # turned upright, then nothing kept
        assert "exif" not in image.info


def test_other_files_are_stored_as_they_came():
    pdf = b"%PDF-1.4\n%%EOF\n"
    stored = default_storage.save("attachments/a.pdf", ContentFile(pdf))
    assert default_storage.open(stored).read() == pdf
