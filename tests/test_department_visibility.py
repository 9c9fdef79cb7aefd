"""Across intake and dispatch: a department sees, in the matters list and the API, exactly the
matters assigned to it (intake asks dispatch's rule through the `intake.hooks.department_case_ids` hook)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from knox.models import AuthToken

from dispatch.services import case_dispatch
from governance.models import Center, Department
from intake.choices import Channel
from intake.models import Case
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.tests.factories import category

pytestmark = pytest.mark.django_db


def _dispatched_to(short_code: str, title: str):
    clerk = User.objects.get(username="clerk")
    case = case_register(actor=clerk, center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=category("JF10"), title=title, description="拖欠工资",
        parties=[PartyInput(name="王建国", phone="13905958888")]))
    case_send_to_dispatch(actor=clerk, case=case)
    case_dispatch(actor=User.objects.get(username="director"), case=case, mode="transfer",
                  lead_department=Department.objects.get(short_code=short_code))
    return case


def test_a_department_sees_its_own_matters_only(client, demo_seeded):
    ours = _dispatched_to("LDWQ", "上浦村工地欠薪")
    theirs = _dispatched_to("ZGJ", "征地拆迁补偿")

    client.login(username="liaison", password="demo1234")  # 劳动保障维权服务中心
    page = client.get("/intake/cases/").content.decode()
    assert ours.code in page and theirs.code not in page

    _instance, token = AuthToken.objects.create(User.objects.get(username="handler"))
    body = client.get("/api/intake/cases/", HTTP_AUTHORIZATION=f"Token {token}").json()
    # the demo's own matters of the labour center (its revisit matters) and ours, nothing else
    assigned = set(Case.objects.filter(assignments__department__short_code="LDWQ").values_list("code", flat=True))
    assert ours.code in assigned and theirs.code not in assigned
    assert {row["code"] for row in body["results"]} == assigned
    assert client.get(f"/api/intake/cases/{theirs.code}/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 404


def test_a_leader_in_charge_sees_the_departments_matters_only(client, demo_seeded):
    """Issue 8 item 5: lead_zgj (分管 资规建交局) used to read every department's matters."""
    labour = _dispatched_to("LDWQ", "上浦村工地欠薪")
    zgj = _dispatched_to("ZGJ", "征地拆迁补偿")

    client.force_login(User.objects.get(username="lead_zgj"))
    page = client.get("/intake/cases/").content.decode()
    assert zgj.code in page and labour.code not in page
    assert client.get(f"/intake/cases/{labour.code}/").status_code == 404
    assert client.get(f"/intake/cases/{zgj.code}/").status_code == 200
    body = client.get("/api/intake/cases/").json()
    # ours and the demo's own 资规建交局 matters (the 领导通 demo's road works), nothing else
    of_zgj = set(Case.objects.filter(assignments__department__short_code="ZGJ").values_list("code", flat=True))
    assert zgj.code in of_zgj and labour.code not in of_zgj
    assert {row["code"] for row in body["results"]} == of_zgj

    # The district leader (no department) still reads the whole district.
    client.force_login(User.objects.get(username="leader"))
    body = client.get("/api/intake/cases/").json()
    codes = {row["code"] for row in body["results"]}
    assert {labour.code, zgj.code} <= codes  # with the demo's grid reports: every matter of the district
    assert codes == set(Case.objects.filter(district__code="QZTS").values_list("code", flat=True))
