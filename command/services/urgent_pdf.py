"""A 情况报告 as a PDF (A4) on the work report's ReportLab stack (`governance.pdf`): the header (number,
reporting center, to whom, event, time and place) and every report of the series in order, each with
its facts (what happened, casualties and scale, measures taken, next steps), reporter and time."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from command.models import UrgentReport, UrgentReportEntry
from governance.pdf import cjk_styles
from governance.people import display_name

FACT_LABELS = (("what_happened", "事件情况"), ("casualties", "伤亡及影响范围"), ("measures", "已采取的措施"),
               ("next_steps", "下一步工作"))


def _para(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def urgent_report_pdf(report: UrgentReport, entries: list[UrgentReportEntry]) -> bytes:
    styles = cjk_styles()
    status = (f"已于 {timezone.localtime(report.closed_at):%Y-%m-%d %H:%M} 终报" if report.closed_at else
              f"续报中，下次续报 {timezone.localtime(report.next_due_at):%Y-%m-%d %H:%M}" if report.next_due_at else "")
    story: list[Any] = [
        Paragraph(f"{escape(report.center.name)}<br/>情况报告", styles["title"]),
        Paragraph(f"{escape(report.reference)}　报送：{escape(report.to_center.name)}领导", styles["small"]),
        Spacer(1, 3 * mm),
        Paragraph(f"事件名称：{escape(report.title)}", styles["body"]),
        Paragraph(f"发生时间：{timezone.localtime(report.occurred_at):%Y-%m-%d %H:%M}　"
                  f"发生地点：{escape(report.place)}", styles["body"]),
    ]
    if report.case_id:
        story.append(Paragraph(f"关联事项：{escape(report.case.code)} {escape(report.case.title)}", styles["body"]))
    story.append(Paragraph(escape(status), styles["small"]))
    for entry in entries:
        late = "（逾期报送）" if entry.late else ""
        story.append(Paragraph(f"{escape(entry.label)}{late}　{timezone.localtime(entry.reported_at):%Y-%m-%d %H:%M}"
                               f"　报告人：{escape(display_name(entry.reported_by))}", styles["heading"]))
        for field, label in FACT_LABELS:
            value = getattr(entry, field)
            if value:
                story.append(Paragraph(f"{label}：{_para(value)}", styles["body"]))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=f"情况报告 {report.reference}").build(story)
    return buffer.getvalue()
