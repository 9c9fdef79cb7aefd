"""The four "三失一偏" groups of seed 004 (administrators add others in the admin)."""

from django.db import migrations

GROUPS = [
    ("SY01", "生活失意", "因生活、工作、家庭受挫而失意的人员"),
    ("SH02", "心态失衡", "因利益受损、诉求未果等心态失衡的人员"),
    ("SC03", "行为失常", "有肇事肇祸倾向等行为失常的人员"),
    ("PZ04", "性格偏执", "性格偏执、易走极端的人员"),
]


def add_groups(apps, schema_editor):
    Group = apps.get_model("grid", "KeyPersonGroup")
    for code, name, description in GROUPS:
        Group.objects.get_or_create(code=code, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("grid", "0002_keypersons")]

    operations = [migrations.RunPython(add_groups, migrations.RunPython.noop)]
