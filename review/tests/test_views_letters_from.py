"""发函 from a matter's pages and from the monthly assessment: the button only for the roles that
issue letters; the form pre-filled with the source and the recipient; the letter issued with its
source (matter / assessment month) and counted in the assessment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from command.choices import LetterSource
from command.models import WarningLetter
from command.selectors.work import letters_for_assessment
from review.selectors import assessment_figures, assessment_history

pytestmark = pytest.mark.django_db


def form_data(department, **extra):
    return {"kind": "work_reminder", "department": department.pk, "subject": "夜市噪音扰民", "body": "请排查化解。",
            "requirements": "", "answer_limit_working_days": 5, **extra}


def test_letter_from_a_matter_button_prefill_issue_and_panel(client, world, now):
    case = world.matter(at=now - dt.timedelta(hours=3), title="夜市噪音扰民")
    url = reverse("review:letter-from-matter", args=[case.pk])
    client.force_login(world.director)
    for page in (reverse("intake:case_detail", args=[case.code]), reverse("dispatch:work-case", args=[case.pk])):
        body = client.get(page).content.decode()
        assert 'data-testid="letter-from-matter"' in body and url in body
    form = client.get(url).content.decode()
    assert case.code in form and f'value="{world.dongyuan_town.pk}" selected' in form  # the matter's town
    assert f'action="{url}"' in form

    bad = client.post(url, form_data(world.dongyuan_town, subject=""))
    assert bad.status_code == 200 and not WarningLetter.objects.exists()
    response = client.post(url, form_data(world.dongyuan_town))
    letter = WarningLetter.objects.get()
    assert response.status_code == 302 and response.url == reverse("command:letter", args=[letter.pk])
    assert (letter.source, letter.case, letter.department) == (LetterSource.MATTER, case, world.dongyuan_town)
    panel = client.get(reverse("dispatch:work-case", args=[case.pk])).content.decode()
    assert letter.reference in panel

    client.force_login(world.leader)  # reads, does not issue
    body = client.get(reverse("intake:case_detail", args=[case.code])).content.decode()
    assert 'data-testid="letter-from-matter"' not in body and letter.reference in body
    assert client.get(url).status_code == 403
    assert client.post(url, form_data(world.dongyuan_town)).status_code == 403
    assert WarningLetter.objects.count() == 1


def test_the_lead_department_handling_the_matter_is_the_proposed_recipient(client, world, now):
    from dispatch.models import Assignment

    case = world.matter(at=now - dt.timedelta(days=3))
    Assignment.objects.create(case=case, center=world.center, department=world.zgj, assigned_at=now,
                              ack_due_at=now, due_at=now + dt.timedelta(days=5), original_due_at=now,
                              policy_snapshot={})
    client.force_login(world.director)
    form = client.get(reverse("review:letter-from-matter", args=[case.pk])).content.decode()
    assert f'value="{world.zgj.pk}" selected' in form


def test_letter_from_the_assessment_row_and_flag(client, world, now, monkeypatch):
    month = "2026-11"
    client.force_login(world.director)
    page = client.get(reverse("review:assessment"), {"month": month}).content.decode()
    row_url = reverse("review:letter-from-assessment", args=[month, world.zgj.pk])
    assert row_url in page
    flag_page = client.get(reverse("review:assessment-flag", args=[month, world.zgj.pk, "slow"])).content.decode()
    assert f"{row_url}?flag=slow" in flag_page

    data = {"departments": [{"id": world.zgj.pk, "score": 71.5, "rank": 6, "flags": [
        {"kind": "slow", "label": "慢作为", "count": 7, "rule": "超时签收、超期、召集迟到，合计达到 5 件。"}]}]}
    monkeypatch.setattr(assessment_history, "assessment_latest", lambda *, center, month: (data, None))
    form = client.get(row_url, {"flag": "slow"}).content.decode()
    assert "2026年11月考核慢作为" in form and "得分 71.5，排名第 6 名" in form and "被标记为“慢作为”：7 件" in form
    assert f'value="{world.zgj.pk}" selected' in form and f'action="{row_url}?flag=slow"' in form
    monkeypatch.undo()

    client.post(f"{row_url}?flag=slow", form_data(world.zgj, subject="2026年11月考核慢作为"))
    letter = WarningLetter.objects.get()
    assert (letter.source, letter.assessment_month, letter.department) == (
        LetterSource.ASSESSMENT, dt.date(2026, 11, 1), world.zgj)
    start, end = assessment_figures.Month.parse(month).bounds()
    assert letters_for_assessment(center=world.center, start=start, end=end)[world.zgj.pk]["issued"] == 1
    counted = client.get(reverse("review:assessment"), {"month": month}).content.decode()
    assert f'<tr data-department="{world.zgj.name}"><th>{world.zgj.name}</th><td data-letters="issued">1</td>' in counted

    assert client.get(row_url, {"flag": "nonsense"}).status_code == 404
    client.force_login(world.leader)  # reads the assessment, does not issue letters
    assert row_url not in client.get(reverse("review:assessment"), {"month": month}).content.decode()
    assert client.get(row_url).status_code == 403


def test_the_same_letter_form_sent_twice_issues_one_letter(client, world, now):
    """A double click (or a resent request) on 发出: one letter, and both answers lead to it."""
    import re

    case = world.matter(at=now - dt.timedelta(hours=3), title="夜市噪音扰民")
    url = reverse("review:letter-from-matter", args=[case.pk])
    client.force_login(world.director)
    key = re.search(r'name="once" value="([0-9a-f]{32})"', client.get(url).content.decode()).group(1)
    first = client.post(url, form_data(world.dongyuan_town, once=key))
    second = client.post(url, form_data(world.dongyuan_town, once=key), follow=True)
    letter = WarningLetter.objects.get()
    assert first.url == reverse("command:letter", args=[letter.pk])
    assert second.redirect_chain[0][0] == first.url
    assert "这份表单已经提交过，没有重复办理。" in second.content.decode()
    # A new form is a new letter.
    fresh = re.search(r'name="once" value="([0-9a-f]{32})"', client.get(url).content.decode()).group(1)
    assert fresh != key
    client.post(url, form_data(world.dongyuan_town, once=fresh))
    assert WarningLetter.objects.count() == 2
