"""seed_demo's revisits (issue 22 item 4): failed attempts, 无法联系, 拒绝评价 and 不参评, built through the
services, shown on the pages and counted by the assessment."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Assignment, RevisitAttempt, RevisitExclusion
from intake.models import Case
from review.demo_revisits import TITLE_PREFIX
from review.selectors.assessment import assessment_compute
from review.selectors.assessment_figures import Month


@pytest.mark.django_db
def test_seed_demo_revisits_once_and_the_pages_and_the_assessment_show_them(client):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    cases = {case.title[len(TITLE_PREFIX):]: case for case in Case.objects.filter(title__startswith=TITLE_PREFIX)}
    assert len(cases) == 6
    waiting = cases["上浦村装修工程尾款拖欠"]
    assert waiting.status == "verified" and RevisitAttempt.objects.filter(case=waiting).count() == 2
    assert sorted(RevisitExclusion.objects.values_list("reason", "status")) == [
        ("duplicate", "confirmed"), ("unreachable", "confirmed"), ("unreasonable", "confirmed"),
        ("unreasonable", "pending")]
    assert Case.objects.filter(title__startswith=TITLE_PREFIX, status="closed").count() == 4

    client.login(username="clerk", password="demo1234")
    page = client.get(reverse("dispatch:work-case", args=[waiting.pk])).content.decode()
    assert page.count('data-testid="revisit-attempt"') == 2 and "本轮已 2 次未联系上，分布在 2 个日期" in page
    client.login(username="grid", password="demo1234")
    assert 'data-testid="revisit-attempts"' in client.get(reverse("grid:tasks")).content.decode()
    client.login(username="commander", password="demo1234")
    pending = RevisitExclusion.objects.get(status="pending").case
    assert 'data-testid="decide-exclusion-form"' in client.get(
        reverse("dispatch:work-case", args=[pending.pk])).content.decode()
    assert pending.code in client.get(reverse("dispatch:notifications")).content.decode()

    assigned = timezone.localtime(Assignment.objects.get(case=waiting).assigned_at)
    month = Month(assigned.year, assigned.month)
    result = assessment_compute(center=waiting.center, month=month)
    labour = next(row for row in result["departments"] if row["name"] == "劳动保障维权服务中心")
    assert labour["figures"]["revisit_unreachable"] == 1 and labour["figures"]["revisit_refused"] == 1
    assert labour["figures"]["excluded"] == 3
