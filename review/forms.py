"""Forms of the monthly assessment and work report pages: each form's cleaned data are the keyword
arguments of one service, in the one way of `governance.page_actions`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.page_actions import CenterActionForm
from governance.text import FreeTextField
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
