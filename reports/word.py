"""The look of an official document (GB/T 9704-2012 as the reference), shared by every Word document.

A4 with the standard's margins; the title in 方正小标宋简体 二号, centred; level-1 headings in 黑体
三号 (一、二、三…), level-2 in 楷体_GB2312 三号 (（一）（二）…); the body in 仿宋_GB2312 三号 with a
first-line indent of two characters and a fixed line spacing of 28.95 pt (22 lines on the 22.5 cm
text block); page numbers as ``— 1 —`` centred in the footer; the issuing body and the date at the
end, right-aligned with four characters to spare.

The file names its fonts; the reader's machine supplies them. Each Chinese font is named both as
the run's font and as its East Asian font (``w:eastAsia``), which is the one Word and WPS use for
Chinese text. Where a machine lacks the official font, the font table names the common fallback
(``w:altName``: 黑体 for 方正小标宋简体, 仿宋 for 仿宋_GB2312, 楷体 for 楷体_GB2312), and the document
also carries a title style in 黑体 (``公文标题（黑体）``) the office can switch to; WPS substitutes
by these names too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from docx import Document as new_docx
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from reports.files import atomic_write

__all__ = [
    "BODY_FONT",
    "HEADING1_FONT",
    "HEADING2_FONT",
    "ISSUER",
    "LINE_SPACING",
    "TITLE_FALLBACK",
    "TITLE_FONT",
    "heading",
    "new_document",
    "para",
    "picture",
    "save",
    "sign_off",
    "table",
    "title_lines",
]

ISSUER = "鄠邑区“两山”基地建设工作领导小组办公室"
TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK = "黑体"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
PAGE_NUMBER_FONT = "宋体"
# The font each official font falls back to where it is not installed (w:altName in the font table).
ALT_NAMES = {TITLE_FONT: TITLE_FALLBACK, BODY_FONT: "仿宋", HEADING2_FONT: "楷体"}

# 号 in points: 二号 22, 三号 16, 四号 14, 小四 12, 五号 10.5.
SIZE_2, SIZE_3, SIZE_4, SIZE_S4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(12), Pt(10.5)
# 22 lines on a 22.5 cm text block: 637.8 pt / 22, as Word's “固定值 28.95 磅”.
LINE_SPACING = Pt(28.95)
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6
_TITLE_STYLE = "公文标题"
_TITLE_FALLBACK_STYLE = "公文标题（黑体）"
_SUBTITLE_STYLE = "公文副标题"
_CELL_STYLE = "表格文字"
_SMALL_CELL_STYLE = "表格文字（五号）"
_CAPTION_STYLE = "图题"
# Tables wider than this many columns use 五号 rather than 小四, so dates and numbers fit their cells.
_SMALL_TABLE_FROM = 6
# GB/T 9704's 版心: 22 lines of 28 characters (三号). The line grid's pitch is 225 mm / 22 in twips. 28 characters
# of 16 pt need 448 pt, the 156 mm line has 442: the body's characters are condensed by 0.25 pt (in twentieths of a
# point), which Word, WPS and LibreOffice all honour (LibreOffice spreads a character grid's text instead).
GRID_LINE_PITCH = 579
BODY_CHAR_SPACING = -5
# A title line of 二号 on the 156 mm text width holds 20 characters.
TITLE_CHARS = 20
# Where a title may break: after closing punctuation, or before one of these words (never inside one).
_TITLE_WORDS = ("实践创新基地", "自评估报告", "工作总结素材", "建设工作", "调度会议", "情况通报", "工作方案", "材料", "台账")
_DATE_CELL = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def _name_font(owner: Run | ParagraphStyle, name: str) -> None:
    """Name ``name`` as the ASCII, East Asian and complex-script font of a run or a style.

    Theme font attributes are removed: where both are set, Word uses the theme's font.
    """
    owner.font.name = name
    rpr = owner._r.get_or_add_rPr() if isinstance(owner, Run) else owner.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:cs"), name)


def _no_indent(owner: ParagraphStyle | Paragraph) -> None:
    """No first-line indent, in points and in characters (a style's character indent would win over points)."""
    owner.paragraph_format.first_line_indent = Pt(0)
    pPr = owner._element.get_or_add_pPr() if isinstance(owner, Paragraph) else owner.element.get_or_add_pPr()
    pPr.get_or_add_ind().set(qn("w:firstLineChars"), "0")


def _line(style: ParagraphStyle, spacing: Pt | None = LINE_SPACING) -> None:
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if spacing is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = spacing


def _indent_chars(style: ParagraphStyle, chars: int, size: Pt) -> None:
    """First-line indent of ``chars`` characters: in points for every reader, in characters for Word and WPS."""
    style.paragraph_format.first_line_indent = Pt(size.pt * chars)
    ind = style.element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))


