"""Reads of the center's organization."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from governance import hooks
from governance.choices import GridLevel
from governance.models import Center, Department, Grid, Profile, ServiceWindow, Stationing
from governance.roles import Role


def profile_for_user(*, user: AbstractBaseUser) -> Profile | None:
    """The user's profile with its center (and the center's district), from the user object when
    authentication read it along (`governance.authentication`), else one query."""
    descriptor = getattr(user.__class__, "profile", None)  # __class__: also through SimpleLazyObject
    if descriptor is not None and descriptor.is_cached(user):
        try:
            return user.profile
        except Profile.DoesNotExist:
            return None
    profile = Profile.objects.select_related("center__district").filter(user=user).first()
    if descriptor is not None and user.pk is not None:
        descriptor.related.set_cached_value(user, profile)  # once per request
    return profile


def center_for_user(*, user: AbstractBaseUser) -> Center | None:
    """The user's center from their profile; without one, the first active district center."""
    profile = profile_for_user(user=user)
    if profile and profile.center:
        return profile.center
    return Center.objects.filter(level="district", active=True).order_by("pk").first()


def center_id_for_user(*, user: AbstractBaseUser) -> int | None:
    """The same rule as `center_for_user`, reading only the id (for pages that need no more)."""
    profile = profile_for_user(user=user)
    if profile is not None and profile.center_id:
        return profile.center_id
    return Center.objects.filter(level="district", active=True).order_by("pk").values_list("pk", flat=True).first()


def departments_for_center(*, center: Center) -> QuerySet[Department]:
    return (
        Department.objects.filter(center=center)
        .select_related("leader_in_charge__profile", "liaison__profile")
        .order_by("residency", "short_code")
    )


def windows_for_center(*, center: Center) -> QuerySet[ServiceWindow]:
    return (
        ServiceWindow.objects.filter(center=center)
        .select_related("department")
        .prefetch_related("staff")
        .order_by("number")
    )


def departments_stationed_on(*, center: Center, day: dt.date) -> QuerySet[Department]:
    """Rotating departments stationed at the center on `day`, from the weekly rota."""
    rules = Stationing.objects.filter(center=center, weekday=day.weekday(), valid_from__lte=day).exclude(
        valid_to__lt=day
    )
    return Department.objects.filter(pk__in=rules.values("department_id"), active=True).order_by("short_code")


def grid_ids_of_worker(*, user: AbstractBaseUser, on: dt.date | None = None) -> set[int]:
    """The grids a grid worker covers on a day (today by default): the grids her assignments put her
    on that day, read from their dates at query time (`governance.hooks.grids_assigned_on`, which the
    grid app answers), and the grids directly below them.

    The one answer to "which grids is this person on": matters' visibility, the verification queue
    and the verifier check all ask here. An assignment that ended yesterday gives nothing today; one
    that starts tomorrow gives nothing before tomorrow; nothing is copied, so nothing goes stale.
    """
    if not user.is_authenticated:
        return set()
    assigned = hooks.grids_assigned_on(user=user, day=on or timezone.localdate())
    return set(Grid.objects.filter(Q(pk__in=assigned) | Q(parent__in=assigned)).values_list("pk", flat=True))


def grid_ids_to_verify(*, user: AbstractBaseUser, on: dt.date | None = None) -> set[int]:
    """The grids whose matters a grid worker checks on site: her grids (`grid_ids_of_worker`) and the
    villages of her unit grids. A matter registered on a village itself (the window's picker offers
    the village first, a repeat visit prefills it) goes to the grid workers of that village, so it
    reaches someone instead of waiting for the center to verify it."""
    own = grid_ids_of_worker(user=user, on=on)
    if not own:
        return own
    villages = (Grid.objects.filter(pk__in=own, level=GridLevel.UNIT, parent__level=GridLevel.VILLAGE)
                .values_list("parent_id", flat=True))
    return own | set(villages)


def grid_workers_to_verify(*, grid: Grid, on: dt.date | None = None) -> QuerySet:
    """Who checks a matter of this grid on site: the grid workers assigned that day to the grid (or
    to the grid just above a micro-grid), and for a village the workers of its unit grids; the
    inverse of `grid_ids_to_verify`, by the same assignment dates."""
    if grid.level == GridLevel.VILLAGE:
        ids = list(Grid.objects.filter(Q(pk=grid.pk) | Q(parent=grid, level=GridLevel.UNIT)).values_list("pk", flat=True))
    else:
        ids = [grid.pk] + ([grid.parent_id] if grid.level == GridLevel.MICRO and grid.parent_id else [])
    assigned = hooks.workers_assigned_on(grid_ids=ids, day=on or timezone.localdate())
    return (get_user_model().objects.filter(pk__in=assigned, is_active=True, groups__name=Role.GRID_WORKER)
            .distinct().order_by("last_name", "first_name", "username"))


def center_people_with_roles(*, center: Center, roles: frozenset[str]) -> QuerySet:
    """The active people of `center` holding one of `roles` (e.g. who runs a center without a rotation)."""
    return (get_user_model().objects.filter(is_active=True, profile__center=center, groups__name__in=roles)
            .distinct().order_by("last_name", "first_name", "pk"))
