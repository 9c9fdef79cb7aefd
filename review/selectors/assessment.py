"""The monthly assessment, read from recorded facts (assignments, the timeline, revisits, summons,
the duty sign-ins against the roster) with a fixed number of aggregate queries, whatever the number of matters.

Every figure is a count (or a sum) over one kind of row with one filter. The same definition gives the
department's figure (grouped in the database) and its drill-down list (the rows themselves), so a
list's length always equals its figure.

The month's matters are the assignments made in the month (the cohort); everything that happened to
them is counted whenever it happened, so a revisit in November changes October's resolution rate.
A published month keeps its frozen figures; a recomputation shows the difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    expressions,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    AssignmentRole,
    AssignmentStatus,
    DispatchEventType,
    ExclusionStatus,
    ExtensionStatus,
    ResolvedAnswer,
    RevisitOutcome,
    Satisfaction,
)
from dispatch.models import Assignment, ExtensionRequest, Revisit, RevisitExclusion, SummonsDepartment
from dispatch.selectors.attendance import ShiftRecord, shifts_kept_and_missed
from dispatch.selectors.limits import HandlingLimits
from governance.choices import CenterLevel
from governance.dbplan import without_jit
from governance.models import Center, Department
from governance.parsing import year_month
from governance.workcal import WorkingCalendar
from grid.selectors import (
    VERIFY_WITHIN_WORKING_DAYS,
    grid_workers_between,
    worker_figure_rows,
    worker_figures,
)
from intake.choices import CaseEventType, HandlingMode
from intake.models import Case, CaseEvent
from intake.models.event import ASSESSED_ASSIGNMENT_EVENT_TYPES
from review.models import AssessmentScheme, AssessmentSnapshot, AssessmentVersion
from review.selectors.command import command_matters
from review.selectors.ladder import LADDER_COUNTED, ladder_figures, staff_figures

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


# --- the rows behind each figure ------------------------------------------------------------
def _cohort(center: Center, month: Month) -> QuerySet[Assignment]:
    start, end = month.bounds()
    return Assignment.objects.filter(center=center, assigned_at__gte=start, assigned_at__lt=end)


def _assignment_filters(now: dt.datetime) -> dict[str, Q]:
    not_withdrawn = ~Q(status=AssignmentStatus.WITHDRAWN)
    finished = Q(status__in=FINISHED, reported_at__isnull=False)
    return {
        "assigned": Q(),
        "self_handled": Q(mode=HandlingMode.SELF),
        "ack_due": ~Q(status=AssignmentStatus.WITHDRAWN, acknowledged_at__isnull=True),
        "ack_on_time": Q(acknowledged_at__isnull=False, acknowledged_late=False),
        "ack_late": Q(acknowledged_at__isnull=False, acknowledged_late=True),
        "ack_missing": not_withdrawn & Q(acknowledged_at__isnull=True, ack_due_at__lt=now),
        "finished_on_time": finished & Q(reported_at__lte=F("due_at")),
        "overdue": not_withdrawn & ((finished & Q(reported_at__gt=F("due_at")))
                                    | (~finished & Q(due_at__lt=now))),
        "overdue_days": Q(overdue_days__gt=0),
    }


def _working_day_starts(center: Center, month: Month, now: dt.datetime) -> list[dt.datetime]:
    """The start of every working day from the month's first day up to now (the overdue clock)."""
    calendar = WorkingCalendar(center=center)
    tz = ZoneInfo(settings.TIME_ZONE)
    starts, day, today = [], month.first, timezone.localtime(now, tz).date()
    while day <= today:
        if calendar.is_working_day(day):
            starts.append(dt.datetime.combine(day, dt.time(), tz))
        day += dt.timedelta(days=1)
    return starts


def _starts_before(field: str, starts: list[dt.datetime], *, inclusive: bool) -> expressions.Case:
    """How many working-day starts lie before the value of `field` (or at it, when `inclusive`):
    one flat CASE over the sorted starts, whatever their number."""
    lookup = f"{field}__lt" if inclusive else f"{field}__lte"
    branches = [expressions.When(Q(**{lookup: start}), then=Value(index)) for index, start in enumerate(starts)]
    return expressions.Case(*branches, default=Value(len(starts)), output_field=IntegerField())


