"""The pages: board, inbox, assignment, matter and summons pages, with permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch import services as svc
from dispatch.choices import AssignmentStatus, SummonsStatus
from dispatch.models import Assignment, RoutingRule
from dispatch.selectors.attendance import attendance_code
from dispatch.tests.factories_work import World
from intake.choices import CaseStatus, HandlingMode

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def login(client, user):
    client.force_login(user)
    return client


def test_board_shows_pending_matters_with_suggestions_and_no_per_row_queries(world, client):
    RoutingRule.objects.create(center=world.center, category=world.category, department=world.labour, role="lead")
    RoutingRule.objects.create(center=world.center, category=world.category, department=world.zgj, role="co")
    RoutingRule.objects.create(center=world.center, grid=world.town_grid, department=world.town, role="co")
    world.case(title="第一件", urgency="normal")
    urgent = world.case(title="紧急的一件", urgency="urgent", due_at=timezone.now() - dt.timedelta(hours=1))
    login(client, world.director)
    response = client.get(reverse("dispatch:board"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("紧急的一件") < html.index("第一件")  # most urgent first
    assert "劳动保障维权服务中心（牵头）" in html and "资规建交局（协办）" in html and "洛阳镇人民政府" in html
    assert 'class="table-danger"' in html and f'data-case="{urgent.pk}"' in html
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dispatch:board"))
    for _ in range(15):
        case = world.case()
        svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER, lead_department=world.police)
        world.case()
    summons = svc.summons_request(actor=world.director, center=world.center, reason="堵路",
                                  departments=[world.police, world.zgj])
    svc.summons_approve(actor=world.commander, summons=summons)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("dispatch:board"))
    assert 'data-testid="countdown"' in response.content.decode()
    assert len(many) <= len(few) + 2  # the summons prefetch; nothing per row


def test_board_is_for_center_staff_only(world, client):
    login(client, world.labour.liaison)
    assert client.get(reverse("dispatch:board")).status_code == 403


def test_director_dispatches_and_liaison_acknowledges_in_the_ui(world, client):
    case = world.case()
    login(client, world.director)
    response = client.post(reverse("dispatch:work-case-dispatch", args=[case.pk]), {
        "mode": "joint", "lead_department": world.labour.pk, "co_departments": [world.zgj.pk],
        "instructions": "请牵头"}, follow=True)
    assert "已派单" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    lead = Assignment.objects.get(case=case, department=world.labour)

    login(client, world.labour.liaison)
    inbox = client.get(reverse("dispatch:work-inbox")).content.decode()
    assert case.code in inbox
    client.post(reverse("dispatch:work-assignment-action", args=[lead.pk, "acknowledge"]))
    lead.refresh_from_db()
    assert lead.status == AssignmentStatus.ACKNOWLEDGED

    # Another department's liaison: 404 on the page and on the action.
    login(client, world.police.liaison)
    assert client.get(reverse("dispatch:work-assignment", args=[lead.pk])).status_code == 404
    assert client.post(reverse("dispatch:work-assignment-action", args=[lead.pk, "progress"]),
                       {"text": "x"}).status_code == 404
    assert case.code not in client.get(reverse("dispatch:work-inbox")).content.decode()


def test_liaison_cannot_dispatch_in_the_ui(world, client):
    case = world.case()
    login(client, world.labour.liaison)
    response = client.post(reverse("dispatch:work-case-dispatch", args=[case.pk]),
                           {"mode": "transfer", "lead_department": world.labour.pk})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_DISPATCH


def test_department_and_center_actions_in_the_ui(world, client):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.labour)
    url = lambda action: reverse("dispatch:work-assignment-action", args=[assignment.pk, action])  # noqa: E731
    login(client, world.handler)
    client.post(url("acknowledge"))
    client.post(url("progress"), {"text": "已约谈"})
    due = timezone.localtime(assignment.due_at + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    client.post(url("extension"), {"reason": "需鉴定", "requested_due_at": due})
    extension = assignment.extension_requests.get()
    login(client, world.director)
    client.post(url("remind"), {"note": "请加快"})
    client.post(url("supervise"), {"every_working_days": "2", "note": "重点督办", "leader": world.commander.pk})
    client.post(reverse("dispatch:work-extension-decide", args=[extension.pk]), {"approve": "yes", "note": "同意"})
    login(client, world.handler)
    client.post(url("report_back"), {"text": "已解决", "files": [SimpleUploadedFile("a.pdf", b"%PDF-1.4 ok")]})
    login(client, world.director)
    client.post(url("rework"), {"reason": "材料不全"})
    login(client, world.handler)
    client.post(url("report_back"), {"text": "补充材料"})
    case_url = lambda action: reverse("dispatch:work-case-action", args=[case.pk, action])  # noqa: E731
    login(client, world.grid_worker)
    client.post(case_url("verify"), {"passed": "yes", "notes": "现场核实"})
    login(client, world.dispatcher)
    client.post(case_url("explain"), {"notes": "说明"})
    client.post(case_url("revisit"), {"resolved": "yes", "satisfaction": "satisfied"})
    client.post(case_url("close"), {"note": "办结"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    types = list(case.events.values_list("type", flat=True))
    assert types == [
        "case.dispatched", "assignment.created", "assignment.acknowledged", "assignment.progress_reported",
        "assignment.extension_requested", "assignment.reminded", "assignment.supervised",
        "assignment.extension_approved", "assignment.reported_back", "assignment.returned_for_rework",
        "assignment.reported_back", "case.verified", "case.explanation_called", "case.revisited", "case.closed",
    ]
    page = client.get(reverse("dispatch:work-case", args=[case.pk])).content.decode()
    assert "case.closed" in page


def test_decline_rule_and_reassign_in_the_ui(world, client):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police)
    url = lambda a, action: reverse("dispatch:work-assignment-action", args=[a.pk, action])  # noqa: E731
    login(client, world.police.liaison)
    client.post(url(assignment, "decline"), {"reason": "非我局职责"})
    login(client, world.director)
    client.post(url(assignment, "rule_decline"), {"accept": "yes", "department": world.labour.pk})
    new = Assignment.objects.get(case=case, department=world.labour)
    client.post(url(new, "reassign"), {"department": world.zgj.pk, "reason": "属规划"})
    assert Assignment.objects.get(case=case, department=world.zgj).status == AssignmentStatus.ASSIGNED


def test_escalate_in_the_ui(world, client):
    from governance.tests.factories import CenterFactory

    town_center = CenterFactory(code="350521100", name="洛阳镇综治中心", level="town", parent=world.center)
    case = world.case()
    login(client, world.director)
    client.post(reverse("dispatch:work-case-action", args=[case.pk, "move"]),
                {"to_center": town_center.pk, "reason": "属地化解"})
    case.refresh_from_db()
    assert case.center == town_center


def test_summons_in_the_ui(world, client):
    case = world.case()
    login(client, world.director)
    response = client.post(reverse("dispatch:work-summons-new"), {
        "reason": "堵路", "case": case.pk, "departments": [world.police.pk, world.zgj.pk]}, follow=True)
    summons = case.summonses.get()
    assert response.status_code == 200
    # The duty director cannot approve; the deputy commander can.
    client.post(reverse("dispatch:work-summons-action", args=[summons.pk, "approve"]))
    summons.refresh_from_db()
    assert summons.status == SummonsStatus.REQUESTED
    login(client, world.deputy)
    client.post(reverse("dispatch:work-summons-action", args=[summons.pk, "approve"]))
    summons.refresh_from_db()
    assert summons.status == SummonsStatus.APPROVED
    police_row = summons.departments.get(department=world.police)
    zgj_row = summons.departments.get(department=world.zgj)
    login(client, world.police.liaison)
    page = client.get(reverse("dispatch:work-summons", args=[summons.pk])).content.decode()
    assert 'data-testid="countdown"' in page
    client.post(reverse("dispatch:work-summons-department-action", args=[police_row.pk, "acknowledge"]))
    client.post(reverse("dispatch:work-summons-department-action", args=[police_row.pk, "report_in"]),
                {"code": attendance_code(center=summons.center, at=timezone.now())})
    # ... but not for another department.
    assert client.post(reverse("dispatch:work-summons-department-action",
                               args=[zgj_row.pk, "report_in"])).status_code == 404
    login(client, world.dispatcher)
    client.post(reverse("dispatch:work-summons-department-action", args=[zgj_row.pk, "report_in"]),
                {"person": world.zgj.liaison.pk})
    police_row.refresh_from_db()
    zgj_row.refresh_from_db()
    assert police_row.reported_in_at and zgj_row.reported_in_person == world.zgj.liaison
    # Ending the summons is the duty director's call, not the dispatcher's (seed 000 四).
    client.post(reverse("dispatch:work-summons-action", args=[summons.pk, "close"]))
    summons.refresh_from_db()
    assert summons.status == SummonsStatus.APPROVED
    login(client, world.director)
    client.post(reverse("dispatch:work-summons-action", args=[summons.pk, "close"]))
    summons.refresh_from_db()
    assert summons.status == SummonsStatus.CLOSED


def test_summons_form_takes_the_matter_code_and_explains_an_unknown_one(world, client):
    case = world.case()
    login(client, world.director)
    client.post(reverse("dispatch:work-summons-new"), {
        "reason": "堵路", "case": case.code.lower(), "departments": [world.police.pk]})
    assert case.summonses.count() == 1
    response = client.post(reverse("dispatch:work-summons-new"), {
        "reason": "堵路", "case": "QZTS-1999-999999", "departments": [world.police.pk]}, follow=True)
    assert "没有这个事项编号" in response.content.decode()
    assert case.summonses.count() == 1


def test_board_shows_the_most_urgent_waiting_matters_and_says_how_many_more(world, client):
    from dispatch.selectors.work import dispatch_board

    for n in range(4):
        world.case(title=f"一般事项{n}")
    world.case(title="特急事项", urgency="critical")
    board = dispatch_board(center=world.center, pending_limit=3)
    assert [case.title for case in board.pending][0] == "特急事项"
    assert len(board.pending) == 3 and board.counts["pending"] == 5
    login(client, world.director)
    assert 'data-testid="pending-more"' not in client.get(reverse("dispatch:board")).content.decode()
    for n in range(50):
        world.case(title=f"批量{n}")
    page = client.get(reverse("dispatch:board")).content.decode()
    assert page.count('data-testid="dispatch-form"') == 50
    assert "共 55 件待调度" in page


def test_matter_timeline_on_the_work_page_reads_in_words(world, client):
    case = world.case()
    svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER, lead_department=world.police)
    login(client, world.director)
    page = client.get(reverse("dispatch:work-case", args=[case.pk])).content.decode()
    assert "调度派单" in page and "交办" in page and "办理中" in page
    assert "case.dispatched" not in page.replace('data-event="case.dispatched"', "")


def test_who_is_on_duty_shows_on_every_dispatch_page(world, client):
    case = world.case()
    [assignment] = svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER,
                                     lead_department=world.police)
    summons = svc.summons_request(actor=world.director, center=world.center, reason="堵路",
                                  departments=[world.police])
    login(client, world.director)
    for url in (reverse("dispatch:board"), reverse("dispatch:work-case", args=[case.pk]),
                reverse("dispatch:work-assignment", args=[assignment.pk]),
                reverse("dispatch:work-summons", args=[summons.pk]), reverse("dispatch:work-verification")):
        assert 'data-testid="on-duty"' in client.get(url).content.decode(), url
    login(client, world.police.liaison)
    assert 'data-testid="on-duty"' in client.get(reverse("dispatch:work-inbox")).content.decode()


def test_a_summons_request_or_a_progress_report_sent_twice_is_made_once(world, client):
    """A double click (or a resent request) on 申请召集 or 提交进度: the page's one-time key."""
    from dispatch.models import AssignmentReport
    from governance.tests.pages import once_key

    case = world.case()
    login(client, world.director)
    page = client.get(reverse("dispatch:work-case", args=[case.pk])).content.decode()
    data = {"reason": "堵路", "case": case.pk, "departments": [world.police.pk],
            "once": once_key(page, 'data-testid="summons-form"')}
    first = client.post(reverse("dispatch:work-summons-new"), data)
    second = client.post(reverse("dispatch:work-summons-new"), data, follow=True)
    summons = case.summonses.get()
    assert first["Location"] == second.redirect_chain[0][0] == reverse("dispatch:work-summons", args=[summons.pk])
    assert "这份表单已经提交过，没有重复办理。" in second.content.decode()

    (assignment,) = svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.labour)
    svc.assignment_acknowledge(actor=world.handler, assignment=assignment)
    login(client, world.handler)
    url = reverse("dispatch:work-assignment-action", args=[assignment.pk, "progress"])
    page = client.get(reverse("dispatch:work-assignment", args=[assignment.pk])).content.decode()
    data = {"text": "已约谈", "once": once_key(page, url)}
    client.post(url, data)
    client.post(url, data)
    assert AssignmentReport.objects.filter(assignment=assignment, kind=AssignmentReport.Kind.PROGRESS).count() == 1
    # The next report is a new form with a new key.
    page = client.get(reverse("dispatch:work-assignment", args=[assignment.pk])).content.decode()
    client.post(url, {"text": "已复查", "once": once_key(page, url)})
    assert AssignmentReport.objects.filter(assignment=assignment, kind=AssignmentReport.Kind.PROGRESS).count() == 2


