"""Reads of the 研判专报: the center's issued reports for its readers, drafts for those who edit,
issue or organize them (`MAY_READ_ANALYSIS_DRAFTS`); a village station has none."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from command.choices import AnalysisStatus
from command.models import AnalysisReport, AnalysisSection
from command.selectors.work import command_center_for_user, is_center_reader
from governance.errors import NotFoundError
from governance.roles import MAY_READ_ANALYSIS_DRAFTS, may


def analyses_visible(*, actor: AbstractBaseUser) -> QuerySet[AnalysisReport]:
    center = command_center_for_user(user=actor)
    if center is None or not is_center_reader(actor):
        return AnalysisReport.objects.none()
    rows = AnalysisReport.objects.filter(center=center)
    if not may(actor, MAY_READ_ANALYSIS_DRAFTS):
        rows = rows.filter(status=AnalysisStatus.ISSUED)
    return rows


def analysis_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> AnalysisReport:
    report = analyses_visible(actor=actor).select_related("center", "issued_by", "requested_by").filter(pk=pk).first()
    if report is None:
        raise NotFoundError()
    return report


def analysis_section_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> AnalysisSection:
    section = AnalysisSection.objects.select_related("report__center").filter(
        pk=pk, report__in=analyses_visible(actor=actor)).first()
    if section is None:
        raise NotFoundError()
    return section
