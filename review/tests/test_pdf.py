"""The PDFs' Chinese font comes with the project and is embedded (a reader without any Chinese font
still shows the text)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from governance.pdf import FONT_NAME, cjk_font, cjk_styles, font_path

# The PDF standard's 14 fonts every reader must have (ReportLab's charts name Helvetica for digits).
STANDARD_14 = {"Courier", "Helvetica", "Times-Roman", "Symbol", "ZapfDingbats"}


def fonts_not_embedded(pdf: bytes) -> list[str]:
    """The fonts a reader would have to supply itself, other than the standard 14."""
    return [name for name, _kind, emb in embedded_fonts(pdf)
            if emb != "yes" and name.split("-")[0] not in STANDARD_14]


def embedded_fonts(pdf: bytes) -> list[tuple[str, str, str]]:
    """(name, type, embedded) for every font of the PDF, read by poppler's pdffonts."""
    if shutil.which("pdffonts") is None:
        pytest.fail("poppler-utils (pdffonts, pdftotext) must be installed (see .ci/run)")
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name, type (one or two words), encoding, emb, sub, uni, object id, generation
        rows.append((parts[0], " ".join(parts[1:-6]), parts[-5]))
    return rows


def test_the_font_is_installed_with_the_project_and_registers_once():
    assert font_path().is_file() and font_path().stat().st_size > 1_000_000
    assert cjk_font() == cjk_font() == FONT_NAME
    assert cjk_styles()["body"].fontName == FONT_NAME


def test_a_pdf_in_the_font_embeds_it_and_its_text_reads_back():
    buffer = io.BytesIO()
    styles = cjk_styles()
    table = Table([["部门", "得分"], ["资规建交局", "61.5"]])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), cjk_font())]))
    SimpleDocTemplate(buffer).build([Paragraph("泉州台商投资区 工作专报", styles["title"]),
                                     Paragraph("慢作为：召集迟到", styles["body"]), table])
    pdf = buffer.getvalue()
    fonts = embedded_fonts(pdf)
    assert fonts_not_embedded(pdf) == []
    assert any(FONT_NAME in name and "TrueType" in kind and emb == "yes" for name, kind, emb in fonts), fonts
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "泉州台商投资区 工作专报" in text and "慢作为：召集迟到" in text and "资规建交局" in text
