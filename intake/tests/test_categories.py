from __future__ import annotations

import pytest

from governance.errors import ApplicationError
from intake.models import Category
from intake.pinyin import pinyin_initials
from intake.selectors import categories_for_picker
from intake.services import category_save

DISPUTES = ["婚姻家庭", "邻里", "房屋宅基地", "合同", "生产经营", "损害赔偿", "山林土地", "征地拆迁", "环境污染",
            "劳动争议", "消费", "医疗", "道路交通事故", "物业", "其它"]


@pytest.mark.django_db
def test_seeded_tree():
    disputes = Category.objects.get(code="JF")
    assert list(disputes.children.order_by("ordering").values_list("name", flat=True)) == DISPUTES
    assert set(Category.objects.get(code="RX").children.values_list("name", flat=True)) == {
        "咨询", "求助", "投诉", "举报", "建议", "停水停电停气"}
    assert {"信访", "法律咨询", "心理服务", "隐患线索"} <= set(
        Category.objects.filter(parent__isnull=True).values_list("name", flat=True))
    assert Category.objects.get(name="劳动争议").initials == "ldzy"
    assert Category.objects.get(code="RX").initials == "12345sq"


@pytest.mark.django_db
def test_picker_finds_labour_dispute_by_initials():
    items = categories_for_picker()
    found = [i for i in items if i["initials"].split(" ")[0].startswith("ld")]
    assert [i["name"] for i in found] == ["劳动争议"]
    assert found[0]["path"] == "矛盾纠纷 / 劳动争议"
    assert "矛盾纠纷" not in [i["name"] for i in items]  # parents with children are not picked
    assert "法律咨询" in [i["name"] for i in items]  # a top level without children is


def test_pinyin_initials():
    assert pinyin_initials("劳动争议") == "ldzy"
    assert pinyin_initials("道路交通事故") == "dljtsg"


@pytest.mark.django_db
def test_category_save_fills_initials_and_keeps_two_levels():
    parent = Category.objects.get(code="JF")
    created = category_save(category=Category(parent=parent, code="JF15", name="教育"))
    assert created.initials == "jy"
    kept = category_save(category=Category(parent=parent, code="JF16", name="旅游", initials="LY"))
    assert kept.initials == "ly"
    with pytest.raises(ApplicationError):
        category_save(category=Category(parent=created, code="JF1501", name="学校"))
