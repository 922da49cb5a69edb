"""`liangshan report` on both databases: every kind from the example history, and its refusals (exit 2, nothing written)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from config.events import load_event_rows
from config.settings import DEFAULT_PLAN
from db.records import ImportItem
from reports import folder as names
from tests.db.conftest import Database

EXAMPLE = DEFAULT_PLAN.parent.parent / "examples" / "huyi-sample-events.yaml"
runner = CliRunner()


def run(database: Database, *args: str) -> Result:
    return runner.invoke(app, list(args), env=database.env())


@pytest.fixture(name="example")
def fixture_example(database: Database) -> Database:
    """The database with the example history imported, as `make run` leaves it."""
    recorder = database.recorder()
    recorder.import_events([ImportItem(r.event, r.files, r.line) for r in load_event_rows(EXAMPLE, recorder.plan)])
    return database


@pytest.mark.slow
def test_every_kind_writes_its_file(example: Database, tmp_path: Path) -> None:
    """Each kind writes one readable file of its type; `all` fills the day's folder under the home."""
    from docx import Document
    from openpyxl import load_workbook

    for kind, name in (("ledger", "台账.xlsx"), ("gantt", "甘特图.svg"), ("indicators", "指标.png"),
                       ("circular", "通报.docx"), ("self-assessment", "自评估.docx")):
        result = run(example, "report", kind, "--as-of", "2026-11-27", "--out", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 1000
    annual = run(example, "report", "annual", "--year", "2025", "--as-of", "2026-11-27", "--out", str(tmp_path / "年度.docx"))
    assert annual.exit_code == 0, annual.output
    pack = run(example, "report", "pack", "meetings.2026q4", "--as-of", "2026-11-27", "--out", str(tmp_path / "会议.docx"))
    assert pack.exit_code == 0, pack.output
    assert len(Document(str(tmp_path / "会议.docx")).inline_shapes) == 2  # the Gantt and the indicator chart
    assert "单位考评" in load_workbook(tmp_path / "台账.xlsx").sheetnames
    a3 = run(example, "report", "ledger", "--paper", "A3", "--as-of", "2026-11-27", "--out", str(tmp_path / "A3.xlsx"))
    assert a3.exit_code == 0, a3.output
    assert load_workbook(tmp_path / "A3.xlsx")["汇总"].page_setup.paperSize == 8  # A3 in the OOXML table
    written = run(example, "report", "all", "--as-of", "2026-11-27")
    assert written.exit_code == 0, written.output
    folder = example.home / "reports" / "huyi-two-mountains" / "2026-11-27"
    assert {p.name for p in folder.iterdir()} == {names.DASHBOARD, names.DASHBOARD_DOCX, names.LEDGER, names.GANTT,
                                                 names.INDICATORS, names.CIRCULAR, names.PACK,
                                                 names.SELF_ASSESSMENT, names.annual_name(2026)}


@pytest.mark.parametrize(("args", "words"), [
    (["report", "ledgr", "--out", "x.xlsx"], "未知的报告类型"),
    (["report", "ledger", "--out", "x.docx"], "应为 .xlsx"),
    (["report", "ledger"], "--out"),
    (["report", "circular", "--year", "2025", "--out", "x.docx"], "--year 只用于 annual"),
    (["report", "annual", "--year", "2035", "--out", "x.docx"], "不在计划年度"),
    (["report", "pack", "build.pathways", "--out", "x.docx"], "不是调度会议步骤"),
    (["report", "gantt", "--out", "no/such/folder/g.png"], "不存在"),
    (["report", "gantt", "--as-of", "2026-13-01", "--out", "g.png"], "--as-of"),
    (["report", "ledger", "--paper", "B5", "--out", "x.xlsx"], "只能是 A4 或 A3"),
    (["report", "circular", "--paper", "A3", "--out", "x.docx"], "--paper 只用于 ledger"),
])
def test_refusals_exit_2_and_write_nothing(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           args: list[str], words: str) -> None:
    """A wrong kind, type, option or folder: exit 2 with the reason, and no file anywhere."""
    work = tmp_path / "out"
    work.mkdir()
    monkeypatch.chdir(work)
    result = run(database, *args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert list(work.iterdir()) == [] and not (database.home / "reports").exists()
