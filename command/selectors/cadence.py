"""Reads of the standing meetings (会商制度): the center's cadences with their next occurrence, its
chair by rule, and the last one held; the meetings due and not yet held."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from command.choices import ConsultationStatus
from command.models import Consultation, MeetingCadence
from command.selectors.work import command_center_for_user, is_center_reader
from command.services.cadence import chair_for, consultation_missed, next_occurrence


@dataclass
class CadenceRow:
    cadence: MeetingCadence
    next_date: dt.date
    next_chair: AbstractBaseUser | None
    planned: Consultation | None
    last_held: Consultation | None
    missed: list[Consultation]


def cadences_for_actor(*, actor: AbstractBaseUser, now: dt.datetime) -> list[CadenceRow]:
    """The actor's command center's active cadences (its readers only)."""
    center = command_center_for_user(user=actor)
    if center is None or not is_center_reader(actor):
        return []
    rows = []
    today = timezone.localtime(now).date()
    for cadence in MeetingCadence.objects.filter(center=center, active=True).select_related("center"):
        number, day = next_occurrence(cadence, on_or_after=today)
        meetings = cadence.occurrences.select_related("chair", "cadence")
        rows.append(CadenceRow(
            cadence=cadence, next_date=day, next_chair=chair_for(cadence, number),
            planned=meetings.filter(occurrence=number).first(),
            last_held=meetings.filter(status=ConsultationStatus.HELD).order_by("-scheduled_at").first(),
            missed=[m for m in meetings.filter(status=ConsultationStatus.SCHEDULED, scheduled_at__lt=now)
                    if consultation_missed(m, now=now)]))
    return rows
