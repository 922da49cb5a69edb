"""`init` and `import`: a fresh home, past progress with real dates, and plan changes that would orphan facts."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from config.settings import DEFAULT_PLAN
from db.models import AuditEntry, CheckInRow, PlanVersion, ReviewRow
from db.schema import EXPECTED_REVISION

runner = CliRunner()

HISTORY = """\
events:
  - {type: checkin, step: mobilize.work-plan, by: eco, at: 2024-04-08, files: [plan.docx]}
  - {type: checkin, step: mobilize.leading-group, by: gov, at: 2024-04-12}
  - {type: checkin, step: mobilize.commission, by: eco, at: "2024-04-15T16:20"}
  - {type: checkin, step: draft.survey, by: tech, at: 2024-04-26}
  - {type: checkin, step: draft.compile, by: tech, at: 2024-05-06}
  - {type: review, step: draft.compile, by: office, decision: return, at: 2024-05-07, reason: 指标不全, resubmit_by: 2024-05-09}
"""


def test_fresh_home_init_import_status(db_url: str, tmp_path: Path) -> None:
    """init migrates and loads the plan (twice is a no-op); import records history; status shows it."""
    env = {"LIANGSHAN_DB_URL": db_url, "LIANGSHAN_HOME": str(tmp_path / "home")}
    first = runner.invoke(app, ["init"], env=env)
    assert first.exit_code == 0, first.output
    assert f"空 → {EXPECTED_REVISION}" in first.stdout and "已载入新版本" in first.stdout
    second = runner.invoke(app, ["init"], env=env)
    assert "已是最新" in second.stdout and "未改变" in second.stdout

    (tmp_path / "plan.docx").write_text("工作方案", encoding="utf-8")
    events = tmp_path / "history.yaml"
    events.write_text(HISTORY, encoding="utf-8")
    imported = runner.invoke(app, ["import", str(events), "--json"], env=env)
    assert imported.exit_code == 0, imported.output
    assert len(json.loads(imported.stdout)["created"]) == 8  # rows: one per deliverable (3 steps have two)
    again = runner.invoke(app, ["import", str(events), "--json"], env=env)
    assert json.loads(again.stdout) | {"existing": []} == {"created": [], "existing": []}

    board = json.loads(runner.invoke(app, ["status", "--as-of", "2024-05-08", "--json"], env=env).stdout)
    steps = {s["id"]: s for s in board["steps"]}
    assert steps["mobilize.work-plan"]["done_on"] == "2024-04-08"
    assert steps["mobilize.commission"]["done_on"] == "2024-04-15"
    assert steps["draft.survey"]["status"] == "done"
    assert (steps["draft.compile"]["status"], steps["draft.compile"]["returned_reason"]) == ("returned", "指标不全")
    assert steps["draft.publish"]["blocked_by"] == ["draft.compile"]


def test_import_is_all_or_nothing(db_url: str, tmp_path: Path) -> None:
    """One blocked event refuses the whole import with its line; nothing is written."""
    env = {"LIANGSHAN_DB_URL": db_url, "LIANGSHAN_HOME": str(tmp_path / "home")}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    (tmp_path / "plan.docx").write_text("工作方案", encoding="utf-8")
    events = tmp_path / "history.yaml"
    events.write_text(HISTORY.replace("step: mobilize.commission, by: eco", "step: mobilize.leading-group, by: gov"),
                      encoding="utf-8")
    result = runner.invoke(app, ["import", str(events)], env=env)
    assert result.exit_code == 3
    assert "第 5 行" in result.stderr and "mobilize.commission" in result.stderr
    board = json.loads(runner.invoke(app, ["status", "--as-of", "2024-05-08", "--json"], env=env).stdout)
    assert all(s["status"] != "done" for s in board["steps"])


def test_plan_change_that_orphans_facts_is_refused(db_url: str, tmp_path: Path) -> None:
    """Dropping a deliverable that has a check-in is refused; a harmless edit loads a new version."""
    env = {"LIANGSHAN_DB_URL": db_url, "LIANGSHAN_HOME": str(tmp_path / "home")}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    assert runner.invoke(app, ["checkin", "mobilize.work-plan", "--by", "eco", "--at", "2024-04-08"], env=env).exit_code == 0
    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    dropped = tmp_path / "dropped.yaml"
    dropped.write_text(text.replace("          - {id: task-breakdown, title: 创建任务分解及责任单位清单}\n", ""),
                       encoding="utf-8")
    refused = runner.invoke(app, ["init", "--plan", str(dropped)], env=env)
    assert refused.exit_code == 3
    assert "mobilize.work-plan/task-breakdown" in refused.stderr
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(text.replace("title: 颁布实施", "title: 颁布实施《实施方案》"), encoding="utf-8")
    loaded = runner.invoke(app, ["init", "--plan", str(renamed)], env=env)
    assert loaded.exit_code == 0 and "已载入新版本" in loaded.stdout
    stale = runner.invoke(app, ["checkin", "mobilize.commission", "--by", "eco"], env=env)
    assert stale.exit_code == 2 and "liangshan init" in stale.stderr  # the default plan is no longer in force

    from db.engine import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as s:
        assert s.scalar(select(func.count()).select_from(PlanVersion)) == 2
        assert s.scalar(select(func.count()).select_from(CheckInRow)) == 2
        assert s.scalar(select(func.count()).select_from(ReviewRow)) == 0
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    engine.dispose()
    assert actions == ["plan_load", "checkin", "checkin", "plan_load"]
