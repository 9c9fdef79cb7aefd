"""Reads of 领导通: a leader's followed matters and instructions, a department's instructions to answer."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet

from command.models import Follow, Instruction, InstructionDepartment, WarningLetter
from command.selectors.work import letters_visible
from dispatch.choices import OPEN_ASSIGNMENT_STATUSES, AssignmentRole
from dispatch.models import Assignment
from dispatch.selectors.supervision import is_supervising_leader
from governance.errors import NotFoundError
from governance.roles import (
    MAY_HANDLE_ASSIGNMENTS,
    MAY_LEAD_FROM_PHONE,
    departments_led_by,
    may,
    user_department_ids,
)
from intake.models import Case
from intake.selectors import cases_visible_to


def is_phone_leader(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and may(user, MAY_LEAD_FROM_PHONE)


def follows_of(*, user: AbstractBaseUser) -> QuerySet[Follow]:
    """我的关注: the matters the leader follows that he may still see, the latest followed first."""
    return (Follow.objects.filter(user=user, case__in=cases_visible_to(user=user))
            .select_related("case__category", "case__town").order_by("-created_at", "-pk"))


def is_following(*, user: AbstractBaseUser, case: Case) -> bool:
    return Follow.objects.filter(user=user, case=case).exists()


def _with_departments(rows: QuerySet[Instruction]) -> QuerySet[Instruction]:
    return rows.select_related("leader", "case", "letter").prefetch_related(
        Prefetch("departments", queryset=InstructionDepartment.objects.select_related("department", "answered_by")
                 .order_by("pk")))


def instructions_given(*, user: AbstractBaseUser) -> QuerySet[Instruction]:
    """我的批示: the leader's instructions, the latest first."""
    return _with_departments(Instruction.objects.filter(leader=user)).order_by("-issued_at", "-pk")


def instructions_to_answer(*, user: AbstractBaseUser, open_only: bool = False) -> QuerySet[InstructionDepartment]:
    """领导批示 for the departments a person acts for (or leads in charge): the unanswered first, the most
    urgent first."""
    rows = InstructionDepartment.objects.filter(
        Q(department_id__in=user_department_ids(user)) | Q(department__leader_in_charge=user))
    if open_only:
        rows = rows.filter(answered_at__isnull=True)
    return (rows.select_related("instruction__leader", "instruction__case", "instruction__letter", "department")
            .order_by("answered_at", "instruction__answer_due_at", "pk"))


def instructions_on_case(*, case: Case) -> QuerySet[Instruction]:
    return _with_departments(Instruction.objects.filter(case=case)).order_by("-issued_at", "-pk")


def instructions_on_letter(*, letter: WarningLetter) -> QuerySet[Instruction]:
    return _with_departments(Instruction.objects.filter(letter=letter)).order_by("-issued_at", "-pk")


def instruction_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> Instruction:
    """One instruction: for its leader, for whoever may see its matter or read its letter, and for the
    departments it is addressed to; `NotFoundError` otherwise."""
    instruction = _with_departments(Instruction.objects.filter(pk=pk)).first()
    if instruction is None or not actor.is_authenticated:
        raise NotFoundError()
    if instruction.leader_id == actor.pk:
        return instruction
    if instruction.case_id and cases_visible_to(user=actor).filter(pk=instruction.case_id).exists():
        return instruction
    if instruction.letter_id and letters_visible(actor=actor).filter(pk=instruction.letter_id).exists():
        return instruction
    if instructions_to_answer(user=actor).filter(instruction=instruction).exists():
        return instruction
    raise NotFoundError()


def supervisable_assignment(*, user: AbstractBaseUser, case: Case) -> Assignment | None:
    """The assignment a leader would supervise from the phone: the matter's open lead (or sole)
    assignment, when he may be its supervising leader."""
    assignment = (Assignment.objects.filter(case=case, status__in=OPEN_ASSIGNMENT_STATUSES,
                                            role__in=[AssignmentRole.SOLE, AssignmentRole.LEAD])
                  .select_related("center", "department", "supervising_leader").order_by("pk").first())
    if assignment is None or not is_supervising_leader(center=assignment.center, user=user):
        return None
    return assignment


def may_answer_instructions(user: AbstractBaseUser) -> bool:
    """Who answers instructions for a department: its liaison and handlers, its leader in charge."""
    return user.is_authenticated and (may(user, MAY_HANDLE_ASSIGNMENTS) or bool(departments_led_by(user=user)))
