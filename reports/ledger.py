"""台账 .xlsx: core.ledger's sheets laid out for WPS and Excel, ready to filter on screen and to print on A4."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.documents import DocumentFacts
from core.ledger import LIGHT_COLUMN, LIGHT_ZH, Cell, Sheet, ledger_sheets, workbook_title
from reports.files import atomic_write

__all__ = ["LIGHT_FILLS", "display_width", "sheet_title", "write_ledger"]

# The conditional-formatting colours office users know from Excel's traffic-light scale.
LIGHT_FILLS = {"green": "63BE7B", "yellow": "FFD966", "red": "F8696B", "grey": "D9D9D9"}
HEADER_FILL = "DDEBF7"
PERCENT_COLUMNS = frozenset({"按期完成率"})
MAX_WIDTH = 20  # wider columns wrap instead, so a landscape page shows every column at a readable size
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
                   r"\u3000-\u303f\u201c\u201d\u2018\u2019]")


def write_ledger(doc: DocumentFacts, path: Path) -> Path:
    """Write the 台账 workbook to ``path`` (atomically) and return ``path``."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = workbook_title(doc.plan)
    wb.properties.creator = "liangshan"
    wb.properties.subject = f"截至 {doc.as_of}"
    used: set[str] = set()
    for sheet in ledger_sheets(doc):
        title = sheet_title(sheet.title, used)
        used.add(title)
        _fill_sheet(wb.create_sheet(title), sheet, doc.as_of)
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
    return max(len(line) + len(_WIDE.findall(line)) for line in text.split("\n"))


def _fill_sheet(ws: Worksheet, sheet: Sheet, as_of: date) -> None:
    ws.append(list(sheet.columns))
    for row in sheet.rows:
        ws.append([LIGHT_ZH.get(str(v), v) if c == LIGHT_COLUMN else v for c, v in zip(sheet.columns, row, strict=True)])
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, column in enumerate(sheet.columns, start=1):
        _format_column(ws, sheet, index, column)
    _row_heights(ws, sheet)
    last = get_column_letter(len(sheet.columns))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
    _print_setup(ws, sheet.title, as_of)


def _format_column(ws: Worksheet, sheet: Sheet, index: int, column: str) -> None:
    """Width to fit the widest cell (CJK counted double), wrap past MAX_WIDTH, dates and rates formatted, lights filled."""
    values = [row[index - 1] for row in sheet.rows]
    shown = [LIGHT_ZH.get(str(v), v) if column == LIGHT_COLUMN else v for v in values]
    widest = max([display_width(column), *(display_width(v) for v in shown)])
    ws.column_dimensions[get_column_letter(index)].width = min(widest, MAX_WIDTH) + 2
    wrap = widest > MAX_WIDTH
    for offset, value in enumerate(values, start=2):
        cell = ws.cell(row=offset, column=index)
        cell.alignment = Alignment(vertical="top", wrap_text=wrap)
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        elif column in PERCENT_COLUMNS and value is not None:
            cell.number_format = "0.0%"
        if column == LIGHT_COLUMN and str(value) in LIGHT_FILLS:
            cell.fill = PatternFill("solid", fgColor=LIGHT_FILLS[str(value)])
            cell.alignment = Alignment(horizontal="center", vertical="top")


def _row_heights(ws: Worksheet, sheet: Sheet) -> None:
    """Rows tall enough for their wrapped text: neither Excel nor WPS nor LibreOffice grows a row on opening a
    file written by a program, so a wrapped cell would show its first line only."""
    widths = [min(max([display_width(c), *(display_width(r[i]) for r in sheet.rows)]), MAX_WIDTH)
              for i, c in enumerate(sheet.columns)]
    for offset, row in enumerate(sheet.rows, start=2):
        lines = max(max(1, -(-display_width(v) // max(w, 1))) + str(v or "").count("\n") for v, w in zip(row, widths, strict=True))
        if lines > 1:
            ws.row_dimensions[offset].height = 16 * lines + 2


def _print_setup(ws: Worksheet, title: str, as_of: date) -> None:
    """A4 landscape, all columns on one page's width, the header row on every page, title and page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.horizontalCentered = True
    # "&" starts a code in Excel's header language; a literal one is written "&&".
    ws.oddHeader.center.text = f"{title}（截至 {as_of}）".replace("&", "&&")
    ws.oddFooter.center.text = "&P / &N"
