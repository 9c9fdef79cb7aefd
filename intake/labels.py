"""Chinese labels of timeline events; other apps add theirs with `event_label_register`."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EVENT_LABELS: dict[str, str | Promise] = {
    "case.registered": _("登记受理"),
    "case.linked": _("关联事项"),
    "case.settled_on_spot": _("当场办结（自办）"),
    "case.sent_to_dispatch": _("移送调度中心"),
    "party.id_viewed": _("查看完整身份证号"),
    "assignment.created": _("交办"),
    "assignment.acknowledged": _("签收"),
    "assignment.reported_back": _("反馈办理结果"),
    "assignment.returned": _("退回重办"),
    "case.dispatched": _("调度派单"),
    "case.reminded": _("催办"),
    "case.escalated": _("上提"),
    "case.pushed_down": _("下交"),
    "case.verified": _("核查"),
    "case.revisited": _("回访"),
    "case.closed": _("办结归档"),
}


def event_label_register(event_type: str, label: str | Promise) -> None:
    EVENT_LABELS.setdefault(event_type, label)


def event_label(event_type: str) -> str:
    return str(EVENT_LABELS.get(event_type, event_type))
