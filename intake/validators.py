"""Checks of what people type at the window: resident ID, phone, credit code, attachments.

Each check returns the normalised value or raises `ApplicationError` naming the field, with a
message the clerk can act on. Maintained libraries do the number rules (python-stdnum,
phonenumbers); the only rule we add ourselves is what they cannot know: that an ID whose
address code is in no table is still a real person's ID (codes change, people keep numbers).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

import filetype
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
ADDRESS_MAX_CHARS = 200
PARTY_NAME_MAX_CHARS = 100
SEND_NOTE_MAX_CHARS = 500
LINK_NOTE_MAX_CHARS = 200
EXTERNAL_REF_MAX_CHARS = 64
PHRASES_MAX_CHARS = 2000  # a category's stock phrases, one a line
EARLIEST_BIRTH_YEAR = 1900

# What may be uploaded, by the type its bytes show (detected with `filetype`): extension we store
# under -> content type we serve with. The client's file name and content type are never trusted.
ALLOWED_ATTACHMENTS: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "amr": "audio/amr",
}
# Photos only (grid workers' on-site photos and the like).
IMAGE_TYPES: frozenset[str] = frozenset({"jpg", "png"})
# Shown inline by the download view; everything else is sent as a download. Not PDFs: a PDF can
# carry JavaScript that a browser's viewer runs, whatever the page's CSP (issue 24 item 4).
INLINE_CONTENT_TYPES: frozenset[str] = frozenset({"image/jpeg", "image/png"})
# Old Word/Excel files are OLE compound files; `filetype` names them only when it finds the
# application's stream near the start, so a bare OLE header with a .doc/.xls name is accepted as such.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UPLOAD_NAME_MAX_CHARS = 200
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
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
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


@dataclass(frozen=True)
class CheckedUpload:
    """What the one upload validator found: the type by content and a clean name to show."""

    content_type: str
    extension: str
    name: str


def clean_upload_name(raw: str) -> str:
    """The name a person sees: no folders, no control or zero-width characters, at most 200 chars."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"}).strip()
    if name in {".", ".."}:
        name = ""
    if len(name) > UPLOAD_NAME_MAX_CHARS:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: UPLOAD_NAME_MAX_CHARS - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else name[:UPLOAD_NAME_MAX_CHARS]
    return name


def _detect_extension(head: bytes, claimed: str) -> str | None:
    kind = filetype.guess(head)
    if kind is not None:
        return {"jpeg": "jpg"}.get(kind.extension, kind.extension)
    if head.startswith(_OLE_SIGNATURE) and claimed in {"doc", "xls"}:
        return claimed
    return None


def validate_upload(
    upload: UploadedFileLike, *, field: str = "attachments", allowed: Collection[str] | None = None
) -> CheckedUpload:
    """THE check of every uploaded file, from every channel (window, API, report-back, photos).

    Size (`ATTACHMENT_MAX_BYTES`), a usable name, and the type read from the file's first bytes,
    which must be one of `allowed` (extensions of `ALLOWED_ATTACHMENTS`; all of them by default)
    and must agree with the name's extension (a renamed file is refused, so nobody is misled).
    Returns the content type we store and serve with, the extension of the stored name, and the
    name to show. Raises `ApplicationError` with a Chinese message naming the file.
    """
    allowed_set = set(ALLOWED_ATTACHMENTS) if allowed is None else set(allowed) & set(ALLOWED_ATTACHMENTS)
    max_bytes = getattr(settings, "ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
    name = clean_upload_name(getattr(upload, "name", "") or "")
    if not name:
        raise _fail(field, gettext("附件缺少文件名。"))
    size = getattr(upload, "size", None) or 0
    if size > max_bytes:
        raise _fail(
            field,
            gettext("附件“%(name)s”大小为 %(size).1f MB，超过 %(limit).0f MB 的上限。") % {
                "name": name, "size": size / 1024 / 1024, "limit": max_bytes / 1024 / 1024},
            code="too_large",
        )
    if size == 0:
        raise _fail(field, gettext("附件“%(name)s”是空文件。") % {"name": name})
    claimed = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    claimed = {"jpeg": "jpg"}.get(claimed, claimed)
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    detected = _detect_extension(head, claimed)
    labels = (gettext(ALLOWED_EXTENSIONS_LABEL) if allowed_set == set(ALLOWED_ATTACHMENTS)
              else "、".join(sorted(allowed_set)))
    if detected not in allowed_set:
        raise _fail(field, gettext("附件“%(name)s”的类型不允许上传（按文件内容识别）。允许的类型：%(allowed)s。") % {
            "name": name, "allowed": labels}, code="forbidden_type")
    if claimed != detected:
        raise _fail(field, gettext("附件“%(name)s”的内容是 .%(real)s 文件，与文件名的扩展名不符，请上传原始文件。") % {
            "name": name, "real": detected}, code="forbidden_type")
    return CheckedUpload(content_type=ALLOWED_ATTACHMENTS[detected], extension=detected, name=name)


def validate_attachment(upload: UploadedFileLike, *, field: str = "attachments") -> str:
    """The content type of an accepted attachment (`validate_upload` does the checking)."""
    return validate_upload(upload, field=field).content_type


def mask_id_number(value: str) -> str:
    """350521199001011237 -> 350521********1237: the region and the last four stay readable."""
    value = value or ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_address(value: str) -> str:
    """东园镇上浦村12号 -> 东园镇上浦**** : the place stays readable, the house does not."""
    value = value or ""
    keep = min(6, len(value) // 2)
    return value[:keep] + "*" * min(len(value) - keep, 8)


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

