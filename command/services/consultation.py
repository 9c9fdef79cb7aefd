"""Consultations (议事会商): schedule and invite, agenda, attendance and minutes, decisions whose
action items run on the deadline engine until their owner reports them done.

A new consultation opens with the open action items of the earlier ones of its kind (carried onto
its agenda), so nothing decided is forgotten between meetings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import (
    ACTION_SUBJECT,
    CONSULTATION_KINDS_BY_LEVEL,
    CONSULTATION_SUBJECT,
    ActionStatus,
    CommandEventType,
    ConsultationKind,
    ConsultationStatus,
    SignalStatus,
)
from command.models import (
    ActionItem,
    AgendaItem,
    Consultation,
    Decision,
    Invitation,
    MeetingCadence,
    RiskSignal,
    WarningLetter,
)
from command.selectors.work import require_command_center
from command.services.signals import signal_transition
from dispatch.choices import EscalationTarget, StepKind
from dispatch.models import DeadlineStep
from dispatch.services import PlannedStep, StepOutbox, deadline_steps_cancel, deadline_steps_schedule
from dispatch.services.common import CommanderCache, notify_on_commit, recipients_for
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center, Department, Profile
from governance.roles import MAY_HANDLE_ASSIGNMENTS, MAY_ORGANIZE_CONSULTATIONS, may, user_department_ids
from governance.transitions import guarded_move
from intake.choices import EventSource
from intake.events import case_event_record
from intake.models import Case

ACTION_REMINDER_LEAD = dt.timedelta(days=1)
ACTION_ESCALATION_AFTER = dt.timedelta(days=1)


def consultation_link(consultation: Consultation) -> str:
    return reverse("command:consultation", args=[consultation.pk])


def _require_organizer(actor: AbstractBaseUser, consultation: Consultation | None = None, *,
                       center: Center | None = None) -> None:
    """The meeting's chair, or the organizing roles of the meeting's own center (a town's people
    organize their town's meetings, never the district's)."""
    if consultation is not None and consultation.chair_id == actor.pk:
        return
    if not may(actor, MAY_ORGANIZE_CONSULTATIONS):
        raise PermissionDeniedError(gettext("只有轮值主任、调度员、指挥长或会议主持人可以安排和记录会商。"))
    require_command_center(actor=actor, center=consultation.center if consultation is not None else center)


def _require_scheduled(consultation: Consultation) -> None:
    if consultation.status != ConsultationStatus.SCHEDULED:
        raise ApplicationError(gettext("会商已召开或已取消，不能再修改议程。"), code="invalid_transition")


@transaction.atomic
def consultation_schedule(
    *, actor: AbstractBaseUser, center: Center, kind: str, title: str, scheduled_at: dt.datetime | None,
    chair: AbstractBaseUser | None, invitees: Iterable[AbstractBaseUser] = (), place: str = "",
    now: dt.datetime | None = None,
) -> Consultation:
    """Schedule a meeting, invite people (notified after commit) and carry the open action items."""
    now = now or timezone.now()
    _require_organizer(actor, center=center)
    if kind not in ConsultationKind.values:
        raise ApplicationError(gettext("请选择会商类型。"), code="invalid", field="kind")
    if kind not in CONSULTATION_KINDS_BY_LEVEL.get(center.level, ()):
        raise ApplicationError(gettext("%(center)s不召开“%(kind)s”：镇综治中心召开每周工作例会、月度联席会议和临时会商，"
                                       "区中心召开领导班子、常驻部门、调度中心会商和临时会商。") % {
            "center": center.name, "kind": ConsultationKind(kind).label}, code="invalid", field="kind")
    title = (title or "").strip() or f"{ConsultationKind(kind).label}"
    if len(title) > 200:
        raise ApplicationError(gettext("会议名称不超过 200 字。"), code="invalid", field="title")
    if scheduled_at is None:
        raise ApplicationError(gettext("请填写会议时间。"), code="invalid", field="scheduled_at")
    if chair is None or not chair.is_active:
        raise ApplicationError(gettext("请选择主持人。"), code="invalid", field="chair")
    return consultation_create(center=center, kind=kind, title=title, scheduled_at=scheduled_at, chair=chair,
                               invitees=invitees, place=place, created_by=actor, now=now)


def consultation_create(
    *, center: Center, kind: str, title: str, scheduled_at: dt.datetime, chair: AbstractBaseUser,
    invitees: Iterable[AbstractBaseUser], place: str, created_by: AbstractBaseUser, now: dt.datetime,
    cadence: MeetingCadence | None = None, occurrence: int | None = None,
) -> Consultation:
    """The meeting row, its invitations (notified after commit) and the open action items of the
    earlier meetings of its kind carried onto its agenda. Callers authorise: a person scheduling
    (`consultation_schedule`) or a standing meeting's rhythm (`command.services.cadence`)."""
    consultation = Consultation.objects.create(
        center=center, kind=kind, title=title, scheduled_at=scheduled_at, place=(place or "").strip()[:200],
        chair=chair, created_by=created_by, created_at=now, cadence=cadence, occurrence=occurrence)
    people = {user.pk: user for user in [chair, *invitees] if user is not None and user.is_active}
    departments = _departments_of(list(people.values()))
    Invitation.objects.bulk_create([
        Invitation(consultation=consultation, user=user, department_id=departments.get(user.pk))
        for user in people.values()
    ])
    carried = list(
        ActionItem.objects.filter(status=ActionStatus.OPEN, decision__consultation__center=center,
                                  decision__consultation__kind=kind,
                                  decision__consultation__scheduled_at__lt=scheduled_at)
        .exclude(decision__consultation=consultation).select_related("decision").order_by("due_at", "pk")
    )
    AgendaItem.objects.bulk_create([
        AgendaItem(consultation=consultation, position=i, carried_action=item,
                   title=f"上次会商未落实：{item.decision.text[:150]}")
        for i, item in enumerate(carried, start=1)
    ])
    notify_on_commit(
        recipients=list(people.values()), kind="consultation.invited",
        title=f"会商通知：{title}",
        body=f"{timezone.localtime(scheduled_at):%Y-%m-%d %H:%M} {consultation.place}".strip(),
        link=consultation_link(consultation), dedupe_key=f"consultation:{consultation.pk}:invited", now=now)
    return consultation


