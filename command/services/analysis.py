"""研判专报 (seed 000 三(一)): the center's analysis on five themes, 政治安全、风险隐患、社会治安、应急管理、
矛盾纠纷, for the district's leadership; monthly (beat on the 1st, for the month before) and on demand.

Each theme's figures are read from the data of the center's territory (`command_matters`) over the
period, compared with the period of the same length before it, and frozen in the section; the drafted
text says them in sentences. The duty director on duty edits each theme's text; the commander issues
the report, which then never changes, and the district's leaders are notified.

| theme | drawn from |
|---|---|
| 政治安全 | 信访 matters, group matters (群体性), the key-person ledger of the territory (counts by risk only, no names) and key-person signals |
| 风险隐患 | radar signals raised (by kind), 隐患线索 matters, grid reports (网格上报), open high and major risk matters |
| 社会治安 | urgent and critical matters, high-risk matters registered, the towns with most matters, repeat-subject signals |
| 应急管理 | wartime episodes (平战转换: declared, level, ended), summonses and their report-ins (late, absent) |
| 矛盾纠纷 | 矛盾纠纷 matters by kind, closed, group disputes, reopened and repeat-applicant signals |
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import AnalysisKind, AnalysisStatus, AnalysisTheme, SignalKind
from command.models import AnalysisReport, AnalysisSection, RiskSignal
from command.selectors.work import command_matters, require_command_center
from dispatch.models import Mode, Summons, SummonsDepartment
from dispatch.selectors.duty import DIRECT, require_on_duty
from dispatch.services.common import notify_on_commit
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.roles import (
    MAY_EDIT_ANALYSIS,
    MAY_ISSUE_ANALYSIS,
    MAY_RECEIVE_DAILY_REPORT,
    may,
)
from governance.scope import territory_of_center
from governance.text import FreeTextError, check_free_text
from grid.models import KeyPerson
from intake.choices import OPEN_STATUSES, CaseStatus, Channel, RiskLevel, Urgency
from intake.models import Case

SECTION_TEXT_MAX = 3000
ITEM_LIMIT = 10
HIGH_RISKS = (RiskLevel.HIGH, RiskLevel.MAJOR)
URGENT = (Urgency.URGENT, Urgency.CRITICAL)


def _category(code: str, prefix: str = "") -> Q:
    return Q(**{f"{prefix}category__code": code}) | Q(**{f"{prefix}category__parent__code": code})


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    return first, timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))


def _items(queryset: Any) -> list[dict[str, Any]]:
    return list(queryset.order_by("-registered_at").values("pk", "code", "title", "risk_level", "status",
                                                           "town__name")[:ITEM_LIMIT])


def _change(now: int, before: int) -> str:
    if before == 0:
        return "上期为 0" if now else "与上期持平"
    delta = round((now - before) * 100 / before)
    return "与上期持平" if delta == 0 else (f"环比上升 {delta}%" if delta > 0 else f"环比下降 {-delta}%")


class _Period:
    """The matters and signals of the center's territory in the period and in the one before it."""

    def __init__(self, center: Center, start: dt.date, end: dt.date) -> None:
        self.center = center
        self.start, self.end = _bounds(start, end)
        length = self.end - self.start
        self.before_start, self.before_end = self.start - length, self.start
        self.cases = Case.objects.filter(command_matters(center=center))
        self.now = self.cases.filter(registered_at__gte=self.start, registered_at__lt=self.end)
        self.before = self.cases.filter(registered_at__gte=self.before_start, registered_at__lt=self.before_end)
        self.signals = RiskSignal.objects.filter(center=center, raised_at__gte=self.start, raised_at__lt=self.end)

    def both(self, condition: Q) -> tuple[int, int]:
        return self.now.filter(condition).count(), self.before.filter(condition).count()


