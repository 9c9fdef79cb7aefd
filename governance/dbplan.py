"""Planner settings for the few large aggregate reads (the month's assessment, the work report).

PostgreSQL compiles a statement with LLVM (JIT) when its estimated cost passes `jit_above_cost`. The
assessment's counts estimate high (an EXISTS probe per matter of the month, ~80,000 of them) but run
as short index probes, where compiling does not pay: at a million matters the month's per-center
counts spent 0.74 s compiling for 1.7 s of work (issue 25). Those reads run with JIT off, in their own
transaction (`SET LOCAL`: nothing leaks to the connection, which is safe behind PgBouncer in
transaction mode); elsewhere nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

from governance.replica import read_alias


@contextmanager
def without_jit(using: str | None = None) -> Iterator[None]:
    """Run the block's statements without JIT compilation (PostgreSQL; a no-op elsewhere). Usable
    as a decorator. By default on the database the block's reads go to (the replica inside
    `replica_reads()`, where the transaction is a read-only one of the standby)."""
    connection = connections[using or read_alias()]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=connection.alias, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield
