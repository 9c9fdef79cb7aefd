"""The grid: district > town > work area > village/community > unit grid > micro-grid."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.choices import GridLevel
from governance.models.fields import up_the_tree

UNIT_GRID_POPULATION = (500, 1000)


class Grid(models.Model):
    """One node of the five-level grid; unit grids carry the 12-digit village code plus a sequence."""

    code = models.CharField(_("网格编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=GridLevel.choices)
    parent = up_the_tree(_("上级网格"), related_name="children")
    town = up_the_tree(_("所属镇"), help_text=_("冗余的镇级节点，按镇筛选时免去逐级查找。"))
    division_code = models.CharField(_("统计用区划代码"), max_length=12, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True)
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    boundary = models.JSONField(
        _("边界（GeoJSON）"), null=True, blank=True,
        help_text=_("GeoJSON 的 Polygon 或 MultiPolygon 几何，用于网格地图；可在导入时随附。"),
    )

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def population_out_of_range(self) -> bool:
        """Seed 002 二(一): a unit grid is drawn around 500-1,000 residents; outside that it is flagged."""
        return (
            self.level == GridLevel.UNIT
            and self.population is not None
            and not UNIT_GRID_POPULATION[0] <= self.population <= UNIT_GRID_POPULATION[1]
        )
