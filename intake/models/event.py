"""The append-only timeline of a matter (saleor OrderEvent, zulip RealmAuditLog)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router, transaction
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from governance.append_only import AppendOnlyModel, AppendOnlyQuerySet
from intake.chain import events_seal
from intake.choices import EventSource

# The assignment events the monthly assessment counts (`review.selectors.assessment.EVENT_TYPES`),
# sorted: the condition of the index `caseevent_assignment` (a test keeps the two equal).
ASSESSED_ASSIGNMENT_EVENT_TYPES = ("assignment.decline_accepted", "assignment.decline_refused", "assignment.declined",
                                   "assignment.returned_for_rework", "case.reopened")
# An escalation (`dispatch.choices.DispatchEventType.CASE_ESCALATED`): the condition of the index
# `caseevent_escalated_from`.
ESCALATION_EVENT_TYPE = "case.escalated"


class CaseEventQuerySet(AppendOnlyQuerySet):
    def bulk_create(self, objs: Any, *args: Any, new_case_ids: frozenset[int] = frozenset(),
                    **kwargs: Any) -> list[CaseEvent]:
        # Every insert through the ORM is sealed into its matter's hash chain, under the matter's lock
        # (intake/chain.py): no path can append an event that the chain does not cover.
        # `new_case_ids`: matters inserted by this very transaction (registration), which no one
        # else can see yet and which have no event: neither locked nor read.
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            events_seal(events=objs, using=self.db, new_case_ids=new_case_ids)
            return super().bulk_create(objs, *args, **kwargs)


class CaseEvent(AppendOnlyModel):
    """One line of a matter's timeline; append-only (`governance.append_only`), each row sealed into
    its matter's hash chain as it is inserted."""

    # Indexed by `caseevent_case_type`, which leads with it; a matter's timeline is read through it too, its
    # few events sorted in memory (issue 25's index audit: a (case, occurred_at, id) index no longer pays).
    case = models.ForeignKey("intake.Case", on_delete=models.PROTECT, related_name="events", db_index=False)
    # Indexed in Meta.indexes (`intake_caseevent_type_b9abc3af`), without the pattern twin of `db_index`.
    type = models.CharField(_("事件"), max_length=60, help_text=_("如 case.registered"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=10, choices=EventSource.choices, default=EventSource.WEB)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(_("发生时间"), db_index=True)
    # The hash chain (intake/chain.py): `hash` covers this event's content and `prev_hash`, the hash of
    # the matter's previous event ("" for its first). Empty (NULL) only for a row written outside the
    # application, which the verifier reports.
    prev_hash = models.CharField(_("前一事件摘要"), max_length=64, null=True, blank=True, editable=False)
    hash = models.CharField(_("摘要"), max_length=64, null=True, blank=True, editable=False)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("事项时间线")
        verbose_name_plural = _("事项时间线")
        ordering = ["occurred_at", "id"]
        indexes = [
            # The events of a type, whatever the matter (the radar's reopened, a station's settled), without
            # the `_like` twin of a CharField's db_index: nothing matches a type by prefix.
            models.Index(fields=["type"], name="intake_caseevent_type_b9abc3af"),
            # Whether a matter's timeline records an event of a type, read from the index alone: the
            # facts the assessment and the work report count for a month's matters
            # (`review.selectors.assessment_rows.matter_figures`: one probe per matter, not a scan of the
            # timeline), and every lookup of a matter's events of a type.
            models.Index(fields=["case", "type"], name="caseevent_case_type"),
            # The assessment's events about an assignment since the month began (an assignment's events
            # follow it), joined to the month's assignments by their `assignment` key
            # (`review.selectors.assessment_rows.events`, whose type filter is this condition; the types
            # are dispatch's, written here as text: intake does not import dispatch). Issue 25: keyed by
            # the assignment, the join read every such event ever written (138,000 at 2M matters).
            models.Index(fields=["occurred_at"], name="caseevent_assessed_since",
                         condition=models.Q(type__in=ASSESSED_ASSIGNMENT_EVENT_TYPES)),
            # The escalations that left a center (`from_center`): a village station's recent work.
            models.Index(Cast(KT("data__from_center"), models.IntegerField()), name="caseevent_escalated_from",
                         condition=models.Q(type=ESCALATION_EVENT_TYPE)),
        ]
        # Two events can never follow the same one: a fork of the chain is refused by the database.
        constraints = [models.UniqueConstraint(fields=["case", "prev_hash"], name="caseevent_chain_no_fork")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Refused before sealing: a refused save neither locks the matter nor reads its chain.
        self.refuse_if_stored(force_insert=bool(kwargs.get("force_insert")))
        using = kwargs.get("using") or router.db_for_write(CaseEvent, instance=self)
        with transaction.atomic(using=using, savepoint=False):
            events_seal(events=[self], using=using)
            super().save(*args, **kwargs)
