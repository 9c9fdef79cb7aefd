"""Pages of the command side: the radar, warning letters, consultations, action items, the daily
report. Every page action in the one way of `governance.page_actions`: a form (`command.forms`)
parses the input, a selector fetches and authorises (404 when not yours), `perform` calls one service
and shows its ApplicationError as a message, the view redirects."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from command import tasks
from command.choices import (
    STANDING_MEETINGS,
    ConsultationKind,
    ConsultationStatus,
    LetterKind,
    UrgentReportStatus,
)
from command.forms import (
    AgendaChoiceForm,
    AgendaForm,
    AnswerForm,
    CancelMeetingForm,
    DecisionForm,
    DismissForm,
    DoneForm,
    IssueForm,
    LetterForm,
    LetterSourceForm,
    RecordForm,
    ScheduleForm,
    StandingMeetingsForm,
)
from command.leader_forms import InstructForm
from command.models import Consultation
from command.selectors import leaders as leader_sel
from command.selectors import work as sel
from command.selectors.cadence import cadences_for_actor
from command.services import consultation as consult_svc
from command.services import daily as daily_svc
from command.services import leaders as leader_svc
from command.services import letters as letter_svc
from command.services import signals as signal_svc
from command.services.cadence import (
    cadences_plan,
    consultation_cancel,
    consultation_missed,
    may_cancel,
    standing_meetings_set_up,
)
from command.services.daily_pdf import choice_label, local_time
from dispatch.choices import SummonsStatus
from dispatch.selectors.duty import duty_standing
from governance.jobs import publish
from governance.models import Department
from governance.page_actions import Action, ActionsOn, next_or, perform
from governance.replica import reads_from_replica
from governance.roles import (
    MAY_DECIDE_SIGNALS,
    MAY_ISSUE_DAILY_REPORT,
    MAY_ISSUE_LETTERS,
    MAY_ORGANIZE_CONSULTATIONS,
    may,
)
from intake.choices import CaseStatus, RiskLevel
from intake.models import Case


def _district_or_404(request: HttpRequest):
    """The user's command center (district or town sub-center, `sel.command_center_for_user`); a
    village station's people are refused with the reason in Chinese."""
    center = sel.command_center_for_user(user=request.user)
    if center is None:
        raise PermissionDenied(sel.command_center_refusal(user=request.user))
    return center


def _require_reader(request: HttpRequest) -> None:
    if not sel.is_center_reader(request.user):
        raise PermissionDenied
    _district_or_404(request)


def _decides(request: HttpRequest, roles: frozenset[str], center: Any) -> dict[str, Any]:
    """`decides`: the user holds a deciding role and may use it now (duty, not only role:
    `dispatch.selectors.duty`); `decide_blocked`: why the buttons are hidden from a holder of the role."""
    if center is None or not may(request.user, roles):
        return {"decides": False, "decide_blocked": ""}
    standing = duty_standing(actor=request.user, center=center)
    return {"decides": standing.may_direct, "decide_blocked": "" if standing.may_direct else standing.direct_refusal}


