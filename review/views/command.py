"""Pages of the command side: the radar, warning letters, consultations, action items, the daily
report. Interfaces only: a form parses the input, a selector fetches and authorises (404 when not
yours), one service call acts, its ApplicationError becomes a message."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from governance.errors import ApplicationError, NotFoundError
from governance.models import Department
from governance.roles import (
    MAY_DECIDE_SIGNALS,
    MAY_ISSUE_DAILY_REPORT,
    MAY_ISSUE_LETTERS,
    MAY_ORGANIZE_CONSULTATIONS,
    may,
)
from intake.models import Case
from review import tasks
from review.command_choices import ConsultationKind, ConsultationStatus, LetterKind, LetterSource
from review.models import Consultation
from review.selectors import command as sel
from review.services import consultation as consult_svc
from review.services import daily as daily_svc
from review.services import letters as letter_svc
from review.services import signals as signal_svc


def _not_found_as_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.message) from None

    return wrapped


def _run(request: HttpRequest, action: Callable[[], Any], success: str) -> Any:
    try:
        result = action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success)
    return result


def _form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))


def _district_or_404(request: HttpRequest):
    district = sel.district_for_user(user=request.user)
    if district is None:
        raise Http404("未配置中心")
    return district


def _require_reader(request: HttpRequest) -> None:
    if not sel.is_center_reader(request.user):
        raise PermissionDenied


# --- radar ---------------------------------------------------------------------------------------
@login_required
def radar(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    now = timezone.now()
    page = sel.radar_page(actor=request.user, now=now)
    district = _district_or_404(request)
    upcoming = Consultation.objects.filter(center=district, status=ConsultationStatus.SCHEDULED).order_by(
        "scheduled_at")[:10]
    return render(request, "review/radar.html", {
        "page": page, "can_decide": may(request.user, MAY_DECIDE_SIGNALS),
        "consultations": list(upcoming), "now": now,
    })


@login_required
@require_POST
def radar_run_now(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_DECIDE_SIGNALS):
        raise PermissionDenied
    district = _district_or_404(request)
    tasks.radar_run_task.delay(center_id=district.pk, requested_by_id=request.user.pk)
    messages.success(request, gettext("已开始研判，稍后刷新查看结果。"))
    return redirect("review:radar")


@login_required
@_not_found_as_404
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signal = sel.signal_get_for_actor(actor=request.user, pk=pk)
    cases = list(Case.objects.filter(pk__in=signal.signal_cases.values("case_id"))
                 .select_related("category", "grid", "town").order_by("registered_at")[:500])
    series = signal.metrics.get("series") or []
    return render(request, "review/signal.html", {
        "signal": signal, "cases": cases, "series": series, "series_max": max(series + [1]),
        "letters": signal.letters.all(), "agenda": signal.agenda_items.select_related("consultation"),
        "can_decide": may(request.user, MAY_DECIDE_SIGNALS),
        "consultations": Consultation.objects.filter(center=signal.center, status=ConsultationStatus.SCHEDULED)
        .order_by("scheduled_at")[:10],
    })


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("排除理由"), max_length=500)


@login_required
@_not_found_as_404
@require_POST
def signal_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    signal = sel.signal_get_for_actor(actor=request.user, pk=pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(request, lambda: signal_svc.signal_dismiss(actor=request.user, signal=signal,
                                                        reason=form.cleaned_data["reason"]), gettext("已排除该信号。"))
    return redirect("review:signal", pk=signal.pk)


class AgendaChoiceForm(forms.Form):
    consultation = forms.IntegerField(label=_("会商"))


@login_required
@_not_found_as_404
@require_POST
def signal_to_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    signal = sel.signal_get_for_actor(actor=request.user, pk=pk)
    form = AgendaChoiceForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:signal", pk=signal.pk)
    consultation = sel.consultation_get_for_actor(actor=request.user, pk=form.cleaned_data["consultation"])
    _run(request, lambda: consult_svc.agenda_add(actor=request.user, consultation=consultation, signal=signal),
         gettext("已列入会商议程：%(title)s") % {"title": consultation.title})
    return redirect("review:signal", pk=signal.pk)


# --- letters -------------------------------------------------------------------------------------
@login_required
def letter_list(request: HttpRequest) -> HttpResponse:
    letters = (sel.letters_visible(actor=request.user).select_related("department")
               .order_by("-issued_at", "-pk")[:200])
    return render(request, "review/letters.html", {
        "letters": letters, "can_issue": may(request.user, MAY_ISSUE_LETTERS), "now": timezone.now()})


class LetterForm(forms.Form):
    kind = forms.ChoiceField(label=_("函件类型"), choices=LetterKind.choices)
    department = forms.ModelChoiceField(label=_("收函单位"), queryset=Department.objects.none())
    subject = forms.CharField(label=_("事由"), max_length=200)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}))
    requirements = forms.CharField(label=_("工作要求"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    answer_limit_working_days = forms.IntegerField(label=_("答复时限（工作日）"), min_value=1, max_value=30,
                                                   initial=letter_svc.DEFAULT_ANSWER_WORKING_DAYS)
    signal = forms.IntegerField(required=False, widget=forms.HiddenInput)
    case = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, district: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(center=district, active=True).order_by(
            "-is_territory", "short_code")


@login_required
@_not_found_as_404
def letter_new(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_ISSUE_LETTERS):
        raise PermissionDenied
    district = _district_or_404(request)
    source = request.POST if request.method == "POST" else request.GET
    signal = case = None
    if str(source.get("signal", "")).isdigit():
        signal = sel.signal_get_for_actor(actor=request.user, pk=int(source["signal"]))
    if str(source.get("case", "")).isdigit():
        case = Case.objects.filter(pk=int(source["case"]), district=district).first()
        if case is None:
            raise Http404
    if request.method == "POST":
        form = LetterForm(request.POST, district=district)
        if form.is_valid():
            data = form.cleaned_data
            letter = _run(request, lambda: letter_svc.letter_issue(
                actor=request.user, center=district, kind=data["kind"], department=data["department"],
                subject=data["subject"], body=data["body"], requirements=data["requirements"],
                answer_limit_working_days=data["answer_limit_working_days"],
                source=LetterSource.SIGNAL if signal else LetterSource.MATTER, case=case, signal=signal),
                gettext("函件已发出。"))
            if letter is not None:
                return redirect("review:letter", pk=letter.pk)
        else:
            _form_errors(request, form)
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
        form = LetterForm(initial=initial, district=district)
    return render(request, "review/letter_form.html", {"form": form, "signal": signal, "case": case})


@login_required
@_not_found_as_404
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = sel.letter_get_for_actor(actor=request.user, pk=pk)
    return render(request, "review/letter.html", {
        "letter": letter, "can_answer": letter.status == "issued" and letter_svc.letter_may_answer(request.user, letter),
        "now": timezone.now(),
    })


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea)


@login_required
@_not_found_as_404
@require_POST
def letter_answer(request: HttpRequest, pk: int) -> HttpResponse:
    letter = sel.letter_get_for_actor(actor=request.user, pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(request, lambda: letter_svc.letter_answer(actor=request.user, letter=letter,
                                                       answer=form.cleaned_data["answer"]), gettext("已答复。"))
    return redirect("review:letter", pk=letter.pk)


# --- consultations -------------------------------------------------------------------------------
class ScheduleForm(forms.Form):
    kind = forms.ChoiceField(label=_("会商类型"), choices=ConsultationKind.choices)
    title = forms.CharField(label=_("会议名称"), max_length=200, required=False)
    scheduled_at = forms.DateTimeField(label=_("会议时间"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    chair = forms.ModelChoiceField(label=_("主持人"), queryset=get_user_model().objects.none())
    invitees = forms.ModelMultipleChoiceField(label=_("参会人员"), queryset=get_user_model().objects.none(),
                                              required=False, widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args: Any, district: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = (get_user_model().objects.filter(is_active=True)
                  .filter(Q(profile__center=district) | Q(profile__center__district=district))
                  .distinct().order_by("last_name", "first_name", "pk"))
        self.fields["chair"].queryset = people
        self.fields["invitees"].queryset = people
        self.fields["chair"].label_from_instance = _person_label
        self.fields["invitees"].label_from_instance = _person_label


def _person_label(user: Any) -> str:
    name = f"{user.last_name}{user.first_name}".strip() or user.username
    return name


@login_required
def consultation_list(request: HttpRequest) -> HttpResponse:
    rows = sel.consultations_visible(actor=request.user).select_related("chair").order_by("-scheduled_at")[:100]
    can_schedule = may(request.user, MAY_ORGANIZE_CONSULTATIONS)
    form = None
    if can_schedule:
        form = ScheduleForm(district=_district_or_404(request), initial={"kind": ConsultationKind.DISPATCH_BIWEEKLY})
    return render(request, "review/consultations.html", {"consultations": rows, "form": form})


@login_required
@require_POST
def consultation_schedule(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_ORGANIZE_CONSULTATIONS):
        raise PermissionDenied
    district = _district_or_404(request)
    form = ScheduleForm(request.POST, district=district)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:consultations")
    data = form.cleaned_data
    consultation = _run(request, lambda: consult_svc.consultation_schedule(
        actor=request.user, center=district, kind=data["kind"], title=data["title"],
        scheduled_at=data["scheduled_at"], place=data["place"], chair=data["chair"], invitees=data["invitees"]),
        gettext("会商已安排，已通知参会人员。"))
    if consultation is None:
        return redirect("review:consultations")
    return redirect("review:consultation", pk=consultation.pk)


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("决定事项"), widget=forms.Textarea(attrs={"rows": 2}))
    owner_department = forms.ModelChoiceField(label=_("责任单位"), queryset=Department.objects.none(), required=False)
    due_at = forms.DateTimeField(label=_("完成期限"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    agenda_item = forms.IntegerField(label=_("对应议题"), required=False)

    def __init__(self, *args: Any, center: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_department"].queryset = Department.objects.filter(center=center, active=True).order_by(
            "-is_territory", "short_code")


class RecordForm(forms.Form):
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 6}))
    attended = forms.TypedMultipleChoiceField(label=_("出席"), coerce=int, required=False, choices=())

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(i.user_id, str(i.user_id)) for i in consultation.invitations.all()]


@login_required
@_not_found_as_404
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = sel.consultation_get_for_actor(actor=request.user, pk=pk)
    may_organize = consultation.chair_id == request.user.pk or may(request.user, MAY_ORGANIZE_CONSULTATIONS)
    agenda = consultation.agenda.select_related("case", "signal", "letter", "carried_action__decision__consultation",
                                                "carried_action__owner_department")
    decisions = consultation.decisions.select_related("action__owner_department", "action__owner_user",
                                                      "agenda_item")
    return render(request, "review/consultation.html", {
        "consultation": consultation, "agenda": agenda, "decisions": decisions,
        "invitations": consultation.invitations.select_related("user", "department"),
        "may_organize": may_organize, "now": timezone.now(),
        "decision_form": DecisionForm(center=consultation.center) if may_organize else None,
        "open_letters": consultation.center.warning_letters.filter(status="issued").order_by("-issued_at")[:20]
        if may_organize else [],
    })


class AgendaForm(forms.Form):
    title = forms.CharField(label=_("议题"), max_length=200, required=False)
    case_code = forms.CharField(label=_("事项编号"), max_length=40, required=False)
    letter = forms.IntegerField(label=_("函件"), required=False)


@login_required
@_not_found_as_404
@require_POST
def consultation_agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = sel.consultation_get_for_actor(actor=request.user, pk=pk)
    form = AgendaForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:consultation", pk=pk)
    data = form.cleaned_data
    case = letter = None
    if data["case_code"]:
        case = Case.objects.filter(code=data["case_code"].strip(), district=consultation.center).first()
        if case is None:
            messages.error(request, gettext("未找到该编号的事项。"))
            return redirect("review:consultation", pk=pk)
    if data["letter"]:
        letter = sel.letter_get_for_actor(actor=request.user, pk=data["letter"])
    _run(request, lambda: consult_svc.agenda_add(actor=request.user, consultation=consultation, title=data["title"],
                                                 case=case, letter=letter), gettext("已加入议程。"))
    return redirect("review:consultation", pk=pk)


@login_required
@_not_found_as_404
@require_POST
def consultation_record(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = sel.consultation_get_for_actor(actor=request.user, pk=pk)
    form = RecordForm(request.POST, consultation=consultation)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(request, lambda: consult_svc.consultation_record(
            actor=request.user, consultation=consultation, attended_user_ids=form.cleaned_data["attended"],
            minutes=form.cleaned_data["minutes"]), gettext("已记录会议纪要和出席情况。"))
    return redirect("review:consultation", pk=pk)


@login_required
@_not_found_as_404
@require_POST
def consultation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = sel.consultation_get_for_actor(actor=request.user, pk=pk)
    form = DecisionForm(request.POST, center=consultation.center)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:consultation", pk=pk)
    data = form.cleaned_data
    agenda_item = consultation.agenda.filter(pk=data["agenda_item"]).first() if data["agenda_item"] else None
    _run(request, lambda: consult_svc.decision_record(
        actor=request.user, consultation=consultation, text=data["text"], due_at=data["due_at"],
        owner_department=data["owner_department"], agenda_item=agenda_item),
        gettext("决定已记录，已交责任单位落实。"))
    return redirect("review:consultation", pk=pk)


# --- action items --------------------------------------------------------------------------------
@login_required
def action_queue(request: HttpRequest) -> HttpResponse:
    mine = list(sel.actions_for_owner(actor=request.user))
    center_rows = list(sel.actions_open_for_center(actor=request.user)) if sel.is_center_reader(request.user) else []
    return render(request, "review/actions.html", {"mine": mine, "center_rows": center_rows, "now": timezone.now()})


class DoneForm(forms.Form):
    result = forms.CharField(label=_("落实情况"), widget=forms.Textarea(attrs={"rows": 2}))


@login_required
@_not_found_as_404
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.action_get_for_actor(actor=request.user, pk=pk)
    form = DoneForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        _run(request, lambda: consult_svc.action_complete(actor=request.user, item=item,
                                                          result=form.cleaned_data["result"]), gettext("已报告落实。"))
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/review/")
                    else "review:actions")


# --- daily report --------------------------------------------------------------------------------
@login_required
def daily_report_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    reports = sel.daily_reports_visible(actor=request.user).order_by("-date")[:60]
    return render(request, "review/daily_reports.html", {
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
        return redirect("review:daily-reports")
    return redirect("review:daily-report", pk=report.pk)


@login_required
@_not_found_as_404
def daily_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.daily_report_get_for_actor(actor=request.user, pk=pk)
    return render(request, "review/daily_report.html", {
        "report": report, "c": report.content,
        "can_issue": report.status == "draft" and may(request.user, MAY_ISSUE_DAILY_REPORT)})


class IssueForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@login_required
@_not_found_as_404
@require_POST
def daily_report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.daily_report_get_for_actor(actor=request.user, pk=pk)
    form = IssueForm(request.POST)
    if form.is_valid():
        _run(request, lambda: daily_svc.daily_report_issue(actor=request.user, report=report,
                                                           note=form.cleaned_data["note"]),
             gettext("日报已签发，已通知领导。"))
    return redirect("review:daily-report", pk=pk)
