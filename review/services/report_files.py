"""The report as PDF (ReportLab, with the project's own Chinese TrueType font embedded: `governance.pdf`)
and as Excel (openpyxl, text written as text)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from governance.exports import spreadsheet_text
from governance.pdf import cjk_font, cjk_styles


def _escape(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _bar_chart(items: list[dict[str, Any]], width: float) -> Drawing:
    items = items[:8]
    height = 18 * max(len(items), 1) + 20
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 10, width - 170, height - 20
    chart.data = [[item["value"] for item in reversed(items)] or [0]]
    chart.categoryAxis.categoryNames = [item["label"] for item in reversed(items)] or ["—"]
    chart.categoryAxis.labels.fontName = cjk_font()
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = cjk_font()
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#0d6efd")
    drawing.add(chart)
    return drawing


def report_pdf(content: dict[str, Any], commentary: str) -> bytes:
    font = cjk_font()
    styles = cjk_styles()
    title, heading, body = styles["title"], styles["heading"], styles["body"]
    month = content["month"]
    totals = content["totals"]
    story: list[Any] = [
        Paragraph(f"{_escape(content['center'])}<br/>{month.year}年{month.month}月工作专报", title),
        Paragraph("问责问效：不作为、慢作为、乱作为", heading),
    ]
    for line in flag_lines(content) or ["本月无部门被标记不作为、慢作为或乱作为。"]:
        story.append(Paragraph(_escape(line), body))
    story.append(Paragraph("通报批评", heading))
    for line in criticism_lines(content) or ["本月无通报批评。"]:
        story.append(Paragraph(_escape(line), body))
    story += [
        Paragraph("一、总体情况", heading),
        Paragraph(
            f"本月工作日 {content['calendar']['working_days']} 天。登记事项 {totals['registered']} 件，"
            f"已办结 {totals['closed']} 件，当场化解 {totals['settled']} 件，在办 {totals['open']} 件，"
            f"其中超期 {totals['overdue']} 件；高风险、重大或群体性事项 {totals['key']} 件。", body),
        Paragraph("二、事项来源与类别", heading),
        _table([["来源渠道", "件数"]] + [[c["label"], c["value"]] for c in content["channels"]], font),
        Spacer(1, 4 * mm),
        _bar_chart(content["categories"], 160 * mm),
        Paragraph("三、重点事项", heading),
    ]
    if content["key_matters"]:
        story.append(_table([["编号", "事项", "风险"]] + [[c.code, c.title[:30], c.get_risk_level_display()]
                                                       for c in content["key_matters"]], font))
    else:
        story.append(Paragraph("本月无高风险、重大或群体性事项。", body))
    story.append(Paragraph("四、风险提示", heading))
    for line in content["risks"] or ["本月未发现需提示的风险。"]:
        story.append(Paragraph(_escape(line), body))
    story.append(Paragraph("五、部门考核排名", heading))
    published = content["published"]
    story.append(Paragraph(f"（已发布第 {published.version} 版）" if published else "（未发布，实时数据）", body))
    story.append(_table([["排名", "部门", "响应率", "解决率", "满意率", "得分", "标记"]] + [
        [row["rank"] or "—", row["name"], _pct(row["rates"]["response"]), _pct(row["rates"]["resolution"]),
         _pct(row["rates"]["satisfaction"]), _score_text(row), "、".join(f["label"] for f in row["flags"])]
        for row in content["ranking"] + content.get("unranked", [])], font))
    story.append(Paragraph(_escape(RANKING_NOTE), body))
    story.append(Paragraph("六、轮值主任意见", heading))
    story.append(Paragraph(_escape(commentary).replace("\n", "<br/>") or "（无）", body))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=f"{month.year}年{month.month}月工作专报").build(story)
    return buffer.getvalue()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def _score(value: float | None) -> str:
    return "—" if value is None else str(value)


def _score_text(row: dict[str, Any]) -> str:
    """The score, and the weights it was measured on when not all of them were."""
    text = _score(row["score"])
    measured, total = row.get("measured_weight"), row.get("total_weight")
    if row["score"] is not None and measured is not None and total and measured < total:
        text += f"（按 {measured:g}/{total:g} 权重）"
    return text


RANKING_NOTE = ("“—”：本月该率无可计量事项，不参与考核；得分按已考核的比率折算为满分（权重之和），再减扣分和标记扣分；"
                "无可考核比率的部门不计分、不排名。")


def flag_lines(content: dict[str, Any]) -> list[str]:
    """The month's flags, first in the report: department, flag, count, the points it cost and its rule."""
    return [f"{flag['department']}：{flag['label']}（{flag['count']} 件，扣 {flag.get('deduction', 0)} 分）。"
            f"{flag['rule']}" for flag in content["flags"]]