def _paragraph_style(doc: Document, name: str, font: str, size: Pt) -> ParagraphStyle:
    """The template's style ``name`` (added when missing) on top of Normal: black, upright, not bold, in ``font``."""
    style = doc.styles[name] if name in [s.name for s in doc.styles] else doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    style.base_style = doc.styles["Normal"]
    _name_font(style, font)
    style.font.size = size
    style.font.bold = False
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    return style


def _styles(doc: Document) -> None:
    """Body, headings, title, table text and caption styles (the file's own, so the office can reuse them)."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:  # the template's theme fonts (Calibri, MS Mincho) would leak into anything unstyled
        defaults.getparent().remove(defaults)
    normal = doc.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    _name_font(normal, BODY_FONT)
    normal.font.size = SIZE_3
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    condensed = OxmlElement("w:spacing")
    condensed.set(qn("w:val"), str(BODY_CHAR_SPACING))
    normal.element.get_or_add_rPr().append(condensed)
    _line(normal)
    _indent_chars(normal, 2, SIZE_3)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    normal.paragraph_format.widow_control = True
    for level, font in ((1, HEADING1_FONT), (2, HEADING2_FONT)):
        style = _paragraph_style(doc, f"Heading {level}", font, SIZE_3)
        _line(style)
        style.paragraph_format.keep_with_next = True
    for name, font in ((_TITLE_STYLE, TITLE_FONT), (_TITLE_FALLBACK_STYLE, TITLE_FALLBACK)):
        style = _paragraph_style(doc, name, font, SIZE_2)
        _line(style, Pt(36))  # 二号 needs more than the body's 28.95 pt
        _no_indent(style)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        style.paragraph_format.keep_with_next = True
    subtitle = _paragraph_style(doc, _SUBTITLE_STYLE, HEADING2_FONT, SIZE_3)
    for name, font, size, align in ((_CELL_STYLE, BODY_FONT, SIZE_S4, WD_ALIGN_PARAGRAPH.LEFT),
                                    (_SMALL_CELL_STYLE, BODY_FONT, SIZE_5, WD_ALIGN_PARAGRAPH.LEFT),
                                    (_CAPTION_STYLE, HEADING2_FONT, SIZE_4, WD_ALIGN_PARAGRAPH.CENTER)):
        style = _paragraph_style(doc, name, font, size)
        _line(style, None)
        style.paragraph_format.alignment = align
    for style in (subtitle, doc.styles[_CELL_STYLE], doc.styles[_SMALL_CELL_STYLE], doc.styles[_CAPTION_STYLE]):
        assert isinstance(style, ParagraphStyle)
        _no_indent(style)
    # Only the body keeps to the 22-line grid: titles, tables and captions have their own spacing, and snapped to
    # the grid every table line would take a whole 29 pt grid line.
    for name in (_TITLE_STYLE, _TITLE_FALLBACK_STYLE, _SUBTITLE_STYLE, _CELL_STYLE, _SMALL_CELL_STYLE, _CAPTION_STYLE):
        snap = OxmlElement("w:snapToGrid")
        snap.set(qn("w:val"), "0")
        doc.styles[name].element.get_or_add_pPr().append(snap)
    subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _font_table(doc: Document) -> None:
    """Declare each official font with its fallback (w:altName) and the GB2312 character set."""
    part = next((p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = parse_xml(part.blob)
    for name, alt in ALT_NAMES.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", alt), ("w:charset", "86"), ("w:family", "auto"), ("w:pitch", "variable")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        root.append(font)
    # python-docx keeps parts it does not model as bytes; there is no public setter for them.
    part._blob = serialize_part_xml(root)


def _page_number(doc: Document) -> None:
    """``— 1 —`` in the footer, the number a PAGE field (四号 宋体): as GB/T 9704 sets page numbers, right on odd
    pages and left on even ones, one character in from the margin."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p: Paragraph = footer.paragraphs[0]
        p.alignment = align
        _no_indent(p)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = SIZE_4
        else:
            p.paragraph_format.left_indent = SIZE_4
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        _page_field(p)


