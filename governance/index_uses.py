"""Which query reads each index of the tables that grow with the matters (issue 25's index audit).

Every index costs every insert and every update of an indexed column its own write, so an index on
these tables stays only for a reader that needs it: `INDEX_USES[table][index]` names it, the function
(dotted path) and how it reads the index. An index kept without such a query says why in one of two
words that begin its entry:

- `integrity:` a primary key or a unique rule (a constraint the database enforces): kept whatever its
  scans;
- `delete:` a foreign key whose parent can be deleted in the admin (a user, a department, a grid), on a
  table small enough that the index costs nothing measurable: the delete reads the rows by it (Django's
  PROTECT check and PostgreSQL's own). On the tables written most (matters, timeline, assignments,
  notifications) such an index was dropped instead (see `Assignment.handler`): a user's delete there
  reads the table once.

`benchmarks/index_audit.py` prints each index's scans since a statistics reset beside its entry (`make
bench` resets after loading the dataset and audits after the last benchmark) and fails an index no
benchmark read that is neither, on a table of more than 10,000 rows (the planner reads a smaller one whole); `tests/test_index_uses.py` fails an index of these tables that has no
entry, and an entry whose index is gone. A plain dict: nothing here imports the apps.
"""

from __future__ import annotations

INTEGRITY = "integrity:"
DELETE = "delete:"

# The tables that grow with the matters: per matter, per assignment, per message, per signal.
AUDITED_TABLES = (
    "intake_case", "intake_caseevent", "intake_caseparty", "intake_party", "intake_attachment",
    "intake_sensitiveview", "dispatch_assignment", "dispatch_assignmentreport", "dispatch_extensionrequest",
    "dispatch_declinerequest", "dispatch_verification", "dispatch_revisit", "dispatch_revisitattempt",
    "dispatch_revisitexclusion", "dispatch_explanationcall", "dispatch_summons", "dispatch_summonsdepartment",
    "dispatch_deadlinestep", "dispatch_notification", "dispatch_routinghistory", "grid_gridreport",
    "review_risksignal", "review_risksignalcase", "review_warningletter", "review_accountabilityrung",
    "review_efficiencyreferral",
)

_USER_DELETE = f"{DELETE} a user's delete in the admin (governance.admin.UserAdmin) reads these rows by the user"
_DEPARTMENT_DELETE = f"{DELETE} a department's delete in the admin (governance.admin.DepartmentAdmin)"

