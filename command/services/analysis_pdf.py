"""The 研判专报 as a PDF (A4), on the work report's ReportLab stack and Chinese font (`governance.pdf`):
title, period, status, then one section per theme (its text, then the figures it was drafted from)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from command.choices import AnalysisTheme
from command.models import AnalysisReport
from command.services.daily_pdf import _rows, _table
from governance.pdf import cjk_font, cjk_styles
from governance.people import display_name

NUMERALS = "一二三四五六七八九十"


def analysis_pdf(report: AnalysisReport) -> bytes:
    font = cjk_font()
    styles = cjk_styles()
    title, heading, body = styles["title"], styles["heading"], styles["body"]
    small = ParagraphStyle("analysis-small", parent=styles["small"], textColor=colors.HexColor("#555555"))
    status = (f"签发：{display_name(report.issued_by)} {timezone.localtime(report.issued_at):%Y-%m-%d %H:%M}"
              if report.issued_at else "（待签发稿）")
    story: list[Any] = [
        Paragraph(escape(report.title), title),
        Paragraph(f"研判期间 {report.period_start:%Y-%m-%d} 至 {report.period_end:%Y-%m-%d}；"
                  f"生成 {timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}。{escape(status)}", small),
        Spacer(1, 3 * mm),
    ]
    for index, section in enumerate(report.sections.all()):
        story.append(Paragraph(f"{NUMERALS[index]}、{AnalysisTheme(section.theme).label}", heading))
        story.append(Paragraph(escape(section.text).replace("\n", "<br/>"), body))
        items = section.data.get("matters") or []
        if items:
            story.append(Spacer(1, 2 * mm))
            story.append(_table(_rows("cases", items), font))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=report.title).build(story)
    return buffer.getvalue()
