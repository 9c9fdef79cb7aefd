"""Login, the Chinese shell, and navigation that depends on the user's roles."""

from __future__ import annotations

import pytest

from governance.navigation import navigation_for
from governance.roles import Role
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_login_and_logout_round_trip(client):
    UserFactory(username="clerk1", roles=[Role.WINDOW_CLERK])
    response = client.post("/accounts/login/", {"username": "clerk1", "password": "pass-1234"}, follow=True)
    page = response.content.decode()
    assert "窗口工作人员" in page and "退出" in page
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_explained_in_chinese(client):
    UserFactory(username="clerk1")
    page = client.post("/accounts/login/", {"username": "clerk1", "password": "nope"}).content.decode()
    assert "用户名或密码不正确" in page


def _nav_names(user) -> set[str]:
    return {item["name"] for item in navigation_for(user)}


def test_navigation_depends_on_roles():
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    clerk = UserFactory(roles=[Role.WINDOW_CLERK])
    nobody = UserFactory()
    assert {"home", "admin:index", "governance:status"} <= _nav_names(admin)
    assert "admin:index" not in _nav_names(clerk)
    assert "governance:status" not in _nav_names(clerk)
    assert "home" in _nav_names(clerk)
    assert _nav_names(nobody) == set()


def test_a_person_with_several_roles_sees_the_union():
    both = UserFactory(roles=[Role.WINDOW_CLERK, Role.COMMANDER])
    assert "governance:status" in _nav_names(both)


def test_english_is_available(client):
    UserFactory(username="u1", roles=[Role.WINDOW_CLERK])
    client.login(username="u1", password="pass-1234")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Home" in page and "Log out" in page


def test_the_language_menu_names_each_language_in_itself(client):
    """Issue 21 (15): the menu read "简体中文 / 英语" in Chinese and "Simplified Chinese / English" in English."""
    UserFactory(username="u1", roles=[Role.WINDOW_CLERK])
    client.login(username="u1", password="pass-1234")
    for language in ("zh-hans", "en"):
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        page = client.get("/").content.decode()
        assert '<option value="zh-hans" lang="zh-hans"' in page and ">简体中文</option>" in page, language
        assert ">English</option>" in page and "英语" not in page, language


def test_calendar_page_marks_holidays_and_make_up_days(client):
    UserFactory(username="u1", roles=[Role.ADMINISTRATOR])
    client.login(username="u1", password="pass-1234")
    page = client.get("/org/calendar/?year=2025&month=10").content.decode()
    assert 'data-date="2025-10-01" data-working="0"' in page
    assert 'data-date="2025-10-11" data-working="1"' in page
    assert "国庆节" in page
    assert "2025 年的国家节假日安排尚未录入" not in page


def test_calendar_page_warns_about_a_missing_year(client):
    UserFactory(username="u1", roles=[Role.ADMINISTRATOR])
    client.login(username="u1", password="pass-1234")
    page = client.get("/org/calendar/?year=2027&month=1").content.decode()
    assert "2027 年的国家节假日安排尚未录入" in page
    assert 'data-date="2027-01-04" data-working="1"' in page


def test_calendar_admin_warns_about_a_missing_year(client):
    UserFactory(username="root", roles=[Role.ADMINISTRATOR], is_staff=True, is_superuser=True)
    client.login(username="root", password="pass-1234")
    page = client.get("/admin/governance/calendarday/").content.decode()
    assert "年的国家节假日安排尚未录入" in page  # 2027 (next year) has no official data yet


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client):
    UserFactory(username="u1", roles=[Role.WINDOW_CLERK])
    client.login(username="u1", password="pass-1234")
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page and "首页" in page


def test_home_date_in_english(client):
    UserFactory(username="u1", roles=[Role.WINDOW_CLERK])
    client.login(username="u1", password="pass-1234")
    assert "年" in client.get("/").content.decode().split("fs-5 mb-1")[1][:40]
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "年" not in client.get("/").content.decode().split("fs-5 mb-1")[1][:40]


def test_calendar_page_needs_a_login(client):
    response = client.get("/org/calendar/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_person_filter_shows_chinese_names_family_name_first():
    from governance.people import display_name

    assert display_name(UserFactory(last_name="陈", first_name="晓燕")) == "陈晓燕"
    assert display_name(UserFactory(last_name="", first_name="陈晓燕")) == "陈晓燕"
    assert display_name(UserFactory(last_name="Doe", first_name="Jane")) == "Jane Doe"
    assert display_name(UserFactory(username="nobody", last_name="", first_name="")) == "nobody"
