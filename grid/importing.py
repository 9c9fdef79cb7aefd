"""Import and export of the grid tree (`import_grids`, `export_grids`, the admin upload).

The file: CSV (UTF-8 with or without BOM, or GBK/GB18030 as Excel saves it in Chinese offices)
or .xlsx, with the columns of the official division list — code, name, level, parent_code — and
optionally population, households, leader. A GeoJSON FeatureCollection whose features carry
`properties.code` may add boundaries. Every row is checked before anything is written; then all
rows are written in one transaction, so a bad file changes nothing and the same file twice
changes nothing the second time.

Code scheme (see the README): county 6 digits (the district), town 9, village/community 12 (the
official statistical codes; 12-digit codes padded with zeros are shortened: 350521104000 ->
350521104), work area = town code + "P" + 2 digits, unit grid = village code + 3 digits, micro-grid
= unit code + 2 digits. A district without an official code (a management zone) keeps a local
code of letters and digits. A unit or micro-grid row with an empty code gets the next free number
under its parent.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext
from openpyxl import load_workbook

from governance.choices import GridLevel
from governance.models import Grid
from grid.choices import LeaderRole
from grid.models import GridLeader

REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
OPTIONAL_COLUMNS = ("population", "households", "leader")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Levels as the official list names them, and ours.
LEVEL_ALIASES = {
    "province": "province", "city": "city", "county": GridLevel.DISTRICT, "district": GridLevel.DISTRICT,
    "town": GridLevel.TOWN, "street": GridLevel.TOWN, "area": GridLevel.AREA, "village": GridLevel.VILLAGE,
    "community": GridLevel.VILLAGE, "unit": GridLevel.UNIT, "micro": GridLevel.MICRO,
    "区": GridLevel.DISTRICT, "县": GridLevel.DISTRICT, "镇": GridLevel.TOWN, "乡": GridLevel.TOWN,
    "街道": GridLevel.TOWN, "片": GridLevel.AREA, "工作片": GridLevel.AREA, "村": GridLevel.VILLAGE,
    "社区": GridLevel.VILLAGE, "单元网格": GridLevel.UNIT, "微网格": GridLevel.MICRO,
    "责任网格": GridLevel.MICRO,
}
SKIPPED_LEVELS = {"province", "city"}  # context rows of the official list: above the district
DEPTH = {GridLevel.DISTRICT: 0, GridLevel.TOWN: 1, GridLevel.AREA: 2, GridLevel.VILLAGE: 3, GridLevel.UNIT: 4,
         GridLevel.MICRO: 5}
ALLOWED_PARENTS = {
    GridLevel.DISTRICT: set(),
    GridLevel.TOWN: {GridLevel.DISTRICT},
    GridLevel.AREA: {GridLevel.TOWN},
    GridLevel.VILLAGE: {GridLevel.TOWN, GridLevel.AREA},
    GridLevel.UNIT: {GridLevel.VILLAGE},
    GridLevel.MICRO: {GridLevel.UNIT},
}
CODE_PATTERNS = {
    GridLevel.DISTRICT: re.compile(r"^(\d{6}|[A-Z][A-Z0-9]{1,19})$"),
    GridLevel.TOWN: re.compile(r"^\d{9}$"),
    GridLevel.AREA: re.compile(r"^\d{9}P\d{2}$"),
    GridLevel.VILLAGE: re.compile(r"^\d{12}$"),
    GridLevel.UNIT: re.compile(r"^\d{15}$"),
    GridLevel.MICRO: re.compile(r"^\d{17}$"),
}
CODE_FORMATS = {
    GridLevel.DISTRICT: "6 位区县代码或字母开头的本地编码",
    GridLevel.TOWN: "9 位（或补零的 12 位）乡镇代码",
    GridLevel.AREA: "镇代码 + P + 2 位",
    GridLevel.VILLAGE: "12 位村（社区）代码",
    GridLevel.UNIT: "村代码 + 3 位（15 位）",
    GridLevel.MICRO: "单元网格代码 + 2 位（17 位）",
}
MAX_ROWS = 200_000


class ImportRejected(Exception):
    """The file has bad rows; `errors` names each with its line and reason. Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Row:
    line: int
    code: str
    name: str
    level: str
    parent_code: str
    population: int | None = None
    households: int | None = None
    leader: str = ""
    boundary: dict[str, Any] | None = None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    leaders: int = 0
    codes_generated: int = 0
    dry_run: bool = False
    errors: list[str] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------------------
def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejected([gettext("文件编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV，或 .xlsx。")])