def _page_field(p: Paragraph) -> None:
    def run(text: str = "") -> Run:
        r = p.add_run(text)
        _name_font(r, PAGE_NUMBER_FONT)
        r.font.size = SIZE_4
        return r

    def field_char(kind: str) -> None:
        mark = OxmlElement("w:fldChar")
        mark.set(qn("w:fldCharType"), kind)
        run()._r.append(mark)

    run("— ")
    field_char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run()._r.append(instr)
    field_char("separate")
    run("1")  # shown until the reader's program updates the field
    field_char("end")
    run(" —")


def new_document(title: str, subtitle: str = "") -> Document:
    """An empty A4 official document with its styles, page numbers and the title (and a line under it)."""
    doc = new_docx()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(2.5)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(GRID_LINE_PITCH))
    _styles(doc)
    _font_table(doc)
    _page_number(doc)
    doc.core_properties.title = title
    doc.core_properties.author = ISSUER
    doc.core_properties.language = "zh-CN"
    body = doc.element.body
    for p in body.findall(qn("w:p")):  # the template's empty first paragraph
        body.remove(p)
    p = _styled(doc, _TITLE_STYLE)
    for n, line in enumerate(title_lines(title)):
        run = p.add_run(line)
        _name_font(run, TITLE_FONT)
        if n:
            run._r.addprevious(_line_break())
    if subtitle:
        _styled(doc, _SUBTITLE_STYLE, subtitle)
    _styled(doc, _SUBTITLE_STYLE)  # one blank line between the title block and the text
    return doc


def _line_break() -> object:
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:br"))
    return run


def title_lines(title: str, per_line: int = TITLE_CHARS) -> list[str]:
    """The title in lines of at most ``per_line`` characters, broken only between words: after a closing quote or
    bracket, or before a known word (实践创新基地, 自评估报告 …) — Word would break 实践创新基/地. The most even
    break wins; a title with no such break is left to Word."""
    if len(title) <= per_line:
        return [title]
    breaks = {i + 1 for i, ch in enumerate(title) if ch in "”》）」、，"}
    breaks |= {i for word in _TITLE_WORDS for i in range(1, len(title)) if title.startswith(word, i)}
    fitting = [i for i in breaks if i <= per_line and 0 < i < len(title)]
    if not fitting:
        return [title]
    cut = min(fitting, key=lambda i: (len(title_lines(title[i:], per_line)), abs(i - len(title) / 2)))
    return [title[:cut], *title_lines(title[cut:], per_line)]


def heading(doc: Document, text: str, level: int = 1) -> Paragraph:
    """A heading as numbered by its text: level 1 in 黑体, level 2 in 楷体_GB2312, both 三号."""
    p = _styled(doc, f"Heading {1 if level == 1 else 2}")
    _name_font(p.add_run(text), HEADING1_FONT if level == 1 else HEADING2_FONT)
    return p


def para(doc: Document, text: str, highlight_prefix: str = "") -> Paragraph:
    """A body paragraph (仿宋_GB2312 三号, indented two characters); ``highlight_prefix`` is marked in yellow when it leads."""
    p = doc.add_paragraph()  # Normal is the body style
    if highlight_prefix and text.startswith(highlight_prefix):
        mark = p.add_run(highlight_prefix)
        mark.font.highlight_color = WD_COLOR_INDEX.YELLOW
        text = text[len(highlight_prefix):]
    p.add_run(text)
    return p


def _styled(doc: Document, style: str, text: str = "") -> Paragraph:
    """A new paragraph in ``style`` (set by id: python-docx's lookup by name scans every style, per paragraph)."""
    p = doc.add_paragraph(text)
    p._p.style = doc.styles[style].style_id
    return p


