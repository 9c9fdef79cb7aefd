"""The risk radar (社会风险研判): signals found from the data by aggregate queries.

Each detector is one grouped query over the matters (or assignments, or timeline events) of a
district; only the groups over a threshold come back to Python, where the matters behind each are
read and the signal is raised — or, when a signal with the same key is still in its episode (seen
within the detector's window), refreshed instead. So running the radar again on the same data
raises nothing new, and a dismissed signal stays dismissed. One run holds a lock on the center's
row, so two runs at once (beat and a director's "run now") cannot both raise the same signal.
The detectors collect what they find; the run writes it at the end in a constant number of
statements (one read of the existing signals with those keys, one insert, a few updates, one
insert of their matters), so a week with a thousand reopened matters costs no more round trips than a
quiet one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from command.choices import AreaLevel, SignalKind
from command.models import RadarRules, RadarRun, RiskSignal, RiskSignalCase
from command.selectors.work import command_matters
from dispatch.choices import DispatchEventType
from dispatch.models import Assignment
from governance.models import Center, Department, Grid
from grid.choices import KeyPersonRisk
from grid.models import KeyPerson
from intake.choices import PartyRole
from intake.models import Case, CaseEvent, CaseParty, Category

MAX_CASES_PER_SIGNAL = 500


@dataclass
class RadarResult:
    raised: list[RiskSignal] = field(default_factory=list)
    refreshed: list[RiskSignal] = field(default_factory=list)


def radar_rules_for(*, center: Center) -> RadarRules:
    """The center's rules, or the defaults (unsaved) when none are configured."""
    rules = RadarRules.objects.filter(center=center).first()
    return rules or RadarRules(center=center)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _mask(value: str) -> str:
    return value if len(value) <= 7 else f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass
class _Found:
    kind: str
    key: str
    episode_since: dt.datetime | None
    title: str
    reason: str
    case_ids: list[int]
    window_start: dt.datetime
    window_end: dt.datetime
    fields: dict[str, Any]


class _Run:
    def __init__(self, *, center: Center, now: dt.datetime, rules: RadarRules) -> None:
        self.center = center
        # The center's territory (a district, or a town sub-center's town): `command_matters`.
        self.matters = command_matters(center=center)
        self.case_matters = command_matters(center=center, prefix="case__")
        self.now = now
        self.rules = rules
        self.result = RadarResult()
        self.surge_case_ids: set[int] = set()
        self.found: dict[str, _Found] = {}  # in the order the detectors found them

    def signal(self, *, kind: str, key: str, episode_since: dt.datetime | None, title: str, reason: str,
               case_ids: Iterable[int], window_start: dt.datetime, window_end: dt.datetime,
               **fields: Any) -> None:
        """A signal found by a detector; written with all the others by `write` (a constant number
        of statements for the run, however many signals it finds)."""
        if key in self.found:
            return  # one signal per key and run
        self.found[key] = _Found(kind=kind, key=key, episode_since=episode_since, title=title, reason=reason,
                                 case_ids=list(dict.fromkeys(case_ids))[:MAX_CASES_PER_SIGNAL],
                                 window_start=window_start, window_end=window_end, fields=fields)

    def write(self) -> None:
        """Raise the new signals and refresh those still in their episode: one read of the
        center's signals with these keys, one INSERT of the new ones, an UPDATE per window end of
        the refreshed and one of those whose reason or figures changed, one INSERT of their
        matters (a matter already linked is left alone)."""
        if not self.found:
            return
        current: dict[str, RiskSignal] = {}
        rows = (RiskSignal.objects.filter(center=self.center, key__in=list(self.found))
                .only("pk", "key", "kind", "title", "reason", "count", "metrics", "last_seen_at", "window_end",
                      "status")
                .order_by("key", "-last_seen_at", "-pk"))
        for signal in rows:
            found = self.found[signal.key]
            if signal.key in current or (found.episode_since is not None and signal.last_seen_at < found.episode_since):
                continue
            current[signal.key] = signal
        new: list[RiskSignal] = []
        refreshed: list[RiskSignal] = []
        by_window_end: dict[dt.datetime, list[int]] = {}
        changed: list[RiskSignal] = []
        for key, found in self.found.items():
            signal = current.get(key)
            if signal is None:
                new.append(RiskSignal(
                    center=self.center, kind=found.kind, key=key, title=found.title, reason=found.reason,
                    count=len(found.case_ids), window_start=found.window_start, window_end=found.window_end,
                    raised_at=self.now, last_seen_at=self.now, **found.fields))
                continue
            values = (found.reason, max(signal.count, len(found.case_ids)), found.fields.get("metrics", signal.metrics))
            if values != (signal.reason, signal.count, signal.metrics):
                signal.reason, signal.count, signal.metrics = values
                changed.append(signal)
            signal.last_seen_at, signal.window_end = self.now, found.window_end
            by_window_end.setdefault(found.window_end, []).append(signal.pk)
            refreshed.append(signal)
        RiskSignal.objects.bulk_create(new)
        # Seen again: one UPDATE per window end (a handful: "now", tonight's midnight …); what the
        # data changed (reason, count, figures) in one bulk UPDATE of those rows only.
        for window_end, pks in by_window_end.items():
            RiskSignal.objects.filter(pk__in=pks).update(last_seen_at=self.now, window_end=window_end)
        if changed:
            RiskSignal.objects.bulk_update(changed, ["reason", "count", "metrics"])
        links = [RiskSignalCase(signal_id=signal.pk, case_id=pk) for signal in [*new, *refreshed]
                 for pk in self.found[signal.key].case_ids]
        RiskSignalCase.objects.bulk_create(links, ignore_conflicts=True, batch_size=5000)
        self.result.raised.extend(new)
        self.result.refreshed.extend(refreshed)

    # --- surge of one category in one grid, village or town ---------------------------------
    def surges(self) -> None:
        rules = self.rules
        days = max(1, min(int(rules.surge_window_days), 7))
        weeks = max(1, int(rules.surge_baseline_weeks))
        window_end = _local_midnight(timezone.localdate(self.now) + dt.timedelta(days=1))
        window_start = window_end - dt.timedelta(days=days)
        ranges = [(window_start - dt.timedelta(weeks=k), window_end - dt.timedelta(weeks=k)) for k in range(1, weeks + 1)]
        # One grouped query per (unit grid, town, category) — no join — with the count of the
        # current window and of each baseline week; villages and towns are summed up here from it.
        windows = [(window_start, window_end), *ranges]
        counts = {f"w{i}": Count("pk", filter=Q(registered_at__gte=start, registered_at__lt=end))
                  for i, (start, end) in enumerate(windows)}
        rows = list(
            Case.objects.filter(self.matters, registered_at__gte=ranges[-1][0], registered_at__lt=window_end)
            .values("grid_id", "town_id", "category_id").annotate(**counts)
        )
        grid_ids = {row["grid_id"] for row in rows if row["grid_id"]}
        grids = {g.pk: g for g in Grid.objects.filter(pk__in=grid_ids).select_related("parent")}
        totals: dict[tuple[str, int, int], list[int]] = {}

        def add(level: str, area_id: int | None, row: dict[str, Any]) -> None:
            if area_id is None:
                return
            vector = totals.setdefault((level, area_id, row["category_id"]), [0] * len(windows))
            for i in range(len(windows)):
                vector[i] += row[f"w{i}"]

        for row in rows:
            grid = grids.get(row["grid_id"])
            if grid is not None and grid.level == "unit":
                add(AreaLevel.GRID, grid.pk, row)
                if grid.parent_id and grid.parent.level == "village":
                    add(AreaLevel.VILLAGE, grid.parent_id, row)
            add(AreaLevel.TOWN, row["town_id"], row)
        candidates: dict[str, list[dict[str, Any]]] = {AreaLevel.GRID: [], AreaLevel.VILLAGE: [], AreaLevel.TOWN: []}
        for (level, area_id, cat_id), vector in totals.items():
            current, baseline = vector[0], sum(vector[1:])
            mean = baseline / weeks
            if current >= rules.surge_min_count and current >= rules.surge_ratio * max(mean, 1.0):
                candidates[level].append({"area_id": area_id, "cat_id": cat_id, "current": current,
                                          "baseline": baseline, "mean": mean, "series": vector[::-1]})
        villages = {(row["area_id"], row["cat_id"]) for row in candidates[AreaLevel.VILLAGE]}
        units_of: dict[int, list[int]] = {}
        for grid in grids.values():
            if grid.level == "unit" and grid.parent_id:
                units_of.setdefault(grid.parent_id, []).append(grid.pk)
        areas = {g.pk: g for g in Grid.objects.filter(
            pk__in={row["area_id"] for rows in candidates.values() for row in rows})}
        categories = {c.pk: c for c in Category.objects.filter(
            pk__in={row["cat_id"] for rows in candidates.values() for row in rows})}
        covered: dict[int, set[int]] = {}
        for level in (AreaLevel.VILLAGE, AreaLevel.GRID, AreaLevel.TOWN):
            for row in candidates[level]:
                area = areas[row["area_id"]]
                if level == AreaLevel.GRID and (area.parent_id, row["cat_id"]) in villages:
                    continue  # the village's signal already holds this grid's matters
                where = {AreaLevel.GRID: {"grid_id": area.pk}, AreaLevel.TOWN: {"town_id": area.pk},
                         AreaLevel.VILLAGE: {"grid_id__in": units_of.get(area.pk, [])}}[level]
                ids = list(
                    Case.objects.filter(self.matters, category_id=row["cat_id"],
                                        registered_at__gte=window_start, registered_at__lt=window_end, **where)
                    .order_by("registered_at").values_list("pk", flat=True)
                )
                if level == AreaLevel.TOWN:
                    rest = len(set(ids) - covered.get(row["cat_id"], set()))
                    if rest < rules.surge_min_count or rest < rules.surge_ratio * max(row["mean"], 1.0):
                        continue  # the town's surge is its village's (or grid's) surge, already raised
                covered.setdefault(row["cat_id"], set()).update(ids)
                self.surge_case_ids.update(ids)
                category = categories[row["cat_id"]]
                period = "今日" if days == 1 else f"近 {days} 天"
                same = "同一星期几" if days == 1 else "同期"
                self.signal(
                    kind=SignalKind.SURGE, key=f"surge:{row['cat_id']}:{level}:{area.pk}",
                    episode_since=self.now - dt.timedelta(days=days),
                    title=f"“{category.name}”激增：{area.name}",
                    reason=(f"{area.name}{period}登记“{category.name}”事项 {row['current']} 件，过去 {weeks} 周"
                            f"{same}平均 {row['mean']:.1f} 件（规则：不少于 {rules.surge_min_count} 件且达到平均的 "
                            f"{rules.surge_ratio:g} 倍）。"),
                    case_ids=ids, window_start=window_start, window_end=window_end,
                    category=category, area=area, area_level=level, baseline=round(row["mean"], 2),
                    metrics={"current": row["current"], "baseline_total": row["baseline"], "weeks": weeks,
                             "window_days": days, "series": row["series"]},
                )

    # --- repeat applicants and repeat subjects ---------------------------------------------
    def repeats(self) -> None:
        rules = self.rules
        since = self.now - dt.timedelta(days=rules.repeat_days)
        applicants = CaseParty.objects.filter(self.case_matters, role=PartyRole.APPLICANT,
                                              case__registered_at__gte=since, case__registered_at__lte=self.now)
        flagged: list[frozenset[int]] = []
        # ID numbers and phones are stored encrypted: grouped by their blind index.
        for column, word in (("party__id_number", "身份证号"), ("party__phone", "手机号")):
            index = f"{column}_digest"
            rows = (applicants.exclude(**{index: ""}).values(value=F(index))
                    .annotate(n=Count("case", distinct=True)).filter(n__gte=rules.repeat_min_matters))
            for row in rows:
                found = list(applicants.filter(**{index: row["value"]}).order_by("case__registered_at")
                             .values_list("case_id", "party__name", column))
                links = [(case_id, name) for case_id, name, _clear in found]
                ids = frozenset(case_id for case_id, _ in links)
                if any(ids <= seen for seen in flagged):
                    continue  # the same person, already flagged by the ID number
                flagged.append(ids)
                name = links[-1][1]
                row = {"value": found[-1][2]}  # the clear value, for the signal's key and its masked mention
                self.signal(
                    kind=SignalKind.REPEAT_APPLICANT, key=f"repeat:{column}:{_digest(row['value'])}",
                    episode_since=since, title=f"重复来访：{name}（{rules.repeat_days} 天内 {len(ids)} 件）",
                    reason=(f"申请人 {name}（{word} {_mask(row['value'])}）{rules.repeat_days} 天内作为申请人登记"
                            f" {len(ids)} 件事项（规则：{rules.repeat_days} 天内不少于 {rules.repeat_min_matters} 件）。"),
                    case_ids=[case_id for case_id, _ in links], window_start=since, window_end=self.now,
                    metrics={"matters": len(ids)},
                )
        window = Case.objects.filter(self.matters, registered_at__gte=since, registered_at__lte=self.now)
        rows = list(window.exclude(address="").values("category_id", "address")
                    .annotate(n=Count("pk")).filter(n__gte=rules.repeat_min_matters))
        # Every cluster's matters in one read (not one per cluster), and their categories in one.
        clusters: dict[tuple[int, str], list[int]] = {(row["category_id"], row["address"]): [] for row in rows}
        if clusters:
            for pk, category_id, address in (window.filter(address__in={a for _c, a in clusters},
                                                           category_id__in={c for c, _a in clusters})
                                             .order_by("registered_at", "pk")
                                             .values_list("pk", "category_id", "address")):
                if (category_id, address) in clusters:
                    clusters[category_id, address].append(pk)
        categories = Category.objects.in_bulk({c for c, _a in clusters})
        for row in rows:
            ids = clusters[row["category_id"], row["address"]]
            if 2 * len(set(ids) & self.surge_case_ids) > len(ids):
                continue  # mostly the matters of a surge signal already raised: one signal, not two
            category = categories[row["category_id"]]
            self.signal(
                kind=SignalKind.REPEAT_SUBJECT,
                key=f"subject:{row['category_id']}:{_digest(row['address'])}", episode_since=since,
                title=f"同一事由反复：{row['address']}“{category.name}”",
                reason=(f"{rules.repeat_days} 天内在“{row['address']}”登记“{category.name}”事项 {len(ids)} 件"
                        f"（规则：同一类别、同一地点 {rules.repeat_days} 天内不少于 {rules.repeat_min_matters} 件）。"),
                case_ids=ids, window_start=since, window_end=self.now, category=category,
                metrics={"matters": len(ids)},
            )

    # --- group matters and matters reopened after "not resolved" ----------------------------
    def groups_and_reopened(self) -> None:
        rules = self.rules
        since = self.now - dt.timedelta(days=rules.lookback_days)
        groups = (Case.objects.filter(self.matters, registered_at__gte=since, registered_at__lte=self.now)
                  .filter(Q(is_group=True) | Q(group_size__gte=rules.group_min_size))
                  .values_list("pk", "code", "title", "group_size"))
        for pk, code, title, size in groups:
            self.signal(
                kind=SignalKind.GROUP, key=f"group:{pk}", episode_since=None, title=f"群体性事项：{title}",
                reason=(f"事项 {code} 涉及 {size} 人，登记为群体性事项（规则：标记为群体性或涉及人数不少于 "
                        f"{rules.group_min_size} 人）。"),
                case_ids=[pk], window_start=since, window_end=self.now, metrics={"group_size": size},
            )
        reopened = (CaseEvent.objects.filter(self.case_matters, type=DispatchEventType.CASE_REOPENED,
                                             occurred_at__gte=since, occurred_at__lte=self.now)
                    .values("case_id", "case__code", "case__title").annotate(n=Count("pk"), last=Max("occurred_at")))
        for row in reopened:
            self.signal(
                kind=SignalKind.REOPENED, key=f"reopened:{row['case_id']}:{row['n']}",
                episode_since=None, title=f"回访未解决重办：{row['case__title']}",
                reason=(f"事项 {row['case__code']} 回访时申请人答复“未解决”，已重新办理"
                        + (f"（第 {row['n']} 次）" if row["n"] > 1 else "") + "。"),
                case_ids=[row["case_id"]], window_start=since, window_end=self.now, metrics={"reopened": row["n"]},
            )

    # --- departments whose overdue count climbs week on week --------------------------------
    def department_overdue(self) -> None:
        rules = self.rules
        weeks = max(2, int(rules.overdue_weeks))
        bounds = [(self.now - dt.timedelta(weeks=k + 1), self.now - dt.timedelta(weeks=k)) for k in range(weeks)]
        aggregates = {
            f"w{k}": Count("pk", filter=Q(overdue_at__gt=start, overdue_at__lte=end))
            for k, (start, end) in enumerate(bounds)
        }
        rows = (Assignment.objects.filter(department__center=self.center, overdue_at__gt=bounds[-1][0],
                                          overdue_at__lte=self.now)
                .values("department_id").annotate(**aggregates).filter(w0__gte=rules.overdue_min_count))
        for row in rows:
            counts = [row[f"w{k}"] for k in reversed(range(weeks))]  # oldest first
            if any(later <= earlier for earlier, later in zip(counts, counts[1:], strict=False)):
                continue
            department = Department.objects.get(pk=row["department_id"])
            ids = list(Assignment.objects.filter(department=department, overdue_at__gt=bounds[0][0],
                                                 overdue_at__lte=self.now)
                       .order_by("overdue_at").values_list("case_id", flat=True))
            trend = " → ".join(str(n) for n in counts)
            self.signal(
                kind=SignalKind.DEPARTMENT_OVERDUE, key=f"overdue:{department.pk}",
                episode_since=self.now - dt.timedelta(days=7),
                title=f"超期逐周上升：{department.name}",
                reason=(f"{department.name}近 {weeks} 周每周新增超期交办 {trend} 件，逐周上升（规则：连续 {weeks} 周"
                        f"上升且本周不少于 {rules.overdue_min_count} 件）。"),
                case_ids=ids, window_start=bounds[-1][0], window_end=self.now, department=department,
                metrics={"series": counts},
            )


    # --- key persons of the grid's ledger who appear as applicants -----------------------------
    def key_persons(self) -> None:
        """Applicants of the district's matters in the last `key_person_days` days who are in the
        key-person ledger: the same ID number, or the same phone when the applicant's ID number is
        not recorded. One query matches them (semi-joins on the ledger, which is small); the ledger
        rows are read once. The title and reason name no one: the person is shown, and the view
        recorded, only to the roles granted the ledger (`command.selectors.work`)."""
        since = self.now - dt.timedelta(days=self.rules.key_person_days)
        # Matched on the blind indexes (the same key for both ledgers): clear values are encrypted.
        ledger_ids = KeyPerson.objects.exclude(id_number_digest="").values("id_number_digest")
        ledger_phones = KeyPerson.objects.exclude(phone_digest="").values("phone_digest")
        links = list(
            CaseParty.objects.filter(self.case_matters, role=PartyRole.APPLICANT,
                                     case__registered_at__gte=since, case__registered_at__lte=self.now)
            .filter(Q(party__id_number_digest__in=ledger_ids)
                    | Q(party__id_number_digest="", party__phone_digest__in=ledger_phones))
            .order_by("case__registered_at", "case_id")
            .values_list("case_id", "party__id_number_digest", "party__phone_digest")
        )
        if not links:
            return
        found_ids = {id_number for _, id_number, _ in links if id_number}
        found_phones = {phone for _, id_number, phone in links if not id_number}
        people = list(KeyPerson.objects.filter(Q(id_number_digest__in=found_ids) | Q(phone_digest__in=found_phones))
                      .select_related("grid", "group").order_by("pk"))
        by_id = {p.id_number_digest: p for p in people if p.id_number_digest}
        by_phone = {p.phone_digest: p for p in people if p.phone_digest}
        matters: dict[int, list[int]] = {}
        matched_by: dict[int, set[str]] = {}
        for case_id, id_number, phone in links:
            person = by_id.get(id_number) if id_number else by_phone.get(phone)
            if person is None:
                continue
            matters.setdefault(person.pk, []).append(case_id)
            matched_by.setdefault(person.pk, set()).add("公民身份号码" if id_number else "联系电话")
        days = self.rules.key_person_days
        for person in people:
            ids = list(dict.fromkeys(matters.get(person.pk, [])))
            if not ids:
                continue
            risk = KeyPersonRisk(person.risk_level).label
            self.signal(
                kind=SignalKind.KEY_PERSON, key=f"keyperson:{person.pk}", episode_since=since,
                title=f"重点人员作为申请人：{person.grid.name}",
                reason=(f"重点人员台账中的一名{person.group.name}人员（{person.grid.name}，风险等级：{risk}）"
                        f"{days} 天内作为申请人登记事项 {len(ids)} 件（按{'、'.join(sorted(matched_by[person.pk]))}"
                        f"比对台账；规则：台账人员 {days} 天内作为申请人登记即提示）。"),
                case_ids=ids, window_start=since, window_end=self.now, key_person=person,
                metrics={"matters": len(ids), "risk_level": person.risk_level},
            )


def radar_run(*, center: Center, now: dt.datetime | None = None,
              requested_by: AbstractBaseUser | None = None) -> RadarResult:
    """Run every detector for one center (a district, or a town sub-center over its town); idempotent (see the module's docstring)."""
    now = now or timezone.now()
    rules = radar_rules_for(center=center)
    with transaction.atomic():
        Center.objects.select_for_update().filter(pk=center.pk).first()
        record = RadarRun.objects.create(center=center, started_at=now, requested_by=requested_by)
        run = _Run(center=center, now=now, rules=rules)
        run.surges()
        run.repeats()
        run.groups_and_reopened()
        run.department_overdue()
        run.key_persons()
        run.write()
        RadarRun.objects.filter(pk=record.pk).update(
            finished_at=timezone.now(), raised=len(run.result.raised), refreshed=len(run.result.refreshed))
    return run.result