INDEX_USES: dict[str, dict[str, str]] = {
    "intake_case": {
        "intake_case_pkey": f"{INTEGRITY} primary key",
        "intake_case_code_key": f"{INTEGRITY} one matter per code (intake.selectors.case_get_for_actor and "
                                "intake.open311.selectors.open311_request_get look a matter up by its code)",
        "intake_case_code_6dcbfa21_like": "review.scale.load: code__startswith, seed_scale's check that a prefix is "
                                          "not loaded yet (PostgreSQL makes it beside the unique code)",
        "case_sequence_number_unique": f"{INTEGRITY} one number per district, year and sequence",
        "case_external_ref_unique": f"{INTEGRITY} one matter per platform work order (Open311 and API pushes)",
        "case_district_recent": "intake.selectors.case_list: the district's list newest first and its capped "
                                "count, index-only; review.selectors.dashboard.dashboard_data: the day's and "
                                "the month's counts by channel, category, town and grid",
        "case_district_open_grid": "review.selectors.dashboard.dashboard_data: open matters by status and "
                                   "overdue; grid.tree_selectors.open_counts_per_grid: open matters per grid; "
                                   "intake.filters.CaseFilterSet.filter_overdue",
        "case_district_status": "intake.selectors.case_list: the list filtered by status and category",
        "case_center_status": "dispatch.selectors.work.dispatch_board: the waiting count; "
                              "grid.selectors.station_recent: a station's matters settled on the spot; "
                              "governance.scope.Territory.matters: a town's or village's centers (center_id IN)",
        "case_dispatch_queue": "dispatch.selectors.work.dispatch_board: the waiting matters in queue order",
        "case_center_reported": "dispatch.selectors.work.cases_awaiting_verification: a center's matters reported "
                                "back, the longest waiting first",
        "case_grid_open_due": "grid.views.tree.grid_page: a grid's open matters by deadline",
        "intake_case_categor_34a9ba_idx": "intake.filters.CaseFilterSet.filter_category: category_id IN newest first",
        "intake_case_registered_at_7088f954": "intake.selectors.case_list for a reader of every district (newest first, no district "
                                              "to start from); intake.open311.selectors.open311_requests: a platform's "
                                              "requests by registration time; the periods of a town's territory "
                                              "(command.services.radar, review.selectors.assessment_rows.town_cases)",
        "case_town_open": "review.selectors.dashboard.dashboard_data: a town's open matters by status and deadline",
        "case_district_key_recent": "review.selectors.report.report_content: a month's key matters (重点事项)",
        "case_town_recent": "governance.scope.Territory.matters: a town's matters (town_id), for a period "
                            "(review.selectors.report and dashboard: a town's month)",
        "intake_case_first_receiver_id_d9dc1059": "intake.views.cases.my_cases: 我登记的, case_list by first_receiver; "
                                                  "intake.selectors.cases_follow_up_due",
        "intake_case_due_at_5dac4ec7": "intake.filters.CaseFilterSet.filter_overdue for a reader of every district "
                                       "(due_at < now, no district to start from)",
        "intake_case_grid_id_dc075f3d": "governance.scope.Territory.grid_ids: a village's matters by its grids; "
                                        "grid.selectors.verification_tasks and revisit_tasks: a worker's grids",
        "intake_case_title_trgm": "intake.filters.CaseFilterSet.filter_q: a search of three characters or more "
                                  "(UPPER(title) LIKE, pg_trgm)",
        "intake_case_description_trgm": "intake.filters.CaseFilterSet.filter_q: the same search in the description",
        "intake_case_search_pairs_gin": "intake.filters.CaseFilterSet.filter_q: a two-character search "
                                        "(search_pairs @@ the pair)",
    },
    "intake_caseevent": {
        "intake_caseevent_pkey": f"{INTEGRITY} primary key",
        "caseevent_chain_no_fork": f"{INTEGRITY} two events never follow the same one (the hash chain, intake.chain)",
        "caseevent_case_type": "review.selectors.assessment_rows.matter_figures: whether a matter's timeline "
                               "records a type, index-only; intake.selectors.case_timeline and "
                               "dispatch.selectors.work.case_work_detail: a matter's events (a handful, sorted)",
        "caseevent_assessed_since": "review.selectors.assessment_rows.events: the events about assignments since "
                                    "the month began, joined to the month's assignments as a set",
        "caseevent_escalated_from": "grid.selectors.station_recent: the escalations that left a station",
        "intake_caseevent_actor_id_29dc5aec": "dispatch.selectors.work.case_ids_handled_by: the matters a person "
                                              "handled (actor = the user), for dispatch.services.closing",
        "intake_caseevent_occurred_at_9e9924d8": "grid.worker_selectors.worker_verifications and grid.selectors.grid_figures: "
                                                 "a period's events (occurred_at range); command.services.radar: the "
                                                 "reopened of the last days; intake.admin.CaseEventAdmin's list in order",
        "intake_caseevent_type_b9abc3af": "command.services.radar._Run.groups_and_reopened (case.reopened), "
                                          "grid.selectors.verification_tasks (site verified), "
                                          "review.selectors.assessment_rows.escalations: the events of a type",
    },
    "intake_caseparty": {
        "intake_caseparty_pkey": f"{INTEGRITY} primary key",
        "case_party_unique": f"{INTEGRITY} a party once per matter and role; also a matter's parties "
                             "(intake.selectors.case_parties, the list's applicants prefetch)",
        "intake_caseparty_party_id_b051e77d": "intake.selectors.cases_for_applicant: a person's matters; "
                                              "command.services.radar: the repeat applicants",
    },
    "intake_party": {
        "intake_party_pkey": f"{INTEGRITY} primary key",
        "party_credit_code": "intake.services.party_matching: a known organisation by its credit code "
                             "(credit_code IN), every registration of one",
        "party_id_number_digest": "intake.services.party_matching and intake.selectors.party_find: a known "
                                  "person by the blind index of the ID number (every registration)",
        "party_phone_digest": "intake.selectors.party_find: a known person by the blind index of the phone",
    },
    "intake_attachment": {
        "intake_attachment_pkey": f"{INTEGRITY} primary key",
        "intake_attachment_case_id_22bdb4ee": "intake.selectors.case_attachments and grid.views.pages: a matter's "
                                              "attachments",
        "intake_attachment_uploaded_by_id_31383994": _USER_DELETE,
    },
    "intake_sensitiveview": {
        "intake_sensitiveview_pkey": f"{INTEGRITY} primary key",
        "intake_sensitiveview_viewed_at_390bd5f7": "intake.admin.SensitiveViewAdmin: the audit list, newest first",
        "intake_sensitiveview_actor_id_4ffab57d": _USER_DELETE,
        "intake_sensitiveview_party_id_3d33d1a8": f"{DELETE} a party's delete in the admin (intake.admin.PartyAdmin)",
    },
    "dispatch_assignment": {
        "dispatch_assignment_pkey": f"{INTEGRITY} primary key",
        "assignment_board_due": "dispatch.selectors.work.dispatch_board: the live assignments in the board's order "
                                "and their counts; dispatch.api.work.views.AssignmentListView: a center's",
        "assignment_center_month": "review.selectors.assessment: the month's cohort of a center "
                                   "(review.selectors.assessment_rows.events joins it)",
        "assignment_department_month": "review.selectors.assessment.figure_items: a department's assignments of "
                                       "a month (the drill-down lists)",
        "assignment_overdue_at": "command.services.radar: the weekly overdue counts per department; "
                                 "command.services.daily: the newly overdue",
        "assignment_department_due": "dispatch.api.work.views.AssignmentListView: a department's assignments by "
                                     "deadline, a page at a time; dispatch.selectors.work."
                                     "case_ids_visible_to_department_user: a department's matters",
        "assignment_department_live": "dispatch.selectors.work.assignments_for_department_user: a department's "
                                      "live assignments by deadline (the inbox, 50 at a time)",
        "dispatch_assignment_case_id_351565b1": "dispatch.selectors.work.case_work_detail and every service "
                                                "reading a matter's assignments (case_id, with or without a status)",
        "assignment_status": "dispatch.selectors.work.dispatch_board: the declined assignments and the "
                             "unacknowledged count (status =, then the center)",
        "dispatch_assignment_reported_by_id_785db652": f"{DELETE} a user's delete; also read 94 times by the page "
                                                       "benchmark of 2026-12-07 through a plan not traced to a query "
                                                       "of the code (kept until it is)",
        "dispatch_assignment_lead_id_3860a2f4": "dispatch.services.assignments_department and "
                                                "dispatch.views.work.assignment_page: the co-handlers of a lead",
        "dispatch_assignment_supervising_leader_id_6d1c6c17": "dispatch.selectors.work.case_ids_visible_to_department_user: "
                                                              "the matters a leader supervises (督办)",
    },
    "dispatch_assignmentreport": {
        "dispatch_assignmentreport_pkey": f"{INTEGRITY} primary key",
        "dispatch_assignmentreport_assignment_id_347553a8": "dispatch.selectors.work.case_work_detail and "
                                                            "dispatch.views.work.assignment_page: an assignment's reports",
        "dispatch_assignmentreport_author_id_13f24396": _USER_DELETE,
    },
    "dispatch_extensionrequest": {
        "dispatch_extensionrequest_pkey": f"{INTEGRITY} primary key",
        "extension_one_pending_per_assignment": f"{INTEGRITY} one pending request per assignment",
        "dispatch_extensionrequest_assignment_id_e0a8d073": "dispatch.selectors.limits.extension_use and "
                                                            "review.selectors.assessment.assessment_compute: an "
                                                            "assignment's requests (assignment_id IN the cohort)",
        "dispatch_extensionrequest_requested_by_id_2b7d4219": _USER_DELETE,
        "dispatch_extensionrequest_decided_by_id_123ade03": _USER_DELETE,
    },
    "dispatch_declinerequest": {
        "dispatch_declinerequest_pkey": f"{INTEGRITY} primary key",
        "decline_one_pending_per_assignment": f"{INTEGRITY} one pending return per assignment",
        "dispatch_declinerequest_assignment_id_b21a20f5": "dispatch.views.work.assignment_page: an assignment's "
                                                          "returns, decided or not",
        "dispatch_declinerequest_requested_by_id_508fe96d": _USER_DELETE,
        "dispatch_declinerequest_decided_by_id_f2d54196": _USER_DELETE,
    },
    "dispatch_verification": {
        "dispatch_verification_pkey": f"{INTEGRITY} primary key",
        "dispatch_verification_case_id_1c892bb8": "dispatch.selectors.work.case_work_detail: a matter's verifications",
        "dispatch_verification_verifier_id_4a2b60bc": _USER_DELETE,
    },
    "dispatch_revisit": {
        "dispatch_revisit_pkey": f"{INTEGRITY} primary key",
        "dispatch_revisit_case_id_8f6645a3": "dispatch.selectors.revisits.revisit_rounds (case_id IN the page) and "
                                             "dispatch.services.closing.case_close: a matter's revisits",
        "dispatch_revisit_revisited_by_id_ce62dfe7": _USER_DELETE,
    },
    "dispatch_revisitattempt": {
        "dispatch_revisitattempt_pkey": f"{INTEGRITY} primary key",
        "dispatch_revisitattempt_case_id_15416500": "dispatch.selectors.revisits.revisit_rounds and "
                                                    "revisit_attempts_so_far: a matter's attempts",
        "dispatch_revisitattempt_attempted_by_id_7e3af69a": _USER_DELETE,
    },
    "dispatch_revisitexclusion": {
        "dispatch_revisitexclusion_pkey": f"{INTEGRITY} primary key",
        "revisit_exclusion_one_in_force": f"{INTEGRITY} one exclusion in force per matter",
        "revisit_exclusion_case_status": "dispatch.services.revisits.case_exclusion_decide and "
                                         "review.selectors.assessment_rows.revisit_filters: a matter's exclusion "
                                         "by status (EXISTS confirmed)",
        "dispatch_revisitexclusion_proposed_by_id_0e25c37c": _USER_DELETE,
        "dispatch_revisitexclusion_decided_by_id_b3c0ac15": _USER_DELETE,
    },
    "dispatch_explanationcall": {
        "dispatch_explanationcall_pkey": f"{INTEGRITY} primary key",
        "dispatch_explanationcall_case_id_cf743450": "dispatch.selectors.work.case_work_detail: a matter's calls",
        "dispatch_explanationcall_called_by_id_0a7ab813": _USER_DELETE,
    },
    "dispatch_summons": {
        "dispatch_summons_pkey": f"{INTEGRITY} primary key",
        "summons_one_pending_per_case": f"{INTEGRITY} one summons awaiting approval per matter "
                                        "(dispatch.services.summons.summons_request reads it)",
        "dispatch_summons_case_id_e878209a": "dispatch.selectors.work.case_work_detail: a matter's summonses",
        "dispatch_summons_center_id_d892513f": "dispatch.selectors.work.dispatch_board and "
                                               "command.services.daily.daily_report_content: a center's summonses",
        "dispatch_summons_status_fee8458f": "review.selectors.dashboard.dashboard_data: the approved summonses "
                                            "still open (status =)",
        "dispatch_summons_status_fee8458f_like": "review.selectors.dashboard.dashboard_data: the approved summonses (status "
                                                 "=; PostgreSQL makes it beside db_index, and either serves; a small table)",
        "dispatch_summons_requested_by_id_709092f9": _USER_DELETE,
        "dispatch_summons_decided_by_id_0dbba579": _USER_DELETE,
    },
    "dispatch_summonsdepartment": {
        "dispatch_summonsdepartment_pkey": f"{INTEGRITY} primary key",
        "summons_department_unique": f"{INTEGRITY} a department once per summons; also a summons' departments "
                                     "(the board's prefetch, dispatch.services.ack)",
        "dispatch_summonsdepartment_department_id_4e063ff7": "dispatch.selectors.summons_work.summonses_awaiting_report_in: "
                                                             "a department's call-ups",
        "dispatch_summonsdepartment_acknowledged_by_id_361fca1b": _USER_DELETE,
        "dispatch_summonsdepartment_remote_person_id_9c87429e": _USER_DELETE,
        "dispatch_summonsdepartment_reported_in_person_id_bb8042c4": _USER_DELETE,
        "dispatch_summonsdepartment_reported_in_recorded_by_id_a8ed67d1": _USER_DELETE,
    },
    "dispatch_deadlinestep": {
        "dispatch_deadlinestep_pkey": f"{INTEGRITY} primary key",
        "deadline_step_pending": "dispatch.services.engine.deadline_sweep: the due steps in order; "
                                 "dispatch.services.engine_audit.deadline_steps_missed",
        "deadline_step_claim": "dispatch.services.engine._claimed_steps: the steps of a sweep's claim",
        "deadline_step_fired": "dispatch.services.engine_audit.deadline_steps_without_messages: the steps "
                               "fired lately",
        "deadline_step_subject": "dispatch.selectors.clocks.case_clocks, dispatch.services.clocks.clocks_stop, "
                                 "dispatch.services.subjects.deadline_steps_cancel: a subject's steps",
        "dispatch_deadlinestep_assignment_id_47663e5c": "dispatch.services.common.steps_cancel: an assignment's "
                                                        "pending steps (assignment_id IN)",
        "dispatch_deadlinestep_summons_department_id_fd83c4cb": "dispatch.services.summons.summons_report_in and "
                                                                "summons_close: a call-up's pending steps",
    },
    "dispatch_notification": {
        "dispatch_notification_pkey": f"{INTEGRITY} primary key",
        "notification_unique_per_recipient_channel": f"{INTEGRITY} one message per key, recipient and channel; also "
                                                     "dispatch.services.notifications and delivery: the messages of a key",
        "notification_inbox": "dispatch.selectors.notifications: a person's in-app messages and unread count",
        "notification_delivery": "dispatch.services.delivery: the messages waiting to be sent (status, created_at)",
        "notification_gateway_id": "dispatch.services.receipts: a delivery receipt names its message",
        "notification_recent_sends": "dispatch.services.gateway_limits.RecipientLimits.read: a person's recent sends",
        "dispatch_notification_step_id_b10f1d77": "dispatch.services.engine_audit.deadline_steps_without_messages: "
                                                  "the messages of each fired step (Count)",
    },
    "dispatch_routinghistory": {
        "dispatch_routinghistory_pkey": f"{INTEGRITY} primary key",
        "routing_history_one_row_per_day": f"{INTEGRITY} one row per center, category, day and department; also "
                                           "dispatch.selectors.work.routing_suggestions (center, category IN, days)",
        "dispatch_routinghistory_category_id_60ffd58a": f"{DELETE} a category's delete in the admin "
                                                        "(intake.admin.CategoryAdmin) deletes its rows",
        "dispatch_routinghistory_department_id_8930c3d4": f"{_DEPARTMENT_DELETE} deletes its rows",
    },
    "grid_gridreport": {
        "grid_gridreport_pkey": f"{INTEGRITY} primary key",
        "grid_gridreport_case_id_key": f"{INTEGRITY} one grid report per matter",
        "grid_gridreport_client_key_key": f"{INTEGRITY} one report per client key: grid.services.reports."
                                          "grid_report_submit answers a resubmission with the first",
        "grid_gridreport_client_key_36fa58b1_like": "grid.services.reports.grid_report_submit: client_key = "
                                                    "(PostgreSQL makes it beside the unique client key)",
        "grid_gridreport_reporter_id_5c4490a3": "grid.selectors.reports_of_worker: a worker's reports",
        "grid_gridreport_patrol_id_f80a3ea7": f"{DELETE} a patrol's delete in the admin (grid.admin.PatrolAdmin) "
                                              "clears its reports' patrol",
        "grid_gridreport_grid_id_00bc7af8": f"{DELETE} a grid's delete in the admin (grid.admin.GridAdmin)",
    },
    "review_risksignal": {
        "review_risksignal_pkey": f"{INTEGRITY} primary key",
        "review_risksignal_center_id_c39383c5": "command.selectors.work.signals_visible: a center's signals "
                                                "(the page benchmark's reads, the table being small yet)",
        "risk_signal_episode": "command.services.radar: the signals of a run's keys (center, key IN), latest first",
        "risk_signal_open": "command.selectors.work.signals_visible: a center's signals by status, newest first",
        "review_risksignal_area_id_beec8d37": f"{DELETE} a grid's delete in the admin (grid.admin.GridAdmin)",
        "review_risksignal_category_id_275c283b": f"{DELETE} a category's delete in the admin",
        "review_risksignal_department_id_94748ffe": _DEPARTMENT_DELETE,
        "review_risksignal_key_person_id_7bbcb288": f"{DELETE} a key person's delete in the admin (grid.admin)",
        "review_risksignal_decided_by_id_16a4e7e1": _USER_DELETE,
    },
    "review_risksignalcase": {
        "review_risksignalcase_pkey": f"{INTEGRITY} primary key",
        "risk_signal_case_unique": f"{INTEGRITY} a matter once per signal (command.services.radar writes with "
                                   "ignore_conflicts); also a signal's matters (command.views.pages)",
    },
    "review_warningletter": {
        "review_warningletter_pkey": f"{INTEGRITY} primary key",
        "review_warningletter_center_id_67e06112": "command.selectors.work.letters_visible and letters_for_assessment, "
                                                   "command.views.pages: a center's letters",
        "warning_letter_number_unique": f"{INTEGRITY} one number per center, kind and year",
        "warning_letter_one_per_signal": f"{INTEGRITY} one letter per signal; also command.services.letters."
                                         "letter_issue and a signal's letters (signal_id =)",
        "review_warningletter_trigger_record_id_key": f"{INTEGRITY} one letter per overdue record "
                                                      "(command.services.letters.letters_from_overdue_records)",
        "warning_letter_department": "command.selectors.work.letters_visible: a department's letters",
        "review_warningletter_case_id_9f487d95": "review.views.letters_from.letters_panel: a matter's letters",
        "review_warningletter_issued_by_id_68d4074c": _USER_DELETE,
        "review_warningletter_answered_by_id_29ce32d1": _USER_DELETE,
    },
    "review_accountabilityrung": {
        "review_accountabilityrung_pkey": f"{INTEGRITY} primary key",
        "ladder_rung_once": f"{INTEGRITY} a rung once per assignment; also an assignment's rungs "
                            "(review.selectors.ladder.assignment_ladder, review.selectors.ladder.ladder_figures)",
        "review_accountabilityrung_letter_id_key": f"{INTEGRITY} one rung per letter",
        "ladder_rung_center_month": "review.selectors.ladder.criticisms_between: a center's rungs of a period",
        "review_accountabilityrung_department_id_e17ef7f9": _DEPARTMENT_DELETE,
        "review_accountabilityrung_actor_id_c73e696a": _USER_DELETE,
        "review_accountabilityrung_handler_id_820a06c7": _USER_DELETE,
    },
    "review_efficiencyreferral": {
        "review_efficiencyreferral_pkey": f"{INTEGRITY} primary key",
        "review_efficiencyreferral_center_id_c1814219": "review.selectors.ladder.referrals_visible: a center's referrals",
        "review_efficiencyreferral_rung_id_key": f"{INTEGRITY} one referral per rung",
        "review_efficiencyreferral_department_id_ef6a9827": _DEPARTMENT_DELETE,
        "review_efficiencyreferral_answered_by_id_3112a198": _USER_DELETE,
    },
}


def is_kept_without_scans(use: str) -> bool:
    """Whether an index with this use stays even when no benchmark reads it (a key, a unique rule, a
    parent's delete)."""
    return use.startswith((INTEGRITY, DELETE))