def test_board_preselects_no_department_without_a_suggestion_and_refuses_dispatch_without_one(world, client):
    """Issue 21 (10): the first department of the list was selected by default when a matter had no
    routing suggestion; one click sent it there."""
    import re

    RoutingRule.objects.create(center=world.center, category=world.category, department=world.labour, role="lead")
    suggested = world.case(title="有建议")
    from intake.tests.factories import CategoryFactory

    other = CategoryFactory(code="ZZ99", name="无规则")
    bare = world.case(title="无建议", category=other)
    login(client, world.director)
    html = client.get(reverse("dispatch:board")).content.decode()

    def lead_select(case):
        row = html[html.index(f'data-case="{case.pk}"'):]
        return re.search(r'<select name="lead_department"[^>]*>(.*?)</select>', row, re.S).group(1)

    assert " selected" not in lead_select(bare)
    assert lead_select(bare).startswith('<option value="">')
    assert f'<option value="{world.labour.pk}" selected>' in lead_select(suggested)
    response = client.post(reverse("dispatch:work-case-dispatch", args=[bare.pk]),
                           {"mode": "transfer", "lead_department": ""}, follow=True)
    assert "请选择承办（牵头）部门" in response.content.decode()
    bare.refresh_from_db()
    assert bare.status == CaseStatus.PENDING_DISPATCH


