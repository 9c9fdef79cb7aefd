"""Admin of intake: categories (initials filled by the service), matters, parties, read-only history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.admin import ReadOnlyAdmin
from governance.counting import CappedPaginator
from governance.crypto import pii_digest
from governance.errors import ApplicationError
from governance.text import FreeTextField
from intake.answer_limits import answer_limit_errors, category_answer_limit
from intake.events import event_types
from intake.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseLink,
    CaseParty,
    CaseSequence,
    Category,
    Party,
    PlatformKey,
    SensitiveView,
    TimelineCheck,
)
from intake.open311.services import platform_key_create, platform_key_revoke
from intake.services import category_save
from intake.validators import PHRASES_MAX_CHARS, mask_id_number, phone_search_key


class CategoryAdminForm(forms.ModelForm):
    phrases = FreeTextField(label=_("常用语"), required=False, max_length=PHRASES_MAX_CHARS,
                            widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("窗口登记时可一键插入事项描述的常用语，每行一条；下级类别没有时用上级类别的。"))

    class Meta:
        model = Category
        fields = ("parent", "code", "name", "initials", "default_complexity", "answer_limit", "answer_limit_unit",
                  "ordering", "active", "phrases")
        field_classes = {"name": FreeTextField}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        parent = data.get("parent")
        if parent is not None and (parent.parent_id or (self.instance.pk and parent.pk == self.instance.pk)):
            raise forms.ValidationError({"parent": "事项类别只有两级：上级类别必须是一级类别。"})
        if "answer_limit" in data and "answer_limit_unit" in data:
            for field, message in answer_limit_errors(data["answer_limit"], data["answer_limit_unit"]).items():
                self.add_error(field, message)
        return data


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ("code", "name", "parent", "initials", "default_complexity", "answer_limit_shown", "ordering",
                    "active")
    list_select_related = ("parent",)
    list_filter = ("parent", "active", "default_complexity", "answer_limit_unit")
    search_fields = ("code", "name", "initials")
    list_editable = ("ordering", "active")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("parent")

    @admin.display(description=_("答复时限"))
    def answer_limit_shown(self, obj: Category) -> str:
        own = category_answer_limit(obj) if obj.answer_limit else None
        if own is not None:
            return own.label
        inherited = category_answer_limit(obj)
        if inherited is not None:
            return gettext("%(limit)s（沿用上级）") % {"limit": inherited.label}
        return gettext("按复杂程度")

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        try:
            category_save(category=obj)
        except ApplicationError as error:
            messages.error(request, error.message)


class CasePartyInline(admin.TabularInline):
    model = CaseParty
    extra = 0
    raw_id_fields = ("party",)


def _download_link(obj: Attachment) -> str:
    if not obj.pk:
        return "—"
    return format_html('<a href="{}">{}</a>', reverse("intake:attachment", args=[obj.pk]), _("下载"))




class AttachmentInline(admin.TabularInline):
    """Files come in only through the one upload validator (window, API, report-back): none here."""

    model = Attachment
    extra = 0
    fields = ("name", "download", "size", "content_type", "purpose", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    @admin.display(description=_("文件"))
    def download(self, obj: Attachment) -> str:
        return _download_link(obj)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("occurred_at", "type", "actor", "from_status", "to_status", "source", "data")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "category", "channel", "status", "first_receiver", "registered_at")
    list_filter = ("status", "channel", "operating_mode", "category__parent")
    search_fields = ("code", "title", "external_ref")
    list_select_related = ("category__parent", "first_receiver")
    raw_id_fields = ("category", "grid", "town", "first_receiver", "window", "district", "center")
    # Codes, sequence and status move only through the services (transition table, timeline).
    readonly_fields = ("code", "year", "sequence", "status", "registered_at", "operating_mode", "updated_at")
    inlines = (CasePartyInline, AttachmentInline, CaseEventInline)
    show_full_result_count = False
    paginator = CappedPaginator

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a list of millions: counted up to a cap
    paginator = CappedPaginator
    list_display = ("name", "kind", "masked_id", "phone", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "=credit_code")
    exclude = ("id_number",)
    readonly_fields = ("masked_id",)

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        """Also an exact ID number or phone, through their blind index (they are stored encrypted)."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            phone = phone_search_key(term)
            digests = Q(id_number_digest=pii_digest(term.upper()))
            if phone:
                digests |= Q(phone_digest=pii_digest(phone))
            results = results | queryset.filter(digests)
        return results, duplicates

    @admin.display(description="公民身份号码")
    def masked_id(self, obj: Party) -> str:
        return mask_id_number(obj.id_number)


