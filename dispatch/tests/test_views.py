"""Pages: roster calendar, mode page and banner, notifications and the unread badge, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from dispatch import selectors, services
from dispatch.choices import ShiftKind
from dispatch.models import DutyShift, Mode, Notification
from dispatch.tests.conftest import at
from dispatch.tests.factories import CommandAssignmentFactory, DutyRosterFactory, NotificationFactory
from governance.people import display_name
from governance.roles import Role
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(rotation, today):
    return DutyRosterFactory(center=rotation.center, departments=rotation.departments, start_date=today)


def login(client, center, *roles, **kwargs):
    user = UserFactory(roles=list(roles), profile={"center": center}, **kwargs)
    client.force_login(user)
    return user


def test_roster_page_shows_departments_overrides_and_gaps(client, rotation, roster, today):
    login(client, rotation.center, Role.DISPATCHER)
    rotation.teams[2].main_director = None
    rotation.teams[2].save()
    DutyShift.objects.create(
        center=rotation.center,
        date=today + dt.timedelta(days=1),
        kind=ShiftKind.MAIN_UNAVAILABLE,
        department=rotation.departments[1],
        reason="培训",
        entered_at=timezone.now(),
    )
    response = client.get("/dispatch/roster/")
    html = response.content.decode()
    assert response.status_code == 200
    assert rotation.departments[0].name in html
    assert 'data-testid="override"' in html and "主班请假，副班代班" in html
    gap_day = today + dt.timedelta(days=2)  # the third department has no main director
    assert f'data-gap-date="{gap_day:%Y-%m-%d}"' in html
    assert "部门未指定轮值主任" in html
    # The on-duty include names today's main director.
    director = rotation.teams[0].main_director
    assert 'data-testid="on-duty"' in html and display_name(director) in html


def test_roster_page_month_navigation(client, rotation, roster):
    login(client, rotation.center, Role.LEADER)
    html = client.get("/dispatch/roster/?month=2025-10").content.decode()
    assert "2025年10月" in html and 'data-date="2025-10-31"' in html and "国庆节" in html


def test_roster_page_query_count_does_not_grow_with_rows(
    client, rotation, roster, today, django_assert_max_num_queries
):
    login(client, rotation.center, Role.ADMINISTRATOR)
    for offset in range(10):
        DutyShift.objects.create(
            center=rotation.center,
            date=today + dt.timedelta(days=offset),
            kind=ShiftKind.REPLACEMENT,
            person=UserFactory(),
            reason="替",
            entered_by=UserFactory(),
            entered_at=timezone.now(),
        )
    with django_assert_max_num_queries(40):
        assert client.get("/dispatch/roster/").status_code == 200


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.WINDOW_CLERK, Role.DEPARTMENT_LIAISON])
def test_roster_page_is_closed_to_other_roles(client, center, role):
    login(client, center, role)
    assert client.get("/dispatch/roster/").status_code == 403
    assert client.post("/dispatch/roster/shifts/", {}).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/dispatch/roster/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_duty_director_marks_himself_unavailable_from_the_page(client, rotation, roster, today):
    main = rotation.teams[0].main_director
    client.force_login(main)
    response = client.post(
        "/dispatch/roster/shifts/",
        {
            "date": today.isoformat(),
            "kind": ShiftKind.MAIN_UNAVAILABLE,
            "reason": "参加区里会议",
        },
    )
    assert response.status_code == 302
    assert selectors.duty_day(center=rotation.center, day=today).director == rotation.teams[0].deputy_director


def test_refused_override_shows_the_message(client, rotation, roster, today):
    login(client, rotation.center, Role.DISPATCHER)  # dispatchers see the roster but do not change it
    response = client.post(
        "/dispatch/roster/shifts/",
        {
            "date": today.isoformat(),
            "kind": ShiftKind.MAIN_UNAVAILABLE,
            "reason": "x",
        },
        follow=True,
    )
    assert "您只能为本部门轮值的日期办理调班" in response.content.decode()
    assert not DutyShift.objects.exists()


def test_manager_swaps_and_cancels_from_the_page(client, rotation, roster, today):
    login(client, rotation.center, Role.COMMANDER)
    tomorrow = today + dt.timedelta(days=1)
    client.post(
        "/dispatch/roster/swaps/",
        {"first": today.isoformat(), "second": tomorrow.isoformat(), "reason": "调休"},
    )
    assert selectors.duty_day(center=rotation.center, day=today).department == rotation.departments[1]
    shift = DutyShift.objects.get(date=today)
    client.post(f"/dispatch/roster/shifts/{shift.pk}/cancel/")
    assert selectors.duty_day(center=rotation.center, day=today).department == rotation.departments[0]


def test_commander_declares_wartime_and_the_banner_shows_on_every_page(client, center):
    login(client, center, Role.COMMANDER)
    assert 'data-testid="wartime-banner"' not in client.get("/").content.decode()
    response = client.post(
        "/dispatch/mode/wartime/", {"level": "1", "reason": "森林火情", "summons_report_in_minutes": "10"}
    )
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert 'data-testid="wartime-banner"' in home and "一级响应" in home and "10 分钟" in home
    # Another user of the same center sees it too, on another page.
    client.force_login(UserFactory(roles=[Role.GRID_WORKER], profile={"center": center}))
    assert 'data-testid="wartime-banner"' in client.get("/dispatch/notifications/").content.decode()
    # Declaring again is refused with a message, not a second row.
    client.force_login(UserFactory(roles=[Role.DEPUTY_COMMANDER], profile={"center": center}))
    response = client.post("/dispatch/mode/wartime/", {"level": "2", "reason": "再次"}, follow=True)
    assert "已处于战时状态" in response.content.decode()
    client.post("/dispatch/mode/normal/", {"reason": "火情扑灭"})
    assert 'data-testid="wartime-banner"' not in client.get("/").content.decode()
    assert Mode.objects.filter(center=center).count() == 2
    history = client.get("/dispatch/mode/").content.decode()
    assert "森林火情" in history and "火情扑灭" in history


@pytest.mark.parametrize("role", [Role.DUTY_DIRECTOR, Role.ADMINISTRATOR, Role.DISPATCHER])
def test_only_commanders_switch_modes_in_the_ui(client, center, role):
    login(client, center, role)
    assert client.post("/dispatch/mode/wartime/", {"level": "1", "reason": "x"}).status_code == 403
    assert client.post("/dispatch/mode/normal/", {"reason": "x"}).status_code == 403
    assert not Mode.objects.exists()


def test_mode_page_visibility(client, center):
    login(client, center, Role.LEADER)
    page = client.get("/dispatch/mode/")
    assert page.status_code == 200 and 'data-testid="declare-form"' not in page.content.decode()
    login(client, center, Role.GRID_WORKER)
    assert client.get("/dispatch/mode/").status_code == 403


def test_navigation_entries_by_role(client, center):
    login(client, center, Role.COMMANDER)
    html = client.get("/").content.decode()
    assert 'data-nav="dispatch:roster"' in html and 'data-nav="dispatch:mode"' in html
    assert 'data-nav="dispatch:notifications"' in html
    login(client, center, Role.GRID_WORKER)
    html = client.get("/").content.decode()
    assert 'data-nav="dispatch:roster"' not in html and 'data-nav="dispatch:mode"' not in html
    assert 'data-nav="dispatch:notifications"' in html


def test_unread_count_in_the_navbar_and_mark_read(client, center):
    user = login(client, center, Role.GRID_WORKER)
    first, second, third = (NotificationFactory(recipient=user, link="/dispatch/roster/") for _ in range(3))
    NotificationFactory()  # someone else's
    html = client.get("/").content.decode()
    assert '<span class="badge bg-danger" data-testid="unread-count">3</span>' in html
    client.post(f"/dispatch/notifications/{first.pk}/read/")
    assert 'data-testid="unread-count">2<' in client.get("/").content.decode()
    response = client.post(f"/dispatch/notifications/{second.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/dispatch/roster/"
    listing = client.get("/dispatch/notifications/?unread=1").content.decode()
    assert third.title in listing and first.title not in listing
    client.post("/dispatch/notifications/read-all/")
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 0


def test_cannot_mark_someone_elses_notification(client, center):
    login(client, center, Role.GRID_WORKER)
    foreign = NotificationFactory()
    assert client.post(f"/dispatch/notifications/{foreign.pk}/read/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_open_does_not_redirect_off_site(client, center):
    user = login(client, center, Role.GRID_WORKER)
    row = NotificationFactory(recipient=user, link="https://evil.example/")
    assert client.post(f"/dispatch/notifications/{row.pk}/open/")["Location"] == "/dispatch/notifications/"


def test_shell_costs_a_fixed_number_of_queries_and_on_duty_is_lazy(
    rf, center, rotation, roster, django_assert_num_queries
):
    from dispatch.context_processors import shell

    user = UserFactory(roles=[Role.DISPATCHER], profile={"center": center})
    NotificationFactory(recipient=user)
    request = rf.get("/")
    request.user = get_user_model().objects.get(pk=user.pk)  # as authentication loads it
    with django_assert_num_queries(3):  # center, unread count, mode
        context = shell(request)
    assert context["notifications_unread"] == 1
    assert not context["dispatch_mode"].is_wartime
    CommandAssignmentFactory(center=center)
    with django_assert_num_queries(7):  # only when a page renders the on-duty include
        assert context["on_duty"]["duty"].director == rotation.teams[0].main_director
        assert len(context["on_duty"]["commanders"]) == 1


def test_shell_is_empty_for_anonymous_users(rf):
    from django.contrib.auth.models import AnonymousUser

    from dispatch.context_processors import shell

    request = rf.get("/")
    request.user = AnonymousUser()
    assert shell(request) == {}


def test_on_duty_include_renders_deputy_and_commanders(rotation, roster, today):
    from django.template.loader import render_to_string

    from dispatch.context_processors import on_duty_summary

    commander = CommandAssignmentFactory(center=rotation.center).user
    services.duty_shift_create(
        actor=rotation.teams[0].main_director,
        center=rotation.center,
        date=today,
        kind=ShiftKind.MAIN_UNAVAILABLE,
        reason="病假",
        now=timezone.now(),
    )
    html = render_to_string(
        "dispatch/_on_duty.html", {"on_duty": on_duty_summary(center=rotation.center, at=timezone.now())}
    )
    deputy = rotation.teams[0].deputy_director
    assert "今日轮值主任" in html and display_name(deputy) in html and "副班代班" in html
    assert "指挥长" in html and display_name(commander) in html


def test_on_duty_include_flags_a_gap(center):
    from django.template.loader import render_to_string

    from dispatch.context_processors import on_duty_summary

    html = render_to_string(
        "dispatch/_on_duty.html", {"on_duty": on_duty_summary(center=center, at=at(2025, 10, 9))}
    )
    assert 'data-testid="on-duty-gap"' in html and "未设置轮值表" in html
