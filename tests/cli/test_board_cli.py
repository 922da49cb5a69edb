"""`liangshan status` and `liangshan simulate` as the office uses them."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from cli.board import window_text
from cli.main import app

runner = CliRunner()

HISTORY = """\
# 示例：动员部署阶段的进展
events:
  - {type: checkin, step: mobilize.work-plan, by: eco, at: 2024-04-25, note: 工作方案印发}
  - {type: checkin, step: mobilize.leading-group, by: gov, at: "2024-04-26T09:30"}
  - {type: checkin, step: mobilize.commission, by: eco, at: 2024-04-26, deliverable: contract}
"""


def write(tmp_path: Path, text: str, name: str = "events.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_status_json_contract_as_of_2024_04_23() -> None:
    """Nothing checked in by 04-23: the work plan is one working day overdue, the survey waits."""
    result = runner.invoke(app, ["status", "--as-of", "2024-04-23", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["as_of"] == "2024-04-23"
    assert set(doc["plan"]) >= {"id", "title"}
    assert {p["id"]: p["light"] for p in doc["phases"]}["mobilize"] == "red"
    steps = {s["id"]: s for s in doc["steps"]}
    keys = {"id", "phase", "title", "owners", "start", "due", "status", "light", "blocked_by", "late",
            "overdue_workdays", "forecast_due", "critical"}
    assert all(keys <= set(s) for s in doc["steps"])
    wp = steps["mobilize.work-plan"]
    assert (wp["status"], wp["light"], wp["due"], wp["overdue_workdays"]) == ("overdue", "red", "2024-04-22", 1)
    assert steps["draft.survey"]["blocked_by"] == ["mobilize.commission"]
    assert steps["build.annual-plan.2025"]["status"] == "not_open"
    assert doc["end"]["step"] == "evaluate.national"


def test_status_board_in_chinese_with_events(tmp_path: Path) -> None:
    """The terminal board shows the late check-in as done and late, in Chinese."""
    result = runner.invoke(app, ["status", "--as-of", "2024-04-29", "--events", str(write(tmp_path, HISTORY))])
    assert result.exit_code == 0, result.output
    for words in ("截至 2024-04-29 的进展看板", "研究制定工作方案", "2024-04-25 完成，逾期 3 个工作日", "动员部署阶段", "已完成"):
        assert words in result.stdout


def test_status_default_day_is_today_in_shanghai() -> None:
    """Without --as-of, the board is as of today's date in Asia/Shanghai."""
    result = runner.invoke(app, ["status", "--json"])
    assert json.loads(result.stdout)["as_of"] == datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


@pytest.mark.parametrize(
    ("edit", "line", "words"),
    [
        (("step: mobilize.commission", "step: mobilize.comission"), 5, "计划中没有步骤“mobilize.comission”"),
        (("by: gov", "by: guv"), 4, "未知的单位“guv”"),
        (("at: 2024-04-25", "at: 2024-04-31"), 3, "不是日期或时间"),
        (("at: 2024-04-25", "at: 2024-03-25"), 3, "早于计划开始日"),
        (("deliverable: contract", "deliverable: contrct"), 5, "没有成果“contrct”"),
        (("by: gov", "by: water"), 4, "不是步骤“mobilize.leading-group”的责任单位"),
        (("type: checkin, step: mobilize.work-plan", "type: chekin, step: mobilize.work-plan"), 3, "type 只能是"),
    ],
)
def test_bad_events_file_exits_2_naming_the_line(tmp_path: Path, edit: tuple[str, str], line: int, words: str) -> None:
    """A wrong step, bureau, date or deliverable in an events file is refused at its line."""
    path = write(tmp_path, HISTORY.replace(*edit))
    result = runner.invoke(app, ["status", "--as-of", "2024-04-29", "--events", str(path)])
    assert result.exit_code == 2
    assert f"{path}:{line}:" in result.stderr
    assert words in result.stderr
    assert result.stdout == ""