def read_table(data: bytes, *, filename: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row by column name) of a CSV or .xlsx file; line 1 is the header."""
    if filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    if filename.lower().endswith(".xls"):
        raise ImportRejected([gettext("不支持旧版 .xls：请在 Excel 中另存为 .xlsx 或 CSV。")])
    text = _decode(data)
    reader = csv.reader(io.StringIO(text))
    return _rows_with_header(reader)


def _read_xlsx(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise ImportRejected([gettext("无法读取 .xlsx 文件：%(error)s") % {"error": type(error).__name__}]) from None
    sheet = workbook.worksheets[0]
    rows = ([("" if v is None else str(v).strip()) for v in row] for row in sheet.iter_rows(values_only=True))
    try:
        return _rows_with_header(rows)
    finally:
        workbook.close()


def _rows_with_header(rows: Iterable[list[str]]) -> list[tuple[int, dict[str, str]]]:
    iterator: Iterator[list[str]] = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise ImportRejected([gettext("文件是空的。")])
    names = [str(h).strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise ImportRejected([gettext("第 1 行（表头）缺少列：%(cols)s。需要 code, name, level, parent_code。") % {
            "cols": ", ".join(missing)}])
    result = []
    for line, values in enumerate(iterator, start=2):
        if not any(str(v).strip() for v in values):
            continue
        if line > MAX_ROWS + 1:
            raise ImportRejected([gettext("文件超过 %(n)d 行，请分批导入。") % {"n": MAX_ROWS}])
        result.append((line, {name: str(values[i]).strip() if i < len(values) else ""
                              for i, name in enumerate(names) if name in COLUMNS}))
    return result


def read_boundaries(data: bytes) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Geometries by grid code from a GeoJSON FeatureCollection (`properties.code`). A collection
    or feature marked `"schematic": true` is kept marked: the map labels it 示意 (not real)."""
    errors: list[str] = []
    try:
        document = json.loads(_decode(data))
    except (json.JSONDecodeError, ImportRejected):
        return {}, [gettext("边界文件不是有效的 GeoJSON。")]
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return {}, [gettext("边界文件应为 GeoJSON FeatureCollection。")]
    result: dict[str, dict[str, Any]] = {}
    for index, feature in enumerate(document.get("features") or [], start=1):
        props = (feature or {}).get("properties") or {}
        code = normalize_code(str(props.get("code", "")).strip())
        geometry = (feature or {}).get("geometry") or {}
        if not code:
            errors.append(gettext("边界第 %(n)d 个要素：缺少 properties.code。") % {"n": index})
        elif geometry.get("type") not in ("Polygon", "MultiPolygon") or not isinstance(
                geometry.get("coordinates"), list):
            errors.append(gettext("边界第 %(n)d 个要素（%(code)s）：几何应为 Polygon 或 MultiPolygon。") % {
                "n": index, "code": code})
        else:
            result[code] = {"type": geometry["type"], "coordinates": geometry["coordinates"]}
            if document.get("schematic") is True or props.get("schematic") is True:
                result[code]["schematic"] = True  # drawn for illustration (示意), not a surveyed boundary
    return result, errors


# --- checking ------------------------------------------------------------------------------------------
def normalize_code(code: str) -> str:
    """Official 12-digit codes padded with zeros are shortened to their level's length."""
    code = code.strip().upper()
    if re.fullmatch(r"\d{12}", code):
        if code.endswith("000000"):
            return code[:6]
        if code.endswith("000"):
            return code[:9]
    return code


def _count(value: str, line: int, column: str, errors: list[str]) -> int | None:
    if not value:
        return None
    try:
        number = int(float(value)) if re.fullmatch(r"\d+(\.0+)?", value) else int(value)
    except ValueError:
        errors.append(gettext("第 %(line)d 行：%(col)s“%(value)s”不是非负整数。") % {
            "line": line, "col": column, "value": value[:20]})
        return None
    if number < 0:
        errors.append(gettext("第 %(line)d 行：%(col)s不能为负数。") % {"line": line, "col": column})
        return None
    return number