def criticism_lines(content: dict[str, Any]) -> list[str]:
    """The month's 通报批评 (the accountability ladder): department, handler, matter, days overdue."""
    return [f"{row['department']}（承办人：{row['handler'] or '未指定'}）：{row['case_code']} {row['case_title']}，"
            f"超期 {row['days_overdue']} 天仍未办结，予以通报批评。" for row in content.get("criticisms", [])]


def _table(rows: list[list[Any]], font: str) -> Table:
    table = Table([[str(cell) for cell in row] for row in rows], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
    ]))
    return table


def _pct_cell(value: float | None) -> float | str:
    return "—" if value is None else value


def report_xlsx(content: dict[str, Any], commentary: str) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "总体情况"
    month = content["month"]
    summary.append([spreadsheet_text(f"{content['center']} {month.year}年{month.month}月工作专报")])
    labels = {"registered": "登记事项", "closed": "已办结", "settled": "当场化解", "open": "在办", "overdue": "超期",
              "key": "高风险、重大或群体性"}
    for key, label in labels.items():
        summary.append([label, content["totals"][key]])
    summary.append(["轮值主任意见", spreadsheet_text(commentary)])
    sheet = book.create_sheet("问责问效", 0)
    sheet.append(["部门", "标记", "件数", "扣分", "规则"])
    for flag in content["flags"]:
        sheet.append([spreadsheet_text(flag["department"]), flag["label"], flag["count"], flag.get("deduction", 0),
                      spreadsheet_text(flag["rule"])])
    sheet = book.create_sheet("通报批评", 1)
    sheet.append(["部门", "承办人", "编号", "事项", "超期天数"])
    for row in content.get("criticisms", []):
        sheet.append([spreadsheet_text(row["department"]), spreadsheet_text(row["handler"]),
                      spreadsheet_text(row["case_code"]), spreadsheet_text(row["case_title"]), row["days_overdue"]])
    sheet = book.create_sheet("来源渠道")
    sheet.append(["来源渠道", "件数"])
    for item in content["channels"]:
        sheet.append([spreadsheet_text(item["label"]), item["value"]])
    sheet = book.create_sheet("事项类别")
    sheet.append(["类别（上级 / 本级）", "件数"])
    for item in content["categories"]:
        sheet.append([spreadsheet_text(item["label"]), item["value"]])
    sheet = book.create_sheet("重点事项")
    sheet.append(["编号", "事项", "风险", "登记时间"])
    for case in content["key_matters"]:
        sheet.append([spreadsheet_text(case.code), spreadsheet_text(case.title), case.get_risk_level_display(),
                      case.registered_at.strftime("%Y-%m-%d %H:%M")])
    sheet = book.create_sheet("部门排名")
    sheet.append(["排名", "部门", "响应率(%)", "解决率(%)", "满意率(%)", "得分", "标记"])
    for row in content["ranking"] + content.get("unranked", []):
        sheet.append([row["rank"] or "—", spreadsheet_text(row["name"]), _pct_cell(row["rates"]["response"]),
                      _pct_cell(row["rates"]["resolution"]), _pct_cell(row["rates"]["satisfaction"]),
                      _score(row["score"]) if row["score"] is None else row["score"],
                      "、".join(f["label"] for f in row["flags"])])
    sheet.append([RANKING_NOTE])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
