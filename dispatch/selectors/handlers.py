"""承办人 (seed 001 五(一)): the people a department may name as the handler of an assignment when it
acknowledges it: its liaison and the department's people who handle assignments (联络员、承办人)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from governance.models import Department
from governance.roles import MAY_HANDLE_ASSIGNMENTS


def department_handlers(*, department: Department) -> QuerySet[AbstractBaseUser]:
    """The department's liaison and its active people holding a department role, by name."""
    people = Q(profile__department=department, groups__name__in=list(MAY_HANDLE_ASSIGNMENTS))
    if department.liaison_id:
        people |= Q(pk=department.liaison_id)
    return (get_user_model().objects.filter(people, is_active=True).distinct()
            .order_by("last_name", "first_name", "username"))

