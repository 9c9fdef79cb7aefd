"""The grid worker's phone without a network, with the page closed: the service worker keeps the
pages and the outbox, and sends a report made offline when the network returns — by Background
Sync with no page open, or by the next page opened — exactly once (the phone's key). The web app
manifest passes Chromium's installability check."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.core.signals import request_started

from grid.models import GridReport
from intake.models import Attachment, Case
from tests.conftest import screenshot
from tests.test_browser_grid import PHONE, photo, pick_category, sign_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True,
                                  has_touch=True, service_workers="allow")
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _phone(context, live_server):
    page = context.new_page()
    page.base_url = live_server.url
    return page


def _controlled(page) -> None:
    wait_for(lambda: page.evaluate("() => navigator.serviceWorker.controller !== null"))


def _grid_worker_phone(context, live_server):
    """The demo's grid worker signed in on her phone, its service worker in control of the pages."""
    call_command("seed_demo", verbosity=0)
    phone = _phone(context, live_server)
    sign_in(phone, "grid")
    phone.goto(f"{live_server.url}/grid/")
    _controlled(phone)
    return phone


def _report(page, title: str, *, with_photo: bool = False) -> None:
    pick_category(page, "隐患线索")
    page.fill("#id_title", title)
    page.fill("#id_description", f"{title}，需处理。")
    page.fill("#id_address", "上浦村村道")
    if with_photo:
        page.set_input_files("#id_photos", [photo("offline.png")])
    page.click("[data-action=submit-report]")
    page.wait_for_selector("[data-offline-status]:not(.d-none)")
    assert "保存在手机上" in page.inner_text("[data-offline-status]")


def _registration_id(page, cdp, base_url: str) -> str:
    found: dict[str, str] = {}
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.update(
        {r["scopeURL"]: r["registrationId"] for r in event["registrations"] if not r.get("isDeleted")}))
    cdp.send("ServiceWorker.enable")
    for _ in range(50):  # Playwright's sync API delivers CDP events while it is called
        if f"{base_url}/" in found:
            break
        page.wait_for_timeout(200)
    assert f"{base_url}/" in found, found
    return found[f"{base_url}/"]


def test_offline_reports_survive_a_closed_page_and_are_sent_once(context, live_server):
    base = live_server.url
    phone = _grid_worker_phone(context, live_server)
    cdp = context.new_cdp_session(phone)
    # Installable: Chromium's own check finds nothing but the test browser's private (incognito) profile.
    errors = {e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]}
    assert errors <= {"in-incognito"}, errors
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and manifest["url"].endswith(".webmanifest")
    phone.goto(f"{base}/grid/report/")

    # Behind the old granary: no network. The report page reloads from the phone, she reports.
    reached: list[str] = []

    def record(sender, environ, **kwargs):
        reached.append(environ["PATH_INFO"])

    context.set_offline(True)
    request_started.connect(record)
    phone.reload()
    assert phone.is_visible("#id_title")
    _report(phone, "村道边坡落石", with_photo=True)
    # She moves on: another page from the phone, the pending entry still shown, then the page closes.
    phone.goto(f"{base}/grid/tasks/")
    phone.wait_for_selector("[data-offline-status]:not(.d-none)")
    screenshot(phone, "grid-offline-pending")
    phone.close()
    request_started.disconnect(record)
    # All of it from the phone: nothing reached the server. The one exception is the browser's own update
    # check of the service worker script, which each navigation starts in the background: CI saw the one
    # begun by the navigation before going offline reach the server after (2026-12-07).
    assert [path for path in reached if path != "/sw.js"] == []
    assert not GridReport.objects.filter(case__title="村道边坡落石").exists()

    # The network returns with no grid page open: Background Sync wakes the service worker.
    context.set_offline(False)
    blank = context.new_page()
    sync = context.new_cdp_session(blank)
    registration = _registration_id(blank, sync, base)
    sync.send("ServiceWorker.dispatchSyncEvent", {"origin": base, "registrationId": registration,
                                                   "tag": "grid-outbox", "lastChance": False})
    reports = GridReport.objects.filter(case__title="村道边坡落石")
    wait_for(reports.exists)
    # Again (a retried sync, a page opened at once): still one.
    sync.send("ServiceWorker.dispatchSyncEvent", {"origin": base, "registrationId": registration,
                                                   "tag": "grid-outbox", "lastChance": False})
    again = _phone(context, live_server)
    again.goto(f"{base}/grid/")
    again.wait_for_selector("[data-offline-status].d-none", state="attached")
    time.sleep(1)
    assert reports.count() == 1 and Case.objects.filter(title="村道边坡落石").count() == 1
    case = reports.get().case
    assert case.channel == "grid_report" and Attachment.objects.filter(case=case).count() == 1
    assert "村道边坡落石" in again.inner_text("main")  # 我最近的上报

    # A second report offline; the page is reloaded while still offline, then the network returns
    # and the next page opened sends it (the path of a browser without Background Sync).
    again.goto(f"{base}/grid/report/")
    context.set_offline(True)
    _report(again, "路灯杆倾斜")
    again.reload()
    again.wait_for_selector("[data-offline-status]:not(.d-none)")
    context.set_offline(False)
    again.goto(f"{base}/grid/")
    tilted = GridReport.objects.filter(case__title="路灯杆倾斜")
    wait_for(tilted.exists)
    again.wait_for_selector("[data-offline-status].d-none", state="attached")
    again.reload()
    time.sleep(1)
    assert tilted.count() == 1 and Case.objects.filter(title="路灯杆倾斜").count() == 1