def _repeat_header(row: object) -> None:
    """The header row repeats at the top of every page the table runs onto (w:tblHeader)."""
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def table(doc: Document, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float] | None = None) -> object:
    """A bordered table with the header row repeated on every page; cells in 仿宋 小四 (五号 for wide tables).

    ``widths`` are in cm; by default the columns share the text width equally.
    """
    cols = len(header)
    widths = list(widths) if widths is not None else [TEXT_WIDTH_CM / cols] * cols
    small = cols >= _SMALL_TABLE_FROM
    style_id = doc.styles[_SMALL_CELL_STYLE if small else _CELL_STYLE].style_id
    rows = [[_cell_text(v) for v in row] for row in rows]
    widths = _date_widths(rows, widths, (SIZE_5 if small else SIZE_S4).pt)
    grid = doc.add_table(rows=len(rows) + 1, cols=cols)
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False  # a fixed layout: the widths below hold in Word, WPS and LibreOffice alike
    tbl_w = grid._tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is not None:
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(Cm(w).twips for w in widths)))
    for col, width in zip(grid.columns, widths, strict=True):
        col.width = Cm(width)
    for n, (row, values) in enumerate(zip(grid.rows, [header, *rows], strict=True)):
        if n == 0:
            _repeat_header(row)
        else:
            # A row is never split across pages (w:cantSplit): half a row at a page's foot reads as two rows. Not
            # the repeated header row: LibreOffice then moves the whole table to the next page.
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, value, width in zip(row.cells, values, widths, strict=True):
            cell.width = Cm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p._p.style = style_id
            run = p.add_run(str(value))
            if n == 0:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _name_font(run, HEADING1_FONT)  # the header row in 黑体, like the headings
    return grid


def _cell_text(value: object) -> str:
    """A date cell as 2026-11-30: 2026年11月30日 does not fit a narrow column and Word breaks it inside the date."""
    text = str(value)
    found = _DATE_CELL.match(text)
    if found is None:
        return text
    y, m, d = (int(g) for g in found.groups())
    return f"{y:04d}-{m:02d}-{d:02d}"


def _date_widths(rows: Sequence[Sequence[str]], widths: list[float], size_pt: float) -> list[float]:
    """Widen a column holding dates until 2026-11-30 fits on one line, taking the width from the widest other column."""
    need = round(10 * size_pt / 2 / 72 * 2.54 + 0.45, 2)  # ten half-width characters and the cell's margins
    out = list(widths)
    for i in range(len(out)):
        if out[i] >= need or not any(_DATE_ISO.match(str(r[i])) for r in rows):
            continue
        others = [j for j in range(len(out)) if j != i and not any(_DATE_ISO.match(str(r[j])) for r in rows)]
        donor = max(others, key=lambda j: out[j], default=None)
        if donor is None or out[donor] - (need - out[i]) < 1.6:  # a text column keeps room for a few characters
            continue
        out[donor] -= need - out[i]
        out[i] = need
    return out


_DATE_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def picture(doc: Document, path: Path, width_cm: float = TEXT_WIDTH_CM, caption: str = "") -> Paragraph:
    """A picture centred across the text width (single line spacing: a fixed spacing would crop it), with a caption."""
    p = _styled(doc, _CAPTION_STYLE)
    p.add_run().add_picture(str(path), width=Cm(width_cm))
    if caption:
        _styled(doc, _CAPTION_STYLE, caption)
    return p


# A landscape page for a chart: narrow margins so the picture is 24 cm wide (81 % of the 29.7 cm it is drawn at:
# the charts' 10.5 pt labels print at 8.5 pt), and its height with the caption still fits 21 cm.
LANDSCAPE_PICTURE_CM = 24.0


def landscape_picture(doc: Document, path: Path, caption: str = "") -> Paragraph:
    """A picture on a landscape page of its own, LANDSCAPE_PICTURE_CM wide. For the end of a document: what follows
    stays on landscape pages (a section back to portrait would leave an empty page after the last picture)."""
    wide = doc.add_section(WD_SECTION.NEW_PAGE)
    wide.orientation = WD_ORIENT.LANDSCAPE
    wide.page_width, wide.page_height = Cm(29.7), Cm(21)
    wide.top_margin, wide.bottom_margin = Cm(0.9), Cm(1.4)
    wide.left_margin = wide.right_margin = Cm(2.0)
    wide.header_distance, wide.footer_distance = Cm(0.5), Cm(0.5)
    return picture(doc, path, LANDSCAPE_PICTURE_CM, caption)


def sign_off(doc: Document, day: date, issuer: str = ISSUER) -> None:
    """The issuing body and the date at the end, right-aligned four characters from the margin."""
    doc.add_paragraph("")
    for text in (issuer, f"{day.year}年{day.month}月{day.day}日"):
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _no_indent(p)
        p.paragraph_format.right_indent = Pt(SIZE_3.pt * 4)


def save(doc: Document, path: Path) -> Path:
    """Write the document so that a reader of ``path`` never sees half of it."""
    with atomic_write(path) as temp:
        doc.save(str(temp))
    return path

