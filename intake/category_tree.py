"""The seeded two-level tree of kinds of matter (issue 3, point 1). Administrators edit it later.

Run by migration `intake/0003_seed_categories` and again by `seed_demo` (idempotent: get_or_create
by code), so the tree lives in this one place.

Codes are stable (Open311 service codes map to them); initials are computed with pypinyin here,
as `intake.services.category_save` does for categories created later.
"""

from pypinyin import Style, lazy_pinyin

ORDINARY, COMPLEX = "ordinary", "complex"

# (code, name, default complexity, children [(code, name, default complexity)])
TREE = [
    ("JF", "矛盾纠纷", ORDINARY, [
        ("JF01", "婚姻家庭", ORDINARY),
        ("JF02", "邻里", ORDINARY),
        ("JF03", "房屋宅基地", COMPLEX),
        ("JF04", "合同", ORDINARY),
        ("JF05", "生产经营", ORDINARY),
        ("JF06", "损害赔偿", ORDINARY),
        ("JF07", "山林土地", COMPLEX),
        ("JF08", "征地拆迁", COMPLEX),
        ("JF09", "环境污染", ORDINARY),
        ("JF10", "劳动争议", ORDINARY),
        ("JF11", "消费", ORDINARY),
        ("JF12", "医疗", COMPLEX),
        ("JF13", "道路交通事故", ORDINARY),
        ("JF14", "物业", ORDINARY),
        ("JF99", "其它", ORDINARY),
    ]),
    ("XF", "信访", ORDINARY, [
        ("XF01", "来访", ORDINARY),
        ("XF02", "来信", ORDINARY),
        ("XF03", "网上信访", ORDINARY),
        ("XF04", "电话信访", ORDINARY),
    ]),
    ("RX", "12345 诉求", ORDINARY, [
        ("RX01", "咨询", ORDINARY),
        ("RX02", "求助", ORDINARY),
        ("RX03", "投诉", ORDINARY),
        ("RX04", "举报", ORDINARY),
        ("RX05", "建议", ORDINARY),
    ]),
    ("FL", "法律咨询", ORDINARY, []),
    ("XL", "心理服务", ORDINARY, []),
    ("YH", "隐患线索", ORDINARY, []),
]


def initials(name):
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER)
    return "".join(ch for part in parts for ch in part.lower() if ch.isascii() and ch.isalnum())


def seed(apps, schema_editor):
    Category = apps.get_model("intake", "Category")
    for top_order, (code, name, complexity, children) in enumerate(TREE, start=1):
        parent, _ = Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "initials": initials(name), "default_complexity": complexity,
                      "ordering": top_order * 10},
        )
        for child_order, (child_code, child_name, child_complexity) in enumerate(children, start=1):
            Category.objects.get_or_create(
                code=child_code,
                defaults={"parent": parent, "name": child_name, "initials": initials(child_name),
                          "default_complexity": child_complexity, "ordering": child_order},
            )


