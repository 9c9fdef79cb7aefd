"""Issue 8 item 1: every upload through the one validator; files only through the checking view."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from dispatch import services as svc
from dispatch.tests.factories_work import World, at
from governance.errors import ApplicationError
from intake.choices import HandlingMode
from intake.models import Attachment
from intake.tests import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


@pytest.fixture
def lead(world):
    case = world.case(registered_at=at(2025, 9, 22, 9, 7))
    (lead,) = svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER,
                                lead_department=world.labour, co_departments=[], instructions="请处理",
                                parts={}, now=at(2025, 9, 22, 9, 30))
    svc.assignment_acknowledge(actor=world.labour.liaison, assignment=lead, now=at(2025, 9, 22, 10, 0))
    return lead


def _media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("name,content", [
    ("xss.html", files.HTML),
    ("xss.pdf", files.HTML),  # renamed: the content decides
    ("logo.svg", files.SVG),
    ("site.zip", files.ZIP_WITH_HTML),
    ("photo.jpg", files.PNG),  # a real type, but not the one the name says
])
def test_report_back_refuses_what_the_window_refuses(world, lead, settings, name, content):
    with pytest.raises(ApplicationError) as error:
        svc.assignment_report_back(actor=world.labour.liaison, assignment=lead, text="已处理",
                                   files=[files.upload(name, content, "application/pdf")], now=at(2025, 9, 23, 10, 0))
    assert error.value.code == "forbidden_type"
    lead.refresh_from_db()
    assert lead.status == "acknowledged"  # nothing moved
    assert not Attachment.objects.exists()
    assert _media_files(settings) == []


def _report_with(world, lead, upload) -> Attachment:
    svc.assignment_report_back(actor=world.labour.liaison, assignment=lead, text="已处理",
                               files=[upload], now=at(2025, 9, 23, 10, 0))
    return Attachment.objects.get(case=lead.case)


def test_stored_name_is_unguessable_and_keeps_the_type_found_by_content(world, lead):
    attachment = _report_with(world, lead, files.upload("../../还款 计划.PDF", files.PDF))
    assert attachment.name == "还款 计划.PDF"
    assert attachment.content_type == "application/pdf"
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[A-Za-z0-9_-]{32}\.pdf", attachment.file.name)
    assert "计划" not in attachment.file.name


def test_download_only_for_who_may_see_the_matter(world, lead):
    attachment = _report_with(world, lead, files.pdf())
    url = reverse("intake:attachment", args=[attachment.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    other = Client()
    other.force_login(world.police.liaison)  # another department: not its matter
    assert other.get(url).status_code == 404
    own = Client()
    own.force_login(world.labour.liaison)
    response = own.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.PDF
    assert response["Content-Type"] == "application/pdf"
    # Issue 24 item 4: a PDF can carry JavaScript a browser's viewer runs: always a download.
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_office_files_are_sent_as_downloads(world, lead):
    attachment = _report_with(world, lead, files.upload("答复.docx", files.DOCX))
    client = Client()
    client.force_login(world.director)
    response = client.get(reverse("intake:attachment", args=[attachment.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E7%AD%94%E5%A4%8D.docx" in response["Content-Disposition"]


def test_x_accel_redirect_when_nginx_serves_the_bytes(world, lead, settings):
    attachment = _report_with(world, lead, files.pdf())
    settings.ATTACHMENT_X_ACCEL_PREFIX = "/protected-media/"
    client = Client()
    client.force_login(world.labour.liaison)
    response = client.get(reverse("intake:attachment", args=[attachment.pk]))
    assert response["X-Accel-Redirect"] == "/protected-media/" + attachment.file.name
    assert response.content == b""


def test_media_is_not_served_publicly(world, lead):
    attachment = _report_with(world, lead, files.pdf())
    with pytest.raises(Resolver404):
        resolve("/media/" + attachment.file.name)
    assert Client().get("/media/" + attachment.file.name).status_code == 404


def test_matter_and_assignment_pages_link_the_checking_view(world, lead):
    attachment = _report_with(world, lead, files.pdf())
    client = Client()
    client.force_login(world.labour.liaison)
    page = client.get(reverse("dispatch:work-assignment", args=[lead.pk])).content.decode()
    assert reverse("intake:attachment", args=[attachment.pk]) in page
    assert "/media/" not in page
