from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.errors import ApplicationError
from intake.tests.factories import valid_id_number
from intake.tests.files import DOCX
from intake.validators import (
    mask_id_number,
    mask_phone,
    validate_credit_code,
    validate_id_number,
    validate_phone,
    validate_upload,
)

TODAY = dt.date(2025, 10, 20)


@pytest.mark.parametrize("number", [
    "11010519491231002X",  # the GB 11643 standard's own example
    "360426199101010071",  # python-stdnum's example
    valid_id_number(region="350521", birth=dt.date(1990, 1, 1), order=123),
    valid_id_number(region="350524", birth=dt.date(2025, 10, 20), order=1),  # born today
])
def test_valid_id_numbers_pass(number):
    assert validate_id_number(number, today=TODAY) == number


def test_lower_case_x_is_accepted_and_normalised():
    assert validate_id_number("11010519491231002x", today=TODAY) == "11010519491231002X"


def test_unknown_address_code_is_accepted():
    number = valid_id_number(region="999999", birth=dt.date(1980, 5, 6), order=12)
    assert validate_id_number(number, today=TODAY) == number


@pytest.mark.parametrize("number,fragment", [
    ("1101051949123100", "18 位"),
    ("11010519491231002XX", "18 位"),
    ("1101051949123100AX", "前 17 位"),
    ("11010519491231002Y", "前 17 位"),
    (valid_id_number(birth=dt.date(2025, 10, 21), order=7), "晚于今天"),
    (valid_id_number(birth=dt.date(1899, 12, 31), order=7), "1900"),
    ("110105194902300010", "有效日期"),  # 30 February
    ("110105194912310021", "校验位"),
])
def test_invalid_id_numbers_fail_with_a_chinese_message(number, fragment):
    with pytest.raises(ApplicationError) as error:
        validate_id_number(number, field="parties.0.id_number", today=TODAY)
    assert fragment in error.value.message and error.value.field == "parties.0.id_number"


@pytest.mark.parametrize("raw,stored", [
    ("13800138000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("0595-87654321", "0595-87654321"),
    ("(0595)87654321", "0595-87654321"),
    ("010-12345678", "010-12345678"),
])
def test_valid_phones_are_normalised(raw, stored):
    assert validate_phone(raw) == stored


@pytest.mark.parametrize("raw", ["12345", "1380013800", "abc", "+1 202 555 0100", "0595-1"])
def test_invalid_phones_fail(raw):
    with pytest.raises(ApplicationError) as error:
        validate_phone(raw, field="phone")
    assert "联系电话" in error.value.message and error.value.field == "phone"


def test_credit_codes():
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    for bad in ("91350100M000100Y44", "9135010", "ABCDEFGHIJKLMNOPQR"):
        with pytest.raises(ApplicationError) as error:
            validate_credit_code(bad)
        assert "统一社会信用代码" in error.value.message


def test_masks():
    assert mask_id_number("350521199001011237") == "350521********1237"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("0595-87654321") == "0595-****4321"
    assert mask_id_number("") == ""


@pytest.mark.parametrize("name,content,content_type", [
    ("a.pdf", b"%PDF-1.7", "application/pdf"),
    ("a.JPG", b"\xff\xd8\xff\xe0", "image/jpeg"),
    ("a.png", b"\x89PNG\r\n\x1a\n", "image/png"),
    ("a.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-excel"),
    ("a.mp3", b"ID3\x03", "audio/mpeg"),
    ("a.m4a", b"\x00\x00\x00\x20ftypM4A ", "audio/mp4"),
    ("a.amr", b"#!AMR\n", "audio/amr"),
])
def test_allowed_attachments(name, content, content_type):
    assert validate_upload(SimpleUploadedFile(name, content + b"\0" * 32)).content_type == content_type


def test_attachment_limits(settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ApplicationError) as error:
        validate_upload(SimpleUploadedFile("a.pdf", b"%PDF" + b"x" * 20))
    assert error.value.code == "too_large"
    for name, content in (("a.exe", b"MZ"), ("a.svg", b"<svg"), ("a.pdf", b"<html>"), ("noext", b"%PDF")):
        with pytest.raises(ApplicationError) as error:
            validate_upload(SimpleUploadedFile(name, content))
        assert error.value.code == "forbidden_type"
