"""Forms of the dispatch pages: they parse input only; rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dispatch.choices import NORMAL_REPORT_IN_MINUTES, ResolvedAnswer, ResponseLevel, Satisfaction, ShiftKind
from dispatch.selectors.work import case_get_for_work_by_key
from dispatch.services.common import (
    INSTRUCTIONS_MAX_CHARS,
    MOVE_REASON_MAX_CHARS,
    NOTE_MAX_CHARS,
    REASON_MAX_CHARS,
    SHIFT_REASON_MAX_CHARS,
    TEXT_MAX_CHARS,
    WARTIME_REASON_MAX_CHARS,
)
from governance.errors import NotFoundError
from governance.models import Center, Department
from governance.page_actions import ActionForm, CenterActionForm
from governance.parsing import (
    DateFormField,
    DateTimeFormField,
    IdModelChoiceField,
    IdModelMultipleChoiceField,
)
from governance.roles import MAY_RECEIVE_ACTING, Role
from governance.text import FreeTextField
from intake.choices import HandlingMode
from intake.forms import MultipleFileField

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
SELECT = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control form-control-sm"}


def duty_people() -> QuerySet:
    """People who can stand in as duty director: holders of the role and members of duty teams."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(groups__name=Role.DUTY_DIRECTOR)
            | Q(duty_teams_main__isnull=False)
            | Q(duty_teams_deputy__isnull=False)
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class PersonChoiceField(IdModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class ShiftForm(ActionForm):
    """An override of one day (`duty_shift_create`), for the center (`target`)."""

    date = DateFormField(label=_("日期"), widget=DATE_INPUT)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[
            (ShiftKind.MAIN_UNAVAILABLE, ShiftKind.MAIN_UNAVAILABLE.label),
            (ShiftKind.REPLACEMENT, ShiftKind.REPLACEMENT.label),
        ],
        widget=forms.Select(attrs=SELECT),
    )
    department = IdModelChoiceField(
        label=_("接班部门"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    person = PersonChoiceField(
        label=_("接班人员"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    reason = FreeTextField(label=_("原因"), max_length=SHIFT_REASON_MAX_CHARS, widget=forms.TextInput(attrs=TEXT))
    on_behalf_of = PersonChoiceField(
        label=_("代谁办理"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(center=self.center, active=True).order_by(
            "short_code"
        )
        self.fields["person"].queryset = duty_people()
        self.fields["on_behalf_of"].queryset = duty_people()


class SwapForm(ActionForm):
    """Two dates exchange their duty (`duty_swap`), in the center (`target`)."""

    first = DateFormField(label=_("日期一"), widget=DATE_INPUT)
    second = DateFormField(label=_("日期二"), widget=DATE_INPUT)
    reason = FreeTextField(label=_("原因"), max_length=SHIFT_REASON_MAX_CHARS, widget=forms.TextInput(attrs=TEXT))
    on_behalf_of = PersonChoiceField(
        label=_("代谁办理"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on_behalf_of"].queryset = duty_people()


class DeclareWartimeForm(ActionForm):
    level = forms.TypedChoiceField(
        label=_("响应等级"), choices=ResponseLevel.choices, coerce=int, widget=forms.Select(attrs=SELECT)
    )
    reason = FreeTextField(label=_("启动原因"), max_length=WARTIME_REASON_MAX_CHARS, widget=forms.TextInput(attrs=TEXT))
    summons_report_in_minutes = forms.IntegerField(
        label=_("召集报到时限（分钟）"),
        min_value=1,
        max_value=NORMAL_REPORT_IN_MINUTES,
        required=False,
        help_text=_("留空按响应等级默认（一级10分钟，二、三级15分钟，四级20分钟）。"),
        widget=forms.NumberInput(attrs=TEXT),
    )
    assignment_limit_percent = forms.IntegerField(
        label=_("办理时限比例（%）"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("新交办事项的办理时限占平时的百分比；留空按响应等级默认。"),
        widget=forms.NumberInput(attrs=TEXT),
    )


class EndWartimeForm(ActionForm):
    reason = FreeTextField(label=_("结束原因"), max_length=WARTIME_REASON_MAX_CHARS, widget=forms.TextInput(attrs=TEXT))


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control form-control-sm"},
                                     format="%Y-%m-%dT%H:%M")


class ActingGrantForm(ActionForm):
    """The commander opens the duty director's rights to a named person (`acting_grant_create`), in
    the center (`target`): the center's duty directors and dispatchers are offered."""

    user = PersonChoiceField(label=_("授权人员"), queryset=get_user_model().objects.none(),
                             widget=forms.Select(attrs=SELECT))
    starts_at = DateTimeFormField(label=_("授权起"), input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT)
    ends_at = DateTimeFormField(label=_("授权止"), input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT)
    reason = FreeTextField(label=_("授权原因"), max_length=SHIFT_REASON_MAX_CHARS, widget=forms.TextInput(
        attrs={**TEXT, "placeholder": _("例如：值班主任生病，由其代行")}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(is_active=True, profile__center=self.center,
                                            groups__name__in=sorted(MAY_RECEIVE_ACTING))
            .distinct().order_by("last_name", "first_name", "username"))


class ActingGrantRevokeForm(ActionForm):
    """Withdraw a grant (`acting_grant_revoke`): the grant is `target`."""


class ShiftCancelForm(CenterActionForm):
    """Withdraw an override (`duty_shift_cancel`): the shift (`target`, its id from the URL) is looked up
    by the service within the form's center."""


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


def _active_people() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


class DispatchForm(WorkForm):
    mode = forms.ChoiceField(label=_("办理方式"), choices=[])
    lead_department = _departments(label=_("承办（牵头）部门"),
                                   error_messages={"required": _("请选择承办（牵头）部门。")})
    co_departments = IdModelMultipleChoiceField(label=_("协办部门"), queryset=Department.objects.none(),
                                                    required=False)
    instructions = FreeTextField(label=_("交办意见"), required=False, max_length=INSTRUCTIONS_MAX_CHARS)
    supervising_leader = IdModelChoiceField(label=_("督办领导"), queryset=_active_people(), required=False)
    progress_every_working_days = forms.IntegerField(label=_("进度报告间隔（工作日）"), required=False, min_value=1,
                                                     max_value=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [(m.value, m.label) for m in HandlingMode if m != HandlingMode.SELF]
        self.fields["co_departments"].queryset = self.fields["lead_department"].queryset


class VerifyForm(WorkForm):
    passed = forms.TypedChoiceField(label=_("核查结果"), choices=YES_NO, coerce=_yes)
    notes = FreeTextField(label=_("核查说明"), required=False, max_length=NOTE_MAX_CHARS)


class RevisitForm(WorkForm):
    resolved = forms.ChoiceField(label=_("是否解决"), choices=[])
    satisfaction = forms.ChoiceField(label=_("是否满意"), choices=[])
    notes = FreeTextField(label=_("回访记录"), required=False, max_length=NOTE_MAX_CHARS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resolved"].choices = ResolvedAnswer.choices
        self.fields["satisfaction"].choices = Satisfaction.choices


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
    leader = IdModelChoiceField(label=_("督办领导"), queryset=_active_people(), required=False)
    every_working_days = forms.IntegerField(label=_("进度报告间隔（工作日）"), min_value=1, max_value=30, initial=2,
                                            required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["leader"] = data.get("leader") or self.actor
        data["every_working_days"] = data.get("every_working_days") or 2
        return data


class ExtensionDecideForm(NoteForm):
    approve = forms.TypedChoiceField(label=_("是否批准"), choices=YES_NO, coerce=_yes)


class ReportInForm(WorkForm):
    person = IdModelChoiceField(label=_("报到人员"), queryset=_active_people(), required=False)


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
        key = self.cleaned_data["case"].strip()
        if not key:
            return None
        try:
            return case_get_for_work_by_key(actor=self.actor, key=key)
        except NotFoundError as error:
            raise forms.ValidationError(error.message) from None
