"""The page actions of 领导通: follow, instruct, supervise, and the department's answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from command.services.leaders import (
    ANSWER_MAX_CHARS,
    DEFAULT_ANSWER_WORKING_DAYS,
    INSTRUCTION_MAX_CHARS,
    MAX_ANSWER_WORKING_DAYS,
)
from dispatch.services.common import MAX_PROGRESS_EVERY_WORKING_DAYS, NOTE_MAX_CHARS
from governance.page_actions import ActionForm
from governance.text import FreeTextField


class FollowForm(ActionForm):
    """关注 / 取消关注: nothing to type."""


class InstructForm(ActionForm):
    text = FreeTextField(label=_("批示内容"), max_length=INSTRUCTION_MAX_CHARS,
                         widget=forms.Textarea(attrs={"rows": 3}))
    answer_limit_working_days = forms.TypedChoiceField(
        label=_("答复时限"), coerce=int, initial=DEFAULT_ANSWER_WORKING_DAYS,
        widget=forms.Select(attrs={"class": "form-select"}),
        choices=[(n, _("%(n)s 个工作日") % {"n": n}) for n in range(1, MAX_ANSWER_WORKING_DAYS + 1)])


class LeaderSuperviseForm(ActionForm):
    every_working_days = forms.IntegerField(label=_("进度报告间隔（工作日）"), min_value=1,
                                            max_value=MAX_PROGRESS_EVERY_WORKING_DAYS, initial=2)
    note = FreeTextField(label=_("督办意见"), max_length=NOTE_MAX_CHARS, required=False,
                         widget=forms.Textarea(attrs={"rows": 2}))


class InstructionAnswerForm(ActionForm):
    answer = FreeTextField(label=_("答复内容"), max_length=ANSWER_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}))
