"""Grid workers' access is read from their assignments' dates at query time: the copies of the
assignments kept as django-guardian `governance.view_grid` object permissions are dropped (nothing
reads them any more, and an ended assignment's copy was never removed)."""

from django.db import migrations


def drop_grants(apps, schema_editor):
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    UserObjectPermission.objects.filter(
        permission__codename="view_grid", permission__content_type__app_label="governance").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("grid", "0005_keyperson_follow_ups_on_the_deadline_engine"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ]

    operations = [migrations.RunPython(drop_grants, migrations.RunPython.noop)]
