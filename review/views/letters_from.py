"""Issue a letter (工作提示函 / 风险预警函) from a matter or from the monthly assessment: the letter
form pre-filled with the source and the recipient. Only the roles that issue letters
(`MAY_ISSUE_LETTERS`) see the buttons and these pages.

One way for the action, as dispatch's pages: a form parses the input, the view fetches and
authorises (404 when not the actor's district), one service call (`letter_issue`) with the form's
cleaned data and the source, its ApplicationError shown as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from command.choices import LetterKind
from command.selectors import work as sel
from command.services import letters as letter_svc
from dispatch.choices import AssignmentRole
from dispatch.models import Assignment
from dispatch.selectors.duty import duty_standing
from governance.errors import PermissionDeniedError
from governance.models import Center, Department
from governance.page_actions import Action, perform
from governance.roles import MAY_ISSUE_LETTERS, may
from governance.scope import require_acts_here, territory_for_user
from intake.models import Case
from intake.selectors import cases_visible_to
from review.forms import LetterFromAssessmentForm, LetterFromForm, LetterFromMatterForm
from review.selectors import assessment_figures, assessment_history

ISSUE_FROM_MATTER = Action(LetterFromMatterForm, letter_svc.letter_issue, "", gettext_lazy("函件已发出。"))
ISSUE_FROM_ASSESSMENT = Action(LetterFromAssessmentForm, letter_svc.letter_issue, "", gettext_lazy("函件已发出。"))


def _issuer_district(request: HttpRequest) -> Center:
    if not may(request.user, MAY_ISSUE_LETTERS):
        raise PermissionDenied
    district = sel.command_center_for_user(user=request.user)
    if district is None:
        raise PermissionDenied(sel.command_center_refusal(user=request.user))
    return district


def _town_department(*, center: Center, case: Case) -> Department | None:
    """The territory department (镇/街道人民政府) of the matter's town."""
    if case.town_id is None:
        return None
    return Department.objects.filter(center=center, is_territory=True, active=True,
                                     name__startswith=case.town.name).order_by("pk").first()


def _page(request: HttpRequest, form: LetterFromForm, **context: Any) -> HttpResponse:
    return render(request, "command/letter_form.html", {"form": form, "form_action": request.get_full_path(), **context})


@login_required
def letter_from_matter(request: HttpRequest, case_id: int) -> HttpResponse:
    district = _issuer_district(request)
    # a matter the issuer reads (their territory: `intake.selectors.cases_visible_to`)
    case = cases_visible_to(user=request.user).select_related("town", "category", "center").filter(pk=case_id).first()
    if case is None:
        raise Http404
    try:  # a matter held above the issuer's center (a town reading the district's matter) is read-only
        require_acts_here(actor=request.user, center=case.center)
    except PermissionDeniedError as refused:
        raise PermissionDenied(refused.message) from refused
    if request.method == "POST":
        form = LetterFromMatterForm(request.POST, center=district, actor=request.user, target=case)
        letter = perform(request, ISSUE_FROM_MATTER, center=district, form=form)
        if letter is not None:
            return redirect("command:letter", pk=letter.pk)
        return _page(request, form, case=case)
    # The recipient: the department now handling the matter (lead first), else its town.
    assignment = (Assignment.objects.filter(case=case, department__center=district, department__active=True,
                                            role__in=[AssignmentRole.SOLE, AssignmentRole.LEAD])
                  .order_by("-assigned_at", "-pk").select_related("department").first())
    department = assignment.department if assignment else _town_department(center=district, case=case)
    form = LetterFromMatterForm(center=district, actor=request.user, target=case, initial={
        "kind": LetterKind.WORK_REMINDER, "department": department.pk if department else None,
        "subject": case.title[:200],
        "body": f"事项 {case.code}（{case.category.name}）：{case.title}。请高度重视，依职责抓紧办理，及时化解矛盾。",
        "requirements": "请于答复期限前书面答复办理情况。",
    })
    return _page(request, form, case=case)


