"""Input and output shapes of the intake API. Shapes only: the rules are in `intake.services`.

ID numbers are always masked here; the full number comes only from the audited full-ID action.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from governance.api import IdField
from governance.models import ServiceWindow
from governance.parsing import DB_ID_MAX, ApiDateField, ApiDateTimeField
from governance.people import display_name
from governance.text import FreeTextSerializerField
from intake.choices import CaseStatus, Channel, Complexity, PartyKind, PartyRole, RiskLevel, Urgency
from intake.models import Attachment, Case, CaseEvent, CaseParty, Category, Party
from intake.services import MatterInput, PartyInput
from intake.validators import (
    ADDRESS_MAX_CHARS,
    DESCRIPTION_MAX_CHARS,
    EXTERNAL_REF_MAX_CHARS,
    LINK_NOTE_MAX_CHARS,
    PARTY_NAME_MAX_CHARS,
    RESULT_MAX_CHARS,
    SEND_NOTE_MAX_CHARS,
    TITLE_MAX_CHARS,
    mask_id_number,
    mask_phone,
)

# --- shared ---------------------------------------------------------------------------------------


class IntakeErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)
    fields = serializers.DictField(required=False)
    extra = serializers.DictField(required=False)


class IntakeErrorSerializer(serializers.Serializer):
    """`{"error": {code, message, field?, fields?}}` (governance.api.exception_handler)."""

    error = IntakeErrorBodySerializer()


class IntakePersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return display_name(user)


class IntakeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()


class CategoryRefSerializer(IntakeRefSerializer):
    path = serializers.CharField(source="__str__")


class WindowRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField()
    name = serializers.CharField()


class ModelShapeSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose fields are built from the model once per class, then copied.

    DRF rebuilds every field from the model's metadata on each instance (validators, labels,
    choices): half of the time of a registration's 201 answer. The fields of these output shapes
    depend on the class alone (none reads `context` or `instance` to choose its fields), so the
    built set is kept and each instance gets a fresh copy of it (`_fresh`)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return {name: _fresh(field) for name, field in built.items()}


# Fields holding other fields (a nested serializer, a list's child, a many relation's child) bind
# those to themselves.
_HOLDERS = (serializers.BaseSerializer, serializers.ListField, serializers.DictField, serializers.ManyRelatedField)


def _fresh(field: serializers.Field) -> serializers.Field:
    """An unbound copy of a field that was never bound. DRF deep-copies each field (rebuilding it
    from its arguments: two thirds of a registration's answer, issue 25); a field that holds no
    other field keeps nothing that binding or reading changes but its own attributes, so a shallow
    copy is as fresh. Fields holding others are deep-copied, as DRF does."""
    return copy.deepcopy(field) if isinstance(field, _HOLDERS) else copy.copy(field)


# --- parties --------------------------------------------------------------------------------------


class PartyOutSerializer(ModelShapeSerializer):
    id_number = serializers.SerializerMethodField(help_text="脱敏：350521********1237")
    phone = serializers.SerializerMethodField(help_text="脱敏：138****8000")

    class Meta:
        model = Party
        fields = ["id", "kind", "name", "id_number", "credit_code", "phone", "address"]

    def get_id_number(self, party: Party) -> str:
        return mask_id_number(party.id_number)

    def get_phone(self, party: Party) -> str:
        return mask_phone(party.phone)


class CasePartyOutSerializer(ModelShapeSerializer):
    party = PartyOutSerializer()

    class Meta:
        model = CaseParty
        fields = ["role", "is_spokesman", "party"]


class PartyLookupSerializer(serializers.Serializer):
    party = PartyOutSerializer(allow_null=True, help_text="最可能的当事人（身份证号优先），用于预填")
    earlier_cases = serializers.ListField(child=serializers.DictField(), help_text="重复访：此前的事项，新的在前")


class FullIdRequestSerializer(serializers.Serializer):
    case = serializers.CharField(help_text="事项 id 或编号（查看记录在该事项的时间线上）")


class FullIdSerializer(serializers.Serializer):
    id_number = serializers.CharField()


# --- matters --------------------------------------------------------------------------------------


def _overdue(case: Case) -> bool:
    return bool(case.due_at and case.due_at < timezone.now() and case.status != CaseStatus.CLOSED)


class CaseListItemSerializer(ModelShapeSerializer):
    status_label = serializers.CharField(source="get_status_display")
    channel_label = serializers.CharField(source="get_channel_display")
    category = CategoryRefSerializer()
    town = IntakeRefSerializer(allow_null=True)
    grid = IntakeRefSerializer(allow_null=True)
    first_receiver = IntakePersonSerializer()
    window = WindowRefSerializer(allow_null=True)
    # A nested serializer, not a method building one per row: that rebuilt the party's fields for
    # every row (most of a list page's time). `case_list` sets `applicant` on each row.
    applicant = PartyOutSerializer(allow_null=True, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "code", "title", "status", "status_label", "channel", "channel_label", "category", "town",
                  "grid", "urgency", "registered_at", "expected_answer_at", "due_at", "overdue", "first_receiver",
                  "window", "applicant"]

    def get_overdue(self, case: Case) -> bool:
        return _overdue(case)


class AttachmentOutSerializer(ModelShapeSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "purpose", "uploaded_at"]


class CaseEventOutSerializer(ModelShapeSerializer):
    actor = IntakePersonSerializer(allow_null=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "type", "actor", "source", "from_status", "to_status", "data", "occurred_at"]


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    title = serializers.CharField()


class CaseLinkOutSerializer(serializers.Serializer):
    other = CaseRefSerializer()
    note = serializers.CharField()
    outgoing = serializers.BooleanField()
    created_at = ApiDateTimeField()


class CaseDetailSerializer(CaseListItemSerializer):
    applicant = serializers.SerializerMethodField()
    center = IntakeRefSerializer()
    # Read by the view through the selectors and set on the row (`case_detail_rows`).
    parties = CasePartyOutSerializer(source="party_rows", many=True)
    attachments = AttachmentOutSerializer(source="attachment_rows", many=True)
    links = CaseLinkOutSerializer(source="link_rows", many=True)
    timeline = CaseEventOutSerializer(source="timeline_rows", many=True)

    class Meta(CaseListItemSerializer.Meta):
        fields = [*CaseListItemSerializer.Meta.fields, "description", "address", "latitude", "longitude",
                  "risk_level", "complexity", "handling_mode", "operating_mode", "is_group", "group_size",
                  "center", "external_ref", "external_source", "settlement", "resolved", "closed_at",
                  "updated_at", "parties", "attachments", "links", "timeline"]

    @extend_schema_field(PartyOutSerializer(allow_null=True))
    def get_applicant(self, case: Case) -> dict[str, Any] | None:
        applicants = [link for link in case.party_rows if link.role == PartyRole.APPLICANT]
        applicants.sort(key=lambda link: not link.is_spokesman)
        return PartyOutSerializer(applicants[0].party).data if applicants else None


# One object, though its view is a list view: the page is the answer, not an array of pages.
@extend_schema_serializer(many=False)
class CasePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="符合条件的事项数，超过 10000 时为 10000")
    count_capped = serializers.BooleanField(help_text="为 true 时实际数目多于 count")
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = CaseListItemSerializer(many=True)


class CaseListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    category = IdField(required=False, help_text="一级类别包含其子类别")
    town = IdField(required=False)
    grid = IdField(required=False)
    date_from = ApiDateField(required=False, help_text="登记日期起（含），YYYY-MM-DD")
    date_to = ApiDateField(required=False, help_text="登记日期止（含），YYYY-MM-DD")
    overdue = serializers.BooleanField(required=False, default=False)
    first_receiver = IdField(required=False)
    q = serializers.CharField(required=False, max_length=100, help_text="标题、描述、事项编号")
    page = serializers.IntegerField(min_value=1, max_value=100_000, required=False, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": "截止日期不能早于起始日期。"})
        return attrs


@extend_schema_field({"type": "array", "items": {"type": "object"}})
class JSONListField(serializers.Field):
    """A list of objects, as JSON or — in a multipart form — as a JSON string."""

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("不是有效的 JSON。") from None
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise serializers.ValidationError("应为对象数组。")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class IdListField(serializers.Field):
    """A list of ids, as JSON or — in a multipart form — as a JSON string such as "[12, 15]"."""

    def to_internal_value(self, data: Any) -> list[int]:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("不是有效的 JSON。") from None
        if not isinstance(data, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in data):
            raise serializers.ValidationError("应为事项 id 的数组。")
        if not all(1 <= i <= DB_ID_MAX for i in data):
            raise serializers.ValidationError("事项 id 超出范围。")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class PartyInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PartyKind.choices, default=PartyKind.PERSON)
    name = FreeTextSerializerField(label=_("姓名/单位名称"), allow_blank=True, default="", max_length=PARTY_NAME_MAX_CHARS)
    id_number = serializers.CharField(allow_blank=True, default="")
    credit_code = serializers.CharField(allow_blank=True, default="")
    phone = serializers.CharField(allow_blank=True, default="")
    address = FreeTextSerializerField(label=_("住址"), allow_blank=True, default="", max_length=ADDRESS_MAX_CHARS)
    role = serializers.ChoiceField(choices=PartyRole.choices, default=PartyRole.APPLICANT)
    is_spokesman = serializers.BooleanField(default=False)
    on_difference = serializers.ChoiceField(
        choices=[("keep", "keep"), ("update", "update")], required=False, default="",
        help_text="证件号已登记且姓名/电话/住址不一致时：keep 沿用登记信息，update 更新为本次填写；"
                  "不填则返回 409 party_differs 及差异。")


class CaseRegisterSerializer(serializers.Serializer):
    """JSON, or multipart with `attachments` files (then `parties` and `link_to` are JSON strings)."""

    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WALK_IN)
    category = IdField(help_text="事项类别 id（见 /api/intake/categories/）")
    title = FreeTextSerializerField(label=_("标题"), allow_blank=True, max_length=TITLE_MAX_CHARS)
    description = FreeTextSerializerField(label=_("事项描述"), allow_blank=True, max_length=DESCRIPTION_MAX_CHARS)
    parties = JSONListField(required=False, default=list, help_text="当事人数组，字段见 PartyIn")
    address = FreeTextSerializerField(label=_("发生地址"), required=False, default="", max_length=ADDRESS_MAX_CHARS)
    grid = IdField(required=False, allow_null=True, default=None)
    latitude = serializers.DecimalField(max_digits=20, decimal_places=12, required=False, allow_null=True,
                                        default=None)
    longitude = serializers.DecimalField(max_digits=20, decimal_places=12, required=False, allow_null=True,
                                         default=None)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.LOW)
    complexity = serializers.ChoiceField(choices=Complexity.choices, required=False, allow_blank=True,
                                         default="", help_text="留空按类别默认")
    window = IdField(required=False, allow_null=True, default=None)
    is_group = serializers.BooleanField(default=False)
    group_size = serializers.IntegerField(min_value=1, default=1)
    external_ref = FreeTextSerializerField(label=_("外部工单号"), required=False, default="",
                                           max_length=EXTERNAL_REF_MAX_CHARS)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    link_to = IdListField(required=False, default=list, help_text="要关联的此前事项 id 数组")

    def validate_parties(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        serializer = PartyInSerializer(data=value, many=True)
        serializer.is_valid(raise_exception=True)
        return list(serializer.validated_data)

    @staticmethod
    def matter(data: dict[str, Any], *, window: ServiceWindow | None) -> MatterInput:
        """The matter a valid body asks to register (`case_register`), with the window the view found
        for its id; an external number is the caller's own (source "api")."""
        return MatterInput(
            channel=data["channel"], category=data["category"], title=data["title"], description=data["description"],
            parties=[PartyInput(**party) for party in data["parties"]], address=data["address"], grid=data["grid"],
            latitude=data["latitude"], longitude=data["longitude"], urgency=data["urgency"],
            risk_level=data["risk_level"], complexity=data["complexity"] or None, window=window,
            is_group=data["is_group"], group_size=data["group_size"], external_ref=data["external_ref"],
            external_source="api" if data["external_ref"] else "", attachments=data["attachments"],
            link_to=data["link_to"],
        )


class SettleSerializer(serializers.Serializer):
    result = FreeTextSerializerField(label=_("办理结果"), allow_blank=True, max_length=RESULT_MAX_CHARS, help_text="办理结果")
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class SendToDispatchSerializer(serializers.Serializer):
    note = FreeTextSerializerField(label=_("说明"), required=False, default="", max_length=SEND_NOTE_MAX_CHARS)


class LinkSerializer(serializers.Serializer):
    other = serializers.CharField(help_text="此前事项的 id 或编号")
    note = FreeTextSerializerField(label=_("关联说明"), required=False, default="", max_length=LINK_NOTE_MAX_CHARS)


class LinkOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    from_case = serializers.IntegerField(source="from_case_id")
    to_case = serializers.IntegerField(source="to_case_id")
    note = serializers.CharField()
    created_at = ApiDateTimeField()


# --- categories -----------------------------------------------------------------------------------


class CategoryChildSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "initials", "default_complexity"]


class CategoryTreeSerializer(serializers.ModelSerializer):
    children = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "code", "name", "initials", "default_complexity", "children"]

    @extend_schema_field(CategoryChildSerializer(many=True))
    def get_children(self, category: Category) -> list[dict[str, Any]]:
        rows = sorted((c for c in category.children.all() if c.active), key=lambda c: (c.ordering, c.code))
        return CategoryChildSerializer(rows, many=True).data

