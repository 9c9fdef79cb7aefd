"""Forms of the dispatch pages: they parse input only; rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    ExclusionReason,
    ResolvedAnswer,
    RevisitMethod,
    RevisitOutcome,
    Satisfaction,
)
from dispatch.selectors.handlers import department_handlers
from dispatch.selectors.supervision import supervising_leaders
from dispatch.selectors.work import case_get_for_work_by_key
from dispatch.services.common import (
    INSTRUCTIONS_MAX_CHARS,
    MOVE_REASON_MAX_CHARS,
    NOTE_MAX_CHARS,
    REASON_MAX_CHARS,
    TEXT_MAX_CHARS,
)
from governance.errors import NotFoundError
from governance.models import Center, Department
from governance.page_actions import ActionForm
from governance.parsing import (
    DateTimeFormField,
    IdModelChoiceField,
    IdModelMultipleChoiceField,
)
from governance.text import FreeTextField
from intake.choices import HandlingMode
from intake.forms import MultipleFileField

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
SELECT = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control form-control-sm"}




def case_by_typed_key(actor: Any, key: str) -> Any:
    """A matter typed by its code (or empty): the one the actor may work on, or the form's error."""
    key = (key or "").strip()
    if not key:
        return None
    try:
        return case_get_for_work_by_key(actor=actor, key=key)
    except NotFoundError as error:
        raise forms.ValidationError(error.message) from None




















# --- work: the board, a matter, an assignment, a summons ------------------------------------------
# Each form parses one page action; its cleaned_data are the keyword arguments of the one service
# the view calls (`dispatch.views.work.Action`). Rules (who may, which state) stay in the services.

YES_NO = [("yes", _("是")), ("no", _("否"))]


def _yes(value: str) -> bool:
    return value == "yes"