def _with_overdue_days(queryset: QuerySet[Assignment], starts: list[dt.datetime], now: dt.datetime
                       ) -> QuerySet[Assignment]:
    """Annotate `overdue_days`: the working-day starts after the deadline and before the report
    (or now, when not reported); none for a withdrawn assignment."""
    if not starts:
        return queryset.annotate(overdue_days=Value(0, output_field=IntegerField()))
    queryset = queryset.annotate(overdue_end=Coalesce("reported_at", Value(now, output_field=DateTimeField())))
    days = (_starts_before("overdue_end", starts, inclusive=False)
            - _starts_before("due_at", starts, inclusive=True))
    return queryset.annotate(overdue_days=expressions.Case(
        expressions.When(Q(status=AssignmentStatus.WITHDRAWN), then=Value(0)),
        default=Greatest(days, Value(0)), output_field=IntegerField()))


EVENT_TYPES = {
    "rework": DispatchEventType.ASSIGNMENT_RETURNED_FOR_REWORK,
    "declined": DispatchEventType.ASSIGNMENT_DECLINED,
    "decline_upheld": DispatchEventType.ASSIGNMENT_DECLINE_ACCEPTED,
    "decline_overruled": DispatchEventType.ASSIGNMENT_DECLINE_REFUSED,
    "redo_not_resolved": DispatchEventType.CASE_REOPENED,
}


def _events(center: Center, month: Month) -> QuerySet[CaseEvent]:
    """Timeline events about the cohort's assignments, each with its assignment's department.

    One join, as a set: the events of these types by their `assignment` key (the partial expression
    index `caseevent_assignment`, whose condition is this type filter) against the month's assignments
    of the center (`assignment_center_month`), on the event's matter and the key. (It was a subquery
    per event for the department, over every event of these types ever written.)"""
    start, end = month.bounds()
    return (CaseEvent.objects.filter(type__in=ASSESSED_ASSIGNMENT_EVENT_TYPES)
            .annotate(assignment_id=Cast(KT("data__assignment"), IntegerField()))
            .filter(case__assignments__pk=F("assignment_id"), case__assignments__center=center,
                    case__assignments__assigned_at__gte=start, case__assignments__assigned_at__lt=end)
            .annotate(department_id=F("case__assignments__department_id")))


def _event_filters() -> dict[str, Q]:
    return {key: Q(type=value) for key, value in EVENT_TYPES.items()}


def _extension_filters() -> dict[str, Q]:
    return {"extension_asked": Q(), "extension_granted": Q(status=ExtensionStatus.APPROVED)}


def _revisit_filters(prefix: str = "") -> dict[str, Q]:
    """Over revisits (`prefix` from the assignment: `case__revisits__`). A revisit is 参评 when it was
    answered and its matter is not ruled 不参评 (the ruling is per matter: `case_id` of the row)."""
    excluded = Exists(RevisitExclusion.objects.filter(case_id=OuterRef("case_id"), status=ExclusionStatus.CONFIRMED))
    assessed = Q(**{f"{prefix}outcome": RevisitOutcome.ANSWERED}) & ~Q(excluded)
    return {
        "revisited": Q(),
        "assessed": assessed,
        "resolved": assessed & Q(**{f"{prefix}resolved": ResolvedAnswer.YES}),
        "satisfied": assessed & Q(**{f"{prefix}satisfaction__in": [Satisfaction.SATISFIED, Satisfaction.BASIC]}),
        "revisit_unreachable": Q(**{f"{prefix}outcome": RevisitOutcome.UNREACHABLE}),
        "revisit_refused": Q(**{f"{prefix}outcome": RevisitOutcome.REFUSED}),
    }


def _exclusions(answering: QuerySet[Assignment]) -> QuerySet[RevisitExclusion]:
    """The 不参评 rulings in force on the matters the departments answer (one per matter)."""
    return RevisitExclusion.objects.filter(status=ExclusionStatus.CONFIRMED, case__in=answering.values("case_id"))


