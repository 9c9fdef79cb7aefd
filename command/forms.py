"""Forms of the command pages (radar, letters, consultations, action items, daily report).

They parse input only, in the one way of `governance.page_actions`: each form's cleaned data are the
keyword arguments of one service; a pk or a code typed in is looked up here, as the actor (a
NotFoundError is a 404 on the page), so that the view calls the service and nothing else.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from command.choices import CONSULTATION_KINDS_BY_LEVEL, ConsultationKind, LetterKind, LetterSource
from command.selectors import work as sel
from command.services import letters as letter_svc
from command.services.analysis import SECTION_TEXT_MAX
from command.services.cadence import CANCEL_REASON_MAX_CHARS
from governance.errors import NotFoundError
from governance.models import Department
from governance.page_actions import ActionForm
from governance.parsing import (
    DateFormField,
    DateTimeFormField,
    IdFormField,
    IdModelChoiceField,
    IdModelMultipleChoiceField,
)
from governance.text import FreeTextField
from intake.selectors import cases_visible_to

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

# The limits of the command work's typed text (titles and subjects: their columns).
TITLE_MAX_CHARS = 200
REASON_MAX_CHARS = 500  # the radar signal's dismissal reason column
LETTER_BODY_MAX_CHARS = 10000
LETTER_REQUIREMENTS_MAX_CHARS = 3000
ANSWER_MAX_CHARS = 10000
MINUTES_MAX_CHARS = 20000
DECISION_MAX_CHARS = 2000
NOTE_MAX_CHARS = 2000


def _departments_of(center: Any) -> Any:
    """The departments and towns of a district, towns first, as the command pages list them."""
    return Department.objects.filter(center=center, active=True).order_by("-is_territory", "short_code")


def _person_label(user: Any) -> str:
    return f"{user.last_name}{user.first_name}".strip() or user.username


# --- radar ---------------------------------------------------------------------------------------
class DismissForm(ActionForm):
    reason = FreeTextField(label=_("排除理由"), max_length=REASON_MAX_CHARS)


class AgendaChoiceForm(ActionForm):
    """Put a signal on a scheduled consultation's agenda."""

    consultation = IdFormField(label=_("会商"))

    def clean_consultation(self) -> Any:
        return sel.consultation_get_for_actor(actor=self.actor, pk=self.cleaned_data["consultation"])


# --- letters -------------------------------------------------------------------------------------
class LetterSourceForm(ActionForm):
    """What a letter answers to: a risk signal or a matter of the district (`center`), both optional."""

    signal = IdFormField(required=False, widget=forms.HiddenInput)
    case = IdFormField(required=False, widget=forms.HiddenInput)

    def clean_signal(self) -> Any:
        pk = self.cleaned_data["signal"]
        return sel.signal_get_for_actor(actor=self.actor, pk=pk) if pk is not None else None

    def clean_case(self) -> Any:
        pk = self.cleaned_data["case"]
        if pk is None:
            return None
        case = cases_visible_to(user=self.actor).filter(pk=pk).first()  # the issuer's territory
        if case is None:
            raise NotFoundError()
        return case


