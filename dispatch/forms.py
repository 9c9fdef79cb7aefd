"""Forms of the dispatch pages: they parse input only; rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    NORMAL_REPORT_IN_MINUTES,
    ExclusionReason,
    ResolvedAnswer,
    ResponseLevel,
    RevisitMethod,
    RevisitOutcome,
    Satisfaction,
    ShiftKind,
)
from dispatch.models import WartimePlanTeam
from dispatch.selectors.handlers import department_handlers
from dispatch.selectors.supervision import supervising_leaders
from dispatch.selectors.wartime import (
    standby_colleagues,
    standby_swappable,
    wartime_episode_open,
    wartime_teams_available,
)
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


def case_by_typed_key(actor: Any, key: str) -> Any:
    """A matter typed by its code (or empty): the one the actor may work on, or the form's error."""
    key = (key or "").strip()
    if not key:
        return None
    try:
        return case_get_for_work_by_key(actor=actor, key=key)
    except NotFoundError as error:
        raise forms.ValidationError(error.message) from None


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
    supervising_leader = LeaderChoiceField(label=_("督办领导"), queryset=_active_people(), required=False,
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

    leader = LeaderChoiceField(label=_("督办领导"), queryset=_active_people(), required=False,
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

    handler = LeaderChoiceField(label=_("承办人"), queryset=_active_people(), required=False,
                                error_messages={"invalid_choice": _("承办人须是本部门的联络员或承办人。")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.target is not None:
            self.fields["handler"].queryset = department_handlers(department=self.target.department)


class ExtensionDecideForm(NoteForm):
    approve = forms.TypedChoiceField(label=_("是否批准"), choices=YES_NO, coerce=_yes)


class ReportInForm(WorkForm):
    person = IdModelChoiceField(label=_("报到人员"), queryset=_active_people(), required=False)
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


class SignCodeForm(ActionForm):
    """签到 / 签退: the code on the command center's screen, typed on the phone."""

    code = forms.CharField(label=_("签到码"), max_length=12,
                           error_messages={"required": _("请输入指挥中心大屏上显示的 6 位签到码。")})


class SignConfirmForm(ActionForm):
    """The dispatcher confirms a person present (到岗) or gone (离岗)."""

    person = IdModelChoiceField(label=_("人员"), queryset=_active_people())
    direction = forms.ChoiceField(label=_("确认"), choices=(("in", _("到岗")), ("out", _("离岗"))))


class TeamSendForm(CenterActionForm):
    """成建制派驻 (`wartime_team_send`): one of the plan's teams not out now, to a matter by its code."""

    team = IdModelChoiceField(label=_("支援工作队"), queryset=WartimePlanTeam.objects.none(),
                              widget=forms.Select(attrs=SELECT))
    case = forms.CharField(label=_("事项编号"), required=False, max_length=40, widget=forms.TextInput(attrs=TEXT))
    note = FreeTextField(label=_("任务"), max_length=SHIFT_REASON_MAX_CHARS, required=False,
                         widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        episode = wartime_episode_open(center=self.center) if self.center is not None else None
        if episode is not None:
            self.fields["team"].queryset = wartime_teams_available(episode=episode)

    def clean_case(self) -> Any:
        return case_by_typed_key(self.actor, self.cleaned_data["case"])


class RotaSwapForm(CenterActionForm):
    """领导轮值调换 (`wartime_rota_swap`): two shifts by their numbers as shown (1, 2, ...)."""

    first = forms.IntegerField(label=_("班次"), min_value=1, max_value=999, widget=forms.NumberInput(attrs=TEXT))
    second = forms.IntegerField(label=_("与班次"), min_value=1, max_value=999, widget=forms.NumberInput(attrs=TEXT))
    reason = FreeTextField(label=_("调换原因"), max_length=SHIFT_REASON_MAX_CHARS, widget=forms.TextInput(attrs=TEXT))

    def clean_first(self) -> int:
        return self.cleaned_data["first"] - 1

    def clean_second(self) -> int:
        return self.cleaned_data["second"] - 1


class StandbyPersonField(IdModelChoiceField):
    """A person shown with their department (the standby roster is by department)."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.get_username()
        department = getattr(getattr(obj, "profile", None), "department", None)
        return f"{department.name} {name}" if department is not None else name


class StandbySwapForm(CenterActionForm):
    """值班备勤调换 (`wartime_standby_swap`): who hands over (on the roster now, of the actor's own
    department unless the actor commands), the colleague taking over, the phone, the reason."""

    person_out = StandbyPersonField(label=_("备勤人员"), queryset=_active_people().none(),
                                    widget=forms.Select(attrs=SELECT),
                                    error_messages={"invalid_choice": _("请选择值班备勤名单中的人员。")})
    person_in = StandbyPersonField(label=_("调换为"), queryset=_active_people().none(),
                                   widget=forms.Select(attrs=SELECT),
                                   error_messages={"invalid_choice": _("接替人员须是该部门的在岗人员。")})
    phone = forms.CharField(label=_("备勤电话"), required=False, max_length=30, widget=forms.TextInput(attrs=TEXT))
    reason = FreeTextField(label=_("调换原因"), max_length=SHIFT_REASON_MAX_CHARS, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        episode = wartime_episode_open(center=self.center) if self.center is not None else None
        if episode is None or self.actor is None:
            return
        rows = standby_swappable(episode=episode, actor=self.actor)
        self.fields["person_out"].queryset = _active_people().filter(
            pk__in=[row.person.pk for row in rows if row.person is not None]).select_related("profile__department")
        self.fields["person_in"].queryset = standby_colleagues(
            department_ids=sorted({row.department.pk for row in rows if row.department is not None})
        ).select_related("profile__department")
