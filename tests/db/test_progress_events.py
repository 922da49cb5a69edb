"""Events files carry progress reports (``type: progress``): import writes them; a bad one names its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.errors import InvalidFile
from config.events import load_event_rows, load_events
from core.events import Facts, ProgressReport
from core.plan import Plan
from tests.db.conftest import Database

runner = CliRunner()
TEXT = "本季度完成了转化路径的调研，形成了初步的工作思路和项目清单。"
EVENTS = f"""events:
  - {{type: progress, step: build.pathways, by: ndrc, at: "2026-11-20T10:00", text: {TEXT}, percent: 30,
     problems: 资金缺口较大, next: 争取专项资金, files: [进展.txt]}}
  - {{type: progress, step: build.pathways, by: eco, at: 2026-12-18, period: 2026q4, text: {TEXT}}}
"""


def test_progress_rows_are_facts(huyi: Plan, tmp_path: Path) -> None:
    """The period defaults to the plan's period of ``at``; the fields keep their meaning."""
    path = tmp_path / "events.yaml"
    path.write_text(EVENTS, encoding="utf-8")
    (ndrc, eco) = Facts(load_events(path, huyi)).progress
    assert isinstance(ndrc, ProgressReport)
    assert (ndrc.by, ndrc.period, ndrc.percent, ndrc.problems, ndrc.next_steps) == ("ndrc", "2026q4", 30, "资金缺口较大",
                                                                                  "争取专项资金")
    assert (eco.by, eco.period) == ("eco", "2026q4")


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("{type: progress, step: build.pathways, by: ndrc, at: 2026-11-20, text: 太短}", "text", "至少 20"),
        ("{type: progress, step: build.pathways, by: finance, at: 2026-11-20, text: " + TEXT + "}", "by", "不是步骤"),
        ("{type: progress, step: build.pathways, by: ndrc, at: 2026-11-20, period: 2026q9, text: " + TEXT + "}",
         "period", "没有第 9 个季度"),
        ("{type: progress, step: build.pathways, by: ndrc, at: 2026-11-20, percent: 120, text: " + TEXT + "}",
         "percent", "0-100"),
    ],
)
def test_a_bad_progress_row_names_its_line(huyi: Plan, tmp_path: Path, row: str, field: str, words: str) -> None:
    """Line 3 (the second event) is at fault: the problem names it and the field."""
    path = tmp_path / "events.yaml"
    good = f"  - {{type: progress, step: build.pathways, by: eco, at: 2026-11-20, text: {TEXT}}}\n"
    path.write_text(f"events:\n{good}  - {row}\n", encoding="utf-8")
    with pytest.raises(InvalidFile) as info:
        load_event_rows(path, huyi)
    (problem,) = info.value.errors
    assert problem.line == 3 and problem.path == f"events[1].{field}" and words in problem.zh, str(problem)


def test_import_writes_the_reports_with_their_files(database: Database, tmp_path: Path) -> None:
    """`import` records both reports (the file archived); `progress list` then shows received and late."""
    (tmp_path / "进展.txt").write_text("附件内容", encoding="utf-8")
    path = tmp_path / "events.yaml"
    path.write_text(EVENTS, encoding="utf-8")
    env = database.env()
    done = runner.invoke(app, ["import", str(path)], env=env)
    assert done.exit_code == 0, done.output
    again = runner.invoke(app, ["import", str(path)], env=env)
    assert again.exit_code == 0, again.output
    rows = json.loads(runner.invoke(app, ["progress", "list", "--period", "2026q4", "--as-of", "2026-12-20", "--json"],
                                    env=env).stdout)
    status = {r["bureau"]: r["status"] for r in rows}
    assert (status["ndrc"], status["eco"], status["water"]) == ("received", "late", "overdue")
    with database.sessions() as s:
        from sqlalchemy import func, select

        from db.models import ProgressReportRow, RecordFile
        assert s.scalar(select(func.count()).select_from(ProgressReportRow)) == 2  # the same file twice: once
        assert s.scalar(select(func.count()).select_from(RecordFile).where(RecordFile.kind == "progress")) == 1
