"""Chinese labels of timeline events; other apps add theirs with `event_label_register`."""

from __future__ import annotations

EVENT_LABELS: dict[str, str] = {
    "case.registered": "登记受理",
    "case.linked": "关联事项",
    "case.settled_on_spot": "当场办结（自办）",
    "case.sent_to_dispatch": "移送调度中心",
    "party.id_viewed": "查看完整身份证号",
    "assignment.created": "交办",
    "assignment.acknowledged": "签收",
    "assignment.reported_back": "反馈办理结果",
    "assignment.returned": "退回重办",
    "case.dispatched": "调度派单",
    "case.reminded": "催办",
    "case.escalated": "上提",
    "case.pushed_down": "下交",
    "case.verified": "核查",
    "case.revisited": "回访",
    "case.closed": "办结归档",
}


def event_label_register(event_type: str, label: str) -> None:
    EVENT_LABELS.setdefault(event_type, label)


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type, event_type)
