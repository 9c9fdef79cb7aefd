"""Input of the grid pages: the grid worker's, the key-person ledger's and the village/town station's
(the services check the rules)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dispatch.services.common import MOVE_REASON_MAX_CHARS, NOTE_MAX_CHARS
from governance.page_actions import ActionForm, OnceField
from governance.parsing import DateTimeFormField, IdFormField, IdModelChoiceField
from governance.text import FreeTextField
from grid.choices import ItemKind, KeyPersonRisk
from grid.selectors import grid_get_for_worker
from grid.services.keypersons import FOLLOW_UP_NOTES_MAX_CHARS, RISK_REASON_MAX_CHARS
from grid.services.ledger import ITEM_ADDRESS_MAX_CHARS, ITEM_DETAILS_MAX_CHARS, ITEM_NAME_MAX_CHARS
from grid.services.patrols import ROUTE_NOTES_MAX_CHARS
from intake.choices import RiskLevel, Urgency
from intake.models import Category
from intake.validators import ADDRESS_MAX_CHARS, DESCRIPTION_MAX_CHARS, RESULT_MAX_CHARS, TITLE_MAX_CHARS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"})

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(f, initial) for f in files]


def new_client_key() -> str:
    return uuid.uuid4().hex


class PatrolStartForm(ActionForm):
    """开始巡查 (`patrol_start`) in one of the worker's grids."""

    grid = IdFormField(widget=forms.HiddenInput)
    route_notes = FreeTextField(label=_("计划路线"), required=False, max_length=ROUTE_NOTES_MAX_CHARS,
                                widget=forms.TextInput(attrs={"placeholder": _("如：村道—旧粮仓—溪边")}))
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=new_client_key)
    started_at = DateTimeFormField(widget=forms.HiddenInput, required=False)

    def clean_grid(self) -> Any:
        # Not one of hers: NotFoundError, which the worker's pages answer with 404.
        return grid_get_for_worker(actor=self.actor, pk=self.cleaned_data["grid"])


class PatrolFinishForm(ActionForm):
    """结束巡查 (`patrol_finish`) of the worker's open patrol (`target`)."""

    route_notes = FreeTextField(label=_("巡查情况"), required=False, max_length=ROUTE_NOTES_MAX_CHARS,
                                widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("现场照片"))


class ReportForm(forms.Form):
    grid = forms.TypedChoiceField(label=_("网格"), coerce=int)
    category = IdModelChoiceField(label=_("问题类别"), queryset=Category.objects.none())
    title = FreeTextField(label=_("标题"), max_length=TITLE_MAX_CHARS)
    description = FreeTextField(label=_("情况描述"), widget=forms.Textarea(attrs={"rows": 4}),
                                max_length=DESCRIPTION_MAX_CHARS)
    address = FreeTextField(label=_("具体位置"), max_length=ADDRESS_MAX_CHARS, required=False)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices, initial=RiskLevel.LOW)
    group_size = forms.IntegerField(label=_("涉及人数（群体性事件填写）"), required=False, min_value=2,
                                    max_value=100_000)
    photos = PhotosField(label=_("现场照片"))
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=new_client_key)

    def __init__(self, *args: object, grids: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [(g.pk, g.name) for g in grids]
        self.fields["category"].queryset = (Category.objects.filter(active=True, children__isnull=True)
                                            .select_related("parent").order_by("ordering", "code"))


class ItemForm(forms.Form):
    """信息采集: an entry of the grid's ledger, new or changed (`collected_item_save`)."""

    kind = forms.ChoiceField(label=_("类别"), choices=ItemKind.choices)
    name = FreeTextField(label=_("名称"), max_length=ITEM_NAME_MAX_CHARS)
    address = FreeTextField(label=_("地址"), max_length=ITEM_ADDRESS_MAX_CHARS, required=False)
    households = forms.IntegerField(label=_("户数"), required=False, min_value=0, max_value=1_000_000)
    residents = forms.IntegerField(label=_("人数"), required=False, min_value=0, max_value=10_000_000)
    details = FreeTextField(label=_("情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            max_length=ITEM_DETAILS_MAX_CHARS)
    once = OnceField()  # 保存 pressed twice records one entry


class VerifyForm(forms.Form):
    passed = forms.TypedChoiceField(label=_("核查结果"), choices=[("yes", _("核查通过")), ("no", _("未通过"))],
                                    coerce=lambda v: v == "yes", widget=forms.RadioSelect)
    notes = FreeTextField(label=_("核查说明"), required=False, max_length=NOTE_MAX_CHARS,
                          widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("现场照片"))


class KeyPersonRiskForm(ActionForm):
    """A new risk level, with its reason, for the key person (`target`): `keyperson_set_risk`."""

    risk_level = forms.ChoiceField(label=_("风险等级"), choices=KeyPersonRisk.choices,
                                   widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    reason = FreeTextField(label=_("理由"), max_length=RISK_REASON_MAX_CHARS,
                           widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))


class KeyPersonFollowUpForm(ActionForm):
    """A follow-up visit (`target`) recorded: `keyperson_follow_up_done`."""

    notes = FreeTextField(label=_("走访情况"), max_length=FOLLOW_UP_NOTES_MAX_CHARS,
                          widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}))


class StationSettleForm(ActionForm):
    """自办 at the station (intake's `case_settle_on_spot`) of the matter (`target`)."""

    result = FreeTextField(label=_("办理结果"), max_length=RESULT_MAX_CHARS,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


class StationEscalateForm(ActionForm):
    """上提 (dispatch's `case_move_center`) of the matter (`target`) to the center above the station."""

    reason = FreeTextField(label=_("上提理由"), max_length=MOVE_REASON_MAX_CHARS,
                           widget=forms.TextInput(attrs={"class": "form-control"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.center is None or self.center.parent is None:
            raise forms.ValidationError(_("本站没有上级中心，无法上提。"))
        data["to_center"] = self.center.parent
        return data


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


for _form in (PatrolStartForm, PatrolFinishForm, ReportForm, ItemForm, VerifyForm):
    _original_init = _form.__init__

    def _init(self: forms.Form, *args: object, __init=_original_init, **kwargs: object) -> None:
        __init(self, *args, **kwargs)
        _bootstrap(self)

    _form.__init__ = _init  # type: ignore[method-assign]
