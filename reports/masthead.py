"""The 红头 and the 版记 of a numbered document (GB/T 9704-2012 §7.2 and §7.4), laid out in Word.

红头: the issuing office's name centred in red (小标宋), its number (``2026年第49期``) under it, and a red
line across the text block, above the title. 版记: at the end, between a thick and a thin rule, to whom
the document is copied (抄送) and who printed it on which day (印发).
"""

from __future__ import annotations

from datetime import date

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from core.outline import Masthead
from reports import word

__all__ = ["COLOPHON_STYLE", "HEAD_STYLE", "RED", "colophon", "red_head"]

RED = RGBColor(0xE6, 0x00, 0x12)  # the red of a 红头 as printed (GB/T 9704 asks for red; offices use this)
_ISSUER_SIZE = Pt(20)  # 21 characters of 小标宋 fit the 15.6 cm text block on one line
_COLOPHON_SIZE = Pt(12)  # 小四: the 印发 line (21-character office and the day) fits one line


def _rule(p: Paragraph, edge: str, size_eighths: int, color: str) -> None:
    """A line along one edge of a paragraph (its border), ``size_eighths`` in eighths of a point."""
    ppr = p._element.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{edge}")
    for key, value in (("w:val", "single"), ("w:sz", str(size_eighths)), ("w:space", "4"), ("w:color", color)):
        line.set(qn(key), value)
    borders.append(line)


HEAD_STYLE, COLOPHON_STYLE = "版头", "版记"


def _plain(doc: Document, size: Pt, style: str) -> Paragraph:
    """A new paragraph of the 红头 or the 版记: its own style (not the body's), no indent, single lines."""
    if style not in [s.name for s in doc.styles]:
        word._paragraph_style(doc, style, word.BODY_FONT, size)
    p = doc.add_paragraph(style=style)
    word._no_indent(p)
    fmt = p.paragraph_format
    fmt.line_spacing, fmt.space_before, fmt.space_after = Pt(size.pt * 1.5), Pt(0), Pt(0)
    return p


def red_head(doc: Document, head: Masthead) -> None:
    """The 红头 above the document's title (the first paragraph of the body)."""
    title = doc.paragraphs[0]
    issuer = _plain(doc, _ISSUER_SIZE, HEAD_STYLE)
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = issuer.add_run(head.issuer)
    word._name_font(run, word.TITLE_FONT)
    run.font.size, run.font.color.rgb = _ISSUER_SIZE, RED
    number = _plain(doc, word.SIZE_3, HEAD_STYLE)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.space_before = Pt(12)
    number.add_run(head.number).font.size = word.SIZE_3
    _rule(number, "bottom", 18, "E60012")  # the red separator: 2.25 pt across the text block
    gap = _plain(doc, word.SIZE_3, HEAD_STYLE)
    for p in (issuer, number, gap):
        title._p.addprevious(p._p)


def colophon(doc: Document, head: Masthead, printed: date) -> None:
    """The 版记 after the sign-off: 抄送 (when there is anyone to copy) and 印发, between rules."""
    doc.add_paragraph("")
    lines: list[Paragraph] = []
    if head.copy_to:
        cc = _plain(doc, _COLOPHON_SIZE, COLOPHON_STYLE)
        cc.paragraph_format.left_indent = Cm(0.5)
        cc.add_run(f"抄送：{head.copy_to}。").font.size = _COLOPHON_SIZE
        lines.append(cc)
    issued = _plain(doc, _COLOPHON_SIZE, COLOPHON_STYLE)
    issued.paragraph_format.left_indent = Cm(0.5)
    issued.paragraph_format.right_indent = Cm(0.5)
    issued.paragraph_format.tab_stops.add_tab_stop(Cm(word.TEXT_WIDTH_CM - 1.0), WD_TAB_ALIGNMENT.RIGHT)
    issued.add_run(f"{head.issuer}\t{printed.year}年{printed.month}月{printed.day}日印发").font.size = _COLOPHON_SIZE
    lines.append(issued)
    _rule(lines[0], "top", 12, "000000")  # the first rule is thick (1.5 pt), the ones under lines thin
    for p in lines[:-1]:
        _rule(p, "bottom", 4, "000000")
    _rule(lines[-1], "bottom", 12, "000000")