def _summons_rows(center: Center, month: Month) -> QuerySet[SummonsDepartment]:
    start, end = month.bounds()
    return SummonsDepartment.objects.filter(summons__center=center, summons__decided_at__gte=start,
                                            summons__decided_at__lt=end, summons__report_in_due_at__isnull=False)


def _summons_filters(now: dt.datetime) -> dict[str, Q]:
    return {
        "summoned": Q(),
        "summons_on_time": Q(reported_in_at__isnull=False, minutes_late=0),
        "summons_late": Q(reported_in_at__isnull=False, minutes_late__gt=0),
        "summons_late_minutes": Q(reported_in_at__isnull=False, minutes_late__gt=0),
        "summons_absent": Q(reported_in_at__isnull=True, summons__report_in_due_at__lt=now),
    }


def _town_cases(center: Center, month: Month) -> QuerySet[Case]:
    start, end = month.bounds()
    return Case.objects.filter(command_matters(center=center), registered_at__gte=start, registered_at__lt=end)


def _recorded(event_type: str) -> Q:
    """The matter's timeline records an event of this type (a fact, whatever its status is now)."""
    return Q(Exists(CaseEvent.objects.filter(case_id=OuterRef("pk"), type=event_type)))


def _matter_filters() -> dict[str, Q]:
    return {"registered": Q(), "settled_on_spot": _recorded(CaseEventType.CASE_SETTLED_ON_SPOT),
            "closed": _recorded(DispatchEventType.CASE_CLOSED),
            "send_on_overdue": _recorded(DispatchEventType.CASE_SEND_ON_OVERDUE),
            "dispatch_overdue": _recorded(DispatchEventType.CASE_DISPATCH_OVERDUE),
            "clock_escalated": _recorded(DispatchEventType.CASE_SEND_ON_ESCALATED)
            | _recorded(DispatchEventType.CASE_DISPATCH_ESCALATED),
            "verification_overdue": _recorded(DispatchEventType.CASE_VERIFICATION_OVERDUE),
            "revisit_overdue": _recorded(DispatchEventType.CASE_REVISIT_OVERDUE),
            "explanation_requested": _recorded(DispatchEventType.CASE_EXPLANATION_REQUESTED),
            "explanation_overdue": _recorded(DispatchEventType.CASE_EXPLANATION_OVERDUE)}


def matter_figures(*, center: Center, month: Month) -> dict[str, int]:
    """The month's matters of the district (one aggregate query); `figure_items(district=True)` lists them."""
    filters = _matter_filters()
    return _town_cases(center, month).aggregate(**{key: Count("pk", filter=q) for key, q in filters.items()})


def _town_case_filters() -> dict[str, Q]:
    matters = _matter_filters()
    return {"registered": Q(), "settled": matters["settled_on_spot"] | matters["closed"]}


def _escalations(center: Center, month: Month) -> QuerySet[CaseEvent]:
    return (CaseEvent.objects.filter(type=DispatchEventType.CASE_ESCALATED, case__in=_town_cases(center, month))
            .annotate(from_center=Cast(KT("data__from_center"), IntegerField())))


def _duty(center: Center, month: Month, now: dt.datetime) -> dict[int, dict[str, list[ShiftRecord]]]:
    """Per department, the shifts kept, kept late and missed, from the sign-ins (days up to today)."""
    return shifts_kept_and_missed(center=center, first=month.first, last=month.last, now=now)


# --- the month ---------------------------------------------------------------------------------
def scheme_for(*, center: Center, year: int) -> AssessmentScheme:
    """The year's scheme, or the example defaults (unsaved) when the administrator set none."""
    return AssessmentScheme.objects.filter(center=center, year=year).first() or AssessmentScheme(
        center=center, year=year)


# The scheme's handling limits are dispatch's rules of the year, not scoring: not in the frozen figures.
HANDLING_LIMIT_FIELDS = frozenset({"decline_window_working_hours", "extension_max_count", "extension_max_working_days",
                                   "revisit_unreachable_attempts"})


