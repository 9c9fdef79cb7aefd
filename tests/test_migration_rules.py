"""Migrations on the large tables (issue 26 item 6): from now on an index on a large table is built
concurrently (`governance.migration_ops`, no write lock for the minutes a million rows take), and a
data migration runs outside one big transaction (`atomic = False`, so its batches commit as they go
instead of holding their locks to the end). The migrations written before the rule are listed by
their last number per app; squashing them is left for a quiet release (see the README)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader

from governance import migration_ops
from governance.counting import CappedPaginator

# The last migration of each app before the rule; newer ones must follow it.
BEFORE_THE_RULE = {"governance": 5, "intake": 12, "dispatch": 10, "grid": 6, "review": 7, "command": 0}
# Tables of more than a few thousand rows in a district's first year (seed_scale's 2M-matter district).
LARGE_MODELS = {
    ("intake", "case"), ("intake", "caseevent"), ("intake", "caseparty"), ("intake", "party"),
    ("intake", "attachment"), ("dispatch", "assignment"), ("dispatch", "notification"),
    ("dispatch", "deadlinestep"), ("grid", "gridreport"), ("grid", "patrol"),
}
CONCURRENT = (migration_ops.AddIndexConcurrently, migration_ops.RemoveIndexConcurrently,
              migration_ops.FieldIndexDroppedConcurrently)


def _new_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app in BEFORE_THE_RULE and name[:4].isdigit() and int(name[:4]) > BEFORE_THE_RULE[app]:
            yield app, name, migration


def _faults(app: str, migration) -> list[str]:
    faults = []
    for op in migration.operations:
        model = getattr(op, "model_name", None)
        large = (app, (model or "").lower()) in LARGE_MODELS
        if large and isinstance(op, (ops.AddIndex, ops.RemoveIndex)) and not isinstance(op, CONCURRENT):
            faults.append(f"{op.describe()}: use governance.migration_ops.{type(op).__name__}Concurrently")
        if isinstance(op, CONCURRENT + (ops.RunPython, ops.RunSQL)) and migration.atomic:
            faults.append(f"{op.describe()}: set atomic = False on the migration")
    return faults


@pytest.mark.django_db
def test_new_migrations_build_indexes_concurrently_and_batch_outside_one_transaction():
    faults = {f"{app}.{name}": f for app, name, m in _new_migrations() if (f := _faults(app, m))}
    assert faults == {}


def test_the_rule_finds_a_plain_index_and_an_atomic_backfill():
    from django.db import migrations, models

    class Bad(migrations.Migration):
        operations = [
            migrations.AddIndex("case", models.Index(fields=["title"], name="case_title_x")),
            migrations.RunPython(migrations.RunPython.noop),
        ]

    class Good(migrations.Migration):
        atomic = False
        operations = [
            migration_ops.AddIndexConcurrently("case", models.Index(fields=["title"], name="case_title_x")),
            migrations.RunPython(migrations.RunPython.noop),
        ]

    assert len(_faults("intake", Bad("0099_bad", "intake"))) == 2
    assert _faults("intake", Good("0099_good", "intake")) == []


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_index_is_built_and_removed_on_this_database():
    from django.apps import apps as global_apps
    from django.db import models
    from django.db.migrations.state import ProjectState

    from intake.models import Case

    index = models.Index(fields=["title"], name="case_rule_probe")
    before = ProjectState.from_apps(global_apps)
    after = before.clone()
    add = migration_ops.AddIndexConcurrently("case", index)
    add.state_forwards("intake", after)
    with connection.schema_editor(atomic=False) as editor:
        add.database_forwards("intake", editor, before, after)
    with connection.cursor() as cursor:
        names = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    assert "case_rule_probe" in names
    remove = migration_ops.RemoveIndexConcurrently("case", "case_rule_probe")
    final = after.clone()
    remove.state_forwards("intake", final)
    with connection.schema_editor(atomic=False) as editor:
        remove.database_forwards("intake", editor, after, final)
    with connection.cursor() as cursor:
        assert "case_rule_probe" not in connection.introspection.get_constraints(cursor, Case._meta.db_table)


def test_the_admin_lists_of_large_tables_count_up_to_a_cap():
    """The admin's list of a large table pages without counting the whole table (issue 25: the
    timeline's list counted 4 million rows, twice, on every page)."""
    faults = []
    for app, name in sorted(LARGE_MODELS):
        model = apps.get_model(app, name)
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue
        if not issubclass(model_admin.paginator, CappedPaginator) or model_admin.show_full_result_count:
            faults.append(f"{type(model_admin).__name__}: set paginator = CappedPaginator and show_full_result_count = False")
        if model_admin.date_hierarchy:
            faults.append(f"{type(model_admin).__name__}: no date_hierarchy (a DISTINCT over every row)")
    assert not faults, "\n".join(faults)


