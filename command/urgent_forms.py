"""Forms of the 情况报告 pages: each form's cleaned data are the keyword arguments of one service
(`urgent_report_file`, `urgent_report_follow_up`), in the one way of `governance.page_actions`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from command.forms import DATETIME_FORMATS
from command.services import urgent as svc
from governance.errors import NotFoundError
from governance.page_actions import ActionForm
from governance.parsing import DateTimeFormField, IdFormField
from governance.text import FreeTextField
from intake.selectors import cases_visible_to


class FactsForm(ActionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.visible_fields():
            checkbox = isinstance(field.field.widget, forms.CheckboxInput)
            field.field.widget.attrs.setdefault("class", "form-check-input" if checkbox else "form-control")

    what_happened = FreeTextField(label=_("事件情况（经过、最新进展）"), error_label=_("事件情况"),
                                  widget=forms.Textarea(attrs={"rows": 4}), max_length=svc.FACTS_MAX_CHARS)
    casualties = FreeTextField(label=_("伤亡及影响范围（涉及人数、规模）"), error_label=_("伤亡及影响范围"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}), max_length=svc.FACTS_MAX_CHARS)
    measures = FreeTextField(label=_("已采取的措施"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=svc.FACTS_MAX_CHARS)
    next_steps = FreeTextField(label=_("下一步工作（及需协调事项）"), error_label=_("下一步工作"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}), max_length=svc.FACTS_MAX_CHARS)


class UrgentReportForm(FactsForm):
    """The 首报: the event (title, time, place), the facts at hand, the follow-up interval; the
    matter it concerns, when filed from a matter (a hidden id, looked up as the actor)."""

    title = FreeTextField(label=_("事件名称"), max_length=svc.TITLE_MAX_CHARS)
    occurred_at = DateTimeFormField(label=_("发生时间"), input_formats=DATETIME_FORMATS,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = FreeTextField(label=_("发生地点"), max_length=svc.PLACE_MAX_CHARS)
    interval_minutes = forms.IntegerField(label=_("续报间隔（分钟）"), min_value=svc.MIN_INTERVAL_MINUTES,
                                          max_value=svc.MAX_INTERVAL_MINUTES, initial=svc.DEFAULT_INTERVAL_MINUTES)
    case = IdFormField(required=False, widget=forms.HiddenInput)
    field_order = ["title", "occurred_at", "place", "what_happened", "casualties", "measures", "next_steps",
                   "interval_minutes", "case"]

    def clean_case(self) -> Any:
        pk = self.cleaned_data["case"]
        if pk is None:
            return None
        case = cases_visible_to(user=self.actor).filter(pk=pk).first()
        if case is None:
            raise NotFoundError()
        return case

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["center"] = self.center
        return data


class FollowUpForm(FactsForm):
    final = forms.BooleanField(label=_("终报（事件已结束，不再续报）"), required=False)