def handling_limits_for(*, center: Center, year: int) -> HandlingLimits:
    """The year's 退单时限 and extension limits (dispatch's hook `handling_limits`): from the scheme of
    the center or of the nearest center above it (a town's matters follow the district's scheme unless
    the town set its own); the defaults when none is set."""
    chain: list[int] = []
    current: Center | None = center
    while current is not None and len(chain) < 5:
        chain.append(current.pk)
        current = current.parent
    schemes = {row.center_id: row for row in AssessmentScheme.objects.filter(center_id__in=chain, year=year)}
    scheme = next((schemes[pk] for pk in chain if pk in schemes), None)
    if scheme is None:
        return HandlingLimits()
    return HandlingLimits(decline_window_working_hours=scheme.decline_window_working_hours,
                          extension_max_count=scheme.extension_max_count,
                          extension_max_working_days=scheme.extension_max_working_days,
                          revisit_unreachable_attempts=scheme.revisit_unreachable_attempts)


def scheme_as_dict(scheme: AssessmentScheme) -> dict[str, Any]:
    fields = [f.name for f in AssessmentScheme._meta.fields
              if f.name not in {"id", "center", "year", "updated_at"} | HANDLING_LIMIT_FIELDS]
    return {name: str(getattr(scheme, name)) for name in fields} | {"saved": scheme.pk is not None}


