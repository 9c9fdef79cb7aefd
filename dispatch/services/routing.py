"""The board's suggestion statistics (`RoutingHistory`): kept by one upsert per lead assignment,
rebuilt from the assignments when loaded in bulk."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from dispatch.choices import AssignmentRole
from dispatch.models import Assignment, RoutingHistory
from governance.models import Center

COUNTED_ROLES = (AssignmentRole.LEAD, AssignmentRole.SOLE)


def routing_history_record(*, assignment: Assignment) -> None:
    """Count a new lead or sole assignment on its day (one statement; a co-department is not counted)."""
    if assignment.role not in COUNTED_ROLES:
        return
    table = connection.ops.quote_name(RoutingHistory._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (center_id, category_id, department_id, day, assignments) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, 1) ON CONFLICT (center_id, category_id, day, department_id) "
            f"DO UPDATE SET assignments = {table}.assignments + 1",
            [assignment.center_id, assignment.case.category_id, assignment.department_id,
             timezone.localdate(assignment.assigned_at)],
        )


@transaction.atomic
def routing_history_rebuild(*, center: Center | None = None) -> int:
    """Recount the statistics from the assignments (after a bulk load); the number of rows written."""
    history = RoutingHistory.objects.all()
    assignments = Assignment.objects.filter(role__in=COUNTED_ROLES)
    if center is not None:
        history = history.filter(center=center)
        assignments = assignments.filter(center=center)
    history.delete()
    rows = (
        assignments.annotate(day=TruncDate("assigned_at", tzinfo=timezone.get_current_timezone()))
        .values("center_id", "case__category_id", "department_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    created = RoutingHistory.objects.bulk_create(
        (RoutingHistory(center_id=row["center_id"], category_id=row["case__category_id"],
                        department_id=row["department_id"], day=row["day"], assignments=row["n"]) for row in rows),
        batch_size=2000,
    )
    return len(created)
