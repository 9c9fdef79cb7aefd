"""Enumerations of grid work."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职网格员")
    PART_TIME = "part_time", _("兼职网格员")
    DEPARTMENTAL = "departmental", _("部门网格员")
    REINFORCEMENT = "reinforcement", _("战时增援力量")


class LeaderRole(models.TextChoices):
    LEADER = "leader", _("网格长")
    DEPUTY = "deputy", _("副网格长")


class PatrolStatus(models.TextChoices):
    ON_PATROL = "on_patrol", _("巡查中")
    FINISHED = "finished", _("已结束")


class ItemKind(models.TextChoices):
    """Seed 002 四(一): 人、地、事、物、组织、网络."""

    PERSON = "person", _("人")
    PLACE = "place", _("地")
    EVENT = "event", _("事")
    THING = "thing", _("物")
    ORGANISATION = "organisation", _("组织")
    NETWORK = "network", _("网络")


# The seven steps of the closed loop (seed 002 五(二)), in order.
class LoopStep(models.TextChoices):
    PATROL = "patrol", _("网格巡查")
    COLLECTION = "collection", _("信息采集")
    DISCOVERY = "discovery", _("源头发现")
    ASSIGNMENT = "assignment", _("任务分派")
    HANDLING = "handling", _("问题处置")
    VERIFICATION = "verification", _("核查反馈")
    SUPERVISION = "supervision", _("效能督导")


class KeyPersonRisk(models.TextChoices):
    LOW = "low", _("低（关注）")
    MEDIUM = "medium", _("中（重点）")
    HIGH = "high", _("高（严控）")


RISK_ORDER = {KeyPersonRisk.LOW: 0, KeyPersonRisk.MEDIUM: 1, KeyPersonRisk.HIGH: 2}


class GridEventType(models.TextChoices):
    """Timeline events the grid writes on a matter (declared with intake's vocabulary in ready())."""

    PATROL_LINKED = "grid.patrol_linked", _("网格巡查（上报所在巡查）")
    COLLECTION_LINKED = "grid.collection_linked", _("信息采集（巡查中更新）")
    SITE_VERIFIED = "grid.site_verified", _("网格员现场核查（村站自办事项）")
