"""Read the office's own spreadsheet (.xlsx or UTF-8 .csv) as a header and text rows, in bounded time and memory.

The file is hostile until read: it is refused (never half read) when it is too big, when a ``.xlsx`` is not
a workbook or would inflate beyond a bound (a zip bomb), when it has more rows than any contact list has,
or when a CSV is not UTF-8 (a GBK file is named as such, so the office knows what "另存为" to choose).
Cells are text: a formula such as ``=HYPERLINK(...)`` is never evaluated, it is returned as it was written.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MAX_BYTES", "MAX_ROWS", "MAX_UNPACKED", "Sheet", "SheetError", "read_sheet"]

MAX_BYTES = 5 * 1024 * 1024  # the file itself; a district's contact list of 500 people is about 40 KB
MAX_UNPACKED = 20 * 1024 * 1024  # what a workbook's parts may inflate to, all together
MAX_ROWS = 5000  # data rows; more is not a contact list (the district has about 60 bureaus)
MAX_COLUMNS = 50
MAX_CELL = 500  # characters of one cell


class SheetError(ValueError):
    """A file refused as a whole, with the reason in Chinese and English and what would fix it."""

    def __init__(self, zh: str, en: str, fix: str = "") -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.fix = zh, en, fix


@dataclass(frozen=True, slots=True)
class Sheet:
    """A header row and the rows under it: (row number as the office sees it, cells as text)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a mobile number typed into a number cell comes back as 13812345678.0
    return str(value).strip()


def read_sheet(path: Path) -> Sheet:
    """The first worksheet of a ``.xlsx``, or a ``.csv`` file, as text.

    Raises:
        SheetError: the file cannot be read, is too big or of the wrong kind, or has too many rows.
        OSError: never; a file that cannot be opened is a SheetError too.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SheetError(f"无法读取文件：{exc.strerror or exc}", f"cannot read the file: {exc.strerror or exc}") from None
    if size > MAX_BYTES:
        raise SheetError(f"文件过大（{size // 1024} KB，上限 {MAX_BYTES // 1024 // 1024} MB）",
                         "the file is too big", "检查是否选错了文件 / check the file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _rows_of(_xlsx_rows(path))
    if suffix == ".csv":
        return _rows_of(_csv_rows(path))
    raise SheetError(f"不支持的文件类型“{path.suffix or '无扩展名'}”", "only .xlsx and .csv files are read",
                     "请用 Excel 另存为 .xlsx 或“CSV UTF-8”/ save as .xlsx or CSV UTF-8")


def _rows_of(rows: list[tuple[int, list[object]]]) -> Sheet:
    header: list[str] | None = None
    out: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        texts = [_text(c) for c in cells[:MAX_COLUMNS + 1]]
        if len(texts) > MAX_COLUMNS:
            raise SheetError(f"第 {number} 行超过 {MAX_COLUMNS} 列", f"row {number} has more than {MAX_COLUMNS} columns")
        for index, text in enumerate(texts):
            if len(text) > MAX_CELL:
                raise SheetError(f"第 {number} 行第 {index + 1} 列超过 {MAX_CELL} 个字符",
                                 f"row {number} column {index + 1} is longer than {MAX_CELL} characters")
        if not any(texts):
            continue
        if header is None:
            header = texts
            continue
        if len(out) >= MAX_ROWS:
            raise SheetError(f"数据行超过 {MAX_ROWS} 行（读到第 {number} 行时停止）", f"more than {MAX_ROWS} data rows",
                             "通讯录每人一行；请检查是否选错了文件 / one row per person: check the file")
        out.append((number, texts))
    if header is None:
        raise SheetError("文件是空的，没有标题行", "the file is empty: no header row",
                         "第一行写列名：单位、姓名、角色、企业微信账号、手机、邮箱 / put the column names in the first row")
    return Sheet(header, out)


def _xlsx_rows(path: Path) -> list[tuple[int, list[object]]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise SheetError("不是 Excel 工作簿（.xlsx）文件", "not an .xlsx workbook",
                         "请用 Excel 打开后另存为“Excel 工作簿 (*.xlsx)”/ save it as an Excel workbook") from None
    with archive:
        infos = archive.infolist()
        unpacked = sum(info.file_size for info in infos)
        if len(infos) > 1000 or unpacked > MAX_UNPACKED:
            raise SheetError(f"工作簿解压后过大（{unpacked // 1024 // 1024} MB），可能是压缩炸弹",
                             "the workbook would inflate beyond the bound (a zip bomb?)", "检查是否选错了文件 / check the file")
    return _xlsx_iter(path)


def _xlsx_iter(path: Path) -> list[tuple[int, list[object]]]:
    import warnings

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            # read_only streams the sheet; data_only=False keeps a formula as the text that was typed.
            book = load_workbook(path, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file; all mean the same here
        raise SheetError("工作簿无法读取（文件损坏或不是 Excel 工作簿）", "the workbook cannot be read",
                         "请用 Excel 打开后另存为 .xlsx / open and save it again in Excel") from None
    try:
        sheet = book.worksheets[0]
        return _bounded(enumerate(sheet.iter_rows(values_only=True), start=1))
    except SheetError:
        raise
    except Exception:
        raise SheetError("工作簿无法读取（文件损坏）", "the workbook cannot be read (damaged)",
                         "请用 Excel 打开后另存为 .xlsx / open and save it again in Excel") from None
    finally:
        book.close()


def _bounded(numbered: Iterator[tuple[int, Sequence[object]]]) -> list[tuple[int, list[object]]]:
    """The rows, read one at a time and refused as soon as there are too many (blank rows count too, at a larger bound)."""
    rows: list[tuple[int, list[object]]] = []
    filled = 0
    for number, cells in numbered:
        if number > MAX_ROWS * 10 or filled > MAX_ROWS + 1:
            raise SheetError(f"数据行超过 {MAX_ROWS} 行（读到第 {number} 行时停止）", f"more than {MAX_ROWS} data rows",
                             "通讯录每人一行；请检查是否选错了文件 / one row per person: check the file")
        row = list(cells[:MAX_COLUMNS + 1])
        if any(c not in (None, "") for c in row):
            filled += 1
            rows.append((number, row))
    return rows


def _csv_rows(path: Path) -> list[tuple[int, list[object]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SheetError(f"无法读取文件：{exc.strerror or exc}", f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            raw.decode("gb18030")
            named = "GBK（GB18030）"
        except UnicodeDecodeError:
            named = "未知编码"
        raise SheetError(f"CSV 文件不是 UTF-8 编码，看起来是 {named} 编码", "the CSV file is not UTF-8"
                         + (" (it looks like GBK)" if named.startswith("GBK") else ""),
                         "在 Excel 中“另存为”，类型选“CSV UTF-8（逗号分隔）”/ save as CSV UTF-8") from None
    if "\x00" in text:
        raise SheetError("CSV 文件含有二进制内容", "the CSV file holds binary data", "检查是否选错了文件 / check the file")
    reader = csv.reader(io.StringIO(text))
    try:
        rows = _bounded(enumerate(reader, start=1))
    except csv.Error as exc:
        raise SheetError(f"CSV 格式错误（第 {reader.line_num} 行）：{exc}", f"malformed CSV at line {reader.line_num}") from None
    return rows