# --- radar ---------------------------------------------------------------------------------------
@login_required
@reads_from_replica
def radar(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    now = timezone.now()
    page = sel.radar_page(actor=request.user, now=now)
    district = _district_or_404(request)
    upcoming = Consultation.objects.filter(center=district, status=ConsultationStatus.SCHEDULED).order_by(
        "scheduled_at")[:10]
    decides = _decides(request, MAY_DECIDE_SIGNALS, district)
    return render(request, "command/radar.html", {
        **decides, "center": district,
        "page": page, "can_decide": decides["decides"],
        "consultations": list(upcoming), "now": now,
    })


@login_required
@require_POST
def radar_run_now(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_DECIDE_SIGNALS):
        raise PermissionDenied
    district = _district_or_404(request)
    if publish(lambda: tasks.radar_run_task.delay(center_id=district.pk, requested_by_id=request.user.pk),
               what="the radar"):
        messages.success(request, gettext("已开始研判，稍后刷新查看结果。"))
    else:
        messages.warning(request, gettext("消息队列暂不可用，本次研判未能开始；雷达每小时仍会自动研判，请稍后再试。"))
    return redirect("command:radar")


@login_required
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signal = sel.signal_get_for_actor(actor=request.user, pk=pk)
    cases = list(Case.objects.filter(pk__in=signal.signal_cases.values("case_id"))
                 .select_related("category", "grid", "town").order_by("registered_at")[:500])
    series = signal.metrics.get("series") or []
    return render(request, "command/signal.html", {
        "signal": signal, "cases": cases, "series": series, "series_max": max(series + [1]),
        "letters": signal.letters.all(), "agenda": signal.agenda_items.select_related("consultation"),
        **(decides := _decides(request, MAY_DECIDE_SIGNALS, signal.center)), "can_decide": decides["decides"],
        "consultations": Consultation.objects.filter(center=signal.center, status=ConsultationStatus.SCHEDULED)
        .order_by("scheduled_at")[:10],
    })


def _on_agenda_of(item: Any) -> str:
    return gettext("已列入会商议程：%(title)s") % {"title": item.consultation.title}


SIGNAL_ACTIONS = ActionsOn(sel.signal_get_for_actor, {
    "dismiss": Action(DismissForm, signal_svc.signal_dismiss, "signal", gettext_lazy("已排除该信号。")),
    "agenda": Action(AgendaChoiceForm, consult_svc.agenda_add, "signal", _on_agenda_of),
})


@login_required
@require_POST
def signal_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """排除 / 列入会商议程 (the action named by the URL)."""
    signal = SIGNAL_ACTIONS.perform(request, pk, action)
    return redirect("command:signal", pk=signal.pk)


# --- letters -------------------------------------------------------------------------------------
@login_required
def letter_list(request: HttpRequest) -> HttpResponse:
    letters = (sel.letters_visible(actor=request.user).select_related("department")
               .order_by("-issued_at", "-pk")[:200])
    decides = _decides(request, MAY_ISSUE_LETTERS, sel.command_center_for_user(user=request.user))
    return render(request, "command/letters.html", {
        **decides, "letters": letters, "can_issue": decides["decides"], "now": timezone.now()})


LETTER_ISSUE = Action(LetterForm, letter_svc.letter_issue, "center", gettext_lazy("函件已发出。"))


@login_required
def letter_new(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_ISSUE_LETTERS):
        raise PermissionDenied
    district = _district_or_404(request)
    source = LetterSourceForm(request.POST if request.method == "POST" else request.GET, center=district,
                              actor=request.user)
    source.is_valid()  # a signal or matter that is not the actor's is a 404; a malformed pk is none
    signal, case = source.cleaned_data.get("signal"), source.cleaned_data.get("case")
    if request.method == "POST":
        form = LetterForm(request.POST, center=district, actor=request.user)
        letter = perform(request, LETTER_ISSUE, district, center=district, form=form)
        if letter is not None:
            return redirect("command:letter", pk=letter.pk)
    else:
        initial: dict[str, Any] = {"signal": signal.pk if signal else None, "case": case.pk if case else None}
        if signal is not None:
            initial |= {"kind": LetterKind.RISK_WARNING, "subject": signal.title,
                        "body": f"经社会治理中心风险研判：{signal.reason}请高度重视，及早化解，防止矛盾激化。",
                        "requirements": "请于答复期限前书面答复排查化解情况。"}
            town_grid = signal.area if signal.area_id and signal.area.level == "town" else (
                signal.area.town if signal.area_id else None)
            town = town_grid and Department.objects.filter(center=district, is_territory=True, active=True,
                                                           name__startswith=town_grid.name).first()
            if town:
                initial["department"] = town.pk
            if signal.department_id:
                initial |= {"kind": LetterKind.WORK_REMINDER, "department": signal.department_id}
        elif case is not None:
            initial |= {"subject": case.title, "body": f"事项 {case.code}：{case.title}。"}
        form = LetterForm(initial=initial, center=district, actor=request.user)
    return render(request, "command/letter_form.html", {"form": form, "signal": signal, "case": case})


@login_required
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = sel.letter_get_for_actor(actor=request.user, pk=pk)
    instructions = list(leader_sel.instructions_on_letter(letter=letter))
    return render(request, "command/letter.html", {
        "letter": letter, "can_answer": letter.status == "issued" and letter_svc.letter_may_answer(request.user, letter),
        "now": timezone.now(), "instructions": instructions,
        "mine": {ins.pk: True for ins in instructions
                 if (row := leader_svc.instruction_row_for(actor=request.user, instruction=ins)) and not row.answered_at},
        "instruct_form": InstructForm() if leader_sel.is_phone_leader(request.user) else None,
    })


LETTER_ANSWER = Action(AnswerForm, letter_svc.letter_answer, "letter", gettext_lazy("已答复。"))


@login_required
@require_POST
def letter_answer(request: HttpRequest, pk: int) -> HttpResponse:
    letter = sel.letter_get_for_actor(actor=request.user, pk=pk)
    perform(request, LETTER_ANSWER, letter, center=letter.center)
    return redirect("command:letter", pk=letter.pk)


# --- consultations -------------------------------------------------------------------------------
@login_required
def consultation_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = list(sel.consultations_visible(actor=request.user).select_related("chair", "cadence")
                .order_by("-scheduled_at")[:100])
    for row in rows:
        row.missed = consultation_missed(row, now=now)
    center = sel.command_center_for_user(user=request.user)  # none at a village station: nothing to schedule
    form = None
    if center is not None and may(request.user, MAY_ORGANIZE_CONSULTATIONS):
        kind = ConsultationKind.DISPATCH_BIWEEKLY if center.level == "district" else ConsultationKind.TOWN_WEEKLY
        form = ScheduleForm(center=center, actor=request.user, initial={"kind": kind})
    cadences = cadences_for_actor(actor=request.user, now=now)
    return render(request, "command/consultations.html", {
        "consultations": rows, "form": form, "cadences": cadences,
        "may_set_up": form is not None and len(cadences) < len(STANDING_MEETINGS.get(center.level, ())),
        "today": timezone.localdate()})


STANDING_SET_UP = Action(StandingMeetingsForm, standing_meetings_set_up, "center",
                         lambda made: gettext("已设立 %(n)s 项例行会议，下次会议已安排。") % {"n": len(made)})


@login_required
@require_POST
def standing_meetings(request: HttpRequest) -> HttpResponse:
    """议事会商 → 按制度设立例行会议: the seeds' standing meetings of the user's center, then their
    first occurrences planned (the hourly beat plans the next ones)."""
    if not may(request.user, MAY_ORGANIZE_CONSULTATIONS):
        raise PermissionDenied
    center = _district_or_404(request)
    if perform(request, STANDING_SET_UP, center, center=center):
        cadences_plan(center=center)
    return redirect("command:consultations")


CONSULTATION_SCHEDULE = Action(ScheduleForm, consult_svc.consultation_schedule, "center",
                               gettext_lazy("会商已安排，已通知参会人员。"))


@login_required
@require_POST
def consultation_schedule(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_ORGANIZE_CONSULTATIONS):
        raise PermissionDenied
    district = _district_or_404(request)
    consultation = perform(request, CONSULTATION_SCHEDULE, district, center=district)
    if consultation is None:
        return redirect("command:consultations")
    return redirect("command:consultation", pk=consultation.pk)


@login_required
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = sel.consultation_get_for_actor(actor=request.user, pk=pk)
    may_organize = consultation.chair_id == request.user.pk or may(request.user, MAY_ORGANIZE_CONSULTATIONS)
    agenda = consultation.agenda.select_related("case", "signal", "letter", "carried_action__decision__consultation",
                                                "carried_action__owner_department")
    decisions = consultation.decisions.select_related("action__owner_department", "action__owner_user",
                                                      "agenda_item")
    return render(request, "command/consultation.html", {
        "consultation": consultation, "agenda": agenda, "decisions": decisions,
        "invitations": consultation.invitations.select_related("user", "department"),
        "may_organize": may_organize, "now": timezone.now(),
        "cancel_form": CancelMeetingForm() if may_cancel(request.user, consultation) else None,
        "missed": consultation_missed(consultation, now=timezone.now()),
        "decision_form": DecisionForm(center=consultation.center, actor=request.user, target=consultation)
        if may_organize else None,
        "open_letters": consultation.center.warning_letters.filter(status="issued").order_by("-issued_at")[:20]
        if may_organize else [],
    })


CONSULTATION_ACTIONS = ActionsOn(sel.consultation_get_for_actor, {
    "agenda": Action(AgendaForm, consult_svc.agenda_add, "consultation", gettext_lazy("已加入议程。")),
    "record": Action(RecordForm, consult_svc.consultation_record, "consultation",
                     gettext_lazy("已记录会议纪要和出席情况。")),
    "decide": Action(DecisionForm, consult_svc.decision_record, "consultation",
                     gettext_lazy("决定已记录，已交责任单位落实。")),
    "cancel": Action(CancelMeetingForm, consultation_cancel, "consultation",
                     gettext_lazy("会议已取消，已通知参会人员。")),
})


@login_required
@require_POST
def consultation_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Add to the agenda / record minutes and attendance / record a decision / call the meeting off
    (named by the URL)."""
    CONSULTATION_ACTIONS.perform(request, pk, action)
    return redirect("command:consultation", pk=pk)


# --- action items --------------------------------------------------------------------------------
@login_required
def action_queue(request: HttpRequest) -> HttpResponse:
    mine = list(sel.actions_for_owner(actor=request.user))
    center_rows = list(sel.actions_open_for_center(actor=request.user)) if sel.is_center_reader(request.user) else []
    return render(request, "command/actions.html", {"mine": mine, "center_rows": center_rows, "now": timezone.now()})


ACTION_COMPLETE = Action(DoneForm, consult_svc.action_complete, "item", gettext_lazy("已报告落实。"))


@login_required
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.action_get_for_actor(actor=request.user, pk=pk)
    perform(request, ACTION_COMPLETE, item, center=None)
    return next_or(request, reverse("command:actions"))


# --- daily report --------------------------------------------------------------------------------
@login_required
def daily_report_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    reports = sel.daily_reports_visible(actor=request.user).order_by("-date")[:60]
    return render(request, "command/daily_reports.html", {
        "reports": reports, "can_generate": may(request.user, MAY_ISSUE_DAILY_REPORT)})


@login_required
@require_POST
def daily_report_generate(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_ISSUE_DAILY_REPORT):
        raise PermissionDenied
    district = _district_or_404(request)
    report = daily_svc.daily_report_generate(center=district, day=timezone.localdate())
    if report is None:
        messages.info(request, gettext("今天不是工作日，不生成日报。"))
        return redirect("command:daily-reports")
    return redirect("command:daily-report", pk=report.pk)


DAILY_SECTIONS = (
    ("key_disputes", gettext_lazy("新增重点矛盾纠纷")),
    ("group", gettext_lazy("群体性事项")),
    ("high_risk", gettext_lazy("在办高风险事项")),
    ("summons", gettext_lazy("召集（吹哨）")),
    ("overdue", gettext_lazy("新增超期交办")),
    ("urgent", gettext_lazy("情况报告（重大案件、突发事件）")),
)


def _daily_rows(name: str, items: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """A frozen section as a table: its header and, per row, the cells (the first one a matter's code,
    linked for the matters themselves). Each section has its own columns (a summons has a reason, an
    overdue assignment a department), as in the PDF."""
    if name == "summons":
        return [gettext("事项"), gettext("召集事由"), gettext("状态"), gettext("申请时间")], [
            {"code": row.get("case__code") or "—", "url": "",
             "cells": [row.get("reason") or "", choice_label(SummonsStatus, row.get("status")),
                       local_time(row.get("requested_at"))]} for row in items]
    if name == "urgent":
        return [gettext("编号"), gettext("事件名称"), gettext("报告单位"), gettext("首报时间"), gettext("报次"),
                gettext("状态")], [
            {"code": row.get("reference") or "—",
             "url": reverse("command:urgent-report", args=[row["pk"]]) if row.get("pk") else "",
             "cells": [row.get("title") or "", row.get("center__name") or "", local_time(row.get("opened_at")),
                       str(row.get("entries_count") or 0), choice_label(UrgentReportStatus, row.get("status"))]}
            for row in items]
    if name == "overdue":
        return [gettext("事项"), gettext("标题"), gettext("承办部门"), gettext("超期时间")], [
            {"code": row.get("case__code") or "—", "url": "",
             "cells": [row.get("case__title") or "", row.get("department__name") or "",
                       local_time(row.get("overdue_at"))]} for row in items]
    return [gettext("编号"), gettext("标题"), gettext("镇/街道"), gettext("风险"), gettext("人数"), gettext("状态")], [
        {"code": row.get("code") or "—", "url": reverse("dispatch:work-case", args=[row["pk"]]) if row.get("pk") else "",
         "cells": [row.get("title") or "", row.get("town__name") or "", choice_label(RiskLevel, row.get("risk_level")),
                   str(row["group_size"]) if (row.get("group_size") or 0) > 1 else "",
                   choice_label(CaseStatus, row.get("status"))]} for row in items]


def daily_sections(content: dict[str, Any]) -> list[dict[str, Any]]:
    sections = []
    for name, title in DAILY_SECTIONS:
        section = content.get(name) or {"count": 0, "items": []}
        header, rows = _daily_rows(name, section.get("items") or [])
        sections.append({"name": name, "title": title, "count": section.get("count", 0), "header": header,
                         "rows": rows, "more": section.get("count", 0) > len(rows)})
    return sections


@login_required
def daily_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.daily_report_get_for_actor(actor=request.user, pk=pk)
    decides = _decides(request, MAY_ISSUE_DAILY_REPORT, report.center) if report.status == "draft" else {}
    return render(request, "command/daily_report.html", {
        **decides, "report": report, "c": report.content, "sections": daily_sections(report.content),
        "can_issue": decides.get("decides", False)})


DAILY_REPORT_ISSUE = Action(IssueForm, daily_svc.daily_report_issue, "report",
                            gettext_lazy("日报已签发，已通知领导。"))


@login_required
@require_POST
def daily_report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.daily_report_get_for_actor(actor=request.user, pk=pk)
    perform(request, DAILY_REPORT_ISSUE, report, center=report.center)
    return redirect("command:daily-report", pk=pk)
