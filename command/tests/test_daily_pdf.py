"""The daily report of key disputes as a PDF: the Chinese text is really in it (read back with
pdftotext), a quiet day says so in the PDF too, and only the report's readers download it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.urls import reverse

from command.services.daily import daily_report_generate, daily_report_issue
from intake.tests.factories import category

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftotext) must be installed to read the daily report's PDF (see .ci/run)")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return "".join(text.decode().split())  # CJK text may be spaced or wrapped by the layout


def download(client, report) -> bytes:
    response = client.get(reverse("command:daily-report-pdf", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_the_pdf_holds_the_reports_sections_in_chinese(client, world, now):
    yesterday = now - dt.timedelta(days=1)
    key = world.matter(category=category("JF02"), at=yesterday, risk_level="medium", title="邻里宅基地争执")
    world.matter(category=world.neighbours, at=yesterday, is_group=True, group_size=20, title="二十人讨薪")
    report = daily_report_generate(center=world.center, day=now.date(), now=now)
    daily_report_issue(actor=world.director, report=report, note="请东园镇重点关注。", now=now)
    client.force_login(world.leader)
    page = client.get(reverse("command:daily-report", args=[report.pk])).content.decode()
    assert reverse("command:daily-report-pdf", args=[report.pk]) in page
    text = pdf_text(download(client, report))
    for words in ("矛盾纠纷日报", "2026年11月18日", "一、新增重点矛盾纠纷（1件）", key.code, "邻里宅基地争执",
                  "二、群体性事项（1件）", "二十人讨薪", "五、新增超期交办（0件）", "值班主任审核意见", "请东园镇重点关注。"):
        assert words in text, words
    assert "今日无重点矛盾纠纷需报告" not in text


def test_a_quiet_day_says_so_in_the_pdf(client, world, now):
    report = daily_report_generate(center=world.center, day=now.date(), now=now)
    client.force_login(world.director)  # reviews the draft
    text = pdf_text(download(client, report))
    assert "今日无重点矛盾纠纷需报告" in text and "待审核稿" in text


def test_only_the_reports_readers_download_it(client, world, now):
    report = daily_report_generate(center=world.center, day=now.date(), now=now)
    client.force_login(world.leader)  # leaders read issued reports, not drafts
    assert client.get(reverse("command:daily-report-pdf", args=[report.pk])).status_code == 404
    client.force_login(world.zgj.liaison)
    assert client.get(reverse("command:daily-report-pdf", args=[report.pk])).status_code == 404
