from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.api import http_status_for
from governance.errors import ApplicationError
from governance.tests.factories import GridFactory
from intake.choices import CaseStatus, Channel, Complexity, PartyKind, PartyRole, Urgency
from intake.models import Attachment, Case, CaseEvent, CaseLink, CaseParty, CaseSequence, Party
from intake.services import MatterInput, PartyInput, case_register
from intake.tests.factories import category, valid_id_number

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 10, 20, 9, 5, tzinfo=SH)
PDF = b"%PDF-1.4\n%test\n"


def applicant(**kwargs):
    values = {"name": "王建国", "id_number": valid_id_number(order=123), "phone": "13805950001",
              "address": "洛阳镇上浦村", "role": PartyRole.APPLICANT}
    values.update(kwargs)
    return PartyInput(**values)


def register(actor, center, *, now=NOW, **fields):
    """A walk-in about unpaid wages (JF10) with one applicant, registered at `now`; `fields` change the matter."""
    values = {
        "channel": Channel.WALK_IN,
        "title": "工地拖欠工资",
        "description": "十二名工人反映上浦村工地拖欠三个月工资。",
        "parties": [applicant()],
    }
    values.update(fields)
    if "category" not in values:
        values["category"] = category("JF10")
    return case_register(actor=actor, center=center, matter=MatterInput(**values), now=now)


def nothing_saved():
    return Case.objects.count() == 0 and CaseEvent.objects.count() == 0 and Party.objects.count() == 0


@pytest.mark.django_db
def test_case_register_assigns_code_and_records_event(clerk, center, window):
    case = register(clerk, center, window=window)
    assert case.code == "QZTS-2025-000001"
    assert case.status == CaseStatus.REGISTERED
    assert case.first_receiver == clerk
    assert case.window == window
    assert case.operating_mode == "normal"
    assert [e.type for e in case.events.all()] == ["case.registered"]
    event = case.events.get()
    assert event.data["code"] == case.code and event.to_status == CaseStatus.REGISTERED
    assert CaseParty.objects.get(case=case).party.phone == "13805950001"


@pytest.mark.django_db
def test_codes_increase_per_year_and_are_never_reused(clerk, center):
    first = register(clerk, center)
    with pytest.raises(ApplicationError):
        register(clerk, center, title="")
    second = register(clerk, center)
    assert (first.sequence, second.sequence) == (1, 2)
    # The counter, not the rows, decides: numbers of purged matters are not handed out again.
    CaseSequence.objects.filter(year=2025).update(last_value=41)
    third = register(clerk, center)
    assert third.code == "QZTS-2025-000042"
    next_year = register(clerk, center, now=dt.datetime(2026, 1, 2, 9, 0, tzinfo=SH))
    assert next_year.code == "QZTS-2026-000001"
    assert CaseSequence.objects.get(year=2025).last_value == 42


@pytest.mark.django_db
def test_story_4_expected_answer_counts_working_days_over_national_day(clerk, center):
    pushed = dt.datetime(2025, 9, 30, 16, 50, tzinfo=SH)
    case = register(clerk, center, channel=Channel.PLATFORM, category=category("RX03"), now=pushed,
                    external_ref="GD20250930001", external_source="12345")
    assert case.expected_answer_at.astimezone(SH).date() == dt.date(2025, 10, 16)
    assert case.due_at == case.expected_answer_at


@pytest.mark.django_db
def test_complexity_sets_the_answer_deadline(clerk, center):
    assert register(clerk, center).complexity == Complexity.ORDINARY
    land = register(clerk, center, category=category("JF08"))
    assert land.complexity == Complexity.COMPLEX
    assert land.expected_answer_at.astimezone(SH).date() == dt.date(2025, 11, 10)  # 15 working days
    urgent = register(clerk, center, urgency=Urgency.URGENT)
    assert urgent.complexity == Complexity.URGENT
    assert urgent.expected_answer_at.astimezone(SH).date() == dt.date(2025, 10, 21)


@pytest.mark.django_db
def test_town_is_derived_from_the_grid(clerk, center):
    grid = GridFactory(in_town=True)
    case = register(clerk, center, grid=grid)
    assert case.grid == grid and case.town == grid.town