def test_bad_as_of_exits_2() -> None:
    """A date that is not a date is named, with the expected form."""
    result = runner.invoke(app, ["status", "--as-of", "2024-13-01"])
    assert result.exit_code == 2
    assert "--as-of “2024-13-01” 不是日期" in result.stderr


def test_simulate_lists_transitions(tmp_path: Path) -> None:
    """The April 2024 replay shows the work plan coming due, going overdue and closing."""
    result = runner.invoke(app, ["simulate", "--from", "2024-04-01", "--to", "2024-04-30", "--json",
                                 "--events", str(write(tmp_path, HISTORY))])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["from"], doc["to"]) == ("2024-04-01", "2024-04-30")
    wp = [(t["date"], t["from"], t["to"]) for t in doc["transitions"] if t["step"] == "mobilize.work-plan"]
    assert wp == [("2024-04-15", "open", "due_soon"), ("2024-04-23", "due_soon", "overdue"),
                  ("2024-04-25", "overdue", "done")]
    survey = [(t["date"], t["to"]) for t in doc["transitions"] if t["step"] == "draft.survey"]
    assert ("2024-04-26", "open") in survey


def test_simulate_table_in_chinese(tmp_path: Path) -> None:
    """The human replay reads as Chinese status changes."""
    result = runner.invoke(app, ["simulate", "--from", "2024-04-01", "--to", "2024-04-30",
                                 "--events", str(write(tmp_path, HISTORY))])
    assert "即将到期 → 逾期" in result.stdout
    assert "研究制定工作方案" in result.stdout


def test_simulate_refuses_reversed_span() -> None:
    """--to before --from exits 2."""
    result = runner.invoke(app, ["simulate", "--from", "2024-05-01", "--to", "2024-04-01"])
    assert result.exit_code == 2


def test_status_does_not_import_prefect_or_pydantic_schemas(tmp_path: Path) -> None:
    """The everyday commands start without Prefect (seconds of import) and without the plan schema."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from cli.main import app\n"
        "sys.argv = ['liangshan', 'status', '--as-of', '2024-04-23', '--json']\n"
        "try:\n"
        "    app(standalone_mode=False)\n"
        "finally:\n"
        "    heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'apprise'))\n"
        "    print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "LIANGSHAN_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr


def test_simulate_notifications_on_working_days_only(tmp_path: Path) -> None:
    """The dry run of reminders: every message falls on a working day; the 督办 comes on the 5th day late."""
    from datetime import date

    from core.workdays import WorkdayCalendar

    result = runner.invoke(app, ["simulate", "--from", "2024-04-01", "--to", "2024-05-31", "--notifications", "--json"],
                           env={"LIANGSHAN_HOME": str(tmp_path / "home")})
    assert result.exit_code == 0, result.output
    sent = json.loads(result.stdout)["notifications"]
    calendar = WorkdayCalendar()
    assert sent and all(calendar.is_workday(date.fromisoformat(m["date"])) for m in sent)
    escalations = [m for m in sent if "escalation" in m["rungs"]]
    assert {m["recipient"] for m in escalations if m["date"] == "2024-04-28"} == {"leaders", "office"}
    firsts = [m["date"] for m in sent if m["recipient"] == "eco" and "overdue" in m["rungs"]]
    assert firsts == ["2024-04-23"]  # the first day overdue is said once


@pytest.mark.parametrize(
    ("start", "due", "text"),
    [
        (date(2024, 4, 1), date(2024, 4, 20), "2024-04-01~04-20"),
        (date(2028, 7, 1), date(2029, 1, 2), "2028-07-01~2029-01-02"),
        (date(2024, 12, 1), date(2025, 1, 31), "2024-12-01~2025-01-31"),
    ],
)
def test_board_window_names_the_end_year_when_it_differs(start: date, due: date, text: str) -> None:
    """A window crossing a year prints the end's year; within one year it stays short."""
    assert window_text(start, due) == text
