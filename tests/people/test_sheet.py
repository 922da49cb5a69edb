"""Reading the office's spreadsheet: honest files read as text; hostile ones refused whole, in bounded memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from config.sheet import SheetError, read_sheet
from tests.people.sheets import HEADER, write_bomb, write_csv, write_xlsx

REPO = Path(__file__).resolve().parents[2]


def test_xlsx_and_csv_read_the_same_text(tmp_path: Path) -> None:
    """A header in any order and a number-typed mobile come back as text; blank rows are skipped."""
    rows = [["姓名", "单位", "角色"], ["张三", "eco", "经办人"], ["", "", ""], ["李四", "water", "分管领导"]]
    for path in (write_xlsx(tmp_path / "a.xlsx", rows), write_csv(tmp_path / "a.csv", rows)):
        sheet = read_sheet(path)
        assert sheet.header == ["姓名", "单位", "角色"]
        assert sheet.rows == [(2, ["张三", "eco", "经办人"]), (4, ["李四", "water", "分管领导"])]


def test_csv_with_the_bom_excel_writes_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("单位,姓名,角色\neco,张三,经办人\n".encode("utf-8-sig"))
    assert read_sheet(path).header == ["单位", "姓名", "角色"]


def test_a_formula_is_text_never_evaluated(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [HEADER, ["eco", '=HYPERLINK("http://evil.example","张三")', "经办人"]])
    assert read_sheet(path).rows[0][1][1] == '=HYPERLINK("http://evil.example","张三")'


@pytest.mark.parametrize(("name", "content", "said"), [
    ("not.xlsx", b"just some text, not a zip", "不是 Excel 工作簿"),
    ("list.xls", b"\xd0\xcf\x11\xe0", "不支持的文件类型"),
    ("empty.csv", b"", "文件是空的"),
])
def test_files_of_the_wrong_kind_are_refused(tmp_path: Path, name: str, content: bytes, said: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SheetError) as caught:
        read_sheet(path)
    assert said in caught.value.zh


def test_a_gbk_csv_is_named_as_such(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", [HEADER, ["eco", "张三", "经办人"]], encoding="gbk")
    with pytest.raises(SheetError) as caught:
        read_sheet(path)
    assert "GBK" in caught.value.zh and "CSV UTF-8" in caught.value.fix


def test_too_many_rows_are_refused(tmp_path: Path) -> None:
    rows = [HEADER] + [["eco", f"人{i}", "经办人"] for i in range(100_000)]
    for path in (write_csv(tmp_path / "big.csv", rows), write_xlsx(tmp_path / "big.xlsx", ([r[0]] for r in rows))):
        with pytest.raises(SheetError) as caught:
            read_sheet(path)
        assert "超过 5000 行" in caught.value.zh


def _peak_rss_mb(path: Path) -> tuple[str, float]:
    """Read ``path`` in a fresh interpreter: (what was said, its peak resident memory in MB)."""
    code = textwrap.dedent(f"""
        import re
        from pathlib import Path
        from config.sheet import SheetError, read_sheet
        try:
            read_sheet(Path({str(path)!r}))
            said = "read"
        except SheetError as exc:
            said = exc.zh
        print(said)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the process that started this one (pytest).
        status = Path("/proc/self/status").read_text()
        print(int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) / 1024)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    said, peak = done.stdout.strip().splitlines()
    return said, float(peak)


def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """A workbook of a few hundred KB whose sheet would inflate to 200 MB is refused before it is inflated."""
    bomb = write_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 1024 * 1024
    said, peak = _peak_rss_mb(bomb)
    assert "压缩炸弹" in said and peak < 150, (said, peak)


def test_a_hundred_thousand_row_workbook_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    big = write_xlsx(tmp_path / "rows.xlsx", ([f"{i}"] for i in range(100_000)))
    said, peak = _peak_rss_mb(big)
    assert "超过 5000 行" in said and peak < 150, (said, peak)
