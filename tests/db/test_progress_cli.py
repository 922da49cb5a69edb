"""`liangshan progress report` and `progress list` as the office types them; refusals write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from db.models import AuditEntry, ProgressReportRow
from tests.db.conftest import Database

runner = CliRunner()
TEXT = "本季度完成了转化路径的调研，形成了初步的工作思路和项目清单，下步细化。"


def run(database: Database, *args: str) -> object:
    return runner.invoke(app, list(args), env=database.env())


def _rows(database: Database) -> tuple[int, int]:
    with database.sessions() as s:
        return (s.scalar(select(func.count()).select_from(ProgressReportRow)) or 0,
                s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "progress")) or 0)


def test_report_then_list_shows_each_status(database: Database, tmp_path: Path) -> None:
    """ndrc reports 2026q4 in time with a file; eco never does: received vs overdue, as JSON rows."""
    scan = tmp_path / "照片.jpg"
    scan.write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    result = run(database, "progress", "report", "build.pathways", "--by", "ndrc", "--text", TEXT, "--percent", "40",
                 "--problems", "资金缺口", "--next", "争取专项资金", "--file", str(scan), "--at", "2026-11-20T10:00",
                 "--period", "2026q4")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "已报送进展" in result.stdout and "2026q4" in result.stdout  # type: ignore[attr-defined]
    listed = run(database, "progress", "list", "--period", "2026q4", "--as-of", "2026-12-20", "--json")
    assert listed.exit_code == 0, listed.output  # type: ignore[attr-defined]
    rows = json.loads(listed.stdout)  # type: ignore[attr-defined]
    assert set(rows[0]) == {"step", "bureau", "period", "due", "status", "received_at"}
    mine = {r["bureau"]: r for r in rows if r["step"] == "build.pathways"}
    assert mine["ndrc"]["status"] == "received" and mine["ndrc"]["due"] == "2026-12-17"
    assert mine["ndrc"]["received_at"].startswith("2026-11-20T02:00")  # 10:00 in Beijing, as UTC
    assert mine["eco"] == {"step": "build.pathways", "bureau": "eco", "period": "2026q4", "due": "2026-12-17",
                           "status": "overdue", "received_at": None}
    human = run(database, "progress", "list", "--as-of", "2026-12-20", "--by", "eco")
    assert "逾期未报" in human.stdout and "2026年第四季度" in human.stdout  # type: ignore[attr-defined]


def test_a_late_report_for_last_quarter(database: Database) -> None:
    """Reported on 2026-11-30 for 2026q3 (due 09-16): late."""
    result = run(database, "progress", "report", "build.pathways", "--by", "eco", "--text", TEXT,
                 "--at", "2026-11-30T09:00", "--period", "2026q3")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    rows = json.loads(run(database, "progress", "list", "--period", "2026q3", "--as-of", "2026-11-30",
                          "--json").stdout)  # type: ignore[attr-defined]
    assert {r["bureau"]: r["status"] for r in rows}["eco"] == "late"


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        pytest.param(["build.pathway", "--by", "ndrc"], 2, "build.pathways", id="unknown-step"),
        pytest.param(["build.pathways", "--by", "ndcr"], 2, "ndrc", id="unknown-bureau"),
        pytest.param(["build.pathways", "--by", "ndrc", "--period", "2026q9"], 2, "2026q4", id="unknown-period"),
        pytest.param(["evaluate.national", "--by", "water"], 3, "不是步骤", id="not-the-bureaus-step"),
        pytest.param(["build.pathways", "--by", "ndrc", "--text", "长" * 5001], 2, "最多 5000", id="text-over-5000"),
    ],
)
def test_refusals_exit_with_their_code_and_write_nothing(database: Database, args: list[str], code: int,
                                                         words: str) -> None:
    """Unknown step/bureau/period: 2 with the closest ids; not the bureau's step: 3; text over 5,000: 2."""
    text = [] if "--text" in args else ["--text", TEXT]
    result = run(database, "progress", "report", *args, *text, "--at", "2026-11-20T10:00")
    assert result.exit_code == code, result.output  # type: ignore[attr-defined]
    assert words in result.stderr and "未做任何改动" in result.stderr  # type: ignore[attr-defined]
    assert _rows(database) == (0, 0)


def test_list_refuses_an_unknown_period(database: Database) -> None:
    """progress list --period 2026x1: exit 2."""
    result = run(database, "progress", "list", "--period", "2026x1")
    assert result.exit_code == 2


def test_meeting_pack_has_the_progress_sections(database: Database) -> None:
    """`meeting pack` (Markdown) after ndrc's report: 各单位工作进展 with its row and 需协调解决的问题 with its problem."""
    result = run(database, "progress", "report", "build.pathways", "--by", "ndrc", "--text", TEXT, "--percent", "40",
                 "--problems", "资金缺口较大", "--at", "2026-11-20T10:00")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    pack = run(database, "meeting", "pack", "meetings.2026q4", "--as-of", "2026-12-01")
    assert pack.exit_code == 0, pack.output  # type: ignore[attr-defined]
    text = pack.stdout  # type: ignore[attr-defined]
    assert "## 八、各单位工作进展（2026年第四季度）" in text and "应报送工作进展13份，已报送1份" in text
    assert "| 区发改委 | 加强转化路径探索 | 40% |" in text
    assert "## 九、需协调解决的问题" in text and "资金缺口较大" in text.split("## 九、需协调解决的问题")[1]
