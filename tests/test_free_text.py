"""Issue 24 item 5: one field type for free text, the same rule and the same limit on page and API.
Before, a decline reason or a letter's answer made only of zero-width characters was stored, and the
API took a 100,000-character verification note where the page allowed 2,000."""

from __future__ import annotations

import pytest
from django import forms
from rest_framework import serializers

from command import forms as command_forms
from dispatch import duty_forms
from dispatch import forms as dispatch_forms
from dispatch.api import serializers as dispatch_api
from dispatch.api.work import serializers as work_api
from governance.text import FreeTextField, FreeTextSerializerField, check_free_text
from grid import forms as grid_forms
from intake import forms as intake_forms
from intake.api import serializers as intake_api

ZERO_WIDTH = "\u200b\u200c\u200d\ufeff"


def _form_error(field: forms.Field, value: str) -> str:
    with pytest.raises(forms.ValidationError) as caught:
        field.clean(value)
    return caught.value.messages[0]


def _api_error(serializer: type[serializers.Serializer], data: dict) -> dict:
    parsed = serializer(data=data)
    assert not parsed.is_valid()
    return parsed.errors


def test_the_rule_trims_refuses_control_characters_and_counts_invisible_text_as_empty():
    assert check_free_text("  已调解  ", label="说明", max_chars=10) == "已调解"
    assert check_free_text(ZERO_WIDTH + " ", label="说明", max_chars=10) == ""
    assert check_free_text("第一行\n第二行\t", label="说明", max_chars=10) == "第一行\n第二行"


def test_a_zero_width_decline_reason_or_letter_answer_is_empty_on_the_page():
    assert _form_error(command_forms.AnswerForm.base_fields["answer"], ZERO_WIDTH) == "请填写答复内容。"
    assert _form_error(dispatch_forms.NotesForm.base_fields["notes"], ZERO_WIDTH) == "请填写解释内容。"
    # The decline reason is optional on the form; it arrives empty and the service asks for it.
    assert dispatch_forms.ReasonForm.base_fields["reason"].clean(ZERO_WIDTH) == ""
    assert _form_error(grid_forms.ReportForm.base_fields["title"], ZERO_WIDTH) == "请填写标题。"


def test_control_characters_are_refused_with_the_field_named():
    message = _form_error(command_forms.RecordForm.base_fields["minutes"], "纪要\x00")
    assert message == "会议纪要含有不可见的控制字符（如 NUL），请删除后重新填写。"
    errors = _api_error(work_api.ReasonIn, {"reason": "理由\x1b[31m"})
    assert errors["reason"][0].code == "control_character"


def test_the_api_refuses_a_verification_note_longer_than_the_page_allows():
    errors = _api_error(work_api.VerifyIn, {"passed": True, "notes": "查" * 100_000})
    assert errors["notes"][0].code == "too_long"
    assert "2000" in str(errors["notes"][0])
    assert work_api.VerifyIn(data={"passed": True, "notes": "查" * 2000}).is_valid()


def test_the_api_counts_zero_width_text_as_missing():
    errors = _api_error(work_api.ReasonIn, {"reason": ZERO_WIDTH})
    assert errors["reason"][0].code == "required"
    parsed = work_api.NoteIn(data={"note": ZERO_WIDTH})
    assert parsed.is_valid() and parsed.validated_data["note"] == ""


def test_the_api_refuses_text_that_is_not_a_string():
    assert _api_error(work_api.ReasonIn, {"reason": {"a": 1}})["reason"][0].code == "invalid"
    assert _api_error(work_api.ReasonIn, {"reason": ["理由"]})["reason"][0].code == "invalid"


# The same input on both channels: the page's form field and the API's serializer field.
SAME_INPUT = [
    (dispatch_forms.DispatchForm, "instructions", work_api.DispatchIn, "instructions"),
    (dispatch_forms.VerifyForm, "notes", work_api.VerifyIn, "notes"),
    (dispatch_forms.RevisitForm, "notes", work_api.RevisitIn, "notes"),
    (dispatch_forms.NoteForm, "note", work_api.NoteIn, "note"),
    (dispatch_forms.RuleDeclineForm, "note", work_api.RuleDeclineIn, "note"),
    (dispatch_forms.SuperviseForm, "note", work_api.SuperviseIn, "note"),
    (dispatch_forms.ExtensionDecideForm, "note", work_api.DecideIn, "note"),
    (dispatch_forms.NotesForm, "notes", work_api.NotesIn, "notes"),
    (dispatch_forms.MoveForm, "reason", work_api.MoveIn, "reason"),
    (dispatch_forms.TextForm, "text", work_api.TextIn, "text"),
    (dispatch_forms.ReportBackForm, "text", work_api.ReportBackIn, "text"),
    (dispatch_forms.ReasonForm, "reason", work_api.ReasonIn, "reason"),
    (dispatch_forms.ExtensionForm, "reason", work_api.ExtensionIn, "reason"),
    (dispatch_forms.ReassignForm, "reason", work_api.ReassignIn, "reason"),
    (dispatch_forms.SummonsRequestForm, "reason", work_api.SummonsIn, "reason"),
    (duty_forms.ShiftForm, "reason", dispatch_api.ShiftCreateSerializer, "reason"),
    (duty_forms.DeclareWartimeForm, "reason", dispatch_api.DeclareWartimeSerializer, "reason"),
    (duty_forms.EndWartimeForm, "reason", dispatch_api.EndWartimeSerializer, "reason"),
    (intake_forms.RegisterForm, "title", intake_api.CaseRegisterSerializer, "title"),
    (intake_forms.RegisterForm, "description", intake_api.CaseRegisterSerializer, "description"),
    (intake_forms.RegisterForm, "address", intake_api.CaseRegisterSerializer, "address"),
    (intake_forms.RegisterForm, "applicant_name", intake_api.PartyInSerializer, "name"),
    (intake_forms.RegisterForm, "applicant_address", intake_api.PartyInSerializer, "address"),
    (intake_forms.SettleForm, "result", intake_api.SettleSerializer, "result"),
    (intake_forms.SendToDispatchForm, "note", intake_api.SendToDispatchSerializer, "note"),
]


@pytest.mark.parametrize(("form", "form_field", "serializer", "api_field"), SAME_INPUT,
                         ids=[f"{row[0].__name__}.{row[1]}" for row in SAME_INPUT])
def test_page_and_api_take_the_same_text_with_the_same_limit(form, form_field, serializer, api_field):
    page = form.base_fields[form_field]
    api = serializer().fields[api_field]
    assert isinstance(page, FreeTextField) and isinstance(api, FreeTextSerializerField)
    assert page.max_length == api.max_length
