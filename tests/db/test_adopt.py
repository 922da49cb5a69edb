"""Adopting the plan mid-way (中途接入) on a fresh database, on SQLite and PostgreSQL.

The office starts on 2026-12-01 with ``tracking: {since: 2026-12-01}``: the first tick says nothing
of the past, the board still shows it; ``adopt`` writes the history to fill in, and once filled and
imported the board is the example history's.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app
from config.events import load_events, parse_moment
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.collect import Collected, collected_events
from core.events import Facts
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar
from db.models import OutboxMessage
from db.plans import load_plan_version
from db.repo import load_all_events
from tasks.notifier import RecordingNotifier
from tasks.notify import drafts_for_day, run_notifications
from tests.db.conftest import Database

runner = CliRunner()
DAY = date(2026, 12, 1)
EXAMPLES = DEFAULT_PLAN.parent.parent / "examples"


def _tracked_plan(database: Database, tmp_path: Path) -> tuple[Plan, Path]:
    """A copy of the Huyi plan with tracking: {since: 2026-12-01}, loaded into the database as `init` would."""
    text = DEFAULT_PLAN.read_text(encoding="utf-8") + f"\ntracking:\n  since: {DAY}\n"
    path = tmp_path / "huyi-adopted.yaml"
    path.write_text(text, encoding="utf-8")
    plan = load_plan(path)
    assert plan.settings.tracking_since == DAY
    load_plan_version(database.sessions, plan, text, "tester")
    return plan, path


def test_first_tick_after_adoption_says_nothing_of_the_past(database: Database, tmp_path: Path) -> None:
    """Fresh database, first tick on 2026-12-01: no 督办, no message about a step due before the day; the board
    still shows those steps overdue."""
    plan, path = _tracked_plan(database, tmp_path)
    calendar = WorkdayCalendar()
    engine = Engine(plan, calendar)
    with database.sessions() as session:
        events = load_all_events(session=session, plan=plan)
    drafts = drafts_for_day(plan, engine, Facts(events), DAY, portal=False)
    board = engine.board(Facts(events), DAY)
    assert not any("escalation" in d.rungs or "overdue" in d.rungs for d in drafts)
    assert all(board.steps[s].due >= DAY for d in drafts for s in d.steps)

    notifier = RecordingNotifier()
    report = run_notifications(plan, calendar, events, DAY, notifier, database.sessions, home=database.home)
    assert report.failed == 0
    assert all(m.recipient != "leaders" and "督办" not in m.subject + m.body for m in notifier.sent)
    past = [sid for sid, st in board.steps.items() if st.due < DAY]
    for message in notifier.sent:
        assert not any(plan.steps[sid].title in message.body for sid in past if plan.steps[sid].series is None), message
    with database.sessions() as session:
        assert all(m.recipient != "leaders" for m in session.scalars(select(OutboxMessage)))

    shown = runner.invoke(app, ["status", "--as-of", str(DAY), "--json", "--plan", str(path)], env=database.env())
    assert shown.exit_code == 0, shown.output
    steps = {s["id"]: s for s in json.loads(shown.stdout)["steps"]}
    assert steps["mobilize.work-plan"]["status"] == "overdue"
    assert steps["meetings.2026q3"]["status"] == "overdue"
    assert steps["indicators.2025"]["status"] == "overdue"


def _example_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    def rows(name: str, key: str) -> list[dict[str, Any]]:
        data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
        return list(data[key])

    return (rows("huyi-sample-events.yaml", "events"), rows("huyi-sample-indicators.yaml", "values"),
            rows("huyi-sample-cases.yaml", "cases"))


def _fill(template: str) -> str:
    """The template as the office fills it with the example history: real days, who handed in, values and titles;
    rows that did not happen deleted. Comments are kept, as an editor keeps them."""
    events, values, cases = _example_rows()
    checkins = {e["step"]: e for e in events if e["type"] == "checkin"}
    reviews = {e["step"]: e for e in events if e["type"] == "review"}
    by_value = {(str(v["indicator"]), int(v["year"])): v for v in values}
    by_case = {(str(c["theme"]), int(c["year"])): c for c in cases}
    out = []
    for line in template.splitlines():
        if not line.startswith("  - {"):
            out.append(line)
            continue
        (row,) = yaml.safe_load(line.strip())
        if row["type"] == "checkin":
            found = checkins.get(row["step"])
            fill = {"at": found["at"], "by": found["by"]} if found else None
        elif row["type"] == "review":
            found = reviews.get(row["step"])
            fill = {"at": found["at"], "decision": found["decision"]} if found else None
        elif row["type"] == "progress":
            found = None  # the example history has no progress reports: the rows are deleted
            fill = None
        elif row["type"] == "value":
            found = by_value.get((row["indicator"], row["year"]))
            fill = {"value": found["value"], "by": found["by"], "at": found["at"]} if found else None
        else:
            found = by_case.get((row["theme"], row["year"]))
            fill = {"title": found["title"], "by": found["by"], "at": found["at"]} if found else None
        if fill is not None:
            row.update(fill)
            out.append("  - " + yaml.safe_dump(row, default_flow_style=True, allow_unicode=True, sort_keys=False,
                                               width=10_000).strip())
    return "\n".join(out) + "\n"


def _example_board(plan: Plan) -> dict[str, tuple[str, str | None]]:
    """Each step's status and done day on 2026-12-01 from the example history (events + indicators + cases)."""
    _, values, cases = _example_rows()
    records = [Collected("indicators", str(v["indicator"]), int(v["year"]), v["by"], parse_moment(v["at"])) for v in values]
    records += [Collected("cases", str(c["theme"]), int(c["year"]), c["by"], parse_moment(c["at"])) for c in cases]
    facts = Facts([*load_events(EXAMPLES / "huyi-sample-events.yaml", plan), *collected_events(plan, records)])
    board = Engine(plan, WorkdayCalendar()).board(facts, DAY)
    return {sid: (st.status, str(st.done_on) if st.done_on else None) for sid, st in board.steps.items()}


