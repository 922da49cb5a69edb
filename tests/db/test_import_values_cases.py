"""`import` of values and cases on both databases: written as their commands write them, all or nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from config.events import load_event_rows, load_events
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import CheckIn, Facts
from core.status import Engine
from core.workdays import WorkdayCalendar
from db import repo
from db.indicators import values_by_indicator
from db.library import list_cases
from db.models import AuditEntry, CaseRow, CheckInRow, EvidenceFile, IndicatorValueFile, IndicatorValueRow, RecordFile
from db.records import ImportItem, Recorder, Refusal
from tests.config.complete_history import complete_history, events_yaml
from tests.db.conftest import Database

runner = CliRunner()

HISTORY = """\
events:
  - {type: checkin, step: mobilize.work-plan, by: eco, at: 2024-04-08}
  - {type: value, indicator: 2b, year: 2024, value: 87.5, by: eco, at: 2025-02-10, source: 水质公报, files: [公报.pdf]}
  - {type: value, indicator: 8a, year: 2024, value: 是, by: media, at: 2025-02-11}
  - {type: value, indicator: 2b, year: 2023, value: 80, by: eco, at: 2024-03-01}
  - {type: case, theme: 3, title: 秦岭生态保护修复, by: qinling, at: "2024-10-15T09:30", text: 图文, files: [案例.jpg]}
  - {type: case, theme: 4, title: 乡村振兴, by: agri, at: 2025-01-05, year: 2024}
