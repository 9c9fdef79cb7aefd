"""The monthly assessment's vocabulary: the month, and every figure, rate and flag with its
definition (what the pages show beside each number). `review.selectors.assessment` counts them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dispatch.choices import AssignmentRole, AssignmentStatus
from dispatch.selectors.clocks import VERIFY_WITHIN_WORKING_DAYS
from governance.parsing import year_month

ASSIGNMENT, EVENT, EXTENSION, REVISIT, EXCLUSION, SUMMONS, DUTY, CASE = (
    "assignment", "event", "extension", "revisit", "exclusion", "summons", "duty", "case")
PATROL, LEDGER, GRID_REPORT, VERIFICATION = "patrol", "ledger", "grid_report", "verification"
FINISHED = (AssignmentStatus.REPORTED, AssignmentStatus.COMPLETED)
ANSWERING_ROLES = (AssignmentRole.SOLE, AssignmentRole.LEAD)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month | None:
        parsed = year_month(text)
        return cls(*parsed) if parsed else None

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return self.next.first - dt.timedelta(days=1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = ZoneInfo(settings.TIME_ZONE)
        return (dt.datetime.combine(self.first, dt.time(), tz), dt.datetime.combine(self.next.first, dt.time(), tz))


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    unit: str
    definition: Any
    sum_field: str = ""  # empty: a count


FIGURES: tuple[Figure, ...] = (
    Figure("assigned", _("交办件数"), ASSIGNMENT, _("本月交办给部门的件数（含协办）。")),
    Figure("self_handled", _("窗口自办"), ASSIGNMENT,
           _("交办件数中由本部门窗口受理为自办的件数（按本中心自办时限办理，签收、办结、超期同交办件计算）。")),
    Figure("ack_due", _("应签收"), ASSIGNMENT, _("交办件数，不含未签收即撤回（如退回获准）的。")),
    Figure("ack_on_time", _("按时签收"), ASSIGNMENT, _("签收时间不晚于签收期限。")),
    Figure("ack_late", _("超时签收"), ASSIGNMENT, _("签收时间晚于签收期限。")),
    Figure("ack_missing", _("逾期未签收"), ASSIGNMENT, _("签收期限已过仍未签收（未撤回）。")),
    Figure("finished_on_time", _("按期办结"), ASSIGNMENT, _("已反馈且反馈时间不晚于办理期限。")),
    Figure("overdue", _("超期件数"), ASSIGNMENT, _("反馈晚于办理期限，或期限已过仍未反馈（未撤回）。")),
    Figure("overdue_days", _("超期工作日"), ASSIGNMENT,
           _("期限过后、反馈之前开始的工作日数之和（按工作日历：节假日不计，调休上班日计入）。"),
           sum_field="overdue_days"),
    Figure("rework", _("退回重办"), EVENT, _("中心认为办理结果不合格而退回重办的次数。")),
    Figure("declined", _("退回（非本部门职责）"), EVENT, _("部门以非本部门职责退回的次数。")),
    Figure("decline_upheld", _("退回获准"), EVENT, _("轮值主任同意退回、改派他部门的次数。")),
    Figure("decline_overruled", _("退回被驳回"), EVENT, _("轮值主任不同意退回、由本部门继续办理的次数。")),
    Figure("redo_not_resolved", _("回访未解决或不满意重办"), EVENT,
           _("回访答“未解决”或“不满意”后由本部门重办的次数（诉求不合理经指挥长确认不参评的不重办）。")),
    Figure("extension_asked", _("申请延期"), EXTENSION, _("申请延期的次数。")),
    Figure("extension_granted", _("获准延期"), EXTENSION, _("延期申请获批准的次数。")),
    Figure("revisited", _("回访件数"), REVISIT,
           _("本部门牵头（或单独）承办事项的回访记录数：已答复、无法联系、拒绝评价都计入（未联系上的各次尝试不计）。")),
    Figure("assessed", _("参评件"), REVISIT,
           _("回访已答复（是否解决、是否满意两项答复）的件数，不含中心认定不参评的事项（无法联系；重复件；"
             "诉求不合理，经指挥长确认）。解决率、满意率只计参评件。")),
    Figure("resolved", _("回访已解决"), REVISIT, _("参评件中答“已解决”的件数（“部分解决”不计）。")),
    Figure("satisfied", _("满意或基本满意"), REVISIT, _("参评件中答“满意”或“基本满意”的件数。")),
    Figure("revisit_unreachable", _("无法联系"), REVISIT,
           _("在年度规定的不同日期数内每天联系未果、认定“无法联系”的回访（同一天多次只算一天）；事项不参评。")),
    Figure("revisit_refused", _("拒绝评价"), REVISIT, _("申请人拒绝评价的回访：不是完整的回访，不计入参评件。")),
    Figure("excluded", _("不参评"), EXCLUSION,
           _("中心认定不参评的事项，列明原因：无法联系、重复件（注明所重复的事项）、诉求不合理（经指挥长确认）。"
             "其回访不计入解决率、满意率。")),
    Figure("summoned", _("召集次数"), SUMMONS, _("本月经批准的召集中本部门被召集的次数。")),
    Figure("summons_on_time", _("按时报到"), SUMMONS,
           _("在报到时限内到达指挥中心报到（输入大屏签到码，或由中心人员现场登记）；未到中心的远程报到不计。")),
    Figure("summons_late", _("迟到"), SUMMONS, _("超过报到时限后到达指挥中心报到。")),
    Figure("summons_late_minutes", _("迟到分钟"), SUMMONS, _("各次迟到分钟数之和。"), sum_field="minutes_late"),
    Figure("summons_absent", _("未报到"), SUMMONS, _("报到时限已过仍未到中心报到（只有远程报到的也计入）。")),
    Figure("duty_kept", _("值班天数"), DUTY,
           _("本部门轮值主任（主班、副班或替班人员）在指挥中心签到的天数：输入大屏签到码或由调度员现场确认，以签到为准，不以排班为准。")),
    Figure("duty_late", _("值班迟到"), DUTY, _("其中当天第一次签到晚于上班时间（工作时间的开始，默认 08:30）的天数。")),
    Figure("duty_missed", _("缺班天数"), DUTY,
           _("按轮值表（含调班）轮到本部门值班、当天无人签到的天数（当天结束后计入；主副班均不可用的也计入）。")),
    Figure("stationed_kept", _("轮驻到岗天数"), DUTY, _("轮驻部门按进驻安排的工作日有本部门人员在中心签到的天数。")),
    Figure("stationed_late", _("轮驻迟到"), DUTY, _("其中当天第一次签到晚于上班时间的天数。")),
    Figure("stationed_missed", _("轮驻缺岗天数"), DUTY,
           _("按进驻安排应到（节假日除外）、当天本部门无人签到的天数（当天结束后计入）。")),
)
FIGURE_BY_KEY = {figure.key: figure for figure in FIGURES}

TOWN_FIGURES: tuple[Figure, ...] = (
    Figure("registered", _("受理事项"), CASE, _("本月登记、现由本中心承办的事项。")),
    Figure("settled", _("就地化解"), CASE, _("其中已在本级办结或当场化解的。")),
    Figure("escalated", _("上提"), EVENT, _("本月登记的事项由本中心上提到上级中心的次数。")),
)
TOWN_FIGURE_BY_KEY = {figure.key: figure for figure in TOWN_FIGURES}

# The district's matters of the month (the work report's summary reads these): the matters registered
# in the month, and what the timeline records of them (whenever it happened), never their status now.
MATTER_FIGURES: tuple[Figure, ...] = (
    Figure("registered", _("登记事项"), CASE, _("本月登记的事项。")),
    Figure("settled_on_spot", _("当场化解"), CASE,
           _("本月登记、时间线上记有“当场办结”的事项（其后回访、办结或重新移送的也计入）。")),
    Figure("closed", _("已办结"), CASE, _("本月登记、时间线上记有“办结归档”的事项。")),
    # The center's own clocks (issue 22 items 1-3): a matter counts once per clock that lapsed on it.
    Figure("send_on_overdue", _("移送超时"), CASE,
           _("本月登记、时间线上记有“移送超时”的事项：登记后超过移送时限（分钟，按平战模式）仍未移送调度或当场办结。")),
    Figure("dispatch_overdue", _("派单超时"), CASE,
           _("本月登记、时间线上记有“派单超时”的事项：进入待调度后超过派单时限（分钟，按平战模式）仍未派单。")),
    Figure("clock_escalated", _("超时报指挥长"), CASE,
           _("本月登记、时间线上记有“移送超时，报指挥长”或“派单超时，报指挥长”的事项。")),
    Figure("verification_overdue", _("核查超时"), CASE,
           _("本月登记、时间线上记有“核查超时”的事项：部门反馈后第 1 个工作日结束仍未现场核查（按工作日历）。")),
    Figure("revisit_overdue", _("回访超时"), CASE,
           _("本月登记、时间线上记有“回访超时”的事项：核查通过（或当场办结）后第 1 个工作日结束仍未回访（按工作日历）。")),
    Figure("explanation_requested", _("应解释回访"), CASE,
           _("本月登记、时间线上记有“交办超期，请解释回访”的事项（交办超期时首接责任人应致电申请人解释）。")),
    Figure("explanation_overdue", _("解释回访超时"), CASE,
           _("本月登记、时间线上记有“解释回访超时”的事项：交办超期后第 1 个工作日结束仍未记录解释回访。")),
)
MATTER_FIGURE_BY_KEY = {figure.key: figure for figure in MATTER_FIGURES}

# Grid workers (seed 002 五(三)): the points of their 实绩档案, from what the grid app recorded.
WORKER_FIGURES: tuple[Figure, ...] = (
    Figure("patrols", _("网格巡查"), PATROL, _("本月开始并已结束的巡查次数。")),
    Figure("collected", _("信息采集"), LEDGER, _("本月新增或更新网格基础信息台账（人、地、事、物、组织、网络）的次数。")),
    Figure("found", _("源头发现"), GRID_REPORT, _("本月由本人上报、成为事项的问题数。")),
    Figure("verified", _("核查"), VERIFICATION, _("本月本人作出的现场核查（通过或未通过）次数。")),
    Figure("verified_on_time", _("按时核查"), VERIFICATION,
           format_lazy(_("核查不晚于事项交付核查（部门反馈或村站当场办结）后第 {n} 个工作日结束（按工作日历）。"),
                       n=VERIFY_WITHIN_WORKING_DAYS)),
)
WORKER_FIGURE_BY_KEY = {figure.key: figure for figure in WORKER_FIGURES}

RATES = (
    ("response", _("响应率"), "ack_on_time", "ack_due", _("响应率 = 按时签收 ÷ 应签收。")),
    ("resolution", _("解决率"), "resolved", "assessed",
     _("解决率 = 回访“已解决” ÷ 参评件（已答复的回访，不含无法联系、拒绝评价和不参评事项）。")),
    ("satisfaction", _("满意率"), "satisfied", "assessed",
     _("满意率 = 回访“满意”与“基本满意” ÷ 参评件（同上）。")),
)

FLAGS = (
    ("inaction", _("不作为"), ("ack_missing", "summons_absent", "decline_overruled"), "flag_inaction_min",
     _("逾期未签收、召集未报到、以非本部门职责退回被驳回，合计达到 %(n)s 件。")),
    ("slow", _("慢作为"), ("ack_late", "overdue", "summons_late"), "flag_slow_min",
     _("超时签收、超期、召集迟到，合计达到 %(n)s 件。")),
    ("wrong", _("乱作为"), ("rework", "redo_not_resolved"), "flag_wrong_min",
     _("办理结果被退回重办、回访未解决或不满意重办，合计达到 %(n)s 件。")),
)
FLAG_KEYS = {key: (label, figures, field, rule) for key, label, figures, field, rule in FLAGS}
