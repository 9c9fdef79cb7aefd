"""Issue 25: a department's assignments in deadline order have their own indexes, live ones
(`assignment_department_live`: the inbox, a page at a time) and all (`assignment_department_due`: the
API's list, and a department's matters), and the plain `due_at` index goes: with a LIMIT the planner
walked it past every other department's and every closed assignment (the inbox: 340 ms for 51 rows;
the board before `assignment_board_due`). Built and dropped without locking the table's writes."""

from django.conf import settings
from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently, FieldIndexDroppedConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('dispatch', '0024_index_audit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='assignment',
            index=models.Index(fields=['department', 'due_at', 'id'], include=('case',), name='assignment_department_due'),
        ),
        AddIndexConcurrently(
            model_name='assignment',
            index=models.Index(condition=models.Q(('status__in', ('acknowledged', 'assigned', 'declined', 'reported', 'rework'))), fields=['department', 'due_at', 'id'], name='assignment_department_live'),
        ),
        RemoveIndexConcurrently(
            model_name='assignment',
            name='dispatch_as_departm_d66d94_idx',
        ),
        FieldIndexDroppedConcurrently(
            model_name='assignment',
            name='due_at',
            field=models.DateTimeField(verbose_name='办理期限'),
        ),
    ]