@admin.register(CaseLink)
class CaseLinkAdmin(admin.ModelAdmin):
    list_display = ("from_case", "to_case", "note", "created_by", "created_at")
    raw_id_fields = ("from_case", "to_case", "created_by")


@admin.register(CaseSequence)
class CaseSequenceAdmin(ReadOnlyAdmin):
    list_display = ("district", "year", "last_value")


class EventTypeFilter(admin.SimpleListFilter):
    """The timeline's types from the declared vocabulary (`intake.events.event_types`), with their labels:
    Django's own filter reads every type present with a DISTINCT over the whole timeline."""

    title = _("事件")
    parameter_name = "type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return sorted(((value, f"{label}（{value}）") for value, label in event_types().items()), key=lambda x: x[0])

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(type=self.value()) if self.value() else queryset


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "type", "actor", "from_status", "to_status", "source", "occurred_at")
    list_filter = (EventTypeFilter, "source")
    search_fields = ("case__code",)
    list_select_related = ("case", "actor")
    show_full_result_count = False
    paginator = CappedPaginator


@admin.register(TimelineCheck)
class TimelineCheckAdmin(ReadOnlyAdmin):
    """The verifier's runs (nightly and `verify_timeline`): the first broken link of each matter."""

    list_display = ("started_at", "finished_at", "matters", "events", "broken")


@admin.register(SensitiveView)
class SensitiveViewAdmin(ReadOnlyAdmin):
    list_display = ("viewed_at", "actor", "party", "case", "field", "page")
    list_select_related = ("actor", "party", "case")
    search_fields = ("actor__username", "case__code")


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Read-only: files come in only through the one upload validator, and go out only through
    the download view, which checks that the user may see the matter."""
    show_full_result_count = False  # a list of millions: counted up to a cap
    paginator = CappedPaginator

    list_display = ("name", "case", "purpose", "size", "content_type", "uploaded_by", "uploaded_at")
    fields = ("name", "case", "download", "purpose", "size", "content_type", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    @admin.display(description=_("文件"))
    def download(self, obj: Attachment) -> str:
        return _download_link(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PlatformKey)
class PlatformKeyAdmin(admin.ModelAdmin):
    """Open311 platform keys: the key is generated on save and shown once; keys are revoked, not deleted."""

    list_display = ("name", "prefix", "source", "center", "receiver", "created_at", "revoked_at")
    list_filter = ("center", "revoked_at")
    search_fields = ("name", "prefix", "source")
    readonly_fields = ("prefix", "receiver", "created_at", "revoked_at")
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: PlatformKey | None = None) -> list[str]:
        if obj is None:
            return ["name", "source", "center"]
        return ["name", "source", "center", "prefix", "receiver", "created_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: PlatformKey | None = None) -> list[str]:
        if obj is None:
            return []
        return ["name", "source", "center", "prefix", "receiver", "created_at", "revoked_at"]

    def get_form(self, request: HttpRequest, obj: PlatformKey | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if obj is None and "source" in form.base_fields:
            form.base_fields["source"].required = False
        return form

    def save_model(self, request: HttpRequest, obj: PlatformKey, form: Any, change: bool) -> None:
        if change:
            return
        try:
            key, raw_key = platform_key_create(name=obj.name, center=obj.center, source=obj.source)
        except ApplicationError as error:
            messages.error(request, error.message)
            return
        obj.pk, obj.key_hash, obj.prefix, obj.receiver = key.pk, key.key_hash, key.prefix, key.receiver
        obj.source, obj.created_at = key.source, key.created_at
        messages.warning(request, f"“{key.name}”的密钥（只显示这一次，请复制后交给平台）：{raw_key}")

    def has_delete_permission(self, request: HttpRequest, obj: PlatformKey | None = None) -> bool:
        return False

    @admin.action(description="吊销所选密钥")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        revoked = sum(platform_key_revoke(name=name) for name in queryset.values_list("name", flat=True))
        messages.success(request, f"已吊销 {revoked} 个密钥。")
