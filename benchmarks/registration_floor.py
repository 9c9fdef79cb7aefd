"""The registration's own raw floor: what PostgreSQL does per second when raw psycopg2 writes exactly
the rows of a registration, with the same texts, into the real tables (issue 25).

Four processes, each repeating the writes of one registration in the order and the transactions
of `intake.services.registration`: the district's number (UPDATE ... RETURNING on its sequence row,
committed at once as registration takes it, so the row lock lasts one statement), then in one
transaction the party (INSERT), the matter, the matter-party link, the first event (its chain hash
made in Python, as the application does) and the 移送 clock's two steps (one INSERT). The reads of
a registration (token, roles, the party lookup) are left out: the floor is the writes. The rows go
to a district center made for the benchmark (`FLOOR_CENTER`, its own sequence row) and are deleted
after the measurement, so no later figure and no sweep sees them.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import benchmark_texts  # noqa: E402
from million import bench_people  # noqa: E402

FLOOR_CENTER = "BENCH-FLOOR"  # a district of its own: its matters, numbers and rows are the floor's only

CASE_COLUMNS = ("district_id, center_id, code, year, sequence, channel, category_id, title, description, address, "
                "grid_id, town_id, latitude, longitude, urgency, risk_level, complexity, status, handling_mode, "
                "operating_mode, is_group, group_size, first_receiver_id, window_id, registered_at, "
                "expected_answer_at, answer_limit, answer_limit_unit, due_at, external_ref, external_source, "
                "settlement, resolved, closed_at, updated_at")
PARTY_SQL = ("INSERT INTO intake_party (kind, name, id_number, id_number_digest, credit_code, phone, phone_digest, "
             "address, created_at) VALUES ('person', '王建国', %s, %s, '', %s, %s, '洛阳镇上浦村', now()) RETURNING id")
SEQUENCE_SQL = ("UPDATE intake_casesequence SET last_value = last_value + 1 WHERE district_id = %s AND year = %s "
                "RETURNING last_value")
CASE_SQL = (f"INSERT INTO intake_case ({CASE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, 'walk_in', %s, %s, %s, '', "  # noqa: S608
            "NULL, NULL, NULL, NULL, 'normal', 'low', 'ordinary', 'registered', '', 'normal', false, 1, %s, NULL, "
            "now(), now() + interval '9 days', 7, 'working_days', now() + interval '9 days', '', '', '', NULL, NULL, "
            "now()) RETURNING id")
CASE_PARTY_SQL = "INSERT INTO intake_caseparty (case_id, party_id, role, is_spokesman) VALUES (%s, %s, 'applicant', false)"
EVENT_SQL = ("INSERT INTO intake_caseevent (case_id, type, actor_id, source, from_status, to_status, data, occurred_at, "
             "prev_hash, hash) VALUES (%s, 'case.registered', %s, 'api', '', 'registered', %s, now(), '', %s)")
STEPS_SQL = ("INSERT INTO dispatch_deadlinestep (kind, subject_type, subject_id, level, targets, due_at, claim, outcome, "
             "message_count) VALUES ('overdue', 'case.send_on', %(case)s, 0, '[\"first_receiver\", \"duty_director\"]', "
             "now() + interval '30 minutes', '', '', 0), ('escalation', 'case.send_on', %(case)s, 1, '[\"commander\"]', "
             "now() + interval '60 minutes', '', '', 0)")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _floor_worker(url: str, worker: int, seconds: float, ids: dict[str, Any], texts: list[tuple[str, str]],
                  counts: Any) -> None:
    """One process: a registration's writes, one transaction each, for `seconds`."""
    import psycopg2

    connection = psycopg2.connect(url)
    cursor = connection.cursor()
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    while (started := time.perf_counter()) < deadline:
        n = len(latencies)
        title, description = texts[(worker * 7919 + n) % len(texts)]
        key = f"{worker}-{n}"
        cursor.execute(SEQUENCE_SQL, [ids["district"], ids["year"]])
        sequence = cursor.fetchone()[0]
        connection.commit()
        cursor.execute(PARTY_SQL, [ids["id_token"], _digest("id" + key), ids["phone_token"], _digest("ph" + key)])
        party = cursor.fetchone()[0]
        code = f"{FLOOR_CENTER}-{ids['year']}-{sequence:06d}"
        cursor.execute(CASE_SQL, [ids["district"], ids["district"], code, ids["year"], sequence, ids["category"],
                                  title, description, ids["clerk"]])
        case = cursor.fetchone()[0]
        cursor.execute(CASE_PARTY_SQL, [case, party])
        data = json.dumps({"code": code, "channel": "walk_in", "category": "JF10", "complexity": "ordinary",
                           "urgency": "normal", "operating_mode": "normal", "answer_limit": [7, "working_days"],
                           "window": None, "parties": [party], "attachments": []}, ensure_ascii=False)
        cursor.execute(EVENT_SQL, [case, ids["clerk"], data, _digest(data)])
        cursor.execute(STEPS_SQL, {"case": case})
        connection.commit()
        latencies.append(time.perf_counter() - started)
    counts[worker] = latencies
    connection.close()


