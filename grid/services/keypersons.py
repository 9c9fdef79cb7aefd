"""The key-person ledger: access only with the granted permission, every view recorded, risk
changes with a warning to the town when a risk rises, follow-up visits on the deadline engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import EscalationTarget, StepKind
from dispatch.models import DeadlineStep
from dispatch.services import (
    PlannedStep,
    StepOutbox,
    deadline_steps_cancel,
    deadline_steps_schedule,
    notification_send,
)
from dispatch.services.common import CommanderCache, check_text
from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.models import Profile
from governance.roles import MAY_RUN_STATION, MAY_SEE_GRID_MATTERS, may
from governance.scope import reads_center_territory, territory_for_user
from governance.selectors import grid_ids_to_verify
from grid.choices import RISK_ORDER, KeyPersonRisk
from grid.models import KeyPerson, KeyPersonFollowUp, KeyPersonRiskChange, KeyPersonView
from grid.selectors import owning_center_for_grid

VIEW_PERMISSION = "grid.view_keyperson"
CHANGE_PERMISSION = "grid.change_keyperson"
RISK_REASON_MAX_CHARS = 500  # the risk change's reason column
FOLLOW_UP_NOTES_MAX_CHARS = 2000


def keyperson_may_view(user: AbstractBaseUser) -> bool:
    """Granted by the administrator (the permission on a role's group, or on the person)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(VIEW_PERMISSION))


def keyperson_require_access(user: AbstractBaseUser) -> None:
    if not keyperson_may_view(user):
        raise PermissionDeniedError(gettext("您没有查看重点人员的权限。"))


def keypersons_in_scope(*, actor: AbstractBaseUser) -> Q:
    """The key persons the actor's grant reaches: those of the grids of their center's territory
    (`governance.scope`: a town's, a village's, the district's), a grid worker's on her grids; a grant
    to someone without a territory (a department, a leader in charge) reaches nobody."""
    if reads_center_territory(user=actor):
        return territory_for_user(user=actor).grids("grid__")
    if may(actor, MAY_SEE_GRID_MATTERS):
        return Q(grid_id__in=grid_ids_to_verify(user=actor))
    return Q(pk__in=[])


def keypersons_view(*, actor: AbstractBaseUser, people: Sequence[KeyPerson], context: str,
                    now: dt.datetime | None = None) -> list[KeyPerson]:
    """Record that `actor` saw these people (one row each, one INSERT) and return them."""
    keyperson_require_access(actor)
    now = now or timezone.now()
    KeyPersonView.objects.bulk_create(KeyPersonView(person=p, viewer=actor, viewed_at=now, context=context[:20])
                                      for p in people)
    return list(people)


def keyperson_view_one(*, actor: AbstractBaseUser, pk: int, context: str, now: dt.datetime | None = None
                       ) -> KeyPerson:
    """One person, for someone granted access; 404 for everyone else; the view is recorded."""
    if not keyperson_may_view(actor):
        raise NotFoundError()
    person = (KeyPerson.objects.select_related("grid", "group", "responsible")
              .filter(keypersons_in_scope(actor=actor), pk=pk).first())
    if person is None:
        raise NotFoundError()
    keypersons_view(actor=actor, people=[person], context=context, now=now)
    return person


def keypersons_query(*, actor: AbstractBaseUser, q: str = "", group: int | None = None) -> QuerySet[KeyPerson]:
    keyperson_require_access(actor)
    rows = KeyPerson.objects.filter(keypersons_in_scope(actor=actor)).select_related(
        "grid", "group", "responsible").order_by("-risk_level", "grid__code", "name")
    if q:
        rows = rows.filter(name__icontains=q[:50]) | rows.filter(grid__name__icontains=q[:50])
    if group:
        rows = rows.filter(group_id=group)
    return rows


def _town_staff(person: KeyPerson) -> list[AbstractBaseUser]:
    """The people of the town sub-center that answers for the person's grid."""
    center = owning_center_for_grid(grid=person.grid)
    while center is not None and center.level == "village":
        center = center.parent
    if center is None:
        return []
    users = (Profile.objects.filter(center=center, user__is_active=True,
                                    user__groups__name__in=sorted(MAY_RUN_STATION))
             .select_related("user"))
    return list({p.user_id: p.user for p in users}.values())


@transaction.atomic
def keyperson_set_risk(*, actor: AbstractBaseUser, person: KeyPerson, risk_level: str, reason: str,
                       now: dt.datetime | None = None) -> KeyPersonRiskChange:
    """Change the risk level (conditional on the level read); a rise warns the responsible town."""
    now = now or timezone.now()
    if not actor.has_perm(CHANGE_PERMISSION):
        raise PermissionDeniedError(gettext("您没有调整重点人员风险等级的权限。"))
    if risk_level not in KeyPersonRisk.values:
        raise ApplicationError(gettext("风险等级无效。"), field="risk_level")
    reason = check_text(reason, field="reason", label=gettext("调整理由"), max_chars=RISK_REASON_MAX_CHARS,
                        required=True)
    old = person.risk_level
    if old == risk_level:
        raise ApplicationError(gettext("风险等级没有变化。"), code="unchanged", field="risk_level")
    changed = KeyPerson.objects.filter(pk=person.pk, risk_level=old).update(risk_level=risk_level, updated_at=now)
    if changed != 1:
        raise ApplicationError(gettext("该人员的风险等级已被他人调整，请刷新。"), code="stale_state")
    change = KeyPersonRiskChange.objects.create(person=person, actor=actor, from_level=old, to_level=risk_level,
                                                reason=reason, changed_at=now)
    person.risk_level = risk_level
    if RISK_ORDER[risk_level] > RISK_ORDER[old]:
        # Names only in the title; the ledger (and its view log) holds the rest.
        notification_send(
            recipients=_town_staff(person), kind="keyperson.risk_raised",
            title=gettext("重点人员风险升高：%(grid)s %(level)s") % {"grid": person.grid.name,
                                                              "level": KeyPersonRisk(risk_level).label},
            body=reason, link=f"/grid/keypersons/{person.pk}/",
            dedupe_key=f"keyperson:{person.pk}:risk:{change.pk}", now=now)
    return change


# Follow-up visits on the one deadline engine (dispatch.services.subjects): a reminder the day
# before, the overdue mark at the due time (the responsible person and the town sub-center), and an
# escalation to the district's commander on duty three days later.
FOLLOW_UP_SUBJECT = "grid.keyperson_follow_up"
REMIND_BEFORE = dt.timedelta(days=1)
ESCALATE_AFTER = dt.timedelta(days=3)


def _follow_up_steps(due_at: dt.datetime) -> list[PlannedStep]:
    return [
        PlannedStep(kind=StepKind.DUE_REMINDER, due_at=due_at - REMIND_BEFORE),
        PlannedStep(kind=StepKind.OVERDUE, due_at=due_at),
        PlannedStep(kind=StepKind.ESCALATION, due_at=due_at + ESCALATE_AFTER, level=1,
                    targets=(EscalationTarget.COMMANDER,)),
    ]


@transaction.atomic
def keyperson_follow_up_schedule(*, person: KeyPerson, due_at: dt.datetime,
                                 now: dt.datetime | None = None) -> KeyPersonFollowUp:
    """Schedule a visit and its deadline steps (a reminder already past is left out)."""
    now = now or timezone.now()
    follow_up = KeyPersonFollowUp.objects.create(person=person, due_at=due_at)
    deadline_steps_schedule(subject_type=FOLLOW_UP_SUBJECT, subject_id=follow_up.pk, steps=_follow_up_steps(due_at),
                            now=now)
    return follow_up


@transaction.atomic
def keyperson_follow_up_done(*, actor: AbstractBaseUser, follow_up: KeyPersonFollowUp, notes: str,
                             now: dt.datetime | None = None) -> KeyPersonFollowUp:
    """Record the visit (its remaining steps are cancelled) and schedule the next one after the
    person's follow-up period."""
    now = now or timezone.now()
    keyperson_require_access(actor)
    notes = check_text(notes, field="notes", label=gettext("走访情况"), max_chars=FOLLOW_UP_NOTES_MAX_CHARS,
                       required=True)
    changed = KeyPersonFollowUp.objects.filter(pk=follow_up.pk, done_at__isnull=True).update(
        done_at=now, done_by=actor, notes=notes)
    if changed != 1:
        raise ApplicationError(gettext("这次走访已记录。"), code="stale_state")
    deadline_steps_cancel(subject_type=FOLLOW_UP_SUBJECT, subject_id=follow_up.pk, now=now)
    person = follow_up.person
    keyperson_follow_up_schedule(person=person, due_at=now + dt.timedelta(days=person.follow_up_every_days),
                                 now=now)
    follow_up.refresh_from_db()
    return follow_up


def keyperson_follow_up_steps_fire(steps: Sequence[DeadlineStep], now: dt.datetime, outbox: StepOutbox) -> set[int]:
    """The deadline sweep's handler for follow-up visits (inside the sweep's transaction): each step
    acts only while the visit is not done; the marks are conditional updates, so a step acts once.
    Messages go through the batch's outbox with their step (`outbox.add`)."""
    follow_ups = {
        f.pk: f for f in KeyPersonFollowUp.objects.filter(pk__in={step.subject_id for step in steps},
                                                          done_at__isnull=True)
        .select_related("person__grid__parent", "person__responsible")
    }
    town_staff: dict[int, list[AbstractBaseUser]] = {}
    commanders = CommanderCache()
    acted: set[int] = set()
    for step in steps:
        follow_up = follow_ups.get(step.subject_id)
        if follow_up is None:
            continue
        person = follow_up.person
        if person.grid_id not in town_staff:
            town_staff[person.grid_id] = _town_staff(person)
        town = town_staff[person.grid_id]
        responsible = [person.responsible] if person.responsible else []
        link = f"/grid/keypersons/{person.pk}/"
        due = timezone.localtime(follow_up.due_at)
        # Names only in the title; the ledger (and its view log) holds the rest.
        if step.kind == StepKind.DUE_REMINDER:
            if now >= follow_up.due_at or not KeyPersonFollowUp.objects.filter(
                    pk=follow_up.pk, reminded_at__isnull=True, done_at__isnull=True).update(reminded_at=now):
                continue
            outbox.add(step=step, recipients=responsible or town, dedupe_key=f"step:{step.pk}", kind="keyperson.follow_up_due",
                                 title=gettext("重点人员走访将到期：%(grid)s") % {"grid": person.grid.name},
                                 body=gettext("请于 %(due)s 前走访。") % {"due": f"{due:%m-%d %H:%M}"}, link=link)
        elif step.kind == StepKind.OVERDUE:
            if now < follow_up.due_at or not KeyPersonFollowUp.objects.filter(
                    pk=follow_up.pk, overdue_at__isnull=True, done_at__isnull=True).update(overdue_at=now):
                continue
            outbox.add(step=step, recipients=[*responsible, *town], dedupe_key=f"step:{step.pk}", kind="keyperson.follow_up_overdue",
                                 title=gettext("重点人员走访已超期：%(grid)s") % {"grid": person.grid.name},
                                 body=gettext("应于 %(due)s 走访。") % {"due": f"{due:%m-%d %H:%M}"}, link=link)
        elif step.kind == StepKind.ESCALATION:
            center = owning_center_for_grid(grid=person.grid)
            district = center.district_center if center is not None else None
            if district is None or not KeyPersonFollowUp.objects.filter(
                    pk=follow_up.pk, escalated_at__isnull=True, done_at__isnull=True).update(escalated_at=now):
                continue
            outbox.add(step=step, recipients=list(commanders.get(center=district, at=now)), dedupe_key=f"step:{step.pk}",
                                 kind="keyperson.follow_up_escalated", urgent=True,
                                 title=gettext("重点人员走访超期未办（督办）：%(grid)s") % {"grid": person.grid.name},
                                 body=gettext("应于 %(due)s 走访，已超期三天。") % {"due": f"{due:%m-%d %H:%M}"},
                                 link=link)
        else:
            continue
        acted.add(step.pk)
    return acted
