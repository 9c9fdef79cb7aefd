"""The key-person ledger: access only with the granted permission, every view recorded, risk
changes with a warning to the town when a risk rises, follow-up visits with reminders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.models import Profile
from governance.roles import MAY_RUN_STATION
from grid.choices import RISK_ORDER, KeyPersonRisk
from grid.models import KeyPerson, KeyPersonFollowUp, KeyPersonRiskChange, KeyPersonView
from grid.selectors import owning_center_for_grid

VIEW_PERMISSION = "grid.view_keyperson"
CHANGE_PERMISSION = "grid.change_keyperson"
REMIND_BATCH = 500


def keyperson_may_view(user: AbstractBaseUser) -> bool:
    """Granted by the administrator (the permission on a role's group, or on the person)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(VIEW_PERMISSION))


def keyperson_require_access(user: AbstractBaseUser) -> None:
    if not keyperson_may_view(user):
        raise PermissionDeniedError(gettext("您没有查看重点人员的权限。"))


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
    person = KeyPerson.objects.select_related("grid", "group", "responsible").filter(pk=pk).first()
    if person is None:
        raise NotFoundError()
    keypersons_view(actor=actor, people=[person], context=context, now=now)
    return person


def keypersons_query(*, actor: AbstractBaseUser, q: str = "", group: int | None = None) -> QuerySet[KeyPerson]:
    keyperson_require_access(actor)
    rows = KeyPerson.objects.select_related("grid", "group", "responsible").order_by("-risk_level", "grid__code",
                                                                                      "name")
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
    from dispatch.services import notification_send

    now = now or timezone.now()
    if not actor.has_perm(CHANGE_PERMISSION):
        raise PermissionDeniedError(gettext("您没有调整重点人员风险等级的权限。"))
    if risk_level not in KeyPersonRisk.values:
        raise ApplicationError(gettext("风险等级无效。"), field="risk_level")
    if not reason.strip():
        raise ApplicationError(gettext("请填写调整理由。"), code="required", field="reason")
    old = person.risk_level
    if old == risk_level:
        raise ApplicationError(gettext("风险等级没有变化。"), code="unchanged", field="risk_level")
    changed = KeyPerson.objects.filter(pk=person.pk, risk_level=old).update(risk_level=risk_level, updated_at=now)
    if changed != 1:
        raise ApplicationError(gettext("该人员的风险等级已被他人调整，请刷新。"), code="stale_state")
    change = KeyPersonRiskChange.objects.create(person=person, actor=actor, from_level=old, to_level=risk_level,
                                                reason=reason.strip()[:500], changed_at=now)
    person.risk_level = risk_level
    if RISK_ORDER[risk_level] > RISK_ORDER[old]:
        # Names only in the title; the ledger (and its view log) holds the rest.
        notification_send(
            recipients=_town_staff(person), kind="keyperson.risk_raised",
            title=gettext("重点人员风险升高：%(grid)s %(level)s") % {"grid": person.grid.name,
                                                              "level": KeyPersonRisk(risk_level).label},
            body=reason.strip()[:500], link=f"/grid/keypersons/{person.pk}/",
            dedupe_key=f"keyperson:{person.pk}:risk:{change.pk}", now=now)
    return change


@transaction.atomic
def keyperson_follow_up_schedule(*, person: KeyPerson, due_at: dt.datetime) -> KeyPersonFollowUp:
    return KeyPersonFollowUp.objects.create(person=person, due_at=due_at)


@transaction.atomic
def keyperson_follow_up_done(*, actor: AbstractBaseUser, follow_up: KeyPersonFollowUp, notes: str,
                             now: dt.datetime | None = None) -> KeyPersonFollowUp:
    """Record the visit and schedule the next one after the person's follow-up period."""
    now = now or timezone.now()
    keyperson_require_access(actor)
    if not notes.strip():
        raise ApplicationError(gettext("请填写走访情况。"), code="required", field="notes")
    changed = KeyPersonFollowUp.objects.filter(pk=follow_up.pk, done_at__isnull=True).update(
        done_at=now, done_by=actor, notes=notes.strip()[:2000])
    if changed != 1:
        raise ApplicationError(gettext("这次走访已记录。"), code="stale_state")
    person = follow_up.person
    keyperson_follow_up_schedule(person=person, due_at=now + dt.timedelta(days=person.follow_up_every_days))
    follow_up.refresh_from_db()
    return follow_up


def keyperson_follow_ups_remind(*, now: dt.datetime) -> int:
    """The sweep: remind the responsible person of each follow-up that fell due, exactly once
    (claimed by a conditional update, so two sweeps at once remind once). Returns how many."""
    from dispatch.services import notification_send

    due = list(KeyPersonFollowUp.objects.filter(due_at__lte=now, reminded_at__isnull=True, done_at__isnull=True)
               .values_list("pk", flat=True)[:REMIND_BATCH])
    sent = 0
    for pk in due:
        with transaction.atomic():
            if KeyPersonFollowUp.objects.filter(pk=pk, reminded_at__isnull=True, done_at__isnull=True).update(
                    reminded_at=now) != 1:
                continue
            follow_up = KeyPersonFollowUp.objects.select_related("person__grid", "person__responsible").get(pk=pk)
            person = follow_up.person
            notification_send(
                recipients=[person.responsible] if person.responsible else _town_staff(person),
                kind="keyperson.follow_up_due",
                title=gettext("重点人员走访到期：%(grid)s") % {"grid": person.grid.name},
                link=f"/grid/keypersons/{person.pk}/", dedupe_key=f"keyperson-followup:{pk}", now=now)
            sent += 1
    return sent
