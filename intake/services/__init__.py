"""Writes of intake: registering a matter, settling it on the spot, sending it to dispatch, linking
matters, categories, and the audited full view of a resident ID number.

Every public function is keyword-only and takes `now=` so tests control time. Business errors
raise `ApplicationError` (Chinese message, `field`, and for registration `extra["errors"]` with
every field that failed, so a form can show them all at once).
"""

from intake.answer_limits import ANSWER_WORKING_DAYS
from intake.services.categories import category_save
from intake.services.cleaning import PartyInput
from intake.services.command import COMMAND_CHANNELS, case_register_at_command
from intake.services.parties import party_full_id_view, party_lookup_record
from intake.services.registration import case_answer_deadline, case_register
from intake.services.registration_input import MatterInput
from intake.services.transition import case_transition
from intake.services.window import case_link, case_send_to_dispatch, case_settle_on_spot

__all__ = [
    "COMMAND_CHANNELS",
    "case_register_at_command",
    "ANSWER_WORKING_DAYS",
    "MatterInput",
    "PartyInput",
    "case_answer_deadline",
    "case_link",
    "case_register",
    "case_send_to_dispatch",
    "case_settle_on_spot",
    "case_transition",
    "category_save",
    "party_full_id_view",
    "party_lookup_record",
]
