from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from governance.tests.factories import GridFactory, UserFactory
from intake.choices import CaseStatus
from intake.models import Attachment, Case, CaseEvent, CaseLink, SensitiveView
from intake.services import MatterInput, PartyInput, case_register
from intake.tests.factories import CaseFactory, PartyFactory, category, valid_id_number

SH = ZoneInfo("Asia/Shanghai")
ID = valid_id_number(region="350521", birth=dt.date(1990, 1, 1), order=123)


def post_data(**overrides):
    data = {
        "channel": "walk_in",
        "category": str(category("JF10").pk),
        "title": "工地拖欠工资",
        "description": "十二名工人反映上浦村工地拖欠三个月工资。",
        "urgency": "normal",
        "risk_level": "low",
        "complexity": "",
        "applicant_kind": "person",
        "applicant_name": "王建国",
        "applicant_id_number": ID,
        "applicant_phone": "13805950001",
        "applicant_address": "洛阳镇上浦村",
        "respondent_kind": "person",
        "group_size": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.mark.django_db
def test_anonymous_is_redirected_to_login(client):
    for name in ("intake:window", "intake:mine", "intake:case_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_window_page_renders_with_defaults(clerk_client, window):
    response = clerk_client.get(reverse("intake:window"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="categories-data"' in html and "ldzy" in html
    assert f'<option value="{window.pk}" selected>' in html
    assert '<option value="walk_in" selected>' in html
    assert "窗口受理" in html and "我的事项" in html  # navigation entries


@pytest.mark.django_db
def test_window_post_round_trip_and_receipt(clerk_client, clerk, window, center):
    center.address, center.phone = "泉州台商投资区行政服务中心一楼", "0595-87000000"
    center.save()
    pdf = SimpleUploadedFile("材料.pdf", b"%PDF-1.4 test")
    grid = GridFactory(in_town=True)
    response = clerk_client.post(reverse("intake:window"),
                                 post_data(window=str(window.pk), grid=str(grid.pk), attachments=pdf,
                                           is_group="on", group_size="12"))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("intake:receipt", args=[case.code])
    assert case.first_receiver == clerk and case.window == window and case.is_group and case.group_size == 12
    assert case.town == grid.town and Attachment.objects.filter(case=case).count() == 1
    receipt = clerk_client.get(response["Location"]).content.decode()
    assert case.code in receipt
    assert "劳动争议" in receipt and "工地拖欠工资" in receipt
    expected = timezone.localtime(case.expected_answer_at)
    assert f"预计 7 个工作日内答复，即 {expected.year}年{expected.month}月{expected.day}日前" in receipt
    assert "林小红" in receipt and "13905950000" in receipt
    assert "0595-87000000" in receipt and "行政服务中心一楼" in receipt
    assert ID not in receipt and "350521********" in receipt


@pytest.mark.django_db
def test_the_receipt_offers_the_next_registration_where_the_user_registers(client, clerk, dispatcher, center):
    """Issue 21: 登记下一件 leads to the window; a dispatcher who opens the receipt of a matter he may see
    cannot open the window (403), so it leads him to the command center's registration (issue 22 item 12)."""
    case = case_register(actor=clerk, center=center, matter=MatterInput(
        channel="walk_in", category=category("JF10"), title="工地拖欠工资", description="欠薪",
        parties=[PartyInput(name="王建国", id_number=ID)]))
    url = reverse("intake:receipt", args=[case.code])
    client.force_login(clerk)
    page = client.get(url).content.decode()
    assert 'data-testid="register-next"' in page and "登记下一件" in page
    client.force_login(dispatcher)
    response = client.get(url)
    assert response.status_code == 200 and case.code in response.content.decode()
    assert f'href="{reverse("intake:command_register")}" data-testid="register-next"' in response.content.decode()
    assert f'href="{reverse("intake:window")}"' not in response.content.decode()
    assert client.get(reverse("intake:window")).status_code == 403


@pytest.mark.django_db
def test_phone_registration_uses_the_same_form(clerk_client):
    assert '<option value="phone" selected>' in clerk_client.get(reverse("intake:window") + "?channel=phone").content.decode()
    clerk_client.post(reverse("intake:window"), post_data(channel="phone", applicant_id_number=""))
    assert Case.objects.get().channel == "phone"


@pytest.mark.django_db
@pytest.mark.parametrize("overrides,field,message", [
    ({"applicant_id_number": "350521199001011230"}, "applicant_id_number", "校验位"),
    ({"applicant_phone": "12345"}, "applicant_phone", "联系电话"),
    ({"title": ""}, "title", "请填写标题"),
    ({"category": ""}, "category", "请选择事项类别"),
    ({"category": "999999"}, "category", "不存在"),
    ({"grid": "999999"}, "grid", "网格不存在"),
    ({"description": "字" * 5001}, "description", "最多 5000 个字"),
    ({"applicant_kind": "organization", "applicant_credit_code": "91350100M000100Y44"}, "applicant_credit_code",
     "统一社会信用代码"),
])
def test_window_errors_show_in_chinese_and_keep_input(clerk_client, overrides, field, message):
    response = clerk_client.post(reverse("intake:window"), post_data(address="<b>上浦村</b>", **overrides))
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert response.context["form"].errors[field]
    assert "&lt;b&gt;上浦村&lt;/b&gt;" in html  # what was typed is kept (escaped)
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


@pytest.mark.django_db
def test_window_rejects_large_and_forbidden_attachments(clerk_client, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    big = SimpleUploadedFile("大.pdf", b"%PDF" + b"0" * 200)
    response = clerk_client.post(reverse("intake:window"), post_data(attachments=big))
    assert "超过" in response.content.decode()
    exe = SimpleUploadedFile("a.exe", b"MZ")
    response = clerk_client.post(reverse("intake:window"), post_data(attachments=exe))
    assert "不允许上传" in response.content.decode()
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


@pytest.mark.django_db
def test_script_is_escaped_on_every_page(clerk_client, clerk):
    script = "<script>alert(1)</script>"
    clerk_client.post(reverse("intake:window"), post_data(title=script, description=script))
    case = Case.objects.get()
    assert case.title == script
    for url in (reverse("intake:receipt", args=[case.code]), reverse("intake:case_detail", args=[case.code]),
                reverse("intake:mine")):
        html = clerk_client.get(url).content.decode()
        assert script not in html and "&lt;script&gt;" in html


@pytest.mark.django_db
def test_repeat_visit_lookup_and_link(clerk_client, clerk, center):
    earlier = case_register(actor=clerk, center=center, matter=MatterInput(
        channel="walk_in", category=category("JF10"), title="上次欠薪", description="三周前",
        parties=[PartyInput(name="王建国", id_number=ID, phone="13805950001")]))
    data = clerk_client.post(reverse("intake:applicant_lookup"), {"id_number": ID}).json()
    # Issue 24 item 2: personal data in the body, never in a query string an access log keeps.
    assert clerk_client.get(reverse("intake:applicant_lookup"), {"id_number": ID}).status_code == 405
    # Issue 8 item 5: the lookup masks the phone and address and is recorded like the full-ID view.
    assert data["party"]["name"] == "王建国" and data["party"]["phone_masked"] == "138****0001"
    assert "13805950001" not in str(data) and "phone" not in data["party"]
    assert SensitiveView.objects.filter(actor=clerk, field="lookup", page=reverse("intake:applicant_lookup")).count() == 1
    assert [c["code"] for c in data["cases"]] == [earlier.code]
    by_phone = clerk_client.post(reverse("intake:applicant_lookup"), {"phone": "138-0595-0001"}).json()
    assert [c["code"] for c in by_phone["cases"]] == [earlier.code]
    assert ID not in str(by_phone)
    # The typed phone differs from the stored one: the clerk sees both and chooses.
    asked = clerk_client.post(reverse("intake:window"), post_data(link_to=str(earlier.pk), applicant_phone="13905950002"))
    page = asked.content.decode()
    assert asked.status_code == 400 and 'data-testid="party-differences"' in page
    assert "138****0001" in page and "139****0002" in page and Case.objects.count() == 1
    clerk_client.post(reverse("intake:window"), post_data(link_to=str(earlier.pk), applicant_phone="13905950002",
                                                          applicant_on_difference="keep"))
    new = Case.objects.exclude(pk=earlier.pk).get()
    assert new.events.filter(type="party.kept").exists()
    assert CaseLink.objects.filter(from_case=new, to_case=earlier).exists()
    detail = clerk_client.get(reverse("intake:case_detail", args=[new.code])).content.decode()
    assert earlier.code in detail and "关联事项" in detail


@pytest.mark.django_db
def test_settle_on_spot_from_the_receipt(clerk_client, clerk):
    clerk_client.post(reverse("intake:window"), post_data(category=str(category("JF02").pk)))
    case = Case.objects.get()
    agreement = SimpleUploadedFile("调解协议.pdf", b"%PDF-1.4 agreement")
    response = clerk_client.post(reverse("intake:settle", args=[case.code]),
                                 {"result": "双方同意共同出资疏通排水沟。", "attachments": agreement})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SETTLED_ON_SPOT and case.handling_mode == "self"
    assert case.attachments.filter(purpose="settlement").count() == 1
    assert [e.type for e in case.events.order_by("id")] == ["case.registered", "case.settled_on_spot"]
    # twice: refused, one event
    clerk_client.post(reverse("intake:settle", args=[case.code]), {"result": "again"})
    assert case.events.filter(type="case.settled_on_spot").count() == 1
    detail = clerk_client.get(reverse("intake:case_detail", args=[case.code])).content.decode()
    assert "当场办结（自办）" in detail and "已登记 → 当场办结" in detail


@pytest.mark.django_db
def test_send_to_dispatch(clerk_client):
    clerk_client.post(reverse("intake:window"), post_data())
    case = Case.objects.get()
    clerk_client.post(reverse("intake:send_to_dispatch", args=[case.code]), {"note": "涉及多个部门"})
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_DISPATCH
    assert case.events.last().type == "case.sent_to_dispatch"


@pytest.mark.django_db
def test_my_matters_lists_only_mine_with_masked_ids(clerk_client, clerk, center):
    party = PartyFactory(id_number=ID)
    mine = CaseFactory(first_receiver=clerk, applicant=party)
    other = CaseFactory(first_receiver=UserFactory(roles=["window_clerk"], center=center))
    html = clerk_client.get(reverse("intake:mine")).content.decode()
    assert mine.code in html and other.code not in html
    assert ID not in html and "350521********" + ID[-4:] in html


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 18, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_all_matters_filters_and_search(client, dispatcher, center):
    """On a fixed day: "registered today" must not straddle midnight."""
    client.force_login(dispatcher)
    labour = CaseFactory(title="上浦村工地拖欠工资", category=category("JF10"))
    drain = CaseFactory(title="排水沟纠纷", category=category("JF02"), dispatched=True)
    late = CaseFactory(title="夜市噪音投诉", category=category("RX03"), overdue=True)
    closed_late = CaseFactory(title="旧事", category=category("RX03"), overdue=True, closed=True)
    url = reverse("intake:case_list")

    def codes(**params):
        return {row.code for row in client.get(url, params).context["page"].rows}

    assert codes() == {labour.code, drain.code, late.code, closed_late.code}
    assert codes(q="拖欠工资") == {labour.code}
    assert codes(category=category("JF").pk) == {labour.code, drain.code}
    assert codes(status="pending_dispatch") == {drain.code}
    assert codes(overdue="1") == {late.code}
    today = timezone.localdate()
    assert codes(date_from=str(today + dt.timedelta(days=1))) == set()
    assert len(codes(date_from=str(today), date_to=str(today))) == 4
    assert codes(first_receiver=labour.first_receiver_id) == {labour.code}


@pytest.mark.django_db
def test_export_is_filtered_and_masked(client, dispatcher):
    client.force_login(dispatcher)
    CaseFactory(title="欠薪", applicant=PartyFactory(id_number=ID, phone="13805950001"))
    CaseFactory(title="噪音", category=category("RX03"))
    response = client.get(reverse("intake:case_export"), {"q": "欠薪"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "事项编号" and len(rows) == 2
    assert rows[1][6] == "350521********" + ID[-4:] and rows[1][7] == "138****0001"
    assert ID not in str(rows)


@pytest.mark.django_db
def test_full_id_view_is_audited(client, dispatcher):
    case = CaseFactory(applicant=PartyFactory(id_number=ID))
    party = case.case_parties.get().party
    client.force_login(dispatcher)
    detail = client.get(reverse("intake:case_detail", args=[case.code])).content.decode()
    assert ID not in detail and "显示完整" in detail
    url = reverse("intake:party_full_id", args=[case.code, party.pk])
    response = client.post(url, HTTP_REFERER="/intake/cases/x/")
    assert response.json() == {"id_number": ID}
    view = SensitiveView.objects.get()
    assert (view.actor, view.party, view.case, view.page) == (dispatcher, party, case, "/intake/cases/x/")
    assert case.events.filter(type="party.id_viewed").count() == 1


@pytest.mark.django_db
def test_leader_may_not_see_full_ids(client, center):
    leader = UserFactory(roles=["leader"], center=center)
    case = CaseFactory(applicant=PartyFactory(id_number=ID))
    client.force_login(leader)
    detail = client.get(reverse("intake:case_detail", args=[case.code])).content.decode()
    assert "显示完整" not in detail
    response = client.post(reverse("intake:party_full_id", args=[case.code, case.case_parties.get().party_id]))
    assert response.status_code == 403 and SensitiveView.objects.count() == 0


@pytest.mark.django_db
def test_roles_without_access_get_404(client, center):
    case = CaseFactory()
    for roles in ([], ["grid_worker"], ["department_handler"]):
        user = UserFactory(roles=roles, center=center)
        client.force_login(user)
        assert client.get(reverse("intake:case_detail", args=[case.code])).status_code == 404
        assert client.get(reverse("intake:receipt", args=[case.code])).status_code == 404
    client.force_login(UserFactory(roles=["grid_worker"], center=center))
    assert client.get(reverse("intake:window")).status_code == 403


@pytest.mark.django_db
def test_other_district_matters_are_invisible(client, dispatcher):
    from governance.tests.factories import CenterFactory

    elsewhere = CenterFactory(code="QZLC", name="洛江区社会治理中心")
    case = CaseFactory(district=elsewhere)
    client.force_login(dispatcher)
    assert client.get(reverse("intake:case_detail", args=[case.code])).status_code == 404
    assert case.code not in client.get(reverse("intake:case_list")).content.decode()


@pytest.mark.django_db
def test_story_4_receipt_date(clerk, center, client):
    case = case_register(actor=clerk, center=center, matter=MatterInput(
        channel="platform", category=category("RX03"), title="夜市噪音", description="夜市噪音扰民",
        parties=[]), now=dt.datetime(2025, 9, 30, 16, 50, tzinfo=SH))
    client.force_login(clerk)
    html = client.get(reverse("intake:receipt", args=[case.code])).content.decode()
    assert "预计 7 个工作日内答复，即 2025年10月16日前" in html


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["category=²", "town=١٢", "grid=1.5", "date_from=yesterday", "first_receiver=-3",
                                   "category=99999999999999999999999"])
def test_a_filter_value_that_does_not_parse_is_ignored_not_a_500(client, query):
    from governance.tests.factories import UserFactory

    user = UserFactory(roles=["dispatcher"])
    client.force_login(user)
    assert client.get(f"/intake/cases/?{query}").status_code == 200
    assert client.get(f"/intake/cases/export.xlsx?{query}").status_code == 200


@pytest.mark.django_db
def test_window_registration_sent_twice_registers_one_matter(clerk_client, window):
    """A double click on 登记 (or the browser sending the form again) registers one matter and
    takes the clerk to its receipt both times."""
    from governance.tests.pages import once_key

    key = once_key(clerk_client.get(reverse("intake:window")).content.decode(), 'id="register-form"')
    data = post_data(window=str(window.pk), once=key)
    first = clerk_client.post(reverse("intake:window"), data)
    second = clerk_client.post(reverse("intake:window"), data, follow=True)
    case = Case.objects.get()
    assert first["Location"] == second.redirect_chain[0][0] == reverse("intake:receipt", args=[case.code])
    assert "这份表单已经提交过，没有重复办理。" in second.content.decode()
    # A refused form keeps its key unused: corrected, the same form registers.
    key = once_key(clerk_client.get(reverse("intake:window")).content.decode(), 'id="register-form"')
    refused = clerk_client.post(reverse("intake:window"), post_data(applicant_phone="12", once=key))
    assert refused.status_code == 400 and f'value="{key}"' in refused.content.decode()
    assert clerk_client.post(reverse("intake:window"), post_data(once=key)).status_code == 302
    assert Case.objects.count() == 2
