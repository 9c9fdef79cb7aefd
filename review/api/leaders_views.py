"""领导通's API in dispatch's style: one view per action whose `post` fetches and authorises (404 when
not yours), validates an input serializer, calls one service and answers an output serializer."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.services import assignment_supervise_by_leader
from governance.api import validated
from governance.errors import PermissionDeniedError
from governance.roles import user_department_ids
from intake.choices import EventSource
from intake.selectors import case_get_for_actor
from review.api import leaders_serializers as s
from review.models import Follow, Instruction
from review.selectors import command as command_sel
from review.selectors import leaders as sel
from review.services import leaders as svc

API = EventSource.API
TAGS = ["review-leaders"]


def _leader_only(request: Request) -> None:
    if not sel.is_phone_leader(request.user):
        raise PermissionDeniedError(gettext("关注、批示和督办是领导通的功能，只供领导（含指挥长、副指挥长）使用。"),
                                    code="not_a_leader")


class FollowListView(ListAPIView):
    """我的关注: the matters the signed-in leader follows."""

    serializer_class = s.FollowOut
    queryset = Follow.objects.none()

    @extend_schema(summary="我的关注", tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Follow.objects.none()
        _leader_only(self.request)
        return sel.follows_of(user=self.request.user)


class FollowView(APIView):
    @extend_schema(summary="关注事项", request=None, responses=s.FollowingOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        _leader_only(request)
        case = case_get_for_actor(actor=request.user, pk_or_code=pk)
        svc.case_follow(actor=request.user, case=case)
        return Response(s.FollowingOut({"case": case.pk, "following": True}).data)


class UnfollowView(APIView):
    @extend_schema(summary="取消关注", request=None, responses=s.FollowingOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        _leader_only(request)
        case = case_get_for_actor(actor=request.user, pk_or_code=pk)
        svc.case_unfollow(actor=request.user, case=case)
        return Response(s.FollowingOut({"case": case.pk, "following": False}).data)


class CaseInstructView(APIView):
    @extend_schema(summary="对事项作出批示", request=s.InstructIn, responses={201: s.InstructionOut}, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        _leader_only(request)
        case = case_get_for_actor(actor=request.user, pk_or_code=pk)
        data = validated(s.InstructIn, request.data)
        instruction = svc.instruction_issue(actor=request.user, case=case, text=data["text"], source=API,
                                            answer_limit_working_days=data["answer_limit_working_days"])
        return Response(s.InstructionOut(instruction).data, status=201)


class LetterInstructView(APIView):
    @extend_schema(summary="对函件作出批示", request=s.InstructIn, responses={201: s.InstructionOut}, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        _leader_only(request)
        letter = command_sel.letter_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.InstructIn, request.data)
        instruction = svc.instruction_issue(actor=request.user, letter=letter, text=data["text"], source=API,
                                            answer_limit_working_days=data["answer_limit_working_days"])
        return Response(s.InstructionOut(instruction).data, status=201)


class CaseSuperviseView(APIView):
    @extend_schema(summary="领导督办（由本人督办）", request=s.LeaderSuperviseIn, responses=s.SupervisedOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        _leader_only(request)
        case = case_get_for_actor(actor=request.user, pk_or_code=pk)
        data = validated(s.LeaderSuperviseIn, request.data)
        assignment = sel.supervisable_assignment(user=request.user, case=case)
        if assignment is None:
            raise PermissionDeniedError(
                gettext("此事项没有在办的牵头（承办）交办，或您不是其所在中心的督办领导，不能督办。"),
                code="not_supervisable")
        assignment = assignment_supervise_by_leader(actor=request.user, assignment=assignment, source=API,
                                                    every_working_days=data["every_working_days"], note=data["note"])
        assignment.refresh_from_db()
        return Response(s.SupervisedOut(assignment).data)


class InstructionListView(ListAPIView):
    """The signed-in leader's instructions and those addressed to the user's departments."""

    serializer_class = s.InstructionOut
    queryset = Instruction.objects.none()

    @extend_schema(summary="领导批示", tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Instruction.objects.none()
        user = self.request.user
        if not sel.is_phone_leader(user) and not sel.may_answer_instructions(user):
            raise PermissionDeniedError(gettext("领导批示只供领导和承办单位查看。"))
        rule = (Q(leader=user) | Q(departments__department_id__in=user_department_ids(user))
                | Q(departments__department__leader_in_charge=user))
        ids = Instruction.objects.filter(rule).values("pk")
        return (Instruction.objects.filter(pk__in=ids).select_related("leader")
                .prefetch_related("departments__department").order_by("-issued_at", "-pk"))


class InstructionDetailView(RetrieveAPIView):
    serializer_class = s.InstructionOut

    def get_object(self):
        return sel.instruction_get_for_actor(actor=self.request.user, pk=self.kwargs["pk"])


class InstructionAnswerView(APIView):
    @extend_schema(summary="答复领导批示", request=s.AnswerIn, responses=s.InstructionOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        instruction = sel.instruction_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.AnswerIn, request.data)
        svc.instruction_answer(actor=request.user, instruction=instruction, answer=data["answer"], source=API)
        return Response(s.InstructionOut(sel.instruction_get_for_actor(actor=request.user, pk=pk)).data)
