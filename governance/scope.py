"""One scope per user (issue 20): the territory of the user's center, and where the user acts.

A center at each level reads and handles its own (seeds 002 五(一), 003, 004: 小事不出村、大事不出镇;
each level keeps its own matters confidential):

- the district center reads every matter of the district and acts on every center of it;
- a town sub-center reads the matters located in its town and those handled at its center or at
  the village stations below it (which includes what its villages escalated to it), and acts on the
  matters at its center and at its villages' stations (the center above takes them up, 上提, or
  hands them down, 下交);
- a village station reads the matters located in its village and those handled at the station, and
  acts on the matters at the station.

What a department or a grid worker is given (assignments, grids on the calendar) is added by the
selectors that know them (`intake.selectors.cases_visible_to`); this module answers only "which
territory, which centers". Every page, API, export and service asks here, never the role alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.utils.translation import gettext

from governance.choices import CenterLevel
from governance.errors import PermissionDeniedError
from governance.models import Center, Grid
from governance.roles import MAY_SEE_DISTRICT_MATTERS, Role, departments_led_by, user_roles
from governance.selectors import center_for_user, profile_for_user

EVERY_DISTRICT = "all"


@dataclass(frozen=True)
class Territory:
    """What a user's center covers. `level` is the center's level, or `EVERY_DISTRICT` for a
    superuser who belongs to no center (they configure every district)."""

    level: str
    center: Center | None
    district_id: int | None
    root_grid_id: int | None  # the center's territory in the grid

    @cached_property
    def center_ids(self) -> frozenset[int]:
        """The center and every center below it: where its people act (read when first needed)."""
        return frozenset(_centers_below(self.center)) if self.center is not None else frozenset()

    @property
    def is_district(self) -> bool:
        return self.level in (CenterLevel.DISTRICT, EVERY_DISTRICT)

    @property
    def town_grid_id(self) -> int | None:
        """The town a town sub-center covers (the dashboard's and lists' `town=`)."""
        return self.root_grid_id if self.level == CenterLevel.TOWN else None

    def grids(self, prefix: str = "") -> Q:
        """A condition on grid rows (through `prefix`, e.g. "grid__"): the grids of the territory."""
        if self.is_district:
            return Q()
        if self.root_grid_id is None:
            return Q(**{f"{prefix}pk__in": []})
        root = self.root_grid_id
        if self.level == CenterLevel.TOWN:
            return Q(**{f"{prefix}pk": root}) | Q(**{f"{prefix}town_id": root})
        # a village: the village, its unit grids, their micro-grids
        return (Q(**{f"{prefix}pk": root}) | Q(**{f"{prefix}parent_id": root})
                | Q(**{f"{prefix}parent__parent_id": root}))

    @cached_property
    def grid_id_list(self) -> list[int]:
        """The ids of the territory's grids (a village's: a few dozen), read once: written into a
        matter's condition as constants, they let PostgreSQL OR the grid and center indexes instead of
        probing a subquery for every matter of the district (a village's dashboard: 8 s -> ms at 2M)."""
        return sorted(Grid.objects.filter(self.grids()).values_list("pk", flat=True))

    def grid_ids(self) -> Q:
        """The same as `grids`, as a condition on a `grid_id` column (a subquery of grid ids)."""
        if self.is_district:
            return Q()
        return Q(grid_id__in=Grid.objects.filter(self.grids()).values("pk"))

    def matters(self, prefix: str = "") -> Q:
        """A condition on matter rows (through `prefix`, e.g. "case__"): the matters this territory
        reads: of the district; for a town or a village, located in it or handled at its centers."""
        if self.level == EVERY_DISTRICT:
            return Q()
        if self.district_id is None:
            return Q(**{f"{prefix}pk__in": []})
        within = Q(**{f"{prefix}district_id": self.district_id})
        if self.level == CenterLevel.DISTRICT:
            return within
        here = Q(**{f"{prefix}center_id__in": sorted(self.center_ids)})
        if self.root_grid_id is None:
            return within & here
        if self.level == CenterLevel.TOWN:
            located = Q(**{f"{prefix}town_id": self.root_grid_id})
        else:
            located = Q(**{f"{prefix}grid_id__in": self.grid_id_list})
        return within & (located | here)

    def acts_at(self, center_id: int | None) -> bool:
        """Whether the territory's people act on what is at `center_id` (their center or below)."""
        if self.level == EVERY_DISTRICT:
            return True
        return center_id is not None and center_id in self.center_ids

    def holds_grid(self, grid_id: int | None) -> bool:
        """Whether a grid lies in the territory (a matter located there is checked on site by it)."""
        if self.level == EVERY_DISTRICT or (self.is_district and grid_id is not None):
            return True
        return grid_id is not None and Grid.objects.filter(self.grids(), pk=grid_id).exists()

    def acts_on(self, center: Center) -> bool:
        """`acts_at` for a center at hand: the district center's people without a query."""
        if self.level == CenterLevel.DISTRICT:
            return center.pk == self.district_id or center.district_id == self.district_id
        return self.acts_at(center.pk)


NO_TERRITORY = Territory(level="", center=None, district_id=None, root_grid_id=None)


def _centers_below(center: Center) -> set[int]:
    """The center and every center below it (at most two levels: town → villages)."""
    if center.level == CenterLevel.DISTRICT:
        return {center.pk, *Center.objects.filter(district_id=center.pk).values_list("pk", flat=True)}
    ids = {center.pk}
    frontier = {center.pk}
    for _level in range(3):
        frontier = set(Center.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        if not frontier:
            break
        ids |= frontier
    return ids


def territory_for_user(*, user: AbstractBaseUser | AnonymousUser) -> Territory:
    """The user's territory, from their profile's center (`governance.selectors.center_for_user`:
    without a profile, the first district center). A superuser without a center covers every district.
    Cached on the user object for the request."""
    if not user.is_authenticated:
        return NO_TERRITORY
    cached = getattr(user, "_territory", None)
    if cached is not None:
        return cached
    profile = profile_for_user(user=user)
    if user.is_superuser and (profile is None or profile.center_id is None):
        territory = Territory(level=EVERY_DISTRICT, center=None, district_id=None, root_grid_id=None)
    else:
        center = center_for_user(user=user)
        territory = NO_TERRITORY if center is None else territory_of_center(center=center)
    user._territory = territory
    return territory


def territory_of_center(*, center: Center) -> Territory:
    """The territory of one center (what its people read and where they act)."""
    district_id = center.pk if center.level == CenterLevel.DISTRICT else center.district_id
    return Territory(level=center.level, center=center, district_id=district_id, root_grid_id=center.territory_id)


def reads_center_territory(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Who reads by territory: the center's own roles (window, dispatch, command, leaders without
    departments, administrators), each at their center's level. A leader in charge of departments
    reads only those departments' matters (README "Who sees what")."""
    roles = user_roles(user)
    if roles & (MAY_SEE_DISTRICT_MATTERS - {Role.LEADER}):
        return True
    return Role.LEADER in roles and not departments_led_by(user=user)


def require_acts_here(*, actor: AbstractBaseUser | AnonymousUser, center: Center) -> None:
    """Refuse (`PermissionDeniedError`, code `not_your_center`) unless `actor` works at `center` or at
    the center above it (上提、下交): a village station acts on its own matters, a town sub-center on
    its own and its villages', the district center on every matter of the district."""
    territory = territory_for_user(user=actor)
    if territory.acts_on(center):
        return
    own = territory.center.name if territory.center is not None else gettext("（未设置所属中心）")
    raise PermissionDeniedError(
        gettext("此事项现由%(center)s承办，不属于%(own)s的办理范围：只有%(center)s或其上级中心可以办理。")
        % {"center": center.name, "own": own},
        code="not_your_center",
    )