def test_board_words_are_translated(world, client):
    """Issue 21 (15): "属地" and "工单" on the board stayed Chinese on the English pages."""
    RoutingRule.objects.create(center=world.center, grid=world.town_grid, department=world.town, role="co")
    world.case(title="工单事项", external_source="12345", external_ref="GD001")
    login(client, world.director)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    html = client.get(reverse("dispatch:board")).content.decode()
    row = html[html.index("GD001") - 200:]
    assert "Work order GD001" in html and "Territory：" in row
    assert "属地" not in html and "工单" not in html.replace("工单事项", "")
    assert "Choose the department" in html


def test_active_summons_is_on_the_liaisons_home_and_inbox_until_reported_in(world, client):
    """Issue 21 (13): the liaison reached an active summons only through the notification list, and a
    department that had reported in (without confirming first) still saw 确认."""
    summons = svc.summons_request(actor=world.director, center=world.center, reason="堵路请速到场",
                                  departments=[world.police, world.zgj])
    login(client, world.police.liaison)
    assert "堵路请速到场" not in client.get("/").content.decode()  # not yet approved
    svc.summons_approve(actor=world.commander, summons=summons)
    summons_url = reverse("dispatch:work-summons", args=[summons.pk])
    home = client.get("/").content.decode()
    assert 'data-testid="summons-awaiting"' in home and summons_url in home
    # at the top of the home, above the day and the post
    assert home.index('data-testid="summons-awaiting"') < home.index('data-testid="today-kind"')
    inbox = client.get(reverse("dispatch:work-inbox")).content.decode()
    assert 'data-testid="summons-awaiting"' in inbox and summons_url in inbox and 'data-testid="countdown"' in inbox
    login(client, world.labour.liaison)  # another department's liaison: not summoned
    assert 'data-testid="summons-awaiting"' not in client.get("/").content.decode()

    login(client, world.police.liaison)
    row = summons.departments.get(department=world.police)
    client.post(reverse("dispatch:work-summons-department-action", args=[row.pk, "report_in"]),
                {"code": attendance_code(center=summons.center, at=timezone.now())})
    row.refresh_from_db()
    assert row.reported_in_at is not None
    page = client.get(summons_url).content.decode()
    assert reverse("dispatch:work-summons-department-action", args=[row.pk, "acknowledge"]) not in page
    assert 'data-testid="summons-awaiting"' not in client.get("/").content.decode()
    assert 'data-testid="summons-awaiting"' not in client.get(reverse("dispatch:work-inbox")).content.decode()