def _unjoined_relations(model_admin: admin.ModelAdmin) -> list[str]:
    """The foreign keys of `model_admin`'s list columns that its list would read one query per row: Django
    joins the list's foreign keys by itself, but not the nullable ones (`select_related()` without names
    stops at them), and only those named when `list_select_related` names any."""
    model = model_admin.model
    named = model_admin.list_select_related
    faults = []
    for column in model_admin.list_display:
        field = next((f for f in model._meta.get_fields() if isinstance(column, str) and f.name == column), None)
        if field is None or not field.many_to_one or not field.concrete:
            continue
        if isinstance(named, (list, tuple)):
            joined = any(path == column or path.startswith(f"{column}__") for path in named)
        else:
            joined = named is not False or not field.null
        if not joined:
            faults.append(f"{type(model_admin).__name__}.{column}: add it to list_select_related")
    return faults


def test_the_admin_lists_join_the_related_rows_they_show():
    """No admin list reads a related row per row (issue 25: the grid list's parents, 101 queries
    for 100 grids)."""
    faults = [fault for model_admin in admin.site._registry.values() for fault in _unjoined_relations(model_admin)]
    assert not faults, "\n".join(faults)


def test_the_rule_finds_a_nullable_parent_left_out():
    from governance.admin import GridAdmin
    from governance.models import Grid

    assert _unjoined_relations(GridAdmin(Grid, admin.site)) == ["GridAdmin.parent: add it to list_select_related"]


@pytest.mark.django_db(transaction=True)
def test_a_fields_index_is_dropped_and_built_back_on_this_database():
    from django.apps import apps as global_apps
    from django.db.migrations.state import ProjectState

    from intake.models import Case

    def indexed() -> set[str]:
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, Case._meta.db_table)
        return {name for name, about in found.items() if about["index"] and about["columns"] == ["grid_id"]}

    before = ProjectState.from_apps(global_apps)
    after = before.clone()
    field = Case._meta.get_field("grid").clone()
    field.db_index = False
    drop = migration_ops.FieldIndexDroppedConcurrently("case", "grid", field)
    drop.state_forwards("intake", after)
    assert indexed()
    with connection.schema_editor(atomic=False) as editor:
        drop.database_forwards("intake", editor, before, after)
    assert not indexed()
    with connection.schema_editor(atomic=False) as editor:
        drop.database_backwards("intake", editor, after, before)
    assert indexed()


@pytest.mark.django_db(transaction=True)
def test_a_text_fields_index_stays_renamed_and_its_pattern_twin_goes_on_this_database():
    from django.apps import apps as global_apps
    from django.db import migrations
    from django.db.migrations.state import ProjectState

    from intake.models import Case

    def indexed() -> set[str]:
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, Case._meta.db_table)
        return {name for name, about in found.items() if about["index"] and about["columns"] == ["channel"]}

    plain = ProjectState.from_apps(global_apps)
    field = Case._meta.get_field("channel").clone()
    field.db_index = True
    index_it = migrations.AlterField("case", "channel", field)
    with_index = plain.clone()
    index_it.state_forwards("intake", with_index)
    with connection.schema_editor() as editor:
        index_it.database_forwards("intake", editor, plain, with_index)
    generated = indexed()
    assert len(generated) == (2 if connection.vendor == "postgresql" else 1)  # the `_like` twin on PostgreSQL
    keep = migration_ops.LikeIndexDroppedConcurrently("case", "channel", Case._meta.get_field("channel").clone(),
                                                      name="case_channel_probe")
    kept = with_index.clone()
    keep.state_forwards("intake", kept)
    with connection.schema_editor(atomic=False) as editor:
        keep.database_forwards("intake", editor, with_index, kept)
    assert indexed() == {"case_channel_probe"}
    with connection.schema_editor(atomic=False) as editor:
        keep.database_backwards("intake", editor, kept, with_index)
    assert indexed() == generated
    with connection.schema_editor() as editor:
        index_it.database_backwards("intake", editor, with_index, plain)
    assert not indexed()
