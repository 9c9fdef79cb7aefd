"""The window form: parses what the clerk typed; every business rule lives in `case_register`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import ServiceWindow
from governance.page_actions import ActionForm, OnceField
from governance.parsing import IdModelChoiceField, db_id
from governance.text import FreeTextField
from intake.choices import Channel, Complexity, PartyKind, PartyRole, RiskLevel, Urgency
from intake.models import Category
from intake.services import MatterInput, PartyInput
from intake.validators import (
    ADDRESS_MAX_CHARS,
    DESCRIPTION_MAX_CHARS,
    EXTERNAL_REF_MAX_CHARS,
    PARTY_NAME_MAX_CHARS,
    RESULT_MAX_CHARS,
    SEND_NOTE_MAX_CHARS,
    TITLE_MAX_CHARS,
)


class IdListField(forms.Field):
    """Ids sent as repeated inputs of one name (checkboxes, hidden inputs); what is not an id is left out."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        return [pk for pk in map(db_id, value or []) if pk is not None]

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


# Service error fields -> form fields (the service numbers parties: 0 applicant, 1 respondent).
_PARTY_PREFIX = {"parties.0.": "applicant_", "parties.1.": "respondent_"}


def form_field_for(service_field: str | None) -> str | None:
    if not service_field or service_field == "__all__":
        return None
    if service_field == "parties":
        return "applicant_name"
    if service_field.startswith("attachments"):
        return "attachments"
    for prefix, replacement in _PARTY_PREFIX.items():
        if service_field.startswith(prefix):
            return replacement + service_field[len(prefix):]
    return service_field