def _import(database: Database, plan_path: Path, filled: Path) -> None:
    done = runner.invoke(app, ["import", str(filled), "--plan", str(plan_path)], env=database.env())
    assert done.exit_code == 0, done.output


def test_adopt_template_filled_and_imported_matches_the_example_board(database: Database, tmp_path: Path) -> None:
    """adopt --as-of 2026-12-01 writes every row due before the day; filled with the example history and imported,
    the board on that day is the example history's, step by step."""
    plan, plan_path = _tracked_plan(database, tmp_path)
    env, with_plan = database.env(), ["--plan", str(plan_path)]
    template = tmp_path / "history.yaml"
    wrote = runner.invoke(app, ["adopt", "--as-of", str(DAY), "--out", str(template), *with_plan], env=env)
    assert wrote.exit_code == 0, wrote.output
    assert "已写出" in wrote.stdout and "计划文件已有 tracking" in wrote.stdout  # the plan file says since: 2026-12-01
    text = template.read_text(encoding="utf-8")
    rows = yaml.safe_load(text)["events"]
    assert {r["step"] for r in rows if r["type"] == "checkin"} >= {"mobilize.work-plan", "meetings.2026q3",
                                                                   "build.annual-plan.2026"}
    assert not any(r["step"].startswith(("meetings.2026q4", "build.annual-summary.2026")) for r in rows if "step" in r)
    assert sum(r["type"] == "value" and r["value"] is None for r in rows) == 60  # baseline 2023, 2024, 2025
    assert {(r["theme"], r["title"]) for r in rows if r["type"] == "case"} >= {("8", None)}
    assert len([r for r in rows if r["type"] == "case"]) == 24  # 8 themes x 2024-2026
    progress = [r for r in rows if r["type"] == "progress"]
    assert len(progress) == 13 * 8  # build.pathways' 13 bureaus x 2024q4..2026q3 (2026q4 is due 12-17)
    assert {(r["period"], r["at"]) for r in progress if r["by"] == "ndrc"} >= {("2024q4", date(2024, 12, 17))}
    assert all(r["text"] is None and r["step"] == "build.pathways" for r in progress)
    assert "进展报送 104 行" in wrote.stdout

    refused = runner.invoke(app, ["adopt", "--as-of", str(DAY), "--out", str(template), *with_plan], env=env)
    assert refused.exit_code == 2 and "--force" in refused.output
    assert template.read_text(encoding="utf-8") == text

    filled = tmp_path / "filled.yaml"
    filled.write_text(_fill(text), encoding="utf-8")
    _import(database, plan_path, filled)

    shown = runner.invoke(app, ["status", "--as-of", str(DAY), "--json", *with_plan], env=env)
    assert shown.exit_code == 0, shown.output
    got = {s["id"]: (s["status"], s["done_on"]) for s in json.loads(shown.stdout)["steps"]}
    assert got == _example_board(plan)
    assert got["cases.8.2026"][0] == "overdue" and got["mobilize.work-plan"][0] == "done"