def test_signing_out_forgets_the_cached_pages(context, live_server):
    base = live_server.url
    phone = _grid_worker_phone(context, live_server)
    phone.goto(f"{base}/grid/tasks/")
    cached = "caches.open('grid-pages-v1').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
    assert "/grid/tasks/" in phone.evaluate(cached)
    phone.click("[data-bs-target='#mainnav']")
    phone.wait_for_selector("#mainnav.show")  # the menu has finished opening (no click during the slide)
    with phone.expect_navigation(url=f"{base}/accounts/login/", wait_until="commit"):
        phone.click("form[action='/accounts/logout/'] button")
    wait_for(lambda: phone.evaluate(cached) == [])
    context.set_offline(True)
    phone.goto(f"{base}/grid/tasks/")
    assert "此页面尚未保存在手机上" in phone.inner_text("body")
    context.set_offline(False)


def test_an_entry_the_server_refuses_is_shown_to_the_worker_not_lost(context, live_server):
    """Offline she reports with a "photo" the server cannot read; when the network returns the
    server refuses it (400). The phone keeps it in its refused list and tells her which entry, why,
    and what she typed, until she says she has filled it in again."""
    base = live_server.url
    phone = _grid_worker_phone(context, live_server)
    phone.goto(f"{base}/grid/report/")
    context.set_offline(True)
    phone.reload()
    pick_category(phone, "隐患线索")
    phone.fill("#id_title", "挡土墙开裂")
    phone.fill("#id_description", "旧粮仓后挡土墙开裂，威胁两户。")
    phone.set_input_files("#id_photos", [{"name": "wall.png", "mimeType": "image/png",
                                           "buffer": b"<html>not a photo</html>"}])
    phone.click("[data-action=submit-report]")
    phone.wait_for_selector("[data-offline-status]:not(.d-none)")

    context.set_offline(False)  # the page's `online` event sends the outbox
    refused = phone.wait_for_selector("[data-offline-refused]:not(.d-none) [data-refused-entry]")
    text = refused.inner_text()
    assert "上报问题" in text and "未被接受" in text and "照片" in text
    assert "挡土墙开裂" in phone.inner_text("[data-refused-text]")
    phone.wait_for_selector("[data-offline-status].d-none", state="attached")  # not pending any more
    assert not Case.objects.filter(title="挡土墙开裂").exists()
    screenshot(phone, "grid-offline-refused")

    phone.goto(f"{base}/grid/tasks/")  # still shown on every page of hers
    phone.click("[data-action=dismiss-refused]")
    phone.wait_for_selector("[data-offline-refused].d-none", state="attached")
    assert phone.evaluate("() => GridOutbox.refused().then(r => r.length)") == 0
