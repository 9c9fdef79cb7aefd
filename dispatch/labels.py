"""Labels of the timeline events dispatch writes, registered with intake's label table."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EVENT_LABELS: dict[str, str | Promise] = {
    "assignment.acknowledgement_overdue": _("签收超时"),
    "assignment.co_reported": _("协办部门反馈"),
    "assignment.decline_accepted": _("同意退回，重新派单"),
    "assignment.decline_refused": _("不同意退回，继续办理"),
    "assignment.declined": _("部门申请退回（非本单位职责）"),
    "assignment.escalated": _("超期督办升级"),
    "assignment.extension_approved": _("批准延期"),
    "assignment.extension_refused": _("不批准延期"),
    "assignment.extension_requested": _("申请延期"),
    "assignment.overdue": _("办理超期"),
    "assignment.progress_reported": _("报告进度"),
    "assignment.progress_requested": _("督办：请报告进度"),
    "assignment.reassigned": _("改派"),
    "assignment.reminded": _("催办"),
    "assignment.returned_for_rework": _("退回重办"),
    "assignment.supervised": _("督办"),
    "case.explanation_called": _("解释回访"),
    "case.reopened": _("未解决，重新办理"),
    "case.returned_to_board": _("退回调度台"),
    "case.verification_failed": _("核查未通过"),
    "department.work_letter_issued": _("发出工作提示函"),
    "summons.approved": _("批准召集"),
    "summons.closed": _("召集结束"),
    "summons.department_acknowledged": _("部门确认召集"),
    "summons.department_reported_in": _("部门到场报到"),
    "summons.overdue": _("召集报到超时"),
    "summons.refused": _("不予召集"),
    "summons.requested": _("申请召集（吹哨）"),
}


def register_event_labels() -> None:
    from intake.labels import event_label_register

    for event_type, label in EVENT_LABELS.items():
        event_label_register(event_type, label)
