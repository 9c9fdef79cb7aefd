"""The duty pages' forms: the roster and its swaps, standby, wartime, acting grants, the sign-in codes and the teams' messages. The work pages' forms are in dispatch/forms.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    NORMAL_REPORT_IN_MINUTES,
    ResponseLevel,
    ShiftKind,
)
from dispatch.forms import DATE_INPUT, SELECT, TEXT, active_people, case_by_typed_key
from dispatch.models import WartimePlanTeam
from dispatch.selectors.wartime import (
    standby_colleagues,
    standby_swappable,
    wartime_episode_open,
    wartime_teams_available,
)
from dispatch.services.common import (
    SHIFT_REASON_MAX_CHARS,
    WARTIME_REASON_MAX_CHARS,
)
from governance.models import Department
from governance.page_actions import ActionForm, CenterActionForm
from governance.parsing import (
    DateFormField,
    DateTimeFormField,
    IdModelChoiceField,
)
from governance.roles import MAY_RECEIVE_ACTING, Role
from governance.text import FreeTextField


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


def on_behalf_of_field() -> PersonChoiceField:
    """代谁办理: the person a director acts for (the duty people, set in the form's __init__)."""
    return PersonChoiceField(label=_("代谁办理"), queryset=get_user_model().objects.none(), required=False,
                             widget=forms.Select(attrs=SELECT))


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
    on_behalf_of = on_behalf_of_field()

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
    on_behalf_of = on_behalf_of_field()

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


class SignCodeForm(ActionForm):
    """签到 / 签退: the code on the command center's screen, typed on the phone."""

    code = forms.CharField(label=_("签到码"), max_length=12,
                           error_messages={"required": _("请输入指挥中心大屏上显示的 6 位签到码。")})


class SignConfirmForm(ActionForm):
    """The dispatcher confirms a person present (到岗) or gone (离岗)."""

    person = IdModelChoiceField(label=_("人员"), queryset=active_people())
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

    person_out = StandbyPersonField(label=_("备勤人员"), queryset=active_people().none(),
                                    widget=forms.Select(attrs=SELECT),
                                    error_messages={"invalid_choice": _("请选择值班备勤名单中的人员。")})
    person_in = StandbyPersonField(label=_("调换为"), queryset=active_people().none(),
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
        self.fields["person_out"].queryset = active_people().filter(
            pk__in=[row.person.pk for row in rows if row.person is not None]).select_related("profile__department")
        self.fields["person_in"].queryset = standby_colleagues(
            department_ids=sorted({row.department.pk for row in rows if row.department is not None})
        ).select_related("profile__department")
