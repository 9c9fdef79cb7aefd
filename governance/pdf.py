"""The Chinese font of every PDF the center produces (the monthly work report, the daily report).

WenQuanYi Micro Hei (文泉驿微米黑; Apache 2.0 or GPLv3 with the font exception), a TrueType font
installed with the project itself: the PyPI package `paperang-p2-fonts-cjk` pinned in
`requirements.lock` ships `wqy-microhei.ttc`. ReportLab embeds the subset of glyphs a document uses,
so the PDF renders on a machine with no Chinese font at all (a CID font such as STSong-Light is only
named in the file and shows nothing where the viewer lacks it).

    from governance.pdf import cjk_font, cjk_styles

    font = cjk_font()                 # registers once, returns the ReportLab font name
    styles = cjk_styles()             # "title", "heading", "body", "small": ParagraphStyle in that font
    Paragraph("二、事项来源与类别", styles["heading"])
    TableStyle([("FONTNAME", (0, 0), (-1, -1), font)])
"""

from __future__ import annotations

import threading
from pathlib import Path

import paperang_p2_fonts_cjk
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "WenQuanYiMicroHei"
FONT_FILE = Path("fonts") / "wqy-microhei.ttc"
_lock = threading.Lock()


def font_path() -> Path:
    """Where the installed font file is (inside the pinned package)."""
    return Path(paperang_p2_fonts_cjk.__file__).resolve().parent / FONT_FILE


def cjk_font() -> str:
    """Register the font with ReportLab (once per process) and return its name."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    with _lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            # face 0 of the collection is the proportional "WenQuanYi Micro Hei"
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
    return FONT_NAME


def cjk_styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in the Chinese font, with CJK line breaking."""
    font = cjk_font()
    return {
        "title": ParagraphStyle("cjk-title", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=6,
                                wordWrap="CJK"),
        "heading": ParagraphStyle("cjk-heading", fontName=font, fontSize=13, leading=18, spaceBefore=8,
                                  spaceAfter=4, wordWrap="CJK"),
        "body": ParagraphStyle("cjk-body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK"),
        "small": ParagraphStyle("cjk-small", fontName=font, fontSize=8.5, leading=12, wordWrap="CJK"),
    }