class WorkForm(ActionForm):
    """A dispatch page action's input: its department choices are the center's active departments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        center = self.center
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset.model is Department:
                field.queryset = Department.objects.filter(center=center, active=True).order_by("short_code")


def _departments(**kwargs: Any) -> IdModelChoiceField:
    return IdModelChoiceField(queryset=Department.objects.none(), **kwargs)


def active_people() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


LEADER_INVALID = _("所选督办领导不可选：请选择本中心的指挥长、副指挥长、领导或部门分管领导。")


class LeaderChoiceField(IdModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class SelfHandleForm(WorkForm):
    """窗口自办 (`case_self_handle`): the window's department (the service checks it is the window's own)."""

    department = _departments(label=_("承办部门"), error_messages={"required": _("请选择承办部门。")})
    note = FreeTextField(label=_("办理说明"), required=False, max_length=INSTRUCTIONS_MAX_CHARS)


class DispatchForm(WorkForm):
    mode = forms.ChoiceField(label=_("办理方式"), choices=[])
    lead_department = _departments(label=_("承办（牵头）部门"),
                                   error_messages={"required": _("请选择承办（牵头）部门。")})
    co_departments = IdModelMultipleChoiceField(label=_("协办部门"), queryset=Department.objects.none(),
                                                    required=False)
    instructions = FreeTextField(label=_("交办意见"), required=False, max_length=INSTRUCTIONS_MAX_CHARS)
    supervising_leader = LeaderChoiceField(label=_("督办领导"), queryset=active_people(), required=False,
                                           error_messages={"invalid_choice": LEADER_INVALID})
    progress_every_working_days = forms.IntegerField(label=_("进度报告间隔（工作日）"), required=False, min_value=1,
                                                     max_value=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [(m.value, m.label) for m in HandlingMode if m != HandlingMode.SELF]
        self.fields["co_departments"].queryset = self.fields["lead_department"].queryset
        if self.center is not None:
            self.fields["supervising_leader"].queryset = supervising_leaders(center=self.center)


class VerifyForm(WorkForm):
    passed = forms.TypedChoiceField(label=_("核查结果"), choices=YES_NO, coerce=_yes)
    notes = FreeTextField(label=_("核查说明"), required=False, max_length=NOTE_MAX_CHARS)


class RevisitForm(WorkForm):
    """The revisit's outcome; the two answers only when answered (the service says what is missing)."""

    method = forms.ChoiceField(label=_("回访方式"), choices=RevisitMethod.choices, required=False)
    outcome = forms.ChoiceField(label=_("回访结果"), choices=RevisitOutcome.choices, required=False)
    resolved = forms.ChoiceField(label=_("是否解决"), choices=[], required=False)
    satisfaction = forms.ChoiceField(label=_("是否满意"), choices=[], required=False)
    unreasonable = forms.BooleanField(label=_("诉求不合理，申请不参评（须指挥长确认）"), required=False)
    notes = FreeTextField(label=_("回访记录"), required=False, max_length=NOTE_MAX_CHARS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resolved"].choices = [("", "—"), *ResolvedAnswer.choices]
        self.fields["satisfaction"].choices = [("", "—"), *Satisfaction.choices]

    def clean_method(self) -> str:
        return self.cleaned_data.get("method") or RevisitMethod.PHONE  # a call, unless said otherwise

    def clean_outcome(self) -> str:
        return self.cleaned_data.get("outcome") or RevisitOutcome.ANSWERED


class RevisitAttemptForm(WorkForm):
    method = forms.ChoiceField(label=_("回访方式"), choices=RevisitMethod.choices)
    notes = FreeTextField(label=_("情况"), required=False, max_length=NOTE_MAX_CHARS)


class ExclusionForm(WorkForm):
    """不参评: a duplicate (the code of the matter it repeats, one the actor may read) or an unreasonable
    demand put to the commander."""

    reason = forms.ChoiceField(label=_("不参评原因"), choices=[
        (ExclusionReason.DUPLICATE.value, ExclusionReason.DUPLICATE.label),
        (ExclusionReason.UNREASONABLE.value, ExclusionReason.UNREASONABLE.label)])
    duplicate_of = forms.CharField(label=_("所重复的事项编号"), required=False, max_length=40)
    notes = FreeTextField(label=_("说明"), required=False, max_length=NOTE_MAX_CHARS)

    def clean_duplicate_of(self) -> Any:
        key = (self.cleaned_data.get("duplicate_of") or "").strip()
        if not key:
            return None
        try:
            return case_get_for_work_by_key(actor=self.actor, key=key)
        except NotFoundError as exc:
            raise forms.ValidationError(exc.message) from None


class ExclusionDecideForm(WorkForm):
    confirm = forms.TypedChoiceField(label=_("是否确认不参评"), choices=YES_NO, coerce=_yes)
    note = FreeTextField(label=_("确认意见"), required=False, max_length=NOTE_MAX_CHARS)


class NoteForm(WorkForm):
    note = FreeTextField(label=_("说明"), required=False, max_length=NOTE_MAX_CHARS)


class NotesForm(WorkForm):
    notes = FreeTextField(label=_("解释内容"), max_length=NOTE_MAX_CHARS)


class MoveForm(WorkForm):
    to_center = IdModelChoiceField(label=_("转至"), queryset=Center.objects.filter(active=True),
                                       error_messages={"required": _("请选择要转至的中心。")})
    reason = FreeTextField(label=_("理由"), required=False, max_length=MOVE_REASON_MAX_CHARS)


class TextForm(WorkForm):
    text = FreeTextField(label=_("内容"), required=False, max_length=TEXT_MAX_CHARS)


class ReportBackForm(TextForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"] = MultipleFileField(label=_("附件"), required=False)


class ReasonForm(WorkForm):
    reason = FreeTextField(label=_("理由"), required=False, max_length=REASON_MAX_CHARS)


class ExtensionForm(ReasonForm):
    requested_due_at = DateTimeFormField(label=_("申请延至"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                           error_messages={"required": _("请填写申请延至的时间。")})


class RuleDeclineForm(NoteForm):
    accept = forms.TypedChoiceField(label=_("是否同意退回"), choices=YES_NO, coerce=_yes)
    department = _departments(label=_("改派部门"), required=False)


class ReassignForm(ReasonForm):
    department = _departments(label=_("改派部门"), error_messages={"required": _("请选择改派部门。")})


class SuperviseForm(NoteForm):
    """督办 on an assignment: the leader is chosen from the center's leaders; left empty, the service
    names the actor only when he is himself such a leader (a commander), and otherwise refuses."""

    leader = LeaderChoiceField(label=_("督办领导"), queryset=active_people(), required=False,
                               error_messages={"invalid_choice": LEADER_INVALID})
    every_working_days = forms.IntegerField(label=_("进度报告间隔（工作日）"), min_value=1, max_value=30, initial=2,
                                            required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.center is not None:
            self.fields["leader"].queryset = supervising_leaders(center=self.center)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["every_working_days"] = data.get("every_working_days") or 2
        return data


class AcknowledgeForm(WorkForm):
    """签收, naming the 承办人 among the department's people (left empty: the person signing)."""

    handler = LeaderChoiceField(label=_("承办人"), queryset=active_people(), required=False,
                                error_messages={"invalid_choice": _("承办人须是本部门的联络员或承办人。")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.target is not None:
            self.fields["handler"].queryset = department_handlers(department=self.target.department)


class ExtensionDecideForm(NoteForm):
    approve = forms.TypedChoiceField(label=_("是否批准"), choices=YES_NO, coerce=_yes)


class ReportInForm(WorkForm):
    person = IdModelChoiceField(label=_("报到人员"), queryset=active_people(), required=False)
    code = forms.CharField(label=_("签到码"), required=False, max_length=12)


class SummonsRequestForm(WorkForm):
    """申请召集部门: the reason, the matter (its code, or fixed when asked from the matter's page) and
    the departments ticked in the checklist."""

    reason = FreeTextField(label=_("召集事由"), max_length=REASON_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2}))
    case = forms.CharField(label=_("事项编号"), required=False, max_length=40)
    departments = IdModelMultipleChoiceField(label=_("召集部门"), queryset=Department.objects.none(),
                                                 error_messages={"required": _("请选择要召集的部门。")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(center=self.center, active=True)

    def clean_case(self) -> Any:
        return case_by_typed_key(self.actor, self.cleaned_data["case"])












