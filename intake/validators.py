"""Checks of what people type at the window: resident ID, phone, credit code, attachments.

Each check returns the normalised value or raises `ApplicationError` naming the field, with a
message the clerk can act on. Maintained libraries do the number rules (python-stdnum,
phonenumbers); the only rule we add ourselves is what they cannot know: that an ID whose
address code is in no table is still a real person's ID (codes change, people keep numbers).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Protocol

import phonenumbers
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumValidationError

from governance.errors import ApplicationError

DESCRIPTION_MAX_CHARS = 5000
TITLE_MAX_CHARS = 200
RESULT_MAX_CHARS = 5000
EARLIEST_BIRTH_YEAR = 1900

# Extension -> (content type, magic-byte signatures the first bytes must start with).
# The signature check stops a renamed executable from passing as a "PDF".
ALLOWED_ATTACHMENTS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa")),
    "m4a": ("audio/mp4", ()),  # checked below: "ftyp" at offset 4
    "amr": ("audio/amr", (b"#!AMR",)),
}
ALLOWED_EXTENSIONS_LABEL = gettext_noop("PDF、JPG/PNG 图片、Word（doc/docx）、Excel（xls/xlsx）、语音（mp3/m4a/amr）")


def _fail(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, field=field)


def validate_id_number(value: str, *, field: str = "id_number", today: dt.date | None = None) -> str:
    """A GB 11643 resident ID number: 18 characters, a real birth date, the MOD 11-2 check digit.

    Returns the number with a lower-case x made upper-case. The address code is not looked up.
    """
    number = ric.compact(value or "")
    if len(number) != 18:
        raise _fail(field, gettext("公民身份号码应为 18 位，当前为 %(count)s 位。") % {"count": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise _fail(field, gettext("公民身份号码前 17 位应为数字，最后一位为数字或 X。"))
    try:
        birth = ric.get_birth_date(number)
    except StdnumValidationError:
        raise _fail(field, gettext("公民身份号码中的出生日期（第 7-14 位）不是有效日期。")) from None
    today = today or timezone.localdate()
    if birth > today:
        raise _fail(field, gettext("公民身份号码中的出生日期晚于今天，请核对。"))
    if birth.year < EARLIEST_BIRTH_YEAR:
        raise _fail(field, gettext("公民身份号码中的出生年份早于 %(year)s 年，请核对。") % {"year": EARLIEST_BIRTH_YEAR})
    if number[17] != ric.calc_check_digit(number):
        raise _fail(field, gettext("公民身份号码校验位不正确，请逐位核对（可能有一位输错）。"))
    return number


def validate_phone(value: str, *, field: str = "phone") -> str:
    """A mainland mobile or landline number. Returns 13800138000 or 0595-87654321."""
    raw = (value or "").strip()
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise _fail(field, gettext("联系电话格式不正确：请填写 11 位手机号，或带区号的座机号（如 0595-87654321）。")) from None
    if not phonenumbers.is_valid_number(parsed) or parsed.country_code != 86:
        raise _fail(field, gettext("联系电话不是有效的中国大陆号码：请填写 11 位手机号，或带区号的座机号（如 0595-87654321）。"))
    return normalize_phone(parsed)


def normalize_phone(parsed: phonenumbers.PhoneNumber) -> str:
    """Mobiles as 11 digits, landlines as area code + '-' + local number, others as dialled."""
    national = phonenumbers.national_significant_number(parsed)
    if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
        return national
    area_length = phonenumbers.length_of_geographical_area_code(parsed)
    if area_length:
        return f"0{national[:area_length]}-{national[area_length:]}"
    return national


def phone_search_key(value: str) -> str | None:
    """The stored form of a phone number typed in a search box, or None when it is not one."""
    try:
        return validate_phone(value)
    except ApplicationError:
        return None


def validate_credit_code(value: str, *, field: str = "credit_code") -> str:
    """A unified social credit code (GB 32100): 18 characters with its check character."""
    code = uscc.compact(value or "")
    try:
        return uscc.validate(code)
    except StdnumValidationError:
        raise _fail(field, gettext("统一社会信用代码不正确：应为 18 位，且校验位正确，请核对。")) from None


class UploadedFileLike(Protocol):
    name: str
    size: int

    def read(self, size: int = -1) -> bytes: ...

    def seek(self, offset: int, whence: int = 0) -> int: ...


def validate_attachment(upload: UploadedFileLike, *, field: str = "attachments") -> str:
    """Size and type of one upload; returns the content type we store (never the client's)."""
    max_bytes = getattr(settings, "ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
    name = os.path.basename(getattr(upload, "name", "") or "")
    if not name:
        raise _fail(field, gettext("附件缺少文件名。"))
    if upload.size > max_bytes:
        raise _fail(
            field,
            gettext("附件“%(name)s”大小为 %(size).1f MB，超过 %(limit).0f MB 的上限。") % {
                "name": name, "size": upload.size / 1024 / 1024, "limit": max_bytes / 1024 / 1024},
            code="too_large",
        )
    if upload.size == 0:
        raise _fail(field, gettext("附件“%(name)s”是空文件。") % {"name": name})
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_ATTACHMENTS:
        raise _fail(field, gettext("附件“%(name)s”的类型不允许上传。允许的类型：%(allowed)s。") % {
            "name": name, "allowed": gettext(ALLOWED_EXTENSIONS_LABEL)},
                    code="forbidden_type")
    content_type, signatures = ALLOWED_ATTACHMENTS[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ok = head[4:8] == b"ftyp" if extension == "m4a" else any(head.startswith(sig) for sig in signatures)
    if not ok:
        raise _fail(field, gettext("附件“%(name)s”的内容与扩展名 .%(ext)s 不符，请上传原始文件。") % {
            "name": name, "ext": extension}, code="forbidden_type")
    return content_type


def mask_id_number(value: str) -> str:
    """350521199001011237 -> 350521********1237: the region and the last four stay readable."""
    value = value or ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13800138000 -> 138****8000; 0595-87654321 -> 0595-****4321."""
    value = value or ""
    if "-" in value:
        area, _, local = value.partition("-")
        return f"{area}-{'*' * max(len(local) - 4, 0)}{local[-4:]}"
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]

