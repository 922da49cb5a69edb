"""台账 .xlsx: core.ledger's sheets laid out for WPS and Excel, ready to filter on screen and to print.

Every sheet prints at 100 % on A4 landscape (or A3, ``paper="A3"``): the columns share the page's width
(narrow ones at their natural width, long text wrapping in the rest), so the 10 pt text prints at 10 pt.
Each sheet opens with a title row, then the header row (both repeated on every printed page).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.documents import DocumentFacts
from core.ledger import LIGHT_COLUMN, LIGHT_ZH, Cell, Sheet, ledger_sheets, workbook_title
from reports.files import atomic_write

__all__ = ["FONT_NAME", "FONT_SIZE", "LIGHT_FILLS", "PAPERS", "column_budget", "display_width", "sheet_title",
           "write_ledger"]

# The conditional-formatting colours office users know from Excel's traffic-light scale.
LIGHT_FILLS = {"green": "63BE7B", "yellow": "FFD966", "red": "F8696B", "grey": "D9D9D9"}
HEADER_FILL = "DDEBF7"
PERCENT_COLUMNS = frozenset({"按期完成率"})
FONT_NAME = "宋体"  # the CJK face every Chinese Windows and WPS has
FONT_SIZE = 10
TITLE_SIZE = 14
# paper -> (OOXML paper size code, printable width and height in points, landscape, 10 mm side margins and
# 0.6 in top and bottom margins with the header and footer inside them)
PAPERS = {"A4": (9, 842 - 57, 595 - 87), "A3": (8, 1191 - 57, 842 - 87)}
_SIDE_MARGIN_IN = 0.4
_LINE_PT = 13.5  # one line of 10 pt 宋体
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
                   r"\u3000-\u303f\u201c\u201d\u2018\u2019]")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def write_ledger(doc: DocumentFacts, path: Path, paper: str = "A4") -> Path:
    """Write the 台账 workbook to ``path`` (atomically) for ``paper`` (A4 or A3, landscape) and return ``path``."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}")
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = workbook_title(doc.plan)
    wb.properties.creator = "liangshan"
    wb.properties.subject = f"截至 {doc.as_of}"
    # Column widths are counted in digits of the Normal style's font: make it the sheets' own.
    normal = next(style for style in wb._named_styles if style.name == "Normal")
    normal.font = Font(name=FONT_NAME, size=FONT_SIZE)
    used: set[str] = set()
    for sheet in ledger_sheets(doc):
        title = sheet_title(sheet.title, used)
        used.add(title)
        _fill_sheet(wb.create_sheet(title), sheet, doc.as_of, paper)
    with atomic_write(path) as temp:
        wb.save(temp)
    return path


