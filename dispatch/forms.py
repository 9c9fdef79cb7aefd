"""Forms of the dispatch pages: they parse input only; rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dispatch.choices import NORMAL_REPORT_IN_MINUTES, ResponseLevel, ShiftKind
from governance.models import Center, Department
from governance.roles import Role

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


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class ShiftForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE_INPUT)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[
            (ShiftKind.MAIN_UNAVAILABLE, ShiftKind.MAIN_UNAVAILABLE.label),
            (ShiftKind.REPLACEMENT, ShiftKind.REPLACEMENT.label),
        ],
        widget=forms.Select(attrs=SELECT),
    )
    department = forms.ModelChoiceField(
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
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    on_behalf_of = PersonChoiceField(
        label=_("代谁办理"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, center: Center, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(center=center, active=True).order_by(
            "short_code"
        )
        self.fields["person"].queryset = duty_people()
        self.fields["on_behalf_of"].queryset = duty_people()


class SwapForm(forms.Form):
    first = forms.DateField(label=_("日期一"), widget=DATE_INPUT)
    second = forms.DateField(label=_("日期二"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    on_behalf_of = PersonChoiceField(
        label=_("代谁办理"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on_behalf_of"].queryset = duty_people()


class DeclareWartimeForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("响应等级"), choices=ResponseLevel.choices, coerce=int, widget=forms.Select(attrs=SELECT)
    )
    reason = forms.CharField(label=_("启动原因"), max_length=300, widget=forms.TextInput(attrs=TEXT))
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


class EndWartimeForm(forms.Form):
    reason = forms.CharField(label=_("结束原因"), max_length=300, widget=forms.TextInput(attrs=TEXT))