def _floor_ids() -> dict[str, Any]:
    """The benchmark's own district (with its sequence row for this year), the category, the clerk."""
    from django.utils import timezone

    from governance.crypto import pii_encrypt
    from governance.models import Center
    from intake.models import CaseSequence, Category

    _district, clerk, _token = bench_people()
    floor, _ = Center.objects.get_or_create(code=FLOOR_CENTER, defaults={
        "name": "基准测试原始写入底线（非业务数据）", "level": "district", "active": False})
    year = timezone.localdate().year
    CaseSequence.objects.get_or_create(district=floor, year=year)
    return {"district": floor.pk, "year": year, "category": Category.objects.get(code="JF10").pk, "clerk": clerk.pk,
            "id_token": pii_encrypt("350521196001010011"), "phone_token": pii_encrypt("13800000001")}


def _floor_delete(district_id: int) -> int:
    """Remove every row the floor wrote (its district's matters, their links, parties, events, steps)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE floor_cases ON COMMIT DROP AS SELECT id FROM intake_case WHERE district_id = %s",
                       [district_id])
        cursor.execute("DELETE FROM dispatch_deadlinestep WHERE subject_type = 'case.send_on' "
                       "AND subject_id IN (SELECT id FROM floor_cases)")
        cursor.execute("DELETE FROM intake_caseevent WHERE case_id IN (SELECT id FROM floor_cases)")
        cursor.execute("WITH links AS (DELETE FROM intake_caseparty WHERE case_id IN (SELECT id FROM floor_cases) "
                       "RETURNING party_id) DELETE FROM intake_party WHERE id IN (SELECT party_id FROM links)")
        cursor.execute("DELETE FROM intake_case WHERE id IN (SELECT id FROM floor_cases)")
        return cursor.rowcount


def bench_registration_floor(*, processes: int = 4, seconds: float = 10.0) -> float:
    """A registration's writes per second by `processes` raw psycopg2 processes (the floor)."""
    from django.db import connection, transaction

    ids = _floor_ids()
    texts = benchmark_texts()
    settings = connection.settings_dict
    url = (f"postgresql://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
           f"{settings['NAME']}")
    if settings.get("PASSWORD"):
        url = url.replace("@", f":{settings['PASSWORD']}@", 1)
    with multiprocessing.Manager() as manager:
        counts = manager.dict()
        workers = [multiprocessing.Process(target=_floor_worker, args=(url, i, seconds, ids, texts, counts))
                   for i in range(processes)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - started
        latencies = sorted(latency for worker_latencies in counts.values() for latency in worker_latencies)
    with transaction.atomic():
        deleted = _floor_delete(ids["district"])
    total = len(latencies)
    rate = total / max(wall, seconds)
    p50, p99 = (latencies[int(q * total)] * 1000 for q in (0.5, 0.99))
    print(f"(a) the registration's raw floor: {total:,} registrations' writes (the number's UPDATE, then 6 rows in one "
          f"transaction; the same texts) in {wall:.1f} s by {processes} psycopg2 processes: {rate:,.0f}/s, "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms ({deleted:,} matters of the floor deleted after)")
    return rate