def consultation_schedule_wartime(
    *, actor: AbstractBaseUser, center: Center, title: str, scheduled_at: dt.datetime, chair: AbstractBaseUser,
    invitees: Iterable[AbstractBaseUser], now: dt.datetime,
) -> int:
    """The first 战时会商 of a wartime episode (dispatch's hook): an ad-hoc meeting of a sensitive
    period at the command center, chaired by the commander, with the plan's people invited."""
    return consultation_schedule(actor=actor, center=center, kind=ConsultationKind.AD_HOC, title=title,
                                 scheduled_at=scheduled_at, chair=chair, invitees=invitees,
                                 place=gettext("指挥中心"), now=now).pk


def _departments_of(users: Sequence[AbstractBaseUser]) -> dict[int, int]:
    """The department each invited person represents (profile, or liaison of)."""
    found: dict[int, int] = {}
    for dept_id, liaison_id in Department.objects.filter(liaison__in=users).values_list("pk", "liaison_id"):
        found.setdefault(liaison_id, dept_id)

    for user_id, dept_id in Profile.objects.filter(user__in=users, department__isnull=False).values_list(
            "user_id", "department_id"):
        found.setdefault(user_id, dept_id)
    return found


@transaction.atomic
def agenda_add(
    *, actor: AbstractBaseUser, consultation: Consultation, title: str = "", case: Case | None = None,
    signal: RiskSignal | None = None, letter: WarningLetter | None = None, now: dt.datetime | None = None,
) -> AgendaItem:
    """Put a matter, a risk signal or a letter (or a free topic) on the agenda, once."""
    now = now or timezone.now()
    _require_organizer(actor, consultation)
    _require_scheduled(consultation)
    for item, field in ((case, "district_id"), (signal, "center_id"), (letter, "center_id")):
        if item is not None and getattr(item, field) != consultation.center_id:
            raise ApplicationError(gettext("议题不属于本中心。"), code="invalid")
    title = (title or "").strip()
    if not title:
        title = (signal.title if signal else letter and f"{letter.reference} {letter.subject}"
                 or case and f"{case.code} {case.title}" or "")
    if not title:
        raise ApplicationError(gettext("请填写议题。"), code="invalid", field="title")
    position = consultation.agenda.count() + 1
    try:
        with transaction.atomic():
            item = AgendaItem.objects.create(consultation=consultation, position=position, title=title[:200],
                                             case=case, signal=signal, letter=letter, added_by=actor)
    except IntegrityError:
        raise ApplicationError(gettext("该议题已在议程中。"), code="conflict") from None
    if signal is not None:
        signal_transition(signal=signal, to_status=SignalStatus.ON_AGENDA, actor=actor, now=now)
    if case is not None:
        case_event_record(case=case, type=CommandEventType.AGENDA_ADDED, actor=actor, now=now,
                          data={"consultation": consultation.pk, "title": consultation.title})
    return item