@pytest.mark.django_db
def test_known_person_with_different_details_is_never_overwritten_silently(clerk, center):
    """Issue 8 item 5: the stored name used to replace the typed one and the phone was overwritten."""
    first = register(clerk, center)
    party = CaseParty.objects.get(case=first).party
    typed = {"name": "王建图", "phone": "0595-87654321", "address": "洛阳镇新村"}
    with pytest.raises(ApplicationError) as error:
        register(clerk, center, parties=[applicant(**typed)])
    assert error.value.code == "party_differs" and http_status_for(error.value) == 409
    assert error.value.extra["differences"]["0"] == {
        "name": {"stored": "王建国", "typed": "王建图"},
        "phone": {"stored": "138****0001", "typed": "0595-****4321"},
        "address": {"stored": "洛阳镇上浦村", "typed": "洛阳镇新村"},
    }
    assert Case.objects.count() == 1  # nothing written
    party.refresh_from_db()
    assert (party.name, party.phone) == ("王建国", "13805950001")

    kept = register(clerk, center, parties=[applicant(**typed, on_difference="keep")])
    party.refresh_from_db()
    assert (party.name, party.phone, party.address) == ("王建国", "13805950001", "洛阳镇上浦村")
    event = kept.events.get(type="party.kept")
    assert event.data["differences"]["name"] == {"stored": "王建国", "typed": "王建图"}

    updated = register(clerk, center, parties=[applicant(**typed, on_difference="update")])
    assert CaseParty.objects.get(case=updated).party_id == party.pk
    party.refresh_from_db()
    assert (party.name, party.phone, party.address) == ("王建图", "0595-87654321", "洛阳镇新村")
    assert list(updated.events.order_by("pk").values_list("type", flat=True)) == ["case.registered", "party.updated"]
    assert Party.objects.count() == 1


@pytest.mark.django_db
def test_same_details_need_no_choice(clerk, center):
    register(clerk, center)
    second = register(clerk, center, parties=[applicant(phone="", address="")])  # blanks are no difference
    assert not second.events.filter(type__startswith="party.").exists()


@pytest.mark.django_db
def test_organization_matched_by_credit_code(clerk, center):
    org = PartyInput(kind=PartyKind.ORGANIZATION, name="某建筑公司", credit_code="91350100M000100Y43",
                     role=PartyRole.RESPONDENT)
    a = register(clerk, center, parties=[applicant(), org])
    b = register(clerk, center, parties=[applicant(), org])
    assert {cp.party_id for cp in a.case_parties.all()} == {cp.party_id for cp in b.case_parties.all()}


@pytest.mark.django_db
def test_group_matter_gets_a_spokesman(clerk, center):
    case = register(clerk, center, is_group=True, group_size=12)
    assert case.is_group and case.group_size == 12
    assert CaseParty.objects.get(case=case).is_spokesman


@pytest.mark.django_db
def test_link_to_earlier_matter_on_registration(clerk, center):
    earlier = register(clerk, center)
    case = register(clerk, center, link_to=[earlier.pk])
    assert CaseLink.objects.filter(from_case=case, to_case=earlier).exists()
    assert [e.type for e in case.events.order_by("id")] == ["case.registered", "case.linked"]


@pytest.mark.django_db
def test_html_is_stored_as_plain_text(clerk, center):
    script = "<script>alert('x')</script><b>粗体</b>"
    case = register(clerk, center, title=script, description=script)
    case.refresh_from_db()
    assert case.title == script and case.description == script


@pytest.mark.django_db
def test_attachments_are_stored_with_checked_type(clerk, center):
    upload = SimpleUploadedFile("协议书.pdf", PDF, content_type="text/html")
    case = register(clerk, center, attachments=[upload])
    attachment = Attachment.objects.get(case=case)
    assert attachment.content_type == "application/pdf"
    assert attachment.name == "协议书.pdf" and attachment.purpose == "intake"
    assert attachment.file.read() == PDF