class LetterForm(LetterSourceForm):
    kind = forms.ChoiceField(label=_("函件类型"), choices=LetterKind.choices)
    department = IdModelChoiceField(label=_("收函单位"), queryset=Department.objects.none())
    subject = FreeTextField(label=_("事由"), max_length=TITLE_MAX_CHARS)
    body = FreeTextField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}), max_length=LETTER_BODY_MAX_CHARS)
    requirements = FreeTextField(label=_("工作要求"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                 max_length=LETTER_REQUIREMENTS_MAX_CHARS)
    answer_limit_working_days = forms.IntegerField(label=_("答复时限（工作日）"), min_value=1, max_value=30,
                                                   initial=letter_svc.DEFAULT_ANSWER_WORKING_DAYS)
    field_order = ["kind", "department", "subject", "body", "requirements", "answer_limit_working_days"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments_of(self.center)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["source"] = LetterSource.SIGNAL if data.get("signal") else LetterSource.MATTER
        return data


class AnswerForm(ActionForm):
    answer = FreeTextField(label=_("答复内容"), widget=forms.Textarea, max_length=ANSWER_MAX_CHARS)


# --- consultations -------------------------------------------------------------------------------
class ScheduleForm(ActionForm):
    kind = forms.ChoiceField(label=_("会商类型"), choices=ConsultationKind.choices)
    title = FreeTextField(label=_("会议名称"), max_length=TITLE_MAX_CHARS, required=False)
    scheduled_at = DateTimeFormField(label=_("会议时间"), input_formats=DATETIME_FORMATS,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = FreeTextField(label=_("地点"), max_length=TITLE_MAX_CHARS, required=False)
    chair = IdModelChoiceField(label=_("主持人"), queryset=get_user_model().objects.none())
    invitees = IdModelMultipleChoiceField(label=_("参会人员"), queryset=get_user_model().objects.none(),
                                              required=False, widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The center's people and those of the centers below it (a town: its village stations).
        people = (get_user_model().objects.filter(is_active=True)
                  .filter(Q(profile__center=self.center) | Q(profile__center__district=self.center)
                          | Q(profile__center__parent=self.center))
                  .distinct().order_by("last_name", "first_name", "pk"))
        kinds = CONSULTATION_KINDS_BY_LEVEL.get(getattr(self.center, "level", ""), ())
        self.fields["kind"].choices = [(value, label) for value, label in ConsultationKind.choices if value in kinds]
        for name in ("chair", "invitees"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = _person_label


class AgendaForm(ActionForm):
    """A topic for the consultation (`target`): free text, a matter by its code, or a letter."""

    title = FreeTextField(label=_("议题"), max_length=TITLE_MAX_CHARS, required=False)
    case_code = forms.CharField(label=_("事项编号"), max_length=40, required=False)
    letter = IdFormField(label=_("函件"), required=False)

    def clean_letter(self) -> Any:
        pk = self.cleaned_data["letter"]
        return sel.letter_get_for_actor(actor=self.actor, pk=pk) if pk else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = data.pop("case_code", "")
        data["case"] = None
        if code:
            data["case"] = cases_visible_to(user=self.actor).filter(code=code.strip()).first()
            if data["case"] is None:
                raise forms.ValidationError(_("未找到该编号的事项。"))
        return data


class CancelMeetingForm(ActionForm):
    """Call a scheduled meeting off (`consultation_cancel`): the reason the invitees are told."""

    reason = FreeTextField(label=_("取消原因"), max_length=CANCEL_REASON_MAX_CHARS,
                           error_messages={"required": _("请填写取消原因。")})


class RecordForm(ActionForm):
    """Minutes and attendance of the consultation (`target`): the invitees are the choices."""

    minutes = FreeTextField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 6}), max_length=MINUTES_MAX_CHARS)
    attended = forms.TypedMultipleChoiceField(label=_("出席"), coerce=int, required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(i.user_id, str(i.user_id)) for i in self.target.invitations.all()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["attended_user_ids"] = data.pop("attended", [])
        return data


class DecisionForm(ActionForm):
    """A decision of the consultation (`target`), optionally on one of its agenda items."""

    text = FreeTextField(label=_("决定事项"), widget=forms.Textarea(attrs={"rows": 2}), max_length=DECISION_MAX_CHARS)
    owner_department = IdModelChoiceField(label=_("责任单位"), queryset=Department.objects.none(), required=False)
    due_at = DateTimeFormField(label=_("完成期限"), input_formats=DATETIME_FORMATS,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    agenda_item = IdFormField(label=_("对应议题"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_department"].queryset = _departments_of(self.center)

    def clean_agenda_item(self) -> Any:
        pk = self.cleaned_data["agenda_item"]
        return self.target.agenda.filter(pk=pk).first() if pk else None


# --- action items and the daily report -----------------------------------------------------------
class DoneForm(ActionForm):
    result = FreeTextField(label=_("落实情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=DECISION_MAX_CHARS)


class IssueForm(ActionForm):
    note = FreeTextField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                         max_length=NOTE_MAX_CHARS)


# --- 研判专报 -------------------------------------------------------------------------------------
class AnalysisGenerateForm(ActionForm):
    """On demand: the period of a 研判专报 (the monthly one is drafted by beat on the 1st)."""

    start = DateFormField(label=_("研判期间起"))
    end = DateFormField(label=_("研判期间止"))


class AnalysisSectionForm(ActionForm):
    text = FreeTextField(label=_("研判意见"), widget=forms.Textarea(attrs={"rows": 6}), max_length=SECTION_TEXT_MAX)


class AnalysisIssueForm(ActionForm):
    """Issuing takes no input: the commander confirms."""


class StandingMeetingsForm(ActionForm):
    """The seeds' standing meetings of the center's level, from a first date at a time."""

    first_date = DateFormField(label=_("首次日期"))
    time = forms.TimeField(label=_("召开时间"))
    place = FreeTextField(label=_("地点"), required=False, max_length=TITLE_MAX_CHARS)
