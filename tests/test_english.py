"""English through the footer's language switcher: the window, dispatch and department pages speak
English once it is chosen, and stay Chinese (whatever the browser says) until then."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from dispatch.services import case_dispatch
from governance.models import Center, Department
from intake.choices import Channel
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.tests.factories import category

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def demo(db, demo_seeded):
    return demo_seeded


def _matter(*, dispatched: bool = False):
    clerk = User.objects.get(username="clerk")
    case = case_register(actor=clerk, center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=category("JF10"), title="工地欠薪", description="拖欠三个月工资",
        parties=[PartyInput(name="王建国", phone="13905958888")]))
    if dispatched:
        case_send_to_dispatch(actor=clerk, case=case)
        case_dispatch(actor=User.objects.get(username="director"), case=case, mode="transfer",
                      lead_department=Department.objects.get(short_code="LDWQ"))
    return case


def _english(client, username: str) -> None:
    client.login(username=username, password="demo1234")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302


def _get(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.status_code == 200, url
    return response.content.decode()


def _navbar(page: str) -> tuple[str, str]:
    """The navbar without the signed-in person's name (people's data), and that name-and-roles text."""
    nav = re.search(r'<nav class="navbar.*?</nav>', page, re.S).group(0)
    person = re.search(r'<span class="navbar-text[^>]*>(.*?)</span>', nav, re.S).group(1)
    return nav.replace(person, ""), person


def _assert_english_shell(page: str, role: str) -> None:
    assert '<html lang="en">' in page
    nav, person = _navbar(page)
    assert not CJK.findall(re.sub(r'title="[^"]*"', "", nav)), nav
    assert "Log out" in nav and "Home" in nav and "Notifications" in nav
    assert role in person


def test_window_page_in_english(client, demo):
    _english(client, "clerk")
    page = _get(client, "/intake/window/")
    _assert_english_shell(page, "Window clerk")
    assert '<h1 class="h4 mb-0 me-3">Window intake</h1>' in page
    assert ">Save and print receipt</button>" in page
    assert "Respondent (optional)" in page and ">Applicant</h2>" in page
    assert 'data-nav="intake:window">Window intake</a>' in page
    for label in ("身份证号", "联系电话", "保存并打印回执", "窗口受理", "申请人"):
        assert label not in page


def test_receipt_in_english(client, demo):
    case = _matter()
    _english(client, "clerk")
    page = _get(client, f"/intake/cases/{case.code}/receipt/")
    _assert_english_shell(page, "Window clerk")
    assert "Acknowledgement of receipt" in page and "Print receipt" in page
    assert ">Send to dispatch</button>" in page and ">Settle on the spot</button>" not in page
    assert "Settled on the spot (self-handled)" in page
    assert "working days, by" in page
    assert case.code in page and "工地欠薪" in page  # the matter's own data is not translated
    for label in ("事项受理回执", "打印回执", "首接责任人", "移送调度"):
        assert label not in page


def test_dispatch_board_in_english(client, demo):
    case = _matter()
    case_send_to_dispatch(actor=User.objects.get(username="clerk"), case=case)
    _english(client, "director")
    page = _get(client, "/dispatch/board/")
    _assert_english_shell(page, "Duty director")
    assert "<h1 class=\"h4\">Dispatch board" in page
    assert "Matters pending dispatch" in page and ">Dispatch</button>" in page
    assert "1 pending dispatch" in page
    assert "Duty director today" in page
    for label in ("调度台", "待调度事项", "派单", "今日轮值主任"):
        assert label not in page


def test_department_inbox_in_english(client, demo):
    _matter(dispatched=True)
    _english(client, "liaison")
    page = _get(client, "/dispatch/work/inbox/")
    _assert_english_shell(page, "Department liaison")
    assert '<h1 class="h4">Department inbox</h1>' in page
    assert 'data-testid="acknowledge">Acknowledge</button>' in page
    assert "<th>Acknowledge by</th>" in page
    for label in ("部门待办", "签收", "办理期限"):
        assert label not in page


def test_roster_in_english(client, demo):
    _english(client, "commander")
    page = _get(client, "/dispatch/roster/")
    _assert_english_shell(page, "Commander")
    assert "Duty roster" in page and "<th>Monday</th>" in page and "<th>Sunday</th>" in page
    assert "Previous month" in page and "Commanders and deputy commanders" in page
    for label in ("轮值排班", "星期一", "上月", "指挥长、副指挥长"):
        assert label not in page


def test_pages_stay_chinese_without_switching(client, demo):
    case = _matter(dispatched=True)
    expected = {
        "clerk": {"/intake/window/": ["窗口受理", "保存并打印回执"],
                  f"/intake/cases/{case.code}/receipt/": ["事项受理回执", "打印回执"]},
        "director": {"/dispatch/board/": ["调度台", "待调度事项"],
                     "/dispatch/roster/": ["轮值排班", "星期一", "上月"]},
        "liaison": {"/dispatch/work/inbox/": ["部门待办", 'data-testid="acknowledge">签收</button>']},
    }
    for username, pages in expected.items():
        client.logout()
        client.login(username=username, password="demo1234")
        for url, labels in pages.items():
            page = _get(client, url)
            assert '<html lang="zh-hans">' in page and "退出" in page and "首页" in page
            for label in labels:
                assert label in page, (url, label)
            assert "Log out" not in page


def test_the_pages_scripts_speak_the_chosen_language(client, demo):
    """The words scripts write (the dashboard's chart legend, countdowns) come from /jsi18n/, asked
    for with the page's language and the catalogue's version, so that a browser keeps one copy per
    language and catalogue."""
    _english(client, "leader")
    page = _get(client, "/review/dashboard/")
    src = re.search(r'<script src="(/jsi18n/\?lang=en&amp;v=[0-9a-f]{12})"></script>', page).group(1)
    catalogue = client.get(src.replace("&amp;", "&")).content.decode()
    assert '"Of which closed"' in catalogue and '"Late by %(m)s min %(s)s s"' in catalogue
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = _get(client, "/review/dashboard/")
    assert '<script src="/jsi18n/?lang=zh-hans&amp;v=' in page
    assert "Of which closed" not in client.get("/jsi18n/?lang=zh-hans").content.decode()


def test_the_catalogue_address_changes_with_its_words(settings, tmp_path):
    """A deployment that changes the scripts' words gives the catalogue a new address, so that no
    browser keeps yesterday's words from its cache."""
    from governance.templatetags.scripts_i18n import catalogue_version

    compiled = tmp_path / "en" / "LC_MESSAGES" / "djangojs.mo"
    compiled.parent.mkdir(parents=True)
    settings.LOCALE_PATHS = [str(tmp_path)]
    versions = []
    for words in (b"first words", b"other words"):
        compiled.write_bytes(words)
        catalogue_version.cache_clear()
        versions.append(catalogue_version())
    catalogue_version.cache_clear()
    assert versions[0] != versions[1] and all(re.fullmatch(r"[0-9a-f]{12}", v) for v in versions)
