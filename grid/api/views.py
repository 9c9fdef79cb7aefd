"""Key-person ledger over the API: the same permission and the same view log as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.errors import NotFoundError
from grid.api.serializers import KeyPersonSerializer
from grid.services import keypersons as svc


class MayViewKeyPersons(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if not svc.keyperson_may_view(request.user):
            raise NotFound()  # the ledger does not exist for the others
        return True


class KeyPersonListView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, MayViewKeyPersons]
    serializer_class = KeyPersonSerializer

    @extend_schema(summary="重点人员列表（授权角色；每次查看被记录）", operation_id="grid_keypersons_list")
    def get(self, request: Request) -> Response:
        rows = svc.keypersons_query(actor=request.user, q=request.query_params.get("q", "").strip())
        page = self.paginate_queryset(rows)
        people = svc.keypersons_view(actor=request.user, people=list(page), context="api")
        return self.get_paginated_response(self.get_serializer(people, many=True).data)


class KeyPersonDetailView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, MayViewKeyPersons]
    serializer_class = KeyPersonSerializer

    @extend_schema(summary="重点人员（授权角色；查看被记录）", operation_id="grid_keypersons_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        try:
            person = svc.keyperson_view_one(actor=request.user, pk=pk, context="api")
        except NotFoundError:
            raise NotFound() from None
        return Response(self.get_serializer(person).data)
