"""The Chinese shell of every demo login, and the directory, on the demo district (seeded once for the
module: conftest.py's demo_seeded)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from governance.navigation import navigation_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["admin", "clerk", "dispatcher", "director", "commander", "deputy",
                                      "liaison", "handler", "grid", "leader"])
def test_every_demo_user_logs_in_and_sees_the_chinese_shell(client, demo_seeded, username):
    assert client.login(username=username, password="demo1234")
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "社会治理中心" in page and "首页" in page
    assert 'data-nav="home"' in page
    items = navigation_for(User.objects.get(username=username))
    assert len(items) >= 2  # every role has something beyond the home page
    for item in items:
        assert f'data-nav="{item["name"]}"' in page


def test_directory_lists_departments_and_windows(client, demo_seeded):
    client.login(username="clerk", password="demo1234")
    page = client.get("/org/directory/").content.decode()
    assert "劳动保障维权服务中心" in page and "综合受理" in page and "常驻" in page