PARTY_DIFFERENCE_FORM_CHOICES = [("", _("请选择")), ("keep", _("沿用登记信息")), ("update", _("更新为本次填写"))]


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(label=_("来源渠道"), choices=[(Channel.WALK_IN, _("窗口来访")), (Channel.PHONE, _("来电"))],
                                initial=Channel.WALK_IN)
    category = forms.CharField(label=_("事项类别"), widget=forms.HiddenInput, required=False)
    title = FreeTextField(label=_("标题（按当事人、地点、类别自动建议，可修改；Alt+T）"), error_label=_("标题"),
                          required=False, max_length=TITLE_MAX_CHARS, widget=forms.TextInput(attrs={"aria-keyshortcuts": "Alt+T", "data-shortcut": "KeyT"}))
    description = FreeTextField(label=_("事项描述（Alt+D；下方常用语可一键插入）"), error_label=_("事项描述"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4, "aria-keyshortcuts": "Alt+D", "data-shortcut": "KeyD"}),
                                max_length=DESCRIPTION_MAX_CHARS)
    address = FreeTextField(label=_("发生地址"), required=False, max_length=ADDRESS_MAX_CHARS)
    grid = forms.CharField(label=_("所属网格"), widget=forms.HiddenInput, required=False)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices, initial=RiskLevel.LOW)
    complexity = forms.ChoiceField(label=_("复杂程度"), choices=[("", _("按类别默认")), *Complexity.choices], required=False)
    window = IdModelChoiceField(label=_("受理窗口"), queryset=ServiceWindow.objects.none(), required=False,
                                    empty_label=_("（不经窗口）"))
    is_group = forms.BooleanField(label=_("群体性事项"), required=False)
    # No initial value: the clerk types the number into an empty field (a "1" in front made 12 into 121).
    # The service says how many people a group may have; beyond 10^9 is no number of people at all.
    group_size = forms.IntegerField(label=_("涉及人数"), required=False, min_value=1, max_value=10**9)
    once = OnceField()  # a double click on 登记 registers one matter

    applicant_kind = forms.ChoiceField(label=_("申请人类型"), choices=PartyKind.choices, initial=PartyKind.PERSON)
    applicant_name = FreeTextField(label=_("姓名/单位名称"), required=False, max_length=PARTY_NAME_MAX_CHARS)
    applicant_id_number = forms.CharField(label=_("身份证号"), required=False, max_length=30)
    applicant_credit_code = forms.CharField(label=_("统一社会信用代码"), required=False, max_length=30)
    applicant_phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)
    applicant_address = FreeTextField(label=_("住址"), required=False, max_length=ADDRESS_MAX_CHARS)
    applicant_on_difference = forms.ChoiceField(label=_("与登记信息不一致时"), required=False,
                                                choices=PARTY_DIFFERENCE_FORM_CHOICES)

    respondent_kind = forms.ChoiceField(label=_("被申请人类型"), choices=PartyKind.choices, initial=PartyKind.PERSON)
    respondent_name = FreeTextField(label=_("姓名/单位名称"), required=False, max_length=PARTY_NAME_MAX_CHARS)
    respondent_id_number = forms.CharField(label=_("身份证号"), required=False, max_length=30)
    respondent_credit_code = forms.CharField(label=_("统一社会信用代码"), required=False, max_length=30)
    respondent_phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)
    respondent_address = FreeTextField(label=_("住址"), required=False, max_length=ADDRESS_MAX_CHARS)
    respondent_on_difference = forms.ChoiceField(label=_("与登记信息不一致时"), required=False,
                                                 choices=PARTY_DIFFERENCE_FORM_CHOICES)

    link_to = IdListField(required=False)
    attachments = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args: Any, windows: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if windows is not None:
            self.fields["window"].queryset = windows
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            elif isinstance(widget, forms.CheckboxInput | forms.HiddenInput):
                continue
            else:
                css = "form-control form-control-sm"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            widget.attrs["class"] = css

    def parties(self) -> list[PartyInput]:
        data = self.cleaned_data
        result = []
        for prefix, role in (("applicant_", PartyRole.APPLICANT), ("respondent_", PartyRole.RESPONDENT)):
            values = {name: (data.get(prefix + name) or "").strip()
                      for name in ("name", "id_number", "credit_code", "phone", "address")}
            if role == PartyRole.RESPONDENT and not any(values.values()):
                continue
            kind = data.get(prefix + "kind") or PartyKind.PERSON
            if kind == PartyKind.ORGANIZATION:
                values["id_number"] = ""
            else:
                values["credit_code"] = ""
            result.append(PartyInput(kind=kind, role=role, on_difference=data.get(prefix + "on_difference") or "",
                                     **values))
        return result

    def matter(self, *, category: Category | int | None) -> MatterInput:
        """The matter as typed, for `case_register` (or `case_register_at_command`: no window, and the
        document number), with the category the view found for the picker's id."""
        data = self.cleaned_data
        return MatterInput(
            channel=data["channel"], category=category, title=data["title"], description=data["description"],
            parties=self.parties(), address=data["address"], grid=data["grid"] or None, urgency=data["urgency"],
            risk_level=data["risk_level"], complexity=data["complexity"] or None, window=data.get("window"),
            is_group=data["is_group"], group_size=data["group_size"] or 1, external_ref=data.get("external_ref", ""),
            attachments=data["attachments"], link_to=data["link_to"],
        )


class CommandRegisterForm(RegisterForm):
    """The command center's registration (`case_register_at_command`): a call to its duty phone or an
    upper level's assignment with its document number; no window."""

    channel = forms.ChoiceField(label=_("来源渠道"), choices=[(Channel.PHONE, _("来电（指挥中心值班电话）")),
                                                           (Channel.UPPER_ASSIGNMENT, _("上级交办"))],
                                initial=Channel.PHONE)
    external_ref = FreeTextField(label=_("交办文号/来电工单号（可选）"), error_label=_("交办文号"), required=False,
                                 max_length=EXTERNAL_REF_MAX_CHARS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["window"]


class ApplicantLookupForm(forms.Form):
    """The window's repeat-visit lookup: posted, so the ID number and phone stay out of URLs and logs."""

    id_number = forms.CharField(required=False, max_length=30)
    phone = forms.CharField(required=False, max_length=30)


class SettleForm(ActionForm):
    """自办 on the spot (`case_settle_on_spot`) of the matter (`target`)."""

    result = FreeTextField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 4}), max_length=RESULT_MAX_CHARS)
    attachments = MultipleFileField(label=_("书面协议等附件"), required=False)


class SendToDispatchForm(ActionForm):
    """移送调度 (`case_send_to_dispatch`) of the matter (`target`)."""

    note = FreeTextField(label=_("说明"), required=False, max_length=SEND_NOTE_MAX_CHARS)