def test_the_inbox_shows_a_page_at_a_time_nearest_deadline_first(world, client, monkeypatch):
    """A department's open assignments a page at a time (50; issue 25: a department with thousands
    of them drew them all), counted, the nearest deadline first."""
    from dispatch.views import work

    assert work.INBOX_PAGE_SIZE == 50
    monkeypatch.setattr(work, "INBOX_PAGE_SIZE", INBOX_PAGE_SIZE := 3)
    assignments = [svc.case_dispatch(actor=world.director, case=world.case(), mode=HandlingMode.TRANSFER,
                                     lead_department=world.labour)[0] for _ in range(INBOX_PAGE_SIZE + 1)]
    login(client, world.labour.liaison)
    first = client.get(reverse("dispatch:work-inbox")).content.decode()
    second = client.get(reverse("dispatch:work-inbox"), {"page": "2"}).content.decode()
    ordered = sorted(assignments, key=lambda a: (a.due_at, a.pk))
    assert first.count("data-assignment=") == INBOX_PAGE_SIZE and second.count("data-assignment=") == 1
    assert f'data-assignment="{ordered[0].pk}"' in first and f'data-assignment="{ordered[-1].pk}"' in second
    assert f'<span data-testid="inbox-count">{INBOX_PAGE_SIZE + 1}</span>' in first
    assert "?page=2" in first and client.get(reverse("dispatch:work-inbox"), {"page": "x"}).status_code == 200


