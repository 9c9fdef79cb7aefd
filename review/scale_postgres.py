"""`seed_scale`'s history drawn by PostgreSQL itself (review/scale.py generates the same in Python for
other databases), and the history's vocabulary both share: titles and the timeline's event types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from dispatch.choices import DispatchEventType
from intake.choices import CaseEventType

TITLES = ("工地拖欠工资", "夜市噪音扰民", "邻里宅基地纠纷", "物业收费争议", "消费退款投诉", "道路积水求助",
          "婚姻家庭矛盾", "土地征收补偿", "医疗费用争议", "环境污染举报", "违章搭建举报", "楼道堆物隐患")
# The timeline's declared event types (written as plain strings: COPY and executemany take text).
EV_REGISTERED = CaseEventType.CASE_REGISTERED.value
EV_SETTLED = CaseEventType.CASE_SETTLED_ON_SPOT.value
EV_DISPATCHED = DispatchEventType.CASE_DISPATCHED.value
EV_DECLINED = DispatchEventType.ASSIGNMENT_DECLINED.value
EV_DECLINE_REFUSED = DispatchEventType.ASSIGNMENT_DECLINE_REFUSED.value
EV_REWORK = DispatchEventType.ASSIGNMENT_RETURNED_FOR_REWORK.value
EV_REPORTED_BACK = DispatchEventType.ASSIGNMENT_REPORTED_BACK.value
EV_REOPENED = DispatchEventType.CASE_REOPENED.value
EV_CLOSED = DispatchEventType.CASE_CLOSED.value

# --- PostgreSQL: generated in the database ---------------------------------------------------------
# The same history as `generate`, drawn by PostgreSQL itself: one temporary table holds each matter's
# random draws and derived times (epoch seconds), and one INSERT … SELECT per table and event kind
# writes the rows from it. No row crosses the wire; ids are computed (matter n of the load gets
# case id c0 + n, assignment ids a0 + n (lead or sole) and a0 + N + n (co-department), revisit ids
# r0 + 2n and r0 + 2n + 1, extension id x0 + n, event ids e0 + 8n + k), so the timeline's
# "assignment" keys point at the right rows; the identity sequences are moved past them at the end.
# The draws are taken once (d is MATERIALIZED: random() is volatile); each later step is a subquery
# behind OFFSET 0, which the planner keeps as a step of one pass instead of copying every row into
# a store (MATERIALIZED) or pasting each step's expressions into the next (which multiplied them:
# 24 s for 50,000 matters). The same rows either way, in a third of the time.
PG_DRAWS = """
CREATE TEMP TABLE scale_m ON COMMIT DROP AS
WITH d AS MATERIALIZED (
  SELECT n, %(t0)s + (n + random()) * %(step)s AS ts, random() AS r_channel, random() AS r_grid,
         random() AS r_kind, random() AS r_dep, random() AS r_codep, random() AS r_assign, random() AS r_ack,
         random() AS r_ackat, random() AS r_late, random() AS r_done, random() AS r_special,
         random() AS r_answer, random() AS r_sat, random() AS r_ext, random() AS r_cat, random() AS r_risk
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1) AS n
), e AS (
  SELECT d.*, %(c0)s + n AS case_id, %(a0)s + n AS a_id, %(a0)s + %(total)s + n AS co_id,
         CASE WHEN r_channel < 0.30 THEN 'walk_in' WHEN r_channel < 0.55 THEN 'phone'
              WHEN r_channel < 0.92 THEN 'platform'
              WHEN r_channel < 0.97 THEN 'online' ELSE 'upper_assignment' END AS channel,
         1 + floor(r_grid * %(n_grid)s)::int AS grid_i, 1 + floor(r_cat * %(n_cat)s)::int AS cat_i,
         floor(r_dep * %(n_dep)s)::int AS dep_i,
         r_kind < 0.18 AS settled, r_kind < 0.30 AS joint,
         ts + (0.5 + 2.5 * r_assign) * 3600 AS assigned, r_ack < 0.09 AS ack_late_draw,
         r_late < 0.12 AS late_draw, r_special < 0.05 AS rework,
         r_special >= 0.05 AND r_special < 0.08 AS declined, r_special >= 0.08 AND r_special < 0.12 AS extension,
         CASE WHEN r_answer < 0.86 THEN 'yes' WHEN r_answer < 0.94 THEN 'partly' ELSE 'no' END AS resolved,
         CASE WHEN r_sat < 0.75 THEN 'satisfied' WHEN r_sat < 0.93 THEN 'basic' ELSE 'not_satisfied' END
           AS satisfaction
  FROM d OFFSET 0
), f AS (
  SELECT e.*, assigned + 7200 AS ack_due, assigned + 864000 AS due,
         CASE WHEN ack_late_draw THEN assigned + 7200 + r_ackat * 21600 ELSE assigned + r_ackat * 6000 END AS ack_raw,
         CASE WHEN late_draw THEN assigned + 864000 + r_done * 518400 ELSE assigned + 86400 + r_done * 691200 END
           AS done
  FROM e OFFSET 0
), g AS (
  SELECT f.*, CASE WHEN ack_raw <= %(now)s THEN ack_raw END AS ack_at FROM f OFFSET 0
), h AS (
  SELECT g.*, CASE WHEN ack_at IS NOT NULL AND done < %(now)s THEN done END AS reported_at FROM g OFFSET 0
), i AS (
  SELECT h.*, CASE WHEN settled AND ts + 86400 < %(now)s THEN ts + 86400
                   WHEN NOT settled AND reported_at + 86400 < %(now)s THEN reported_at + 86400 END AS revisit_at
  FROM h OFFSET 0
), j AS (
  SELECT i.*, CASE WHEN NOT settled AND resolved = 'no' AND revisit_at + 259200 < %(now)s
                   THEN revisit_at + 259200 END AS second_at
  FROM i OFFSET 0
), k AS (
  SELECT j.*, CASE
      WHEN settled THEN CASE WHEN ts + 90000 < %(now)s THEN ts + 90000 END
      WHEN coalesce(second_at, revisit_at) IS NOT NULL AND (resolved <> 'no' OR second_at IS NOT NULL)
           AND coalesce(second_at, revisit_at) + 3600 < %(now)s THEN coalesce(second_at, revisit_at) + 3600
    END AS closed_at
  FROM j OFFSET 0
)
SELECT n, ts, case_id, a_id, co_id, channel, grid_i, cat_i, settled, joint, assigned, ack_due, due, ack_at,
  ack_late_draw, late_draw, rework, declined, extension, reported_at, resolved, satisfaction, revisit_at,
  second_at, closed_at, r_risk, r_sat, r_ext,
  CASE WHEN settled THEN CASE WHEN closed_at IS NOT NULL THEN 'closed' WHEN revisit_at IS NOT NULL THEN 'revisited'
                              ELSE 'settled_on_spot' END
       WHEN closed_at IS NOT NULL THEN 'closed'
       WHEN revisit_at IS NOT NULL AND (resolved <> 'no' OR second_at IS NOT NULL) THEN 'revisited'
       WHEN reported_at IS NOT NULL AND NOT (resolved = 'no' AND revisit_at IS NOT NULL) THEN 'reported'
       ELSE 'in_progress' END AS status,
  (%(deps)s::bigint[])[1 + dep_i] AS dep,
  (%(deps)s::bigint[])[1 + (dep_i + 1 + floor(r_codep * (%(n_dep)s - 1))::int) %% %(n_dep)s] AS co_dep