def _political_security(p: _Period) -> tuple[dict[str, Any], str]:
    petitions, petitions_before = p.both(_category("XF"))
    group, group_before = p.both(Q(is_group=True))
    ledger = KeyPerson.objects.filter(territory_of_center(center=p.center).grid_ids())
    by_risk = {row["risk_level"]: row["n"] for row in ledger.values("risk_level").annotate(n=Count("pk"))}
    key_signals = p.signals.filter(kind=SignalKind.KEY_PERSON).count()
    data = {"petitions": petitions, "petitions_before": petitions_before, "group": group, "group_before": group_before,
            "key_persons": sum(by_risk.values()), "key_persons_high": by_risk.get("high", 0),
            "key_person_signals": key_signals, "matters": _items(p.now.filter(Q(is_group=True) | _category("XF")))}
    text = (f"本期受理信访事项 {petitions} 件（{_change(petitions, petitions_before)}），群体性事项 {group} 件"
            f"（{_change(group, group_before)}）。辖区在册重点人员 {data['key_persons']} 人，其中高风险（严控）"
            f"{data['key_persons_high']} 人；重点人员作为申请人的预警 {key_signals} 条。")
    text += ("建议对群体性事项逐件落实包案领导，重点人员按走访周期跟进，防止聚集上访。" if group or key_signals
             else "未发现影响政治安全的群体性苗头，重点人员稳控总体平稳。")
    return data, text


def _risks(p: _Period) -> tuple[dict[str, Any], str]:
    by_kind = {row["kind"]: row["n"] for row in p.signals.exclude(kind=SignalKind.KEY_PERSON)
               .values("kind").annotate(n=Count("pk"))}
    hazards, hazards_before = p.both(_category("YH"))
    findings, findings_before = p.both(Q(channel=Channel.GRID_REPORT))
    high_open = p.cases.filter(risk_level__in=HIGH_RISKS, status__in=OPEN_STATUSES)
    data = {"signals": sum(by_kind.values()),
            "signals_by_kind": {str(SignalKind(kind).label): n for kind, n in sorted(by_kind.items())},
            "hazards": hazards, "hazards_before": hazards_before, "grid_findings": findings,
            "grid_findings_before": findings_before, "high_risk_open": high_open.count(), "matters": _items(high_open)}
    kinds = "、".join(f"{label} {n} 条" for label, n in data["signals_by_kind"].items()) or "无"
    text = (f"风险研判共发出预警 {data['signals']} 条（{kinds}）。受理隐患线索 {hazards} 件（{_change(hazards, hazards_before)}），"
            f"网格员巡查上报 {findings} 件（{_change(findings, findings_before)}）；目前在办高风险及重大风险事项 "
            f"{data['high_risk_open']} 件。")
    text += ("建议对在办高风险事项逐件明确责任单位和化解时限，跟踪至办结。" if data["high_risk_open"]
             else "目前无在办高风险事项。")
    return data, text


def _public_order(p: _Period) -> tuple[dict[str, Any], str]:
    urgent, urgent_before = p.both(Q(urgency__in=URGENT))
    high, high_before = p.both(Q(risk_level__in=HIGH_RISKS))
    towns = list(p.now.exclude(town__isnull=True).values("town__name").annotate(n=Count("pk")).order_by("-n",
                                                                                                      "town__name")[:3])
    repeat = p.signals.filter(kind=SignalKind.REPEAT_SUBJECT).count()
    data = {"urgent": urgent, "urgent_before": urgent_before, "high_risk": high, "high_risk_before": high_before,
            "towns": [{"town": row["town__name"], "n": row["n"]} for row in towns], "repeat_subject_signals": repeat,
            "registered": p.now.count(), "matters": _items(p.now.filter(Q(urgency__in=URGENT) | Q(risk_level__in=HIGH_RISKS)))}
    places = "、".join(f"{row['town']} {row['n']} 件" for row in data["towns"]) or "无"
    text = (f"本期登记事项 {data['registered']} 件，其中紧急、特急事项 {urgent} 件（{_change(urgent, urgent_before)}），"
            f"高风险事项 {high} 件（{_change(high, high_before)}）。事项较多的镇（街道）：{places}。"
            f"同一地点、同一事由反复发生的预警 {repeat} 条。")
    text += ("建议对反复发生的地点开展联合整治。" if repeat else "社会治安形势总体平稳。")
    return data, text