def test_someone_of_no_department_counts_nothing_without_a_query(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from dispatch.selectors.department_home import department_work_counts

    with django_assert_num_queries(0):
        counts = department_work_counts(user=AnonymousUser(), now=timezone.now())
    assert counts == {"live": 0, "to_acknowledge": 0, "acknowledge_late": 0, "overdue": 0, "due_soon": 0}


def test_a_liaison_s_home_counts_what_waits_for_the_department(world, client):
    """To acknowledge (and late), overdue, due today or tomorrow; another department's liaison sees none
    of it; acknowledging takes one off at once (counted live)."""
    import time_machine

    from dispatch.tests.factories_work import at

    monday = at(2025, 11, 3, 9, 0)
    first, second = world.case(), world.case()
    (late,) = svc.case_dispatch(actor=world.director, case=first, mode=HandlingMode.TRANSFER,
                                lead_department=world.labour, now=monday)
    (fresh,) = svc.case_dispatch(actor=world.director, case=second, mode=HandlingMode.TRANSFER,
                                 lead_department=world.labour, now=late.ack_due_at + dt.timedelta(minutes=5))
    after = late.ack_due_at + dt.timedelta(minutes=10)
    with time_machine.travel(after, tick=False):
        page = login(client, world.labour.liaison).get(reverse("home")).content.decode()
        assert 'data-testid="department-work"' in page
        assert '<span class="fs-5" data-testid="live">2</span>' in page
        assert "待签收 <strong>2</strong>" in page and "1 件已超时" in page
        svc.assignment_acknowledge(actor=world.labour.liaison, assignment=fresh, now=after)
        page = client.get(reverse("home")).content.decode()
        assert "待签收 <strong>1</strong>" in page
        assert 'data-testid="department-work"' not in login(client, world.police.liaison).get(reverse("home")).content.decode()
    with time_machine.travel(late.due_at - dt.timedelta(hours=30), tick=False):  # the day before, evening
        page = login(client, world.labour.liaison).get(reverse("home")).content.decode()
        assert "今明两天到期 <strong>2</strong>" in page and '办理超期 <strong class="">0</strong>' in page
    with time_machine.travel(late.due_at + dt.timedelta(hours=1), tick=False):
        page = login(client, world.labour.liaison).get(reverse("home")).content.decode()
        # both are past their deadline (the same working day's end): the acknowledged one too
        assert late.due_at == fresh.due_at
        assert '办理超期 <strong class="overdue">2</strong>' in page and "今明两天到期 <strong>0</strong>" in page
