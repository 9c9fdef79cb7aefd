"""import_grids / export_grids: encodings, every bad row named, atomic, idempotent, renames."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from governance.models import Grid
from grid.demo_file import demo_grid_csv
from grid.importing import ImportRejected, grids_import
from grid.models import GridLeader

pytestmark = pytest.mark.django_db

OFFICIAL = Path(__file__).resolve().parents[2] / "governance" / "data" / "divisions_huian_2023.csv"
SMALL = """code,name,level,parent_code,population,households,leader
350521000000,惠安县,county,350500000000,,,
350521104000,洛阳镇,town,350521000000,,,
350521104203,上浦村,village,350521104000,1800,600,何建华
350521104203001,上浦村第1网格,unit,350521104203,720,240,
,上浦村第2网格,unit,350521104203,1080,360,
"""


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_every_encoding_chinese_offices_use(tmp_path, encoding):
    path = write(tmp_path, "grids.csv", SMALL.encode(encoding))
    call_command("import_grids", path, verbosity=0)
    village = Grid.objects.get(code="350521104203")
    assert village.name == "上浦村" and village.population == 1800 and village.parent.code == "350521104"
    assert village.town.code == "350521104"
    generated = Grid.objects.get(name="上浦村第2网格")
    assert generated.code == "350521104203002" and generated.population_out_of_range
    assert GridLeader.objects.get(grid=village).name == "何建华"


def test_xlsx(tmp_path):
    book = Workbook()
    sheet = book.active
    for line in SMALL.strip().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    call_command("import_grids", write(tmp_path, "grids.xlsx", buffer.getvalue()), verbosity=0)
    assert Grid.objects.filter(level="unit").count() == 2


def test_another_district_from_its_official_codes_alone():
    result = grids_import(data=OFFICIAL.read_bytes(), filename="divisions.csv")
    assert result.skipped == 2  # province and city
    assert Grid.objects.get(code="350521").level == "district"
    assert Grid.objects.filter(level="town").count() == 20
    assert Grid.objects.filter(level="village", parent__code="350521104").exists()


def test_same_file_twice_changes_nothing_and_a_rename_updates():
    data = demo_grid_csv(units=300).encode()
    first = grids_import(data=data, filename="demo.csv")
    assert first.created == 1 + 4 + 78 + 300
    again = grids_import(data=data, filename="demo.csv")
    assert (again.created, again.updated) == (0, 0)
    renamed = data.decode().replace("上浦村第1网格", "上浦村一组网格").replace(",上浦村,village", ",上浦社区,village")
    third = grids_import(data=renamed.encode(), filename="demo.csv")
    assert (third.created, third.updated) == (0, 2)
    assert Grid.objects.get(code="350521104203").name == "上浦社区"
    assert Grid.objects.count() == 383


def test_a_bad_file_names_every_bad_row_and_writes_nothing(tmp_path):
    bad = SMALL + "\n".join([
        "350521104203001,重复网格,unit,350521104203,,,",          # line 7: duplicate
        "35052110420,短码村,village,350521104000,,,",             # line 8: malformed
        "350521105201,别镇的村,village,350521104000,,,",          # line 9: prefix
        "350521104203009,孤儿网格,unit,350521104999,,,",          # line 10: unknown parent
        "350521104204,跳级村,village,350521104203,,,",            # line 11: level out of order
        "350521104205,,village,350521104000,,,",                  # line 12: empty name
        "350521104206,人口错,village,350521104000,很多,,",         # line 13: population
    ]) + "\n"
    with pytest.raises(CommandError, match="7 处错误"):
        call_command("import_grids", write(tmp_path, "bad.csv", bad.encode()), verbosity=0)
    assert not Grid.objects.exists()
    with pytest.raises(ImportRejected) as rejected:
        grids_import(data=bad.encode(), filename="bad.csv")
    text = "\n".join(rejected.value.errors)
    for line, reason in [(7, "重复"), (8, "格式不对"), (9, "应以上级编码"), (10, "不存在"), (11, "层级顺序"),
                         (12, "名称为空"), (13, "非负整数")]:
        assert f"第 {line} 行" in text and reason in text


def test_dry_run_writes_nothing(tmp_path):
    call_command("import_grids", write(tmp_path, "g.csv", SMALL.encode()), "--dry-run", verbosity=0)
    assert not Grid.objects.exists()


def test_boundaries_by_code_and_export_round_trip(tmp_path):
    geo = ('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"350521104203001"},'
           '"geometry":{"type":"Polygon","coordinates":[[[118.6,24.9],[118.61,24.9],[118.61,24.91],[118.6,24.9]]]}}]}')
    call_command("import_grids", write(tmp_path, "g.csv", SMALL.encode()), "--boundaries",
                 write(tmp_path, "b.geojson", geo.encode()), verbosity=0)
    assert Grid.objects.get(code="350521104203001").boundary["type"] == "Polygon"
    out = tmp_path / "out.csv"
    call_command("export_grids", str(out), verbosity=0)
    exported = out.read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf")
    again = grids_import(data=exported, filename="out.csv")
    assert (again.created, again.updated) == (0, 0)


def test_demo_district_file_loads_1500_unit_grids():
    result = grids_import(data=demo_grid_csv().encode(), filename="demo.csv")
    assert Grid.objects.filter(level="unit").count() == 1500 and result.created == 1583
