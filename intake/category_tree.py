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
        ("RX06", "停水停电停气", ORDINARY),
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




# The kinds with their own answer limit (issue 22 item 11), as (amount, unit): a child without one
# takes its parent's, a kind without any is promised by complexity (seed 004: 7 working days, a
# complex one 3 weeks, `intake.answer_limits`). Editable in the admin; set on existing databases by
# migration `intake/0017_answer_limits` where the code matches and no limit was set.
CALENDAR_DAYS, HOURS = "calendar_days", "hours"
LIMITS = {
    # 《信访工作条例》: 信访事项应当自受理之日起 60 日内办结 (calendar days, the law's way of counting).
    "XF": (60, CALENDAR_DAYS),
    # Water, power and gas cut off: answered within 24 hours, nights and holidays included (issue 22).
    "RX06": (24, HOURS),
}


def seed_limits(apps, schema_editor):
    """Give the seeded kinds their answer limits where an administrator has set none."""
    Category = apps.get_model("intake", "Category")
    for code, (amount, unit) in LIMITS.items():
        Category.objects.filter(code=code, answer_limit__isnull=True).update(answer_limit=amount, answer_limit_unit=unit)


# The phrases a window clerk types most often, per category (one per line; editable in the admin).
PHRASES = {
    "JF": "双方经现场调解，达成一致意见。\n当事人情绪稳定，同意等候处理结果。\n请求中心协调双方进行调解。",
    "JF02": "双方因共用排水沟（通道、墙体）使用问题发生争执，请求调解。\n双方在人民调解员主持下达成书面协议，当场履行。",
    "JF08": "村民对征地补偿标准有异议，请求核实并答复。\n现场聚集人员较多，需属地政府和相关部门到场处置。",
    "JF10": "反映工地拖欠工人工资，请求协调支付。\n欠薪人数、金额及期间已登记，附工资清单（考勤记录）。\n代表人为申请人，其余工人名单附后。",
    "XF": "来访人反映的问题已登记，告知按期答复。\n来访人要求书面答复。",
    "RX": "12345热线转办，请按期办理并反馈。",
    "RX03": "投诉人反映噪音扰民，要求相关部门依法处理。",
    "RX06": "反映停水（停电、停气）已超过数小时，未见通知，请求尽快抢修恢复。\n已告知 24 小时内答复。",
    "FL": "当事人咨询相关法律问题，已现场解答。\n建议当事人申请法律援助。",
    "XL": "当事人情绪低落，已安排心理咨询师接谈。",
    "YH": "发现安全隐患，请求相关部门现场核查处置。",
}


def seed_phrases(apps, schema_editor):
    """Fill the common phrases of the seeded categories where nobody has written any."""
    Category = apps.get_model("intake", "Category")
    for code, phrases in PHRASES.items():
        Category.objects.filter(code=code, phrases="").update(phrases=phrases)