def check_rows(table: list[tuple[int, dict[str, str]]], *, boundaries: dict[str, dict[str, Any]] | None = None,
               progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda rows: rows,
               ) -> tuple[list[Row], int, int, list[str]]:
    """Every row checked against the file and the database: (rows, skipped, generated, errors)."""
    errors: list[str] = []
    rows: list[Row] = []
    skipped = 0
    seen: dict[str, int] = {}
    skipped_codes: set[str] = set()
    for line, values in progress(table):
        raw_level = values.get("level", "").strip()
        level = LEVEL_ALIASES.get(raw_level.lower(), LEVEL_ALIASES.get(raw_level))
        code = normalize_code(values.get("code", ""))
        name = values.get("name", "").strip()
        if level in SKIPPED_LEVELS:
            skipped += 1
            skipped_codes.add(code)
            continue
        bad = False
        if level is None:
            errors.append(gettext("第 %(line)d 行：层级“%(level)s”无法识别（应为 county/town/area/village/unit/micro）。")
                          % {"line": line, "level": raw_level[:20]})
            bad = True
        if not name:
            errors.append(gettext("第 %(line)d 行：名称为空。") % {"line": line})
            bad = True
        elif len(name) > 100:
            errors.append(gettext("第 %(line)d 行：名称超过 100 个字。") % {"line": line})
            bad = True
        if level is not None and code and not CODE_PATTERNS[level].match(code):
            errors.append(gettext("第 %(line)d 行：编码“%(code)s”格式不对，%(level)s应为%(fmt)s。") % {
                "line": line, "code": code[:30], "level": GridLevel(level).label, "fmt": CODE_FORMATS[level]})
            bad = True
        if not code and level not in (GridLevel.UNIT, GridLevel.MICRO):
            errors.append(gettext("第 %(line)d 行：编码为空（只有单元网格、微网格可留空由系统生成）。") % {"line": line})
            bad = True
        if code and code in seen:
            errors.append(gettext("第 %(line)d 行：编码 %(code)s 与第 %(first)d 行重复。") % {
                "line": line, "code": code, "first": seen[code]})
            bad = True
        population = _count(values.get("population", ""), line, "population", errors)
        households = _count(values.get("households", ""), line, "households", errors)
        if code:
            seen.setdefault(code, line)
        if not bad:
            rows.append(Row(line=line, code=code, name=name, level=level, population=population,
                            households=households, leader=values.get("leader", "").strip()[:50],
                            parent_code=normalize_code(values.get("parent_code", ""))))
    existing = {g.code: g for g in Grid.objects.filter(
        code__in={r.code for r in rows if r.code} | {r.parent_code for r in rows if r.parent_code})}
    levels = {code: g.level for code, g in existing.items()}
    levels.update({r.code: r.level for r in rows if r.code})
    for row in rows:
        if row.code in existing and existing[row.code].level != row.level:
            errors.append(gettext("第 %(line)d 行：%(code)s 已存在且层级为“%(old)s”，不能改为“%(new)s”。") % {
                "line": row.line, "code": row.code, "old": existing[row.code].get_level_display(),
                "new": GridLevel(row.level).label})
        if row.level == GridLevel.DISTRICT:
            if row.parent_code and row.parent_code not in skipped_codes and row.parent_code in levels:
                errors.append(gettext("第 %(line)d 行：区（县）不能有上级网格 %(parent)s。") % {
                    "line": row.line, "parent": row.parent_code})
            row.parent_code = ""
            continue
        if not row.parent_code:
            errors.append(gettext("第 %(line)d 行：缺少上级编码 parent_code。") % {"line": row.line})
            continue
        parent_level = levels.get(row.parent_code)
        if parent_level is None:
            errors.append(gettext("第 %(line)d 行：上级编码 %(parent)s 在文件和系统中都不存在。") % {
                "line": row.line, "parent": row.parent_code})
            continue
        if parent_level not in ALLOWED_PARENTS[row.level]:
            errors.append(gettext("第 %(line)d 行：层级顺序不对，%(level)s的上级不能是%(parent)s。") % {
                "line": row.line, "level": GridLevel(row.level).label, "parent": GridLevel(parent_level).label})
            continue
        prefix = row.parent_code[:9] if parent_level == GridLevel.AREA else row.parent_code
        if row.code and parent_level != GridLevel.DISTRICT and not row.code.startswith(prefix):
            errors.append(gettext("第 %(line)d 行：编码 %(code)s 应以上级编码 %(parent)s 开头。") % {
                "line": row.line, "code": row.code, "parent": prefix})
        if (row.code and parent_level == GridLevel.DISTRICT and re.fullmatch(r"\d{6}", row.parent_code)
                and not row.code.startswith(row.parent_code)):
            errors.append(gettext("第 %(line)d 行：编码 %(code)s 应以上级编码 %(parent)s 开头。") % {
                "line": row.line, "code": row.code, "parent": row.parent_code})
    if boundaries:
        for row in rows:
            row.boundary = boundaries.get(row.code)
        unknown = sorted(set(boundaries) - {r.code for r in rows} - set(existing))
        if unknown:
            errors.append(gettext("边界文件中的编码在表格和系统中都不存在：%(codes)s") % {"codes": "、".join(unknown[:10])})
    generated = _generate_codes(rows)
    return rows, skipped, generated, errors


