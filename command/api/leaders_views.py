"""领导通's API in dispatch's style: one view per action whose `post` fetches and authorises (404 when
not yours), validates an input serializer, calls one service and answers an output serializer."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from command.api import leaders_serializers as s
from command.models import Follow, Instruction
from command.selectors import leaders as sel
from command.selectors import work as command_sel
from command.services import leaders as svc
from dispatch.services import assignment_supervise_by_leader
from governance.api import RESULT, Action, action_view, by_actor
from governance.errors import PermissionDeniedError
from governance.roles import user_department_ids
from intake.choices import EventSource
from intake.selectors import case_get_for_actor

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


def _leader_case(request: Request, pk: int) -> Any:
    _leader_only(request)
    return case_get_for_actor(actor=request.user, pk_or_code=pk)


def _leader_letter(request: Request, pk: int) -> Any:
    _leader_only(request)
    return command_sel.letter_get_for_actor(actor=request.user, pk=pk)


def _following(now: bool) -> Callable[[Request, Any, Any], dict[str, Any]]:
    return lambda request, case, result: {"case": case.pk, "following": now}


def _supervise(actor: Any, case: Any, data: dict[str, Any]) -> Any:
    assignment = sel.supervisable_assignment(user=actor, case=case)
    if assignment is None:
        raise PermissionDeniedError(
            gettext("此事项没有在办的牵头（承办）交办，或您不是其所在中心的督办领导，不能督办。"),
            code="not_supervisable")
    return assignment_supervise_by_leader(actor=actor, assignment=assignment, source=API,
                                          every_working_days=data["every_working_days"], note=data["note"])


LeaderAction = functools.partial(Action, tags=tuple(TAGS))
FollowView = action_view(LeaderAction(
    "关注事项", _leader_case, None, s.FollowingOut, lambda actor, case, d: svc.case_follow(actor=actor, case=case),
    answer=_following(True)))
UnfollowView = action_view(LeaderAction(
    "取消关注", _leader_case, None, s.FollowingOut, lambda actor, case, d: svc.case_unfollow(actor=actor, case=case),
    answer=_following(False)))
CaseInstructView = action_view(LeaderAction(
    "对事项作出批示", _leader_case, s.InstructIn, s.InstructionOut,
    lambda actor, case, d: svc.instruction_issue(actor=actor, case=case, text=d["text"], source=API,
                                                 answer_limit_working_days=d["answer_limit_working_days"]),
    answer=RESULT, created=True))
LetterInstructView = action_view(LeaderAction(
    "对函件作出批示", _leader_letter, s.InstructIn, s.InstructionOut,
    lambda actor, letter, d: svc.instruction_issue(actor=actor, letter=letter, text=d["text"], source=API,
                                                   answer_limit_working_days=d["answer_limit_working_days"]),
    answer=RESULT, created=True))
CaseSuperviseView = action_view(LeaderAction(
    "领导督办（由本人督办）", _leader_case, s.LeaderSuperviseIn, s.SupervisedOut, _supervise, answer=RESULT))


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


InstructionAnswerView = action_view(LeaderAction(
    "答复领导批示", by_actor(sel.instruction_get_for_actor), s.AnswerIn, s.InstructionOut,
    lambda actor, instruction, d: svc.instruction_answer(actor=actor, instruction=instruction, answer=d["answer"],
                                                         source=API),
    # read again through the selector: the answer shows with the departments' rows
    answer=lambda request, instruction, result: sel.instruction_get_for_actor(actor=request.user,
                                                                              pk=instruction.pk)))