# --- bad input: each is rejected with a field and nothing is saved ---------------------------------


BAD_INPUTS = [
    ("bad id", {"parties": [applicant(id_number="350521199001011230")]}, "parties.0.id_number"),
    ("bad phone", {"parties": [applicant(phone="12345")]}, "parties.0.phone"),
    ("bad credit code", {"parties": [applicant(), PartyInput(kind=PartyKind.ORGANIZATION, name="公司",
                                                             credit_code="91350100M000100Y44",
                                                             role=PartyRole.RESPONDENT)]},
     "parties.1.credit_code"),
    ("missing title", {"title": "  "}, "title"),
    ("missing description", {"description": ""}, "description"),
    ("missing applicant name", {"parties": [applicant(name="")]}, "parties.0.name"),
    ("no applicant at the window", {"parties": []}, "parties"),
    ("no category", {"category": None}, "category"),
    ("unknown category", {"category": 999_999}, "category"),
    ("unknown grid", {"grid": 999_999}, "grid"),
    ("over-long description", {"description": "字" * 5001}, "description"),
    ("bad channel", {"channel": "fax"}, "channel"),
    ("group without size", {"is_group": True, "group_size": 1}, "group_size"),
    ("bad latitude", {"latitude": "91"}, "latitude"),
    ("NaN longitude", {"longitude": "NaN"}, "longitude"),
    ("infinite latitude", {"latitude": "Infinity"}, "latitude"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "kwargs", "field"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_rejected_and_nothing_saved(clerk, center, label, kwargs, field):
    with pytest.raises(ApplicationError) as error:
        register(clerk, center, **kwargs)
    assert field in error.value.extra["errors"]
    assert all("\u4e00" <= ch <= "\u9fff" for ch in error.value.message if ch.isalpha() and not ch.isascii())
    assert nothing_saved()


@pytest.mark.django_db
def test_inactive_category_and_grid_are_rejected(clerk, center):
    cat = category("JF02")
    cat.active = False
    cat.save()
    grid = GridFactory(in_town=True, inactive=True)
    with pytest.raises(ApplicationError) as error:
        register(clerk, center, category=cat, grid=grid)
    assert {"category", "grid"} <= set(error.value.extra["errors"])
    assert nothing_saved()


@pytest.mark.django_db
def test_all_failed_fields_are_reported_at_once(clerk, center):
    with pytest.raises(ApplicationError) as error:
        register(clerk, center, title="", parties=[applicant(id_number="123", phone="1")])
    assert {"title", "parties.0.id_number", "parties.0.phone"} <= set(error.value.extra["errors"])


@pytest.mark.django_db
def test_attachment_too_large_is_rejected(clerk, center, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile("大文件.pdf", PDF + b"0" * 2000)
    with pytest.raises(ApplicationError) as error:
        register(clerk, center, attachments=[upload])
    assert error.value.code == "too_large" and "超过" in error.value.message
    assert nothing_saved() and Attachment.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("name,content", [("病毒.exe", b"MZ\x90\x00"), ("假装.pdf", b"MZ\x90\x00rest"),
                                          ("page.html", b"<html>")])
def test_attachment_of_forbidden_type_is_rejected(clerk, center, name, content, settings, tmp_path):
    with pytest.raises(ApplicationError) as error:
        register(clerk, center, attachments=[SimpleUploadedFile(name, content)])
    assert error.value.code == "forbidden_type"
    assert nothing_saved()
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.django_db
def test_duplicate_external_ref_is_reported(clerk, center):
    register(clerk, center, channel=Channel.PLATFORM, parties=[], external_ref="GD1", external_source="12345")
    with pytest.raises(ApplicationError) as error:
        register(clerk, center, channel=Channel.PLATFORM, parties=[], external_ref="GD1", external_source="12345")
    assert error.value.code == "duplicate_external_ref"
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_wartime_mode_is_copied_when_dispatch_provides_it(clerk, center, monkeypatch):
    from intake import hooks

    monkeypatch.setattr(hooks.operating_mode, "_implementation", lambda *, center: "wartime")
    assert register(clerk, center).operating_mode == "wartime"