def sheet_title(title: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A legal sheet name: none of []:*?/\\, at most 31 characters, not already taken."""
    clean = _FORBIDDEN.sub("", title).strip("' ")[:31] or "Sheet"
    n = 2
    candidate = clean
    while candidate in taken:
        suffix = f"（{n}）"
        candidate = clean[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def display_width(value: Cell) -> int:
    """How many character cells the widest line of the value takes: a CJK character counts as 2."""
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, date) else str(value)
    return max(_line_width(line) for line in text.split("\n"))


def _line_width(line: str) -> int:
    return len(line) + len(_WIDE.findall(line))


def column_budget(paper: str, columns: int) -> float:
    """The sum of column widths (units of a digit of the Normal font, 宋体 10 pt) that fits the printable width of
    ``paper`` landscape at 100 % scale: Excel prints a unit at 7 px (5.25 pt) plus 5 px padding per column;
    LibreOffice, without 宋体, prints one at about 6.35 pt — the budget is the narrower of the two."""
    width_pt = PAPERS[paper][1]
    return min((width_pt - columns * 3.75) / 5.25, width_pt / 6.35 - columns * 0.4)


def _fill_sheet(ws: Worksheet, sheet: Sheet, as_of: date, paper: str) -> None:
    n = len(sheet.columns)
    last = get_column_letter(n)
    ws.append([f"{sheet.title}（截至 {as_of}）"])
    ws.merge_cells(f"A1:{last}1")
    title = ws["A1"]
    title.font = Font(name=FONT_NAME, size=TITLE_SIZE, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 24
    ws.append(list(sheet.columns))
    for row in sheet.rows:
        ws.append([LIGHT_ZH.get(str(v), v) if c == LIGHT_COLUMN else v for c, v in zip(sheet.columns, row, strict=True)])
    if not sheet.rows and sheet.empty:
        ws.append([sheet.empty])
        ws.merge_cells(f"A3:{last}3")
    widths = _widths(sheet, paper)
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    for index, cell in enumerate(ws[2], start=1):
        cell.font = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
        cell.fill = header_fill
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = widths[index - 1]
    for index, column in enumerate(sheet.columns, start=1):
        _format_column(ws, sheet, index, column, widths[index - 1])
    if not sheet.rows and sheet.empty:
        ws["A3"].font = Font(name=FONT_NAME, size=FONT_SIZE)
        ws["A3"].alignment = Alignment(horizontal="center")
    _row_heights(ws, sheet, widths)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last}{len(sheet.rows) + 2}"
    _print_setup(ws, sheet.title, as_of, paper)


def _widths(sheet: Sheet, paper: str) -> list[float]:
    """Each column's width: its widest cell (CJK counted double) when the page has room for every column so; else the
    narrow columns keep theirs and the wide ones share what is left equally (they wrap). Dates never wrap."""
    natural = []
    for index, column in enumerate(sheet.columns):
        shown = [LIGHT_ZH.get(str(r[index]), r[index]) if column == LIGHT_COLUMN else r[index] for r in sheet.rows]
        cells = 7 if column in PERCENT_COLUMNS else max([0, *(display_width(v) for v in shown)])  # "100.0%"
        # A header may wrap onto two lines, but never inside a word shorter than its cells.
        header = min(display_width(column), max(cells, 6))
        if column.endswith("日期"):
            cells = max(cells, 10)  # an empty date column still has room for the date to come
        natural.append(float(max(cells, header, 4)) + 1.5)
    # Dates, lights and numbers keep their width (a date never wraps); the rest share what is left.
    fixed = {i for i, column in enumerate(sheet.columns)
             if column == LIGHT_COLUMN or column.endswith("日期") or any(isinstance(r[i], date | int | float) for r in sheet.rows)}
    widths = list(natural)
    left = column_budget(paper, len(natural)) - sum(natural[i] for i in fixed)
    pending = sorted((i for i in range(len(natural)) if i not in fixed), key=lambda i: natural[i])
    while pending:
        share = left / len(pending)
        i = pending[0]
        if natural[i] <= share:
            left -= natural[i]
            pending.pop(0)
            continue
        for j in pending:
            widths[j] = share
        break
    return [round(w, 1) for w in widths]


def _format_column(ws: Worksheet, sheet: Sheet, index: int, column: str, width: float) -> None:
    """Font and borders; wrap when the width is short of the text; dates and rates formatted; lights filled."""
    values = [row[index - 1] for row in sheet.rows]
    for offset, value in enumerate(values, start=3):
        cell = ws.cell(row=offset, column=index)
        cell.font = Font(name=FONT_NAME, size=FONT_SIZE)
        cell.border = _BORDER
        cell.alignment = Alignment(vertical="top", wrap_text=display_width(value) > width - 1)
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        elif column in PERCENT_COLUMNS and value is not None:
            cell.number_format = "0.0%"
        if column == LIGHT_COLUMN and str(value) in LIGHT_FILLS:
            cell.fill = PatternFill("solid", fgColor=LIGHT_FILLS[str(value)])
            cell.alignment = Alignment(horizontal="center", vertical="top")


def _lines(value: Cell, width: float) -> int:
    """How many printed lines a cell of ``width`` takes for ``value``."""
    if value is None:
        return 1
    text = value.isoformat() if isinstance(value, date) else str(value)
    room = max(width - 0.7, 2.0)  # a CJK character (2 units) may not be split across lines
    return sum(max(1, -(-_line_width(line) // (int(room) // 2 * 2 if _WIDE.search(line) else int(room))))
               for line in text.split("\n"))


def _row_heights(ws: Worksheet, sheet: Sheet, widths: list[float]) -> None:
    """Rows tall enough for their wrapped text: neither Excel nor WPS nor LibreOffice grows a row on opening a
    file written by a program, so a wrapped cell would show its first line only."""
    header = max(_lines(c, w) for c, w in zip(sheet.columns, widths, strict=True))
    ws.row_dimensions[2].height = _LINE_PT * header + 4
    for offset, row in enumerate(sheet.rows, start=3):
        lines = max(_lines(v, w) for v, w in zip(row, widths, strict=True))
        ws.row_dimensions[offset].height = _LINE_PT * lines + 4


def _print_setup(ws: Worksheet, title: str, as_of: date, paper: str) -> None:
    """Landscape at 100 %, title and header rows on every page, the columns within one page's width, page numbers."""
    ws.page_setup.paperSize = PAPERS[paper][0]
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1  # a safety net only: the widths fit the page at 100 % (column_budget)
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = _SIDE_MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.print_title_rows = "1:2"
    ws.print_options.horizontalCentered = True
    # "&" starts a code in Excel's header language; a literal one is written "&&".
    ws.oddHeader.right.text = f"截至 {as_of}".replace("&", "&&")
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    del title