@transaction.atomic
def consultation_record(
    *, actor: AbstractBaseUser, consultation: Consultation, attended_user_ids: Iterable[int], minutes: str,
    now: dt.datetime | None = None,
) -> Consultation:
    """The meeting was held: attendance and minutes (scheduled → held, once)."""
    now = now or timezone.now()
    _require_organizer(actor, consultation)
    minutes = (minutes or "").strip()
    if not minutes:
        raise ApplicationError(gettext("请填写会议纪要。"), code="invalid", field="minutes")
    guarded_move(consultation, ConsultationStatus.HELD, minutes=minutes, held_at=now)
    attended = {int(pk) for pk in attended_user_ids}
    consultation.invitations.update(attended=False)
    consultation.invitations.filter(user_id__in=attended).update(attended=True)
    deadline_steps_cancel(subject_type=CONSULTATION_SUBJECT, subject_id=consultation.pk, now=now)
    consultation.refresh_from_db()
    return consultation


def _owner_people(item: ActionItem) -> list[AbstractBaseUser]:
    if item.owner_user_id:
        return [item.owner_user]
    if item.owner_department_id and item.owner_department.liaison_id:
        return [item.owner_department.liaison]
    return []


@transaction.atomic
def decision_record(
    *, actor: AbstractBaseUser, consultation: Consultation, text: str, due_at: dt.datetime | None,
    owner_department: Department | None = None, owner_user: AbstractBaseUser | None = None,
    agenda_item: AgendaItem | None = None, now: dt.datetime | None = None,
) -> ActionItem:
    """A decision of the meeting and its action item (owner + deadline on the deadline engine)."""
    now = now or timezone.now()
    _require_organizer(actor, consultation)
    if consultation.status == ConsultationStatus.CANCELLED:
        raise ApplicationError(gettext("会商已取消。"), code="invalid_transition")
    text = (text or "").strip()
    if not text:
        raise ApplicationError(gettext("请填写决定事项。"), code="invalid", field="text")
    if owner_department is None and owner_user is None:
        raise ApplicationError(gettext("请指定责任单位或责任人。"), code="invalid", field="owner")
    if owner_department is not None and owner_department.center_id != consultation.center_id:
        raise ApplicationError(gettext("责任单位不属于本中心。"), code="invalid", field="owner_department")
    if due_at is None or due_at <= now:
        raise ApplicationError(gettext("完成期限须晚于现在。"), code="invalid", field="due_at")
    if agenda_item is not None and agenda_item.consultation_id != consultation.pk:
        raise ApplicationError(gettext("议题不属于本次会商。"), code="invalid", field="agenda_item")
    decision = Decision.objects.create(consultation=consultation, text=text, agenda_item=agenda_item,
                                       decided_at=now)
    item = ActionItem.objects.create(decision=decision, owner_department=owner_department, owner_user=owner_user,
                                     due_at=due_at)
    deadline_steps_schedule(subject_type=ACTION_SUBJECT, subject_id=item.pk, now=now, steps=[
        PlannedStep(kind=StepKind.DUE_REMINDER, due_at=due_at - ACTION_REMINDER_LEAD),
        PlannedStep(kind=StepKind.OVERDUE, due_at=due_at, level=0),
        PlannedStep(kind=StepKind.ESCALATION, due_at=due_at + ACTION_ESCALATION_AFTER, level=1,
                    targets=(EscalationTarget.LEADER_IN_CHARGE, EscalationTarget.COMMANDER)),
    ])
    if agenda_item is not None and agenda_item.case_id:
        case_event_record(case=agenda_item.case, type=CommandEventType.DECIDED, actor=actor, now=now,
                          data={"consultation": consultation.pk, "decision": text, "due_at": due_at,
                                "owner": owner_department.name if owner_department else str(owner_user)})
    notify_on_commit(recipients=_owner_people(item), kind="consultation.action_assigned",
                     title=f"会商决定请落实：{text[:60]}",
                     body=f"完成期限 {timezone.localtime(due_at):%Y-%m-%d %H:%M}", link=reverse("command:actions"),
                     dedupe_key=f"action:{item.pk}:assigned", now=now)
    return item


