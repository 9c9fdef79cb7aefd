"""The daily report of key disputes as a PDF (A4), on the work report's ReportLab stack: the same
sections as the page, from the report's frozen content; a quiet day says so."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from command.choices import UrgentReportStatus
from command.models import DailyReport
from dispatch.choices import SummonsStatus
from governance.pdf import cjk_font
from governance.people import display_name
from intake.choices import CaseStatus, RiskLevel

NOTHING_TO_REPORT = "今日无重点矛盾纠纷需报告：无新增重点纠纷、群体性事项、高风险事项、召集、超期和情况报告。"
SECTION_TITLES = (
    ("key_disputes", "一、新增重点矛盾纠纷"),
    ("group", "二、群体性事项"),
    ("high_risk", "三、在办高风险事项"),
    ("summons", "四、召集（吹哨）"),
    ("overdue", "五、新增超期交办"),
    ("urgent", "六、情况报告（重大案件、突发事件）"),
)


def choice_label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def local_time(value: Any) -> str:
    """A datetime of the frozen content (ISO text from the JSON encoder) as local time."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    return f"{timezone.localtime(moment):%m-%d %H:%M}" if moment else ""


def _rows(name: str, items: list[dict[str, Any]]) -> list[list[str]]:
    if name == "summons":
        return [["事项", "召集事由", "状态", "申请时间"]] + [
            [row.get("case__code") or "—", row.get("reason", "")[:40], choice_label(SummonsStatus, row.get("status")),
             local_time(row.get("requested_at"))] for row in items]
    if name == "urgent":
        return [["编号", "事件名称", "报告单位", "首报时间", "报次", "状态"]] + [
            [row.get("reference", ""), (row.get("title") or "")[:30], row.get("center__name") or "",
             local_time(row.get("opened_at")), str(row.get("entries_count") or 0),
             choice_label(UrgentReportStatus, row.get("status"))] for row in items]
    if name == "overdue":
        return [["事项", "标题", "承办部门", "超期时间"]] + [
            [row.get("case__code", ""), (row.get("case__title") or "")[:30], row.get("department__name", ""),
             local_time(row.get("overdue_at"))] for row in items]
    return [["编号", "标题", "镇/街道", "风险", "人数", "状态"]] + [
        [row.get("code", ""), (row.get("title") or "")[:30], row.get("town__name") or "",
         choice_label(RiskLevel, row.get("risk_level")), str(row.get("group_size") or ""), choice_label(CaseStatus, row.get("status"))]
        for row in items]


def _table(rows: list[list[str]], font: str) -> Table:
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
    ]))
    return table


def daily_report_pdf(report: DailyReport) -> bytes:
    """The report's PDF: title, period, the five sections (or the quiet day's sentence), the review."""
    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=13, textColor=colors.HexColor("#555555"))
    content = report.content
    status = (f"签发：{display_name(report.issued_by)} {timezone.localtime(report.issued_at):%Y-%m-%d %H:%M}"
              if report.issued_at else "（待审核稿，未签发）")
    story: list[Any] = [
        Paragraph(f"{escape(report.center.name)}<br/>矛盾纠纷日报", title),
        Paragraph(f"{report.date.year}年{report.date.month}月{report.date.day}日", ParagraphStyle(
            "date", parent=body, alignment=1)),
        Paragraph(f"统计区间 {timezone.localtime(report.period_start):%Y-%m-%d %H:%M} — "
                  f"{timezone.localtime(report.period_end):%Y-%m-%d %H:%M}；期间登记事项 "
                  f"{content.get('registered', 0)} 件。{escape(status)}", small),
        Spacer(1, 3 * mm),
    ]
    if report.nothing_to_report:
        story.append(Paragraph(NOTHING_TO_REPORT, body))
    for name, section_title in SECTION_TITLES:
        section = content.get(name) or {"count": 0, "items": []}
        story.append(Paragraph(f"{section_title}（{section['count']} 件）", heading))
        if section["items"]:
            story.append(_table(_rows(name, section["items"]), font))
            if section["count"] > len(section["items"]):
                story.append(Paragraph(f"（仅列前 {len(section['items'])} 件，详见系统）", small))
        else:
            story.append(Paragraph("无", body))
    if report.director_note:
        story.append(Paragraph("七、值班主任审核意见", heading))
        story.append(Paragraph(escape(report.director_note).replace("\n", "<br/>"), body))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=f"矛盾纠纷日报 {report.date:%Y-%m-%d}").build(story)
    return buffer.getvalue()
