"""Many plans in one database: init loads each, facts stay with their plan, `status --all` agrees with each board."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from tests.cli.test_many_plans import OTHER_ID, OTHER_TITLE, two_plans
from tests.db.conftest import Database

runner = CliRunner()
DAY = "2024-04-30"


def test_init_loads_every_plan(db_url: str, tmp_path: Path) -> None:
    """`init` without --plan loads each plan of the folder, one line each; `plans` then says both are in force."""
    env = {"LIANGSHAN_DB_URL": db_url, "LIANGSHAN_HOME": str(tmp_path / "home"),
           "LIANGSHAN_PLANS": str(two_plans(tmp_path / "plans"))}
    first = runner.invoke(app, ["init"], env=env)
    assert first.exit_code == 0, first.output
    lines = [line for line in first.stdout.splitlines() if line.startswith("计划 plan:")]
    assert len(lines) == 2 and all("已载入新版本" in line for line in lines)
    assert any(OTHER_ID in line for line in lines) and any("huyi-two-mountains" in line for line in lines)
    listed = json.loads(runner.invoke(app, ["plans", "--json"], env=env).stdout)["plans"]
    assert [r["in_database"] for r in listed] == [True, True]


def test_status_all_matches_each_board(database: Database, tmp_path: Path) -> None:
    """A check-in of one plan shows on its board only; `status --all` has one row per plan matching its own board."""
    env = {**database.env(), "LIANGSHAN_PLANS": str(two_plans(tmp_path / "plans"))}
    assert runner.invoke(app, ["init", "--plan", OTHER_ID], env=env).exit_code == 0
    done = runner.invoke(app, ["checkin", "mobilize.work-plan", "--by", "eco", "--at", "2024-04-08", "--plan", OTHER_ID],
                         env=env)
    assert done.exit_code == 0, done.output
    boards, ends = {}, {}
    for pid in (OTHER_ID, "huyi-two-mountains"):
        result = runner.invoke(app, ["status", "--json", "--as-of", DAY, "--plan", pid], env=env)
        assert result.exit_code == 0, result.output
        own = json.loads(result.stdout)
        boards[pid], ends[pid] = {s["id"]: s for s in own["steps"]}, own["end"]
    assert boards[OTHER_ID]["mobilize.work-plan"]["status"] == "done"
    assert boards["huyi-two-mountains"]["mobilize.work-plan"]["status"] != "done"

    result = runner.invoke(app, ["status", "--all", "--json", "--as-of", DAY], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["as_of"] == DAY and [r["id"] for r in doc["plans"]] == [OTHER_ID, "huyi-two-mountains"]
    assert doc["plans"][0]["title"] == OTHER_TITLE
    for row in doc["plans"]:
        steps = boards[row["id"]].values()
        assert row["lights"] == {k: sum(s["light"] == k for s in steps) for k in ("green", "yellow", "red", "grey")}
        assert row["overdue"] == row["lights"]["red"]
        assert (row["forecast_end"], row["end_due"]) == (ends[row["id"]]["forecast_due"], ends[row["id"]]["due"])
        phase = [s for s in steps if s["phase"]]
        assert row["progress"] == round(100 * sum(s["status"] == "done" for s in phase) / len(phase), 1)
        pending = sorted((s["due"], s["id"]) for s in steps if s["status"] != "done" and s["due"] >= DAY)
        assert row["next_deadline"]["due"] == pending[0][0] and row["next_deadline"]["step"] == pending[0][1]
    assert doc["plans"][0]["lights"]["green"] == doc["plans"][1]["lights"]["green"] + 1
    table = runner.invoke(app, ["status", "--all", "--as-of", DAY], env=env)
    assert table.exit_code == 0 and "全部计划" in table.stdout and OTHER_TITLE in table.stdout