def test_unfilled_value_is_refused_naming_its_line(database: Database, tmp_path: Path) -> None:
    """Importing the template as written is refused, all or nothing, with the line of a `value: null` to fill."""
    _, plan_path = _tracked_plan(database, tmp_path)
    env, with_plan = database.env(), ["--plan", str(plan_path)]
    template = tmp_path / "history.yaml"
    assert runner.invoke(app, ["adopt", "--as-of", str(DAY), "--out", str(template), *with_plan], env=env).exit_code == 0
    lines = template.read_text(encoding="utf-8").splitlines()
    first_null = next(n for n, line in enumerate(lines, start=1) if line.startswith("  - {type: value") and "value: null" in line)
    refused = runner.invoke(app, ["import", str(template), *with_plan], env=env)
    assert refused.exit_code == 2
    assert f":{first_null}:" in refused.output


@pytest.mark.parametrize("as_of", ["2024-03-31", "2030-01-01", "someday"])
def test_adopt_refuses_a_day_outside_the_plan(as_of: str, tmp_path: Path) -> None:
    """A day before the plan starts or after it ends (or no day at all) is exit 2, and no file is written."""
    target = tmp_path / "history.yaml"
    refused = runner.invoke(app, ["adopt", "--as-of", as_of, "--out", str(target)], env={"LIANGSHAN_HOME": str(tmp_path)})
    assert refused.exit_code == 2, refused.output
    assert not target.exists()


def _fill_placeholders(template: str) -> str:
    """The template with only its placeholders filled (every suggested day and bureau kept): an office
    whose plan ran on time."""
    return (template.replace("value: null", "value: 1").replace("title: null", "title: 示范案例")
            .replace("text: null", "text: 本季度按计划推进转化路径探索，形成了阶段性工作成果。"))


def test_template_with_every_suggested_day_kept_imports_and_every_past_step_is_done_on_time(
        database: Database, tmp_path: Path) -> None:
    """Steps of one chain that fall due on one day (draft.compile, reviewed, then draft.publish, 2024-05-10) are
    suggested one after another, so the template as generated, placeholders filled, is accepted; the board
    from the database then equals the board read from the file, and every step due before the day is done on
    its due day."""
    plan, plan_path = _tracked_plan(database, tmp_path)
    env, with_plan = database.env(), ["--plan", str(plan_path)]
    template = tmp_path / "h.yaml"
    assert runner.invoke(app, ["adopt", "--as-of", str(DAY), "--out", str(template), *with_plan], env=env).exit_code == 0
    filled = tmp_path / "filled.yaml"
    filled.write_text(_fill_placeholders(template.read_text(encoding="utf-8")), encoding="utf-8")
    rows = {(r["type"], r.get("step")): parse_moment(r["at"]) for r in yaml.safe_load(filled.read_text())["events"]}
    assert rows[("review", "draft.compile")] < rows[("checkin", "draft.publish")]

    _import(database, plan_path, filled)

    def board(*extra: str) -> dict[str, tuple[str, str | None]]:
        shown = runner.invoke(app, ["status", "--as-of", str(DAY), "--json", *with_plan, *extra], env=env)
        assert shown.exit_code == 0, shown.output
        return {s["id"]: (s["status"], s["done_on"]) for s in json.loads(shown.stdout)["steps"]}

    imported = board()
    assert imported == board("--events", str(filled))
    due = Engine(plan, WorkdayCalendar()).due
    past = {sid for sid in plan.steps if due[sid] < DAY}
    assert {"draft.compile", "draft.publish", "apply.materials", "indicators.2025", "cases.8.2026"} <= past
    assert {sid: imported[sid] for sid in past} == {sid: ("done", str(due[sid])) for sid in past}


def test_a_filled_progress_row_is_imported(database: Database, tmp_path: Path) -> None:
    """One progress row of the template, filled with its text, imports as a report received on its day."""
    _, plan_path = _tracked_plan(database, tmp_path)
    env, with_plan = database.env(), ["--plan", str(plan_path)]
    template = tmp_path / "history.yaml"
    assert runner.invoke(app, ["adopt", "--as-of", str(DAY), "--out", str(template), *with_plan], env=env).exit_code == 0
    line = next(x for x in template.read_text(encoding="utf-8").splitlines()
                if x.startswith("  - {type: progress") and "by: ndrc" in x and "2024q4" in x)
    filled = tmp_path / "filled.yaml"
    text = "text: 已完成转化路径调研并形成工作思路和项目清单初稿"
    filled.write_text("events:\n" + line.split("  #")[0].replace("text: null", text) + "\n", encoding="utf-8")
    _import(database, plan_path, filled)
    rows = json.loads(runner.invoke(app, ["progress", "list", "--period", "2024q4", "--by", "ndrc", "--as-of",
                                          str(DAY), "--json", *with_plan], env=env).stdout)
    assert [(r["bureau"], r["status"]) for r in rows] == [("ndrc", "received")]