def _emergency(p: _Period) -> tuple[dict[str, Any], str]:
    modes = list(Mode.objects.filter(center=p.center, switched_at__gte=p.start, switched_at__lt=p.end)
                 .order_by("switched_at").values("kind", "level", "switched_at", "reason"))
    declared = [row for row in modes if row["kind"] == "wartime"]
    summonses = Summons.objects.filter(center=p.center, requested_at__gte=p.start, requested_at__lt=p.end)
    called = SummonsDepartment.objects.filter(summons__in=summonses.exclude(report_in_due_at__isnull=True))
    late = called.filter(reported_in_at__isnull=False, reported_in_at__gt=F("summons__report_in_due_at")).count()
    absent = called.filter(reported_in_at__isnull=True, summons__report_in_due_at__lt=p.end).count()
    data = {"wartime_declared": len(declared), "episodes": modes, "summonses": summonses.count(),
            "summoned_departments": called.count(), "reported_late": late, "absent": absent}
    text = (f"本期启动战时响应 {len(declared)} 次" + (
        "（" + "；".join(f"{timezone.localtime(row['switched_at']):%m月%d日}{row['level']}级响应：{row['reason']}"
                        for row in declared) + "）" if declared else "") +
        f"；召集（吹哨）{data['summonses']} 次，召集部门 {data['summoned_departments']} 个次，其中迟到 {late} 个次、"
        f"未报到 {absent} 个次。")
    text += ("建议对迟到、未报到部门通报并纳入月度考核。" if late or absent else "各部门响应召集及时。")
    return data, text


def _disputes(p: _Period) -> tuple[dict[str, Any], str]:
    disputes = p.now.filter(_category("JF"))
    count, before = disputes.count(), p.before.filter(_category("JF")).count()
    kinds = list(disputes.values("category__name").annotate(n=Count("pk")).order_by("-n", "category__name")[:5])
    closed = disputes.filter(status=CaseStatus.CLOSED).count()
    group = disputes.filter(is_group=True).count()
    reopened = p.signals.filter(kind=SignalKind.REOPENED).count()
    repeat = p.signals.filter(kind=SignalKind.REPEAT_APPLICANT).count()
    data = {"disputes": count, "disputes_before": before, "closed": closed, "group": group,
            "kinds": [{"kind": row["category__name"], "n": row["n"]} for row in kinds], "reopened_signals": reopened,
            "repeat_applicant_signals": repeat, "matters": _items(disputes.filter(Q(is_group=True)
                                                                               | Q(risk_level__in=HIGH_RISKS)))}
    top = "、".join(f"{row['kind']} {row['n']} 件" for row in data["kinds"]) or "无"
    rate = f"{round(closed * 100 / count)}%" if count else "—"
    text = (f"本期受理矛盾纠纷 {count} 件（{_change(count, before)}），主要类型：{top}；已办结 {closed} 件（办结率 {rate}），"
            f"群体性纠纷 {group} 件。回访不满意重办预警 {reopened} 条，重复来访申请人预警 {repeat} 条。")
    text += ("建议对重复来访和重办事项组织会商，落实包案化解。" if reopened or repeat else "矛盾纠纷化解总体顺畅。")
    return data, text


THEMES = (
    (AnalysisTheme.POLITICAL_SECURITY, _political_security),
    (AnalysisTheme.RISKS, _risks),
    (AnalysisTheme.PUBLIC_ORDER, _public_order),
    (AnalysisTheme.EMERGENCY, _emergency),
    (AnalysisTheme.DISPUTES, _disputes),
)


def analysis_draft(*, center: Center, start: dt.date, end: dt.date) -> list[tuple[str, dict[str, Any], str]]:
    """Each theme's figures and drafted text (read only)."""
    period = _Period(center, start, end)
    return [(theme, *build(period)) for theme, build in THEMES]