def action_may_complete(actor: AbstractBaseUser, item: ActionItem) -> bool:
    if item.owner_user_id == actor.pk or item.decision.consultation.chair_id == actor.pk:
        return True
    if item.owner_department_id:
        if item.owner_department.leader_in_charge_id == actor.pk:
            return True
        return may(actor, MAY_HANDLE_ASSIGNMENTS) and item.owner_department_id in user_department_ids(actor)
    return False


@transaction.atomic
def action_complete(*, actor: AbstractBaseUser, item: ActionItem, result: str,
                    source: str = EventSource.WEB, now: dt.datetime | None = None) -> ActionItem:
    """The owner reports the decision carried out (open → done, once)."""
    now = now or timezone.now()
    if not action_may_complete(actor, item):
        raise PermissionDeniedError(gettext("只有责任单位（责任人）或会议主持人可以报告落实情况。"))
    result = (result or "").strip()
    if not result:
        raise ApplicationError(gettext("请填写落实情况。"), code="invalid", field="result")
    changed = ActionItem.objects.filter(pk=item.pk, status=ActionStatus.OPEN).update(
        status=ActionStatus.DONE, done_at=now, done_by=actor, result=result)
    if not changed:
        raise ApplicationError(gettext("该事项已报告落实。"), code="invalid_transition")
    deadline_steps_cancel(subject_type=ACTION_SUBJECT, subject_id=item.pk, now=now)
    item.refresh_from_db()
    decision = item.decision
    if decision.agenda_item_id and decision.agenda_item.case_id:
        case_event_record(case=decision.agenda_item.case, type=CommandEventType.ACTION_DONE, actor=actor,
                          source=source, now=now, data={"decision": decision.text, "result": result})
    notify_on_commit(recipients=[decision.consultation.chair], kind="consultation.action_done",
                     title=f"会商决定已落实：{decision.text[:60]}", body=result[:200],
                     link=consultation_link(decision.consultation), dedupe_key=f"action:{item.pk}:done", now=now)
    return item


def action_steps_fire(steps: Sequence[DeadlineStep], now: dt.datetime, outbox: StepOutbox) -> set[int]:
    """The deadline sweep's handler for action items (inside the sweep's transaction; its messages go
    to the batch's outbox with their step, so the auditor covers them)."""
    items = {
        item.pk: item
        for item in ActionItem.objects.filter(pk__in={step.subject_id for step in steps}).select_related(
            "decision__consultation__center", "decision__consultation__chair", "owner_user",
            "owner_department__liaison", "owner_department__leader_in_charge")
    }
    commanders = CommanderCache()
    acted: set[int] = set()
    for step in steps:
        item = items.get(step.subject_id)
        if item is None or item.status != ActionStatus.OPEN:
            continue
        consultation = item.decision.consultation
        owner = item.owner_department.name if item.owner_department_id else str(item.owner_user)
        text = item.decision.text[:60]
        if step.kind == StepKind.DUE_REMINDER:
            if now >= item.due_at:
                continue
            outbox.add(step=step, recipients=_owner_people(item), kind="consultation.action_reminder",
                       title=f"会商决定即将到期：{text}", body=f"完成期限 {timezone.localtime(item.due_at):%m-%d %H:%M}",
                       link=reverse("command:actions"), dedupe_key=f"step:{step.pk}")
        elif step.kind == StepKind.OVERDUE:
            if now < item.due_at or not ActionItem.objects.filter(
                    pk=item.pk, status=ActionStatus.OPEN, overdue_at__isnull=True).update(overdue_at=now):
                continue
            outbox.add(step=step, recipients=[*_owner_people(item), consultation.chair],
                       kind="consultation.action_overdue", title=f"会商决定落实超期：{owner} {text}",
                       body=consultation.title, link=consultation_link(consultation), dedupe_key=f"step:{step.pk}",
                       urgent=True)
        elif step.kind == StepKind.ESCALATION:
            if now < item.due_at:
                continue
            people = [consultation.chair]
            if item.owner_department_id:
                people += recipients_for(targets=step.targets, department=item.owner_department,
                                         center=consultation.center, at=now, commanders=commanders)
            else:
                people += commanders.get(center=consultation.center, at=now)
            outbox.add(step=step, recipients=people, kind="consultation.action_escalated",
                       title=f"会商决定超期未落实（第 {step.level} 级督办）：{owner} {text}",
                       body=consultation.title, link=consultation_link(consultation), dedupe_key=f"step:{step.pk}",
                       urgent=True)
        else:
            continue
        acted.add(step.pk)
    return acted