def _rate(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    return float((Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _flags(figures: dict[str, int], scheme: AssessmentScheme) -> list[dict[str, Any]]:
    flags = []
    for key, label, keys, field, rule in FLAGS:
        minimum = getattr(scheme, field)
        count = sum(figures[k] for k in keys)
        if minimum and count >= minimum:
            flags.append({"kind": key, "label": str(label), "rule": str(rule) % {"n": minimum}, "minimum": minimum,
                          "count": count, "figures": {k: figures[k] for k in keys if figures[k]},
                          "deduction": float(Decimal(getattr(scheme, f"deduct_flag_{key}")).quantize(Decimal("0.01")))})
    return flags


def _score(figures: dict[str, int], rates: dict[str, float | None], scheme: AssessmentScheme,
           flags: list[dict[str, Any]]) -> dict[str, Any]:
    """Weights × rates (a rate under its threshold scores zero), minus the deductions and the points
    each flag costs (the year's 考核办法); never below zero.

    A rate with nothing to measure (no item due to acknowledge, no revisit) is not assessed: its
    subscore is None ("—") and the measured subscores are scaled to the full weight, so a department
    is compared on what was measured. With no rate measured at all there is no score (None) and the
    department is not ranked; its deductions and flags still show."""
    subscores: dict[str, float | None] = {}
    earned, measured_weight, total_weight = Decimal(0), Decimal(0), Decimal(0)
    for key, *_rest in RATES:
        weight = Decimal(getattr(scheme, f"weight_{key}"))
        threshold = Decimal(getattr(scheme, f"threshold_{key}"))
        total_weight += weight
        rate = rates[key]
        if rate is None:
            subscores[key] = None
            continue
        value = Decimal(0) if Decimal(str(rate)) < threshold else weight * Decimal(str(rate)) / 100
        subscores[key] = float(value.quantize(Decimal("0.01"), ROUND_HALF_UP))
        earned += Decimal(str(subscores[key]))
        measured_weight += weight
    deductions = {
        "ack_late": figures["ack_late"] * Decimal(scheme.deduct_ack_late),
        "overdue": figures["overdue"] * Decimal(scheme.deduct_overdue),
        "overdue_days": figures["overdue_days"] * Decimal(scheme.deduct_overdue_day),
        "summons_late": figures["summons_late"] * Decimal(scheme.deduct_summons_late),
        "summons_absent": figures["summons_absent"] * Decimal(scheme.deduct_summons_absent),
        "duty_missed": figures["duty_missed"] * Decimal(scheme.deduct_duty_missed),
        "stationed_missed": figures["stationed_missed"] * Decimal(scheme.deduct_duty_missed),
    } | {f"flag_{flag['kind']}": Decimal(str(flag["deduction"])) for flag in flags}
    if measured_weight:
        total = earned * total_weight / measured_weight - sum(deductions.values(), Decimal(0))
        score: float | None = float(max(total, Decimal(0)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    else:
        score = None
    return {
        "subscores": subscores,
        "measured_weight": float(measured_weight),
        "total_weight": float(total_weight),
        "deductions": {k: float(v.quantize(Decimal("0.01"))) for k, v in deductions.items() if v},
        "score": score,
    }


def _grouped(queryset: QuerySet, group: str, filters: dict[str, Q], sums: dict[str, str] | None = None,
             *, distinct: bool = True) -> dict[int, dict[str, int]]:
    """Each filter's count (or sum) per `group`, in one statement. `distinct=False` where the rows are
    one per counted row (no join multiplies them): the counts can then be hashed, instead of sorted
    by the group (which made the planner walk the whole `center_id` index of the matters)."""
    sums = sums or {}
    aggregates: dict[str, Any] = {}
    for key, condition in filters.items():
        if key in sums:
            aggregates[key] = Coalesce(Sum(sums[key], filter=condition), 0)
        else:
            aggregates[key] = Count("pk", filter=condition, distinct=distinct)
    rows = queryset.order_by().values(group).annotate(**aggregates)
    return {row[group]: {key: int(row[key] or 0) for key in filters} for row in rows}


@without_jit()
def assessment_compute(*, center: Center, month: Month, now: dt.datetime | None = None) -> dict[str, Any]:
    """The month's live figures for every department and every town and village center (without JIT:
    `governance.dbplan`)."""
    now = now or timezone.now()
    scheme = scheme_for(center=center, year=month.year)
    cohort = _cohort(center, month)
    starts = _working_day_starts(center, month, now)
    assignments = _grouped(_with_overdue_days(cohort, starts, now), "department_id",
                           _assignment_filters(now), sums={"overdue_days": "overdue_days"})
    events = _grouped(_events(center, month), "department_id", _event_filters())
    extensions = _grouped(ExtensionRequest.objects.filter(assignment__in=cohort), "assignment__department_id",
                          _extension_filters())
    answering = cohort.filter(role__in=ANSWERING_ROLES).exclude(status=AssignmentStatus.WITHDRAWN)
    revisits = _revisit_counts(answering)
    summons = _grouped(_summons_rows(center, month), "department_id", _summons_filters(now),
                       sums={"summons_late_minutes": "minutes_late"})
    duty = _duty(center, month, now)
    ladder = ladder_figures(cohort=cohort)
    departments = list(Department.objects.filter(center=center, active=True).order_by("short_code", "pk")
                       .values("pk", "name", "short_code", "is_territory"))
    rows = []
    for department in departments:
        pk = department["pk"]
        figures = {figure.key: 0 for figure in FIGURES}
        for source in (assignments, events, extensions, revisits, summons):
            figures.update(source.get(pk, {}))
        figures.update({key: len(days) for key, days in duty.get(pk, {}).items()})
        rates = {key: _rate(figures[num], figures[den]) for key, _label, num, den, _d in RATES}
        flags = _flags(figures, scheme)
        scored = _score(figures, rates, scheme, flags)
        rows.append({"id": pk, "name": department["name"], "figures": figures, "rates": rates,
                     **scored, "flags": flags, "assessed": scored["score"] is not None,
                     "ladder": ladder.get(pk, dict.fromkeys(LADDER_COUNTED, 0))})
    _rank(rows)
    return {
        "center": center.pk, "month": str(month), "computed_at": now.isoformat(),
        "calendar": _calendar_summary(center, month),
        "scheme": scheme_as_dict(scheme), "departments": rows, "towns": _towns(center, month),
        "workers": _workers(center, month),
        # The named handlers (承办人) of the month's assignments, seed 001 五(一).
        "staff": staff_figures(cohort=cohort, now=now),
    }


def _workers(center: Center, month: Month) -> list[dict[str, Any]]:
    """Every grid worker assigned during the month, with the figures of their record (five queries)."""
    workers = grid_workers_between(first=month.first, last=month.last)
    start, end = month.bounds()
    figures = worker_figures(worker_ids=[w["id"] for w in workers], start=start, end=end, center=center)
    return [{**worker, "figures": figures[worker["id"]],
             "verified_on_time_rate": _rate(figures[worker["id"]]["verified_on_time"], figures[worker["id"]]["verified"])}
            for worker in workers]


def _revisit_counts(answering: QuerySet[Assignment]) -> dict[int, dict[str, int]]:
    """The revisit figures and the 不参评 rulings per department, in one statement (distinct counts: the
    two joins multiply each other's rows)."""
    filters = {key: Q(case__revisits__isnull=False) & q
               for key, q in _revisit_filters("case__revisits__").items()}
    aggregates = {key: Count("case__revisits", filter=q, distinct=True) for key, q in filters.items()}
    aggregates["excluded"] = Count("case__revisit_exclusions", distinct=True,
                                   filter=Q(case__revisit_exclusions__status=ExclusionStatus.CONFIRMED))
    rows = answering.order_by().values("department_id").annotate(**aggregates)
    return {row["department_id"]: {key: int(row[key]) for key in aggregates} for row in rows}


def _rank(rows: list[dict[str, Any]]) -> None:
    """Competition ranking (1, 2, 2, 4) by score among the departments with at least one rate measured."""
    ranked = sorted((row for row in rows if row["assessed"]), key=lambda row: (-row["score"], row["name"]))
    previous_score, previous_rank = None, 0
    for index, row in enumerate(ranked, start=1):
        row["rank"] = previous_rank if row["score"] == previous_score else index
        previous_score, previous_rank = row["score"], row["rank"]
    for row in rows:
        row.setdefault("rank", None)


def _calendar_summary(center: Center, month: Month) -> dict[str, Any]:
    calendar = WorkingCalendar(center=center)
    working, holidays, makeup = 0, [], []
    day = month.first
    while day <= month.last:
        is_working = calendar.is_working_day(day)
        working += is_working
        if not is_working and day.weekday() < 5:
            holidays.append(day.isoformat())
        if is_working and day.weekday() >= 5:
            makeup.append(day.isoformat())
        day += dt.timedelta(days=1)
    return {"working_days": working, "weekday_holidays": holidays, "makeup_days": makeup}


def _towns(center: Center, month: Month) -> list[dict[str, Any]]:
    centers = list(Center.objects.filter(district=center, level__in=[CenterLevel.TOWN, CenterLevel.VILLAGE],
                                         active=True).order_by("code").values("pk", "name", "level"))
    cases = _grouped(_town_cases(center, month), "center_id", _town_case_filters(), distinct=False)
    escalated = {row["from_center"]: row["n"] for row in
                 _escalations(center, month).order_by().values("from_center").annotate(n=Count("pk"))}
    rows = []
    for item in centers:
        figures = {"registered": 0, "settled": 0, **cases.get(item["pk"], {}),
                   "escalated": escalated.get(item["pk"], 0)}
        if any(figures.values()) or item["level"] == CenterLevel.TOWN:
            total = figures["settled"] + figures["escalated"]
            rows.append({"id": item["pk"], "name": item["name"], "level": item["level"], "figures": figures,
                         "settled_rate": _rate(figures["settled"], total)})
    return rows


# --- drill-down --------------------------------------------------------------------------------
@dataclass
class Items:
    figure: Figure
    unit: str
    rows: list[Any]
    total: int  # the figure: a count of rows, or a sum over them
    count: int = 0  # how many rows


def figure_items(*, center: Center, month: Month, key: str, department_id: int | None = None,
                 town_id: int | None = None, worker_id: int | None = None, district: bool = False,
                 now: dt.datetime | None = None, limit: int = 100, offset: int = 0) -> Items | None:
    """The rows one figure counts, for one department (or one town/village center, or grid worker, or
    the district's matters of the month when `district`)."""
    now = now or timezone.now()
    if district:
        figure = MATTER_FIGURE_BY_KEY.get(key)
        if figure is None:
            return None
        rows_qs = _town_cases(center, month).filter(_matter_filters()[key]).select_related("category")
        return _items(figure, rows_qs.order_by("registered_at", "pk"), limit, offset)
    if worker_id is not None:
        figure = WORKER_FIGURE_BY_KEY.get(key)
        if figure is None:
            return None
        start, end = month.bounds()
        worker_rows = worker_figure_rows(key=key, start=start, end=end, center=center)
        assert worker_rows is not None
        worker_rows = worker_rows.filter(worker_ref=worker_id)
        order, related = {PATROL: ("started_at", ["grid"]), LEDGER: ("changed_at", ["item", "item__grid"]),
                          GRID_REPORT: ("reported_at", ["case", "grid"]),
                          VERIFICATION: ("occurred_at", ["case"])}[figure.unit]
        return _items(figure, worker_rows.select_related(*related).order_by(order, "pk"), limit, offset)
    if town_id is not None:
        figure = TOWN_FIGURE_BY_KEY.get(key)
        if figure is None:
            return None
        if key == "escalated":
            rows_qs: QuerySet = _escalations(center, month).filter(from_center=town_id).select_related("case")
        else:
            rows_qs = _town_cases(center, month).filter(_town_case_filters()[key], center_id=town_id)
        return _items(figure, rows_qs.order_by("pk"), limit, offset)
    figure = FIGURE_BY_KEY.get(key)
    if figure is None or department_id is None:
        return None
    cohort = _cohort(center, month)
    if figure.unit == ASSIGNMENT:
        starts = _working_day_starts(center, month, now)
        qs = (_with_overdue_days(cohort.filter(department_id=department_id), starts, now)
              .filter(_assignment_filters(now)[key]).select_related("case", "department"))
        return _items(figure, qs.order_by("assigned_at", "pk"), limit, offset)
    if figure.unit == EVENT:
        qs = _events(center, month).filter(_event_filters()[key], department_id=department_id).select_related("case")
        return _items(figure, qs.order_by("occurred_at", "pk"), limit, offset)
    if figure.unit == EXTENSION:
        qs = (ExtensionRequest.objects.filter(assignment__in=cohort.filter(department_id=department_id))
              .filter(_extension_filters()[key]).select_related("assignment__case"))
        return _items(figure, qs.order_by("requested_at", "pk"), limit, offset)
    if figure.unit == REVISIT:
        answering = (cohort.filter(role__in=ANSWERING_ROLES, department_id=department_id)
                     .exclude(status=AssignmentStatus.WITHDRAWN))
        qs = (Revisit.objects.filter(case__in=answering.values("case_id")).filter(_revisit_filters()[key])
              .select_related("case"))
        return _items(figure, qs.order_by("revisited_at", "pk"), limit, offset)
    if figure.unit == EXCLUSION:
        answering = (cohort.filter(role__in=ANSWERING_ROLES, department_id=department_id)
                     .exclude(status=AssignmentStatus.WITHDRAWN))
        qs = _exclusions(answering).select_related("case", "duplicate_of", "proposed_by", "decided_by")
        return _items(figure, qs.order_by("proposed_at", "pk"), limit, offset)
    if figure.unit == SUMMONS:
        qs = (_summons_rows(center, month).filter(department_id=department_id).filter(_summons_filters(now)[key])
              .select_related("summons", "summons__case", "department"))
        return _items(figure, qs.order_by("summons__decided_at", "pk"), limit, offset)
    days = _duty(center, month, now).get(department_id, {}).get(key, [])
    return Items(figure=figure, unit=DUTY, rows=days, total=len(days), count=len(days))


def _items(figure: Figure, queryset: QuerySet, limit: int, offset: int = 0) -> Items:
    """One page of rows (`limit` from `offset`; all of them when `limit` is 0) and the figure they
    make: the count of all rows, or the sum of the figure's field, in one aggregate query."""
    rows = list(queryset[offset: offset + limit]) if limit else list(queryset)
    aggregate = Sum(figure.sum_field) if figure.sum_field else Count("pk")
    total = queryset.order_by().aggregate(total=Coalesce(aggregate, 0))["total"]
    items = Items(figure=figure, unit=figure.unit, rows=rows, total=total)
    items.count = total if not figure.sum_field else queryset.order_by().count()
    return items


def assessment_snapshot(*, center: Center, month: Month) -> AssessmentSnapshot | None:
    return AssessmentSnapshot.objects.filter(center=center, year=month.year, month=month.month).first()


def assessment_latest(*, center: Center, month: Month) -> tuple[dict[str, Any], dt.datetime | None]:
    """The background refresh's figures and when they were computed; computed now when there are none
    yet (a month nobody has looked at)."""
    snapshot = assessment_snapshot(center=center, month=month)
    if snapshot is not None:
        return snapshot.figures, snapshot.computed_at
    return assessment_compute(center=center, month=month), None


DEFAULT_MONTH_LOOK_BACK = 12


def _month_has_figures(center: Center, month: Month) -> bool:
    return _cohort(center, month).exists() or _summons_rows(center, month).exists()


def assessment_default_month(*, center: Center, now: dt.datetime | None = None) -> Month:
    """The month the assessment (and the dashboard's ranking) opens on when none is asked for: this
    month once it has figures (a matter assigned or a summons decided in it); in the first days of a
    month, before it has any, the last month that has (at most a year back); else this month."""
    today = timezone.localdate(now or timezone.now())
    current = month = Month(today.year, today.month)
    for _i in range(DEFAULT_MONTH_LOOK_BACK + 1):
        if _month_has_figures(center, month):
            return month
        month = month.previous
    return current


# --- versions -----------------------------------------------------------------------------------
def assessment_versions(*, center: Center, month: Month) -> list[AssessmentVersion]:
    return list(AssessmentVersion.objects.filter(center=center, year=month.year, month=month.month)
                .select_related("published_by").order_by("-version"))


def assessment_diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two computations, figure by figure, in words."""
    labels: dict[str, Any] = {f.key: f.label for f in FIGURES}
    labels.update({key: label for key, label, *_rest in RATES})
    changes: list[dict[str, Any]] = []
    before = {row["id"]: row for row in old.get("departments", [])}
    for row in new.get("departments", []):
        prior = before.get(row["id"])
        if prior is None:
            changes.append({"unit": row["name"], "what": str(_("新增部门")), "old": None, "new": row["score"]})
            continue
        for key, value in row["figures"].items():
            if prior["figures"].get(key, 0) != value:
                changes.append({"unit": row["name"], "key": key, "what": str(labels.get(key, key)),
                                "old": prior["figures"].get(key, 0), "new": value})
        for key, value in row["rates"].items():
            if prior["rates"].get(key) != value:
                changes.append({"unit": row["name"], "key": key, "what": str(labels[key]),
                                "old": prior["rates"].get(key), "new": value})
        for key, what in (("score", _("得分")), ("rank", _("排名"))):
            if prior.get(key) != row.get(key):
                changes.append({"unit": row["name"], "key": key, "what": str(what),
                                "old": prior.get(key), "new": row.get(key)})
        old_flags = {f["kind"] for f in prior.get("flags", [])}
        new_flags = {f["kind"] for f in row.get("flags", [])}
        if old_flags != new_flags:
            label_of: Callable[[set[str]], str] = lambda kinds: "、".join(  # noqa: E731
                str(FLAG_KEYS[k][0]) for k in sorted(kinds)) or "—"
            changes.append({"unit": row["name"], "key": "flags", "what": str(_("标记")),
                            "old": label_of(old_flags), "new": label_of(new_flags)})
    worker_before = {row["id"]: row for row in old.get("workers", [])}
    for row in new.get("workers", []):
        prior = worker_before.get(row["id"], {"figures": {}})
        for key, value in row["figures"].items():
            if prior["figures"].get(key, 0) != value:
                changes.append({"unit": row["name"], "key": key, "what": str(WORKER_FIGURE_BY_KEY[key].label),
                                "old": prior["figures"].get(key, 0), "new": value})
    town_before = {row["id"]: row for row in old.get("towns", [])}
    for row in new.get("towns", []):
        prior = town_before.get(row["id"], {"figures": {}})
        for key, value in row["figures"].items():
            if prior["figures"].get(key, 0) != value:
                changes.append({"unit": row["name"], "key": key, "what": str(TOWN_FIGURE_BY_KEY[key].label),
                                "old": prior["figures"].get(key, 0), "new": value})
    return changes