@transaction.atomic
def analysis_generate(*, center: Center, start: dt.date, end: dt.date, kind: str = AnalysisKind.ON_DEMAND,
                      actor: AbstractBaseUser | None = None, now: dt.datetime | None = None) -> AnalysisReport:
    """Draft the report of [start, end] (a monthly one once per center and month: asked again while a
    draft, its figures are read again and the themes nobody edited re-drafted; an issued one stays)."""
    now = now or timezone.now()
    if actor is not None:
        if not may(actor, MAY_EDIT_ANALYSIS | MAY_ISSUE_ANALYSIS):
            raise PermissionDeniedError(gettext("只有轮值主任、指挥长可以生成研判专报。"))
        require_command_center(actor=actor, center=center)
    if end < start:
        raise ApplicationError(gettext("研判期间的结束日期不能早于开始日期。"), code="invalid", field="end")
    if (end - start).days > 366:
        raise ApplicationError(gettext("研判期间不超过一年。"), code="invalid", field="start")
    if kind == AnalysisKind.MONTHLY:
        title = f"{center.name}社会治理研判专报（{start.year}年{start.month}月）"
    else:
        title = f"{center.name}社会治理研判专报（{start:%Y-%m-%d}至{end:%Y-%m-%d}）"
    report = None
    if kind == AnalysisKind.MONTHLY:
        report = AnalysisReport.objects.filter(center=center, kind=kind, period_start=start).first()
    if report is None:
        try:
            with transaction.atomic():
                report = AnalysisReport.objects.create(center=center, kind=kind, title=title, period_start=start,
                                                       period_end=end, generated_at=now, requested_by=actor)
        except IntegrityError:
            report = AnalysisReport.objects.get(center=center, kind=kind, period_start=start)
    if report.status != AnalysisStatus.DRAFT:
        return report
    drafts = analysis_draft(center=center, start=start, end=end)
    existing = {section.theme: section for section in report.sections.all()}
    for position, (theme, data, text) in enumerate(drafts, start=1):
        section = existing.get(theme)
        if section is None:
            AnalysisSection.objects.create(report=report, theme=theme, position=position, data=data,
                                           drafted_text=text, text=text)
        elif section.edited_at is None:
            AnalysisSection.objects.filter(pk=section.pk).update(data=data, drafted_text=text, text=text)
        else:
            AnalysisSection.objects.filter(pk=section.pk).update(data=data, drafted_text=text)
    AnalysisReport.objects.filter(pk=report.pk).update(generated_at=now)
    report.refresh_from_db()
    return report


def previous_month(now: dt.datetime) -> tuple[dt.date, dt.date]:
    first_this = timezone.localtime(now).date().replace(day=1)
    last = first_this - dt.timedelta(days=1)
    return last.replace(day=1), last


def analysis_generate_monthly(*, center: Center, now: dt.datetime | None = None) -> AnalysisReport | None:
    """Beat's run on the 1st: the month before's draft (None for a village station)."""
    now = now or timezone.now()
    if center.level not in ("district", "town"):
        return None
    start, end = previous_month(now)
    return analysis_generate(center=center, start=start, end=end, kind=AnalysisKind.MONTHLY, now=now)


@transaction.atomic
def analysis_section_edit(*, actor: AbstractBaseUser, section: AnalysisSection, text: str,
                          now: dt.datetime | None = None) -> AnalysisSection:
    """The duty director on duty rewrites a theme's text (while the report is a draft)."""
    now = now or timezone.now()
    report = section.report
    if not may(actor, MAY_EDIT_ANALYSIS):
        raise PermissionDeniedError(gettext("研判专报的各主题由轮值主任修改。"))
    require_command_center(actor=actor, center=report.center)
    require_on_duty(actor=actor, center=report.center, task=DIRECT, now=now)
    try:
        text = check_free_text(text, label=gettext("研判意见"), max_chars=SECTION_TEXT_MAX, required=True)
    except FreeTextError as error:
        raise ApplicationError(error.message, code=error.code, field="text") from None
    changed = AnalysisSection.objects.filter(pk=section.pk, report__status=AnalysisStatus.DRAFT).update(
        text=text, edited_by=actor, edited_at=now)
    if not changed:
        raise ApplicationError(gettext("研判专报已签发，不能再修改。"), code="invalid_transition")
    section.refresh_from_db()
    return section


@transaction.atomic
def analysis_issue(*, actor: AbstractBaseUser, report: AnalysisReport, now: dt.datetime | None = None
                   ) -> AnalysisReport:
    """The commander issues the report (draft → issued, once); the district's leaders are notified."""
    now = now or timezone.now()
    if not may(actor, MAY_ISSUE_ANALYSIS):
        raise PermissionDeniedError(gettext("研判专报由指挥长签发。"))
    require_command_center(actor=actor, center=report.center)
    changed = AnalysisReport.objects.filter(pk=report.pk, status=AnalysisStatus.DRAFT).update(
        status=AnalysisStatus.ISSUED, issued_by=actor, issued_at=now)
    if not changed:
        raise ApplicationError(gettext("该研判专报已签发。"), code="invalid_transition")
    report.refresh_from_db()
    readers = get_user_model().objects.filter(
        is_active=True, groups__name__in=MAY_RECEIVE_DAILY_REPORT, profile__center=report.center).distinct()
    notify_on_commit(recipients=list(readers), kind="review.analysis_report", title=report.title,
                     body=gettext("研判专报已签发，供决策参考。"), link=reverse("command:analysis", args=[report.pk]),
                     dedupe_key=f"analysis:{report.pk}:issued", now=now)
    return report
