"""Indexes for the assessment's events of an assignment, a station's escalations, and the open matters
per grid (the grid tree): built without locking the tables' writes (CONCURRENTLY on PostgreSQL)."""

import django.db.models.fields.json
import django.db.models.functions.comparison
from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("intake", "0014_timeline_chain_no_fork"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="caseevent",
            index=models.Index(
                django.db.models.functions.comparison.Cast(django.db.models.fields.json.KT("data__assignment"),
                                                           models.IntegerField()),
                condition=models.Q(("type__in", ("assignment.decline_accepted", "assignment.decline_refused",
                                                 "assignment.declined", "assignment.returned_for_rework",
                                                 "case.reopened"))),
                include=["type"], name="caseevent_assignment"),
        ),
        AddIndexConcurrently(
            model_name="caseevent",
            index=models.Index(
                django.db.models.functions.comparison.Cast(django.db.models.fields.json.KT("data__from_center"),
                                                           models.IntegerField()),
                condition=models.Q(("type", "case.escalated")), name="caseevent_escalated_from"),
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(condition=models.Q(("status", "closed"), _negated=True),
                               fields=["district", "status", "due_at"], include=["grid"],
                               name="case_district_open_grid"),
        ),
        RemoveIndexConcurrently(model_name="case", name="case_district_open"),
    ]
