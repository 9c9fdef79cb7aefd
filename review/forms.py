"""Forms of the monthly assessment and work report pages: each form's cleaned data are the keyword
arguments of one service, in the one way of `governance.page_actions`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from command import forms as cf
from command.choices import LetterKind, LetterSource
from command.services import letters as letter_svc
from governance.models import Department
from governance.page_actions import ActionForm, CenterActionForm
from governance.parsing import IdModelChoiceField
from governance.text import FreeTextField
from review.choices import ReferralOutcome, Rung
from review.services import ladder as ladder_svc
from review.services.assessment import RECALCULATION_REASON_MAX_CHARS
from review.services.report import COMMENTARY_MAX


class AssessmentPublishForm(CenterActionForm):
    """Publish (freeze) the month (`target`) of the center: `assessment_publish`."""

    reason = FreeTextField(label=_("重新计算原因"), max_length=RECALCULATION_REASON_MAX_CHARS, required=False)


class ReportCommentaryForm(CenterActionForm):
    """The duty director's commentary on the month's (`target`) report: `report_commentary_save`."""

    commentary = FreeTextField(label=_("轮值主任意见"), max_length=COMMENTARY_MAX, required=False,
                               widget=forms.Textarea(attrs={"rows": 5}))
    issue = forms.BooleanField(label=_("同时签发（签发后不能再改）"), required=False)


class ReportExportForm(CenterActionForm):
    """Queue the month's (`target`) PDF and Excel: `report_export_request`."""


# --- a letter from a matter or from the assessment (review/views/letters_from.py) -------------------
class LetterFromForm(ActionForm):
    """The letter's own fields; its source (matter, assessment month) comes from the page: each
    subclass adds it to the cleaned data, which are `letter_issue`'s keyword arguments."""

    kind = forms.ChoiceField(label=_("函件类型"), choices=LetterKind.choices)
    department = IdModelChoiceField(label=_("收函单位"), queryset=Department.objects.none(),
                                        error_messages={"required": _("请选择收函单位。")})
    subject = FreeTextField(label=_("事由"), max_length=cf.TITLE_MAX_CHARS)
    body = FreeTextField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}), max_length=cf.LETTER_BODY_MAX_CHARS)
    requirements = FreeTextField(label=_("工作要求"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                 max_length=cf.LETTER_REQUIREMENTS_MAX_CHARS)
    answer_limit_working_days = forms.IntegerField(label=_("答复时限（工作日）"), min_value=1,
                                                   max_value=letter_svc.MAX_ANSWER_WORKING_DAYS,
                                                   initial=letter_svc.DEFAULT_ANSWER_WORKING_DAYS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(center=self.center, active=True).order_by(
            "-is_territory", "short_code")


class LetterFromMatterForm(LetterFromForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data.update(center=self.center, source=LetterSource.MATTER, case=self.target)
        return data


class LetterFromAssessmentForm(LetterFromForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data.update(center=self.center, source=LetterSource.ASSESSMENT, assessment_month=self.target.first)
        return data


# --- the accountability ladder (review/views/ladder.py) ----------------------------------------------
class LadderEscalateForm(ActionForm):
    rung = forms.ChoiceField(label=_("升级到"), choices=Rung.choices)
    reason = FreeTextField(label=_("越级理由"), widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=ladder_svc.REASON_MAX_CHARS)


class ReferralAnswerForm(ActionForm):
    """The office's answer; one outcome field per named person (`person_<id>`)."""

    outcome = forms.ChoiceField(label=_("对部门的处理"), choices=ReferralOutcome.choices)
    answer = FreeTextField(label=_("答复意见"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=ladder_svc.ANSWER_MAX_CHARS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.target is not None:
            for row in self.target.people.all():
                self.fields[f"person_{row.person_id}"] = forms.ChoiceField(
                    label=row.person.get_full_name() or row.person.get_username(), choices=ReferralOutcome.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        people = {int(name.removeprefix("person_")): data.pop(name) for name in list(data)
                  if name.startswith("person_")}
        data["people"] = people
        return data
