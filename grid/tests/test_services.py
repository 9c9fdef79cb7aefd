"""Grid work services: assignments and the permission, patrols, the ledger, reports exactly once,
village first and 上提, the closed-loop rule, the seven steps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dispatch.services import (
    assignment_acknowledge,
    assignment_report_back,
    case_close,
    case_dispatch,
    case_move_center,
    case_revisit,
    case_verify,
)
from governance.errors import ApplicationError
from governance.roles import Role
from governance.tests.factories import UserFactory
from grid.choices import ItemKind
from grid.models import CollectedItemChange, GridAssignment, GridReport, Patrol, PatrolPhoto
from grid.selectors import case_loop_steps, grid_figures, worker_grid_ids, workers_of_grid_on
from grid.services import (
    collected_item_save,
    grid_assignment_end,
    grid_assignment_start,
    grid_case_verify,
    grid_report_submit,
    patrol_finish,
    patrol_start,
)
from grid.tests.conftest import at
from intake.choices import CaseStatus, Channel
from intake.models import Attachment, Case
from intake.tests.factories import category

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name: str = "wall.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def report(t, key: str = "k-1", patrol=None, **kwargs):
    values = {"category": category("JF10"), "title": "挡土墙开裂", "description": "旧粮仓后挡土墙开裂，威胁两户",
              "address": "上浦村旧粮仓后", "photos": [photo(), photo("wall2.png")], **kwargs}
    return grid_report_submit(actor=t.worker, grid=t.unit, client_key=key, patrol=patrol, **values)


# --- assignments ---------------------------------------------------------------------------------
def test_access_follows_assignment_and_history_is_kept(territory, today):
    t = territory
    assert worker_grid_ids(worker=t.worker) == {t.unit.pk}
    [assignment] = GridAssignment.objects.filter(worker=t.worker)
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    grid_assignment_end(actor=admin, assignment=assignment, ends_on=dt.date(2026, 11, 17))
    assert worker_grid_ids(worker=t.worker) == set()
    grid_assignment_start(actor=admin, grid=t.other_unit, worker=t.worker, starts_on=today)
    assert worker_grid_ids(worker=t.worker) == {t.other_unit.pk}
    # who covered the first grid on a day last month: still her
    assert [a.worker for a in workers_of_grid_on(grid=t.unit, day=dt.date(2026, 10, 1))] == [t.worker]
    assert not workers_of_grid_on(grid=t.unit, day=today).exists()


def test_assignment_refuses_overlap_and_non_workers(territory, today):
    t = territory
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    with pytest.raises(ApplicationError, match="已配置"):
        grid_assignment_start(actor=admin, grid=t.unit, worker=t.worker, starts_on=today)
    with pytest.raises(ApplicationError, match="不是网格员"):
        grid_assignment_start(actor=admin, grid=t.unit, worker=t.station, starts_on=today)
    with pytest.raises(ApplicationError):
        grid_assignment_start(actor=t.worker, grid=t.unit, worker=t.worker, starts_on=today)


# --- patrols and the ledger ------------------------------------------------------------------------
def test_patrol_start_is_idempotent_and_finish_keeps_the_first(territory):
    t = territory
    first = patrol_start(actor=t.worker, grid=t.unit, client_key="p-1")
    again = patrol_start(actor=t.worker, grid=t.unit, client_key="p-1")
    assert first.pk == again.pk and Patrol.objects.count() == 1
    patrol_finish(actor=t.worker, patrol=first, route_notes="村道—旧粮仓", photos=[photo()])
    patrol_finish(actor=t.worker, patrol=first, route_notes="重发", photos=[photo()])
    first.refresh_from_db()
    assert first.status == "finished" and "重发" not in first.route_notes
    assert PatrolPhoto.objects.filter(patrol=first).count() == 1


def test_patrol_only_in_own_grid_and_photos_through_the_validator(territory):
    t = territory
    with pytest.raises(ApplicationError, match="本人负责"):
        patrol_start(actor=t.worker, grid=t.other_unit)
    patrol = patrol_start(actor=t.worker, grid=t.unit)
    with pytest.raises(ApplicationError) as error:
        patrol_finish(actor=t.worker, patrol=patrol, photos=[photo("x.png", b"MZ\x90\x00not a png")])
    assert error.value.code == "forbidden_type"
    with pytest.raises(ApplicationError, match="不是照片"):
        patrol_finish(actor=t.worker, patrol=patrol, photos=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")])
    patrol.refresh_from_db()
    assert patrol.status == "on_patrol"


def test_ledger_records_who_changed_what(territory):
    t = territory
    item = collected_item_save(actor=t.worker, grid=t.unit, kind=ItemKind.PERSON, name="王阿婆家", households=1,
                               residents=3)
    collected_item_save(actor=t.worker, grid=t.unit, item=item, kind=ItemKind.PERSON, name="王阿婆家",
                        households=1, residents=4, details="房后挡土墙开裂")
    changes = list(CollectedItemChange.objects.filter(item=item).order_by("changed_at", "pk"))
    assert changes[-1].changes == {"residents": [3, 4], "details": ["", "房后挡土墙开裂"]}
    assert changes[-1].actor == t.worker
    with pytest.raises(ApplicationError):
        collected_item_save(actor=t.other_worker, grid=t.unit, kind=ItemKind.PLACE, name="x")
    with pytest.raises(ApplicationError, match="整数"):
        collected_item_save(actor=t.worker, grid=t.unit, kind=ItemKind.PLACE, name="x", households="两户")


# --- reports -----------------------------------------------------------------------------------------
def test_report_lands_in_the_village_queue_once(territory):
    t = territory
    rep, created = report(t)
    again, created_again = report(t)
    assert created and not created_again and rep.pk == again.pk
    assert GridReport.objects.count() == 1 and Case.objects.count() == 1
    case = rep.case
    assert case.channel == Channel.GRID_REPORT and case.center == t.village and case.grid == t.unit
    assert case.status == CaseStatus.PENDING_DISPATCH
    assert Attachment.objects.filter(case=case).count() == 2
    with pytest.raises(ApplicationError):
        grid_report_submit(actor=t.other_worker, grid=t.unit, client_key="k-2", category=category("JF10"),
                           title="x", description="y")


def test_a_high_risk_report_goes_to_the_district_board(territory):
    rep, _ = report(territory, key="k-risk", risk_level="high", urgency="urgent")
    assert rep.case.center == territory.district and rep.case.status == CaseStatus.PENDING_DISPATCH


def test_report_with_bad_fields_writes_nothing(territory):
    t = territory
    with pytest.raises(ApplicationError):
        report(t, key="k-bad", title="")
    assert not Case.objects.exists() and not GridReport.objects.exists()


def _play_the_loop(t, verifier):
    patrol = patrol_start(actor=t.worker, grid=t.unit, client_key="p-9")
    collected_item_save(actor=t.worker, grid=t.unit, kind=ItemKind.PERSON, name="王家", patrol=patrol)
    rep, _ = report(t, patrol=patrol)
    case = rep.case
    case_move_center(actor=t.station, case=case, to_center=t.town, reason="需工程处置，超出村级能力")
    case.refresh_from_db()
    assert case.center == t.town and case.status == CaseStatus.PENDING_DISPATCH
    [assignment] = case_dispatch(actor=t.town_dispatcher, case=case, mode="transfer",
                                 lead_department=t.town_department)
    assignment_acknowledge(actor=t.town_liaison, assignment=assignment)
    assignment_report_back(actor=t.town_liaison, assignment=assignment, text="挡土墙已加固")
    case.refresh_from_db()
    if verifier is t.worker:
        grid_case_verify(actor=t.worker, case=case, passed=True, notes="同一位置拍照核实", photos=[photo()])
    else:
        case_verify(actor=verifier, case=case, passed=True, notes="电话核实")
    case.refresh_from_db()
    case_revisit(actor=t.town_dispatcher, case=case, resolved="yes", satisfaction="satisfied")
    case.refresh_from_db()
    return case


def test_grid_report_closes_only_after_its_worker_verified_on_site(territory):
    t = territory
    case = _play_the_loop(t, verifier=t.station)
    with pytest.raises(ApplicationError) as error:
        case_close(actor=t.town_dispatcher, case=case)
    assert error.value.code == "grid_verification_required" and "上浦村第1网格" in error.value.message
    case.refresh_from_db()
    assert case.status == CaseStatus.REVISITED


def test_the_seven_steps_of_a_grid_report(territory):
    t = territory
    case = _play_the_loop(t, verifier=t.worker)
    case_close(actor=t.town_dispatcher, case=case)
    steps = case_loop_steps(case=case)
    assert [s.step for s in steps] == ["patrol", "collection", "discovery", "assignment", "handling",
                                       "verification", "supervision"]
    assert all(s.done for s in steps)
    assert steps[0].who == t.worker and steps[5].who == t.worker and steps[3].who == t.town_dispatcher
    assert Attachment.objects.filter(case=case, purpose="verification").count() == 1


def test_a_walk_in_matter_shows_the_steps_that_apply(territory):
    from intake.services import MatterInput, PartyInput, case_register

    clerk = UserFactory(roles=[Role.WINDOW_CLERK])
    case = case_register(actor=clerk, center=territory.district, matter=MatterInput(
        channel=Channel.WALK_IN, category=category("JF10"), title="欠薪", description="欠薪",
        parties=[PartyInput(name="王建国", phone="13905958888")]))
    steps = case_loop_steps(case=case)
    assert [s.applies for s in steps[:2]] == [False, False]
    assert steps[2].done and not steps[3].done


def test_grid_figures_aggregate_per_grid(territory, django_assert_max_num_queries):
    t = territory
    report(t)
    patrol = patrol_start(actor=t.worker, grid=t.unit)
    patrol_finish(actor=t.worker, patrol=patrol)
    with django_assert_max_num_queries(4):
        figures = grid_figures(grid_ids=[t.unit.pk, t.other_unit.pk], start=at(2026, 11, 1), end=at(2026, 12, 1))
    assert figures[t.unit.pk]["reported"] == 1 and figures[t.unit.pk]["patrols"] == 1
    assert figures[t.other_unit.pk]["reported"] == 0


def test_wrong_client_key_is_refused(territory):
    with pytest.raises(ApplicationError):
        report(territory, key="bad key with spaces")
