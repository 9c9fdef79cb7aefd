"""After registration at the window: settle on the spot (自办), send to dispatch, link matters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import ApplicationError, PermissionDeniedError
from governance.roles import MAY_ACT_FOR_FIRST_RECEIVER, Role, may, user_roles
from governance.scope import require_acts_here
from intake import hooks
from intake.choices import (
    CaseEventType,
    CaseStatus,
    HandlingMode,
)
from intake.events import case_event_record
from intake.models import Case, CaseLink
from intake.services.cleaning import FieldErrors, clean_text
from intake.services.registration import check_uploads, remove_files, store_files
from intake.services.transition import case_transition
from intake.validators import (
    LINK_NOTE_MAX_CHARS,
    RESULT_MAX_CHARS,
    SEND_NOTE_MAX_CHARS,
    UploadedFileLike,
)

# --- after registration: on the spot, or to dispatch ----------------------------------------


def _require_case_hand(actor: AbstractBaseUser, case: Case) -> None:
    """The first receiver, or the command center staff, may act on a newly registered matter."""
    if not actor.is_authenticated:
        raise PermissionDeniedError(gettext("请先登录。"))
    if user_roles(actor) == {Role.ADMINISTRATOR}:
        raise PermissionDeniedError(
            gettext("管理员负责系统配置和查阅，不参与办理：请用相应业务角色（如轮值主任、部门联络员）的账号操作。"),
            code="administrator_does_not_act")
    if case.first_receiver_id == actor.pk:
        return
    if may(actor, MAY_ACT_FOR_FIRST_RECEIVER):
        require_acts_here(actor=actor, center=case.center)
        hooks.duty_flow_check(actor=actor, center=case.center)
        return
    raise PermissionDeniedError(gettext("只有首接责任人或调度人员可以办理此事项。"))


def case_settle_on_spot(
    *,
    actor: AbstractBaseUser,
    case: Case,
    result: str,
    attachments: Iterable[UploadedFileLike] = (),
    now: dt.datetime | None = None,
) -> Case:
    """自办: the window settled the matter on the spot; keep the result and the written agreement."""
    now = now or timezone.now()
    _require_case_hand(actor, case)
    errors = FieldErrors()
    result = clean_text(errors, "result", result, label=gettext("办理结果"), max_chars=RESULT_MAX_CHARS, required=True)
    uploads = check_uploads(errors, attachments)
    errors.raise_if_any()
    stored: list[str] = []
    try:
        with transaction.atomic():
            case_transition(
                case=case,
                to_status=CaseStatus.SETTLED_ON_SPOT,
                actor=actor,
                event_type=CaseEventType.CASE_SETTLED_ON_SPOT,
                data={"result": result, "attachments": [checked.name for _, checked in uploads]},
                extra_fields={"handling_mode": HandlingMode.SELF, "settlement": result, "resolved": True},
                now=now,
            )
            store_files(uploads, case=case, actor=actor, purpose="settlement", stored=stored)
    except BaseException:
        remove_files(stored)
        raise
    return case


def case_send_to_dispatch(
    *, actor: AbstractBaseUser, case: Case, note: str = "", now: dt.datetime | None = None
) -> Case:
    """What the window cannot settle goes to the dispatch queue (there is no rejection)."""
    _require_case_hand(actor, case)
    errors = FieldErrors()
    note = clean_text(errors, "note", note, label=gettext("说明"), max_chars=SEND_NOTE_MAX_CHARS)
    errors.raise_if_any()
    now = now or timezone.now()
    with transaction.atomic():
        case_transition(
            case=case,
            to_status=CaseStatus.PENDING_DISPATCH,
            actor=actor,
            event_type=CaseEventType.CASE_SENT_TO_DISPATCH,
            data={"note": note},
            now=now,
        )
        hooks.case_queued(case=case, now=now)
    return case


def case_link(
    *, actor: AbstractBaseUser, case: Case, other: Case, note: str = "", now: dt.datetime | None = None
) -> CaseLink:
    """Link `case` to an earlier matter (repeat visit, same site, same group)."""
    errors = FieldErrors()
    note = clean_text(errors, "note", note, label=gettext("关联说明"), max_chars=LINK_NOTE_MAX_CHARS)
    errors.raise_if_any()
    if other.pk == case.pk:
        raise ApplicationError(gettext("不能把事项关联到它自己。"), field="other")
    if other.district_id != case.district_id:
        raise ApplicationError(gettext("只能关联本区的事项。"), field="other")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            link = CaseLink.objects.create(from_case=case, to_case=other, note=note, created_by=actor)
            case_event_record(case=case, type=CaseEventType.CASE_LINKED, actor=actor,
                              data={"other_id": other.pk, "other_code": other.code, "note": note}, now=now)
    except IntegrityError:
        raise ApplicationError(gettext("已与事项 %(code)s 关联。") % {"code": other.code}, code="duplicate", field="other") from None
    return link