"""


def _files(tmp_path: Path) -> None:
    (tmp_path / "公报.pdf").write_bytes(b"%PDF-1.4 bulletin")
    (tmp_path / "案例.jpg").write_bytes(b"\xff\xd8\xff case picture")


def _items(path: Path, recorder: Recorder, today: date | None = None) -> list[ImportItem]:
    return [ImportItem(r.event, r.files, r.line) for r in load_event_rows(path, recorder.plan, today)]


def _counts(database: Database) -> dict[str, int]:
    with database.sessions() as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (IndicatorValueRow, IndicatorValueFile, CaseRow, RecordFile, CheckInRow, EvidenceFile, AuditEntry)}


def test_import_round_trip(database: Database, tmp_path: Path) -> None:
    """Values and cases are written with their files and audit entries, close their collecting steps as the
    commands' rows do, and the same file again writes nothing new."""
    _files(tmp_path)
    path = tmp_path / "history.yaml"
    path.write_text(HISTORY, encoding="utf-8")
    recorder = database.recorder()
    outcome = recorder.import_events(_items(path, recorder))
    assert sorted(r.get("type", "checkin") for r in outcome.created) == ["case", "case", "checkin", "checkin", "value",
                                                                        "value", "value"]
    with database.sessions() as session:
        values = values_by_indicator(session=session, plan_id=recorder.plan.id)
        assert (values["2b"][2024].value, values["2b"][2024].evidence, values["2b"][2023].value) == (87.5, 1, 80.0)
        assert values["8a"][2024].value == 1.0
        cases = list_cases(session=session, plan_id=recorder.plan.id)
        assert [(c["theme"], c["year"], c["title"], c["summary"], c["files"]) for c in cases] == [
            ("3", 2024, "秦岭生态保护修复", "图文", ["案例.jpg"]), ("4", 2024, "乡村振兴", "", [])]
        assert datetime.fromisoformat(cases[0]["at"]) == datetime(2024, 10, 15, 1, 30, tzinfo=UTC)
        actions = [a for (a,) in session.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
        assert actions.count("indicator_value") == 3 and actions.count("case_add") == 2
        facts = repo.load_all_events(session=session, plan=recorder.plan)
    # The database's facts are the file's facts: the same check-ins the values and cases amount to.
    assert all(isinstance(f, CheckIn) for f in facts)
    assert sorted((f.step, f.deliverables, f.at) for f in facts if isinstance(f, CheckIn)) == sorted(
        (f.step, f.deliverables, f.at) for f in load_events(path, recorder.plan) if isinstance(f, CheckIn))
    board = Engine(recorder.plan, WorkdayCalendar()).board(Facts(facts), date(2025, 2, 12))
    assert board.steps["cases.3.2024"].status == "done" and board.steps["cases.4.2024"].done_on == date(2025, 1, 5)
    assert set(board.steps["indicators.2024"].missing) == {i.id for i in recorder.plan.indicators} - {"2b", "8a"}

    before = _counts(database)
    again = recorder.import_events(_items(path, recorder))
    assert again.created == [] and len(again.existing) == 7
    assert _counts(database) == before


def test_a_refusal_anywhere_writes_nothing(database: Database, tmp_path: Path) -> None:
    """A blocked check-in after good values and cases refuses the whole file at its line: no value, case or file."""
    _files(tmp_path)
    path = tmp_path / "history.yaml"
    path.write_text(HISTORY + "  - {type: checkin, step: draft.publish, by: eco, at: 2025-03-01}\n", encoding="utf-8")
    recorder = database.recorder()
    before = _counts(database)
    with pytest.raises(Refusal) as caught:
        recorder.import_events(_items(path, recorder))
    assert caught.value.code == 3 and "第 8 行" in caught.value.zh and caught.value.kind == "blocked"
    assert _counts(database) == before

    # The recorder applies the commands' rules itself too: a value dated after today, at its line (exit 2).
    early = Recorder(database.sessions, recorder.plan, WorkdayCalendar(), database.home, "tester",
                     now=lambda: datetime(2025, 2, 10, 12, tzinfo=UTC))
    with pytest.raises(Refusal) as future:
        early.import_events(_items(path, early))
    assert future.value.code == 2 and "第 4 行" in future.value.zh and "在未来" in future.value.zh
    assert _counts(database) == before


def test_the_complete_five_year_file_imports_to_the_same_board(database: Database, tmp_path: Path) -> None:
    """Imported on 2030-01-02, the complete history leaves the database's board where the file's is: all done."""
    plan = load_plan(DEFAULT_PLAN)
    calendar = WorkdayCalendar()
    events, records = complete_history(plan, calendar)
    path = tmp_path / "complete.yaml"
    path.write_text(events_yaml(plan, events, records), encoding="utf-8")
    recorder = Recorder(database.sessions, plan, calendar, database.home, "tester",
                        now=lambda: datetime(2030, 1, 2, tzinfo=UTC))
    recorder.import_events(_items(path, recorder, today=date(2030, 1, 2)))
    engine = Engine(plan, calendar)
    with database.sessions() as session:
        stored = engine.board(Facts(repo.load_all_events(session=session, plan=plan)), date(2029, 12, 31))
    from_file = engine.board(Facts(load_events(path, plan)), date(2029, 12, 31))
    assert {sid: (s.status, s.done_on) for sid, s in stored.steps.items()} == {
        sid: (s.status, s.done_on) for sid, s in from_file.steps.items()}
    assert all(s.status == "done" for s in stored.steps.values())


def test_cli_import_tells_values_and_cases_and_refuses_the_future(database: Database, tmp_path: Path) -> None:
    """`liangshan import` prints what it recorded; a value dated after today is refused at its line, nothing written."""
    _files(tmp_path)
    path = tmp_path / "history.yaml"
    path.write_text(HISTORY, encoding="utf-8")
    done = runner.invoke(app, ["import", str(path)], env=database.env())
    assert done.exit_code == 0, done.output
    assert "已导入 recorded: 指标 2b 2024 年 = 87.5%" in done.stdout
    assert "已导入 recorded: 案例 主题 3《秦岭生态保护修复》（2024）" in done.stdout
    assert "已导入 recorded: mobilize.work-plan / work-plan" in done.stdout
    again = runner.invoke(app, ["import", str(path), "--json"], env=database.env())
    assert json.loads(again.stdout)["created"] == []

    before = _counts(database)
    future = tmp_path / "future.yaml"
    future.write_text("events:\n  - {type: value, indicator: 2b, year: 2028, value: 90, by: eco, at: 2029-02-10}\n"
                      "  - {type: case, theme: 3, title: 未来案例, by: qinling, at: 2029-06-01}\n", encoding="utf-8")
    refused = runner.invoke(app, ["import", str(future)], env=database.env())
    assert refused.exit_code == 2
    assert "future.yaml:2:" in refused.stderr and "future.yaml:3:" in refused.stderr
    assert "日期 2029-02-10 在未来" in refused.stderr and "未导入任何内容" in refused.stderr
    assert _counts(database) == before