def _generate_codes(rows: list[Row]) -> int:
    """Empty unit/micro codes get the next free sequence under their parent (file and database)."""
    pending = [r for r in rows if not r.code]
    if not pending:
        return 0
    parents = {r.parent_code for r in pending}
    taken: dict[str, set[str]] = {p: set() for p in parents}
    for code in Grid.objects.filter(parent__code__in=parents).values_list("code", flat=True):
        taken[code[:-3] if len(code) == 15 else code[:-2]].add(code)
    for r in rows:
        if r.code and r.parent_code in taken:
            taken[r.parent_code].add(r.code)
    for r in pending:
        width = 3 if r.level == GridLevel.UNIT else 2
        n = 1
        while f"{r.parent_code}{n:0{width}d}" in taken[r.parent_code]:
            n += 1
        r.code = f"{r.parent_code}{n:0{width}d}"
        taken[r.parent_code].add(r.code)
    return len(pending)


# --- writing -------------------------------------------------------------------------------------------
def grids_import(
    *, data: bytes, filename: str, boundaries_data: bytes | None = None, dry_run: bool = False,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda rows: rows,
) -> ImportResult:
    """Check every row, then write all of them in one transaction (or nothing, with `dry_run`).
    Raises `ImportRejected` listing every bad row; nothing is written then."""
    table = read_table(data, filename=filename)
    boundaries: dict[str, dict[str, Any]] = {}
    boundary_errors: list[str] = []
    if boundaries_data:
        boundaries, boundary_errors = read_boundaries(boundaries_data)
    rows, skipped, generated, errors = check_rows(table, boundaries=boundaries, progress=progress)
    errors = boundary_errors + errors
    if errors:
        raise ImportRejected(errors)
    result = ImportResult(skipped=skipped, codes_generated=generated, dry_run=dry_run)
    with transaction.atomic():
        _write(rows, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _write(rows: list[Row], result: ImportResult) -> None:
    rows = sorted(rows, key=lambda r: DEPTH[r.level])
    by_code = {g.code: g for g in Grid.objects.filter(code__in=[r.code for r in rows]).select_related("town")}
    parents = {g.code: g for g in Grid.objects.filter(code__in={r.parent_code for r in rows} - set(by_code))
               .select_related("town")}
    for depth in sorted({DEPTH[r.level] for r in rows}):
        level_rows = [r for r in rows if DEPTH[r.level] == depth]
        new: list[Grid] = []
        changed: list[Grid] = []
        for row in level_rows:
            parent = by_code.get(row.parent_code) or parents.get(row.parent_code)
            town = None
            if parent is not None:
                town = parent if parent.level == GridLevel.TOWN else parent.town
            official = row.code.isdigit() and len(row.code) in (6, 9, 12)
            values = {"name": row.name, "level": row.level, "parent": parent, "town": town,
                      "division_code": row.code.ljust(12, "0") if official else ""}
            if row.population is not None:
                values["population"] = row.population
            if row.households is not None:
                values["households"] = row.households
            if row.boundary is not None:
                values["boundary"] = row.boundary
            grid = by_code.get(row.code)
            if grid is None:
                # A new micro-grid (战时责任网格) waits for wartime: the declaration activates it.
                grid = Grid(code=row.code, active=row.level != GridLevel.MICRO, **values)
                new.append(grid)
                by_code[row.code] = grid
                continue
            if any(_differs(grid, key, value) for key, value in values.items()):
                for key, value in values.items():
                    setattr(grid, key, value)
                changed.append(grid)
            else:
                result.unchanged += 1
        Grid.objects.bulk_create(new, batch_size=1000)
        Grid.objects.bulk_update(changed, ["name", "parent", "town", "division_code", "population", "households",
                                           "boundary"], batch_size=1000)
        result.created += len(new)
        result.updated += len(changed)
    result.leaders = _write_leaders([r for r in rows if r.leader], by_code)


def _differs(grid: Grid, key: str, new: Any) -> bool:
    """Compare without loading related rows: foreign keys by id (no query per row)."""
    if key in ("parent", "town"):
        return getattr(grid, f"{key}_id") != (new.pk if new is not None else None)
    return getattr(grid, key) != new


def _write_leaders(rows: list[Row], by_code: dict[str, Grid]) -> int:
    """The file's leader is the grid's 网格长: added when missing, renamed when the file says so."""
    if not rows:
        return 0
    grids = [by_code[r.code] for r in rows]
    current = {leader.grid_id: leader for leader in GridLeader.objects.filter(grid__in=grids, role=LeaderRole.LEADER)}
    new, changed = [], []
    for row in rows:
        grid = by_code[row.code]
        leader = current.get(grid.pk)
        if leader is None:
            new.append(GridLeader(grid=grid, role=LeaderRole.LEADER, name=row.leader))
        elif leader.name != row.leader:
            leader.name = row.leader
            changed.append(leader)
    GridLeader.objects.bulk_create(new)
    GridLeader.objects.bulk_update(changed, ["name"])
    return len(new) + len(changed)




