"""A patrol's page and its photos, for those who may see the patrol: its worker, the leaders of its
grid (or of a grid above it) and the center's people; 404 for everyone else."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from grid import selectors as sel
from intake.selectors import cases_visible_to
from intake.views.attachments import protected_file_response


@login_required
def patrol(request: HttpRequest, pk: int) -> HttpResponse:
    entry = sel.patrol_get_for_viewer(actor=request.user, pk=pk)
    context = {
        "patrol": entry,
        "photos": entry.photos.order_by("uploaded_at", "pk"),
        "reports": entry.reports.select_related("case").order_by("reported_at"),
        "readable_case_ids": set(cases_visible_to(user=request.user).filter(
            grid_report__patrol=entry).values_list("pk", flat=True)),
        "changes": entry.item_changes.select_related("item", "actor").order_by("changed_at", "pk"),
        "is_worker": entry.worker_id == request.user.pk,
    }
    # The worker reads it on the phone pages; leaders and the center on the desk layout.
    return render(request, "grid/patrol_phone.html" if context["is_worker"] else "grid/patrol.html", context)


@login_required
def patrol_photo(request: HttpRequest, pk: int) -> HttpResponse:
    photo = sel.patrol_photo_get_for_viewer(actor=request.user, pk=pk)
    return protected_file_response(file=photo.file, content_type=photo.content_type, name=photo.name)