def _assessment_text(*, center: Center, month: assessment_figures.Month, department: Department,
                     flag: str | None) -> tuple[str, str]:
    """Subject and body from the department's row of the month's assessment (its score, rank, flags)."""
    data, _computed_at = assessment_history.assessment_latest(center=center, month=month)
    row = next((r for r in data.get("departments", []) if r.get("id") == department.pk), None)
    period = f"{month.year}年{month.month}月"
    if row is None:
        return f"{period}考核情况", f"根据{period}考核，请贵单位对照考核办法，分析存在问题，落实整改措施。"
    flags = [f for f in row.get("flags", []) if flag is None or f.get("kind") == flag]
    rank = f"，排名第 {row['rank']} 名" if row.get("rank") else ""
    lines = [f"根据{period}考核，贵单位得分 {row.get('score')}{rank}。"]
    for item in flags:
        label, _figures, _field, rule = assessment_figures.FLAG_KEYS[item["kind"]]
        lines.append(f"被标记为“{label}”：{item.get('count')} 件（{item.get('rule') or rule}）。")
    lines.append("请认真分析原因，落实整改措施，切实提高办理质效。")
    words = "、".join(str(assessment_figures.FLAG_KEYS[item["kind"]][0]) for item in flags)
    return (f"{period}考核{words or '情况'}", "".join(lines))


@login_required
def letter_from_assessment(request: HttpRequest, month: str, department_id: int) -> HttpResponse:
    district = _issuer_district(request)
    parsed = assessment_figures.Month.parse(month)
    department = Department.objects.filter(pk=department_id, center=district).first()
    if parsed is None or department is None:
        raise Http404
    flag = request.GET.get("flag") or None  # kept in the form's action URL for the POST
    if flag is not None and flag not in assessment_figures.FLAG_KEYS:
        raise Http404("没有这个标记")
    context = {"assessment": {"month": str(parsed), "department": department,
                              "url": f"{reverse('review:assessment')}?month={parsed}",
                              "flag": assessment_figures.FLAG_KEYS[flag][0] if flag else "", "flag_key": flag or ""}}
    if request.method == "POST":
        form = LetterFromAssessmentForm(request.POST, center=district, actor=request.user, target=parsed)
        letter = perform(request, ISSUE_FROM_ASSESSMENT, center=district, form=form)
        if letter is not None:
            return redirect("command:letter", pk=letter.pk)
        return _page(request, form, **context)
    subject, body = _assessment_text(center=district, month=parsed, department=department, flag=flag)
    form = LetterFromAssessmentForm(center=district, actor=request.user, target=parsed, initial={
        "kind": LetterKind.WORK_REMINDER, "department": department.pk, "subject": subject[:200], "body": body,
        "requirements": "请于答复期限前书面答复原因分析及整改措施。",
    })
    return _page(request, form, **context)


# --- the matter's page panel (intake's `case_panels`) ----------------------------------------------
def letters_panel(*, case: Case, user: Any, request: HttpRequest | None = None) -> list[SafeString | str]:
    """On a matter's pages: the letters about it and, for those who issue letters about it, 发函: a
    matter held at their own command center or below (a town's people never write about a matter the
    district center holds), and only while they may decide (on duty; otherwise the reason is shown)."""
    if not user.is_authenticated:
        return []
    center = sel.command_center_for_user(user=user)
    may_issue = (center is not None and may(user, MAY_ISSUE_LETTERS)
                 and territory_for_user(user=user).acts_at(case.center_id))
    blocked = ""
    if may_issue:
        standing = duty_standing(actor=user, center=center)
        may_issue, blocked = standing.may_direct, standing.direct_refusal
    letters = list(sel.letters_visible(actor=user).filter(case=case).select_related("department")
                   .order_by("-issued_at")[:20])
    if not may_issue and not blocked and not letters:
        return []
    return [render_to_string("review/_case_letters_panel.html", {"case": case, "letters": letters,
                                                                  "may_issue": may_issue, "blocked": blocked})]