FROM k
"""

PG_INSERTS = (
    # the matters
    """INSERT INTO intake_case (id, district_id, center_id, code, year, sequence, channel, category_id, title,
         description, address, grid_id, town_id, urgency, risk_level, complexity, status, handling_mode,
         operating_mode, is_group, group_size, first_receiver_id, registered_at, expected_answer_at, due_at,
         external_ref, external_source, settlement, resolved, closed_at, updated_at)
       SELECT case_id, %(district)s, %(district)s,
         %(prefix)s || to_char(to_timestamp(ts), 'YYYY') || '-' || lpad((n + 1)::text, 7, '0'),
         extract(year FROM to_timestamp(ts))::int, %(seq0)s + n, channel, (%(cats)s::bigint[])[cat_i],
         (%(titles)s::text[])[1 + n %% 12] || '（' || (n + 1) || '）',
         (%(titles)s::text[])[1 + n %% 12] || CASE WHEN settled THEN '：当事人到窗口反映，当场调解。'
                                                   ELSE '：当事人反映情况，请相关部门核实处理。' END,
         '', (%(grids)s::bigint[])[grid_i], (%(towns)s::bigint[])[grid_i], 'normal',
         CASE WHEN NOT settled AND r_risk < 0.03 THEN 'high' ELSE 'low' END, 'ordinary', status,
         CASE WHEN settled THEN 'self' WHEN joint THEN 'joint' ELSE 'transfer' END, 'normal', false, 1,
         %(clerk)s, to_timestamp(ts), CASE WHEN NOT settled THEN to_timestamp(due) END,
         CASE WHEN NOT settled THEN to_timestamp(due) END, '', '',
         CASE WHEN settled THEN '当场调解成功' WHEN closed_at IS NOT NULL THEN '已办理' ELSE '' END,
         CASE WHEN closed_at IS NOT NULL THEN true END, to_timestamp(closed_at), to_timestamp(ts)
       FROM scale_m""",
    # the lead (or sole) department's assignment, and the co-department's
    """INSERT INTO dispatch_assignment (id, case_id, center_id, department_id, mode, role, lead_id, status,
         status_before_decline, instructions, part, assigned_at, ack_due_at, due_at, original_due_at,
         operating_mode, policy_snapshot, acknowledged_at, acknowledged_late, reported_at, report, reported_late,
         overdue_at, redo_count, extension_count, spent_working_minutes, closed_at)
       SELECT a_id, case_id, %(district)s, dep, CASE WHEN joint THEN 'joint' ELSE 'transfer' END,
         CASE WHEN joint THEN 'lead' ELSE 'sole' END, NULL,
         CASE WHEN status IN ('closed', 'revisited', 'reported')
              THEN CASE WHEN closed_at IS NOT NULL THEN 'completed' ELSE 'reported' END
              WHEN ack_at IS NOT NULL THEN 'acknowledged' ELSE 'assigned' END,
         '', '', '', to_timestamp(assigned), to_timestamp(ack_due), to_timestamp(due), to_timestamp(due),
         'normal', '{}', to_timestamp(ack_at), ack_late_draw AND ack_at IS NOT NULL, to_timestamp(reported_at),
         CASE WHEN reported_at IS NOT NULL THEN '已办理并答复当事人。' ELSE '' END,
         late_draw AND reported_at IS NOT NULL,
         CASE WHEN (reported_at IS NULL OR reported_at > due) AND due < %(now)s THEN to_timestamp(due) END,
         rework::int + (resolved = 'no' AND revisit_at IS NOT NULL)::int, extension::int, 0, to_timestamp(closed_at)
       FROM scale_m WHERE NOT settled""",
    """INSERT INTO dispatch_assignment (id, case_id, center_id, department_id, mode, role, lead_id, status,
         status_before_decline, instructions, part, assigned_at, ack_due_at, due_at, original_due_at,
         operating_mode, policy_snapshot, acknowledged_at, acknowledged_late, reported_at, report, reported_late,
         overdue_at, redo_count, extension_count, spent_working_minutes, closed_at)
       SELECT co_id, case_id, %(district)s, co_dep, 'joint', 'co', a_id,
         CASE WHEN status IN ('closed', 'revisited', 'reported')
              THEN CASE WHEN closed_at IS NOT NULL THEN 'completed' ELSE 'reported' END
              WHEN ack_at IS NOT NULL THEN 'acknowledged' ELSE 'assigned' END,
         '', '', '', to_timestamp(assigned), to_timestamp(ack_due), to_timestamp(due), to_timestamp(due),
         'normal', '{}', to_timestamp(ack_at), false, to_timestamp(reported_at),
         CASE WHEN reported_at IS NOT NULL THEN '协办意见已提交。' ELSE '' END, false, NULL, 0, 0, 0,
         to_timestamp(closed_at)
       FROM scale_m WHERE joint AND NOT settled""",
    # revisits: the first answer, and the second after a "not resolved" redo
    """INSERT INTO dispatch_revisit (id, case_id, revisited_by_id, resolved, satisfaction, notes, revisited_at)
       SELECT %(r0)s + 2 * n, case_id, %(clerk)s, CASE WHEN settled THEN 'yes' ELSE resolved END,
         CASE WHEN settled THEN CASE WHEN r_sat < 0.8 THEN 'satisfied' ELSE 'basic' END ELSE satisfaction END,
         '', to_timestamp(revisit_at)
       FROM scale_m WHERE revisit_at IS NOT NULL""",
    """INSERT INTO dispatch_revisit (id, case_id, revisited_by_id, resolved, satisfaction, notes, revisited_at)
       SELECT %(r0)s + 2 * n + 1, case_id, %(clerk)s, 'yes', 'basic', '', to_timestamp(second_at)
       FROM scale_m WHERE second_at IS NOT NULL""",
    # extensions asked three days in, 70% granted
    """INSERT INTO dispatch_extensionrequest (id, assignment_id, reason, requested_due_at, requested_by_id,
         requested_at, status, decided_by_id, decided_at, decision_note, old_due_at, new_due_at, needs_commander)
       SELECT %(x0)s + n, a_id, '需补充材料、现场复核', to_timestamp(due + 432000), %(clerk)s,
         to_timestamp(assigned + 259200), CASE WHEN r_ext < 0.7 THEN 'approved' ELSE 'refused' END, %(director)s,
         to_timestamp(assigned + 262800), '', to_timestamp(due),
         CASE WHEN r_ext < 0.7 THEN to_timestamp(due + 432000) END, FALSE
       FROM scale_m WHERE extension AND ack_at IS NOT NULL AND NOT settled""",
    # the timeline: one statement per kind of event (slot k of the matter's eight ids)
    """INSERT INTO intake_caseevent (id, case_id, type, source, from_status, to_status, data, occurred_at, actor_id)
       SELECT %(e0)s + 8 * n, case_id, %(ev_registered)s, 'web', '', 'registered',
         jsonb_build_object('channel', channel), to_timestamp(ts), %(clerk)s
       FROM scale_m
       UNION ALL
       SELECT %(e0)s + 8 * n + 1, case_id, %(ev_settled)s, 'web', 'registered', 'settled_on_spot', '{}',
         to_timestamp(ts + 600), %(clerk)s
       FROM scale_m WHERE settled
       UNION ALL
       SELECT %(e0)s + 8 * n + 1, case_id, %(ev_dispatched)s, 'web', 'pending_dispatch', 'in_progress',
         jsonb_build_object('assignment', a_id, 'department', dep), to_timestamp(assigned), %(director)s
       FROM scale_m WHERE NOT settled
       UNION ALL
       SELECT %(e0)s + 8 * n + 2, case_id, %(ev_declined)s, 'web', '', '',
         jsonb_build_object('assignment', a_id, 'department', dep), to_timestamp(ack_at + 600), NULL
       FROM scale_m WHERE NOT settled AND declined AND ack_at IS NOT NULL
       UNION ALL
       SELECT %(e0)s + 8 * n + 3, case_id, %(ev_decline_refused)s, 'web', '', '',
         jsonb_build_object('assignment', a_id, 'department', dep), to_timestamp(ack_at + 1800), %(director)s
       FROM scale_m WHERE NOT settled AND declined AND ack_at IS NOT NULL
       UNION ALL
       SELECT %(e0)s + 8 * n + 4, case_id, %(ev_rework)s, 'web', 'reported', 'in_progress',
         jsonb_build_object('assignment', a_id, 'department', dep), to_timestamp(reported_at - 3600), %(director)s
       FROM scale_m WHERE NOT settled AND rework AND reported_at IS NOT NULL
       UNION ALL
       SELECT %(e0)s + 8 * n + 5, case_id, %(ev_reported_back)s, 'web', 'in_progress', 'reported',
         jsonb_build_object('assignment', a_id, 'department', dep), to_timestamp(reported_at), NULL
       FROM scale_m WHERE NOT settled AND reported_at IS NOT NULL
       UNION ALL
       SELECT %(e0)s + 8 * n + 6, case_id, %(ev_reopened)s, 'web', 'revisited', 'in_progress',
         jsonb_build_object('assignment', a_id), to_timestamp(revisit_at + 60), %(clerk)s
       FROM scale_m WHERE NOT settled AND resolved = 'no' AND revisit_at IS NOT NULL
       UNION ALL
       SELECT %(e0)s + 8 * n + 7, case_id, %(ev_closed)s, 'web', 'revisited', 'closed',
         CASE WHEN settled THEN '{}'::jsonb ELSE '{"resolved": "yes"}'::jsonb END, to_timestamp(closed_at), %(clerk)s
       FROM scale_m WHERE closed_at IS NOT NULL""",
)


def load_in_postgres(cursor: object, *, world: Any, matters: int, start: dt.datetime, end: dt.datetime,
                      now: dt.datetime, seed: int, chunk: int, ids: dict[str, int], prefix: str,
                      sequence_base: int, progress: Callable[[int], None] | None) -> int:
    """Draw and write the history in PostgreSQL, `chunk` matters per round (one progress step each).
    Returns the number of rows written."""
    execute = cursor.execute  # type: ignore[attr-defined]
    execute("SELECT setseed(%s)", [(seed % 1_000_003) / 1_000_003])
    t0 = start.timestamp()
    params = {
        "t0": t0, "step": (end.timestamp() - t0) / max(matters, 1), "now": now.timestamp(), "total": matters,
        "c0": ids["intake_case"], "a0": ids["dispatch_assignment"], "r0": ids["dispatch_revisit"],
        "x0": ids["dispatch_extensionrequest"], "e0": ids["intake_caseevent"],
        "deps": list(world.department_ids), "n_dep": len(world.department_ids),
        "cats": list(world.category_ids), "n_cat": len(world.category_ids),
        "grids": [grid for grid, _town in world.grids], "towns": [town for _grid, town in world.grids],
        "n_grid": len(world.grids), "titles": list(TITLES), "district": world.district.pk,
        "clerk": world.clerk_id, "director": world.director_id, "prefix": prefix, "seq0": sequence_base,
        "ev_registered": EV_REGISTERED, "ev_settled": EV_SETTLED, "ev_dispatched": EV_DISPATCHED,
        "ev_declined": EV_DECLINED, "ev_decline_refused": EV_DECLINE_REFUSED, "ev_rework": EV_REWORK,
        "ev_reported_back": EV_REPORTED_BACK, "ev_reopened": EV_REOPENED, "ev_closed": EV_CLOSED,
    }
    rows = 0
    for lo in range(0, matters, chunk):
        hi = min(lo + chunk, matters)
        execute(PG_DRAWS, {**params, "lo": lo, "hi": hi})
        for statement in PG_INSERTS:
            execute(statement, params)
            rows += cursor.rowcount  # type: ignore[attr-defined]
        execute("DROP TABLE scale_m")
        if progress:
            progress(hi - lo)
    return rows
