"""``liangshan task`` on both databases: a task is recorded, works like a step everywhere, and refusals write nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from cli.main import app
from db.models import AuditEntry, TaskRow
from tests.db.conftest import Database

runner = CliRunner()
ADD = ("task", "add", "--title", "完善涝峪河道生态修复方案", "--owners", "water,eco", "--due", "2026-01-29",
       "--meeting", "meetings.2025q4", "--review", "--at", "2025-12-02T15:00")


def run(database: Database, *args: str) -> Result:
    return runner.invoke(app, list(args), env=database.env())


def count(database: Database, model: type) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def board(database: Database, day: str) -> dict[str, dict[str, object]]:
    result = run(database, "status", "--json", "--as-of", day)
    assert result.exit_code == 0, result.output
    return {s["id"]: s for s in json.loads(result.stdout)["steps"]}


def test_a_task_takes_checkin_review_ack_and_extend_like_a_step(database: Database) -> None:
    """task add prints task.1; the board shows it on the track 交办事项; 签收, 延期, 报送 and 审核 work on it."""
    added = run(database, *ADD)
    assert added.exit_code == 0, added.output
    assert added.stdout.splitlines()[0] == "task.1"
    second = run(database, "task", "add", "--title", "报送批示落实情况", "--owners", "eco", "--due", "2026年2月底",
                 "--source", "批示", "--ref", "鄠政批〔2025〕12号", "--at", "2025-12-03", "--json")
    assert json.loads(second.stdout)["id"] == "task.2" and json.loads(second.stdout)["due"] == "2026-02-28"
    step = board(database, "2025-12-10")["task.1"]
    assert (step["track"], step["owners"], step["light"]) == ("tasks", ["water", "eco"], "green")
    assert run(database, "ack", "task.1", "--by", "water").exit_code == 0
    assert run(database, "extend", "task.1", "--to", "2026-02-26", "--reason", "汛后施工").exit_code == 0
    handed = run(database, "checkin", "task.1", "--by", "water", "--note", "方案已编制", "--at", "2026-02-20T10:00")
    assert handed.exit_code == 0, handed.output
    assert board(database, "2026-02-21")["task.1"]["status"] == "submitted"
    assert run(database, "review", "task.1", "--by", "office", "--accept", "--at", "2026-02-22").exit_code == 0
    done = board(database, "2030-01-02")["task.1"]  # after the extension, granted today
    assert (done["status"], done["due"], done["late"]) == ("done", "2026-02-26", False)
    listed = json.loads(run(database, "task", "list", "--json").stdout)
    assert [(t["id"], t["lead"], t["closed"]) for t in listed] == [("task.1", "water", False), ("task.2", "eco", False)]
    history = run(database, "history", "--step", "task.1", "--json")
    assert history.exit_code == 0, history.output
    actions = [e["action"] for e in json.loads(history.stdout)]
    assert actions[0] == "task_add" and "checkin" in actions and "review_accept" in actions


def test_a_withdrawn_task_leaves_the_board_and_takes_no_checkin(database: Database) -> None:
    """task close --reason takes the task off the board; a check-in on it is then an unknown step."""
    assert run(database, *ADD).exit_code == 0
    closed = run(database, "task", "close", "task.1", "--reason", "并入 build.pathways 统筹推进")
    assert closed.exit_code == 0 and "已撤销" in closed.stdout
    assert "task.1" not in board(database, "2026-03-01")
    refused = run(database, "checkin", "task.1", "--by", "water")
    assert refused.exit_code == 2 and "已由办公室撤销" in refused.output
    assert "已撤销" in run(database, "task", "list").stdout


@pytest.mark.parametrize(("change", "words"), [
    (("--owners", ""), "至少要有一个责任单位"),
    (("--owners", "watr,eco"), "water"),
    (("--due", "2025-11-30"), "早于交办日期"),
    (("--meeting", "meetings.2025q5"), "meetings.2025q4"),
])
def test_refused_tasks_exit_2_and_write_nothing(database: Database, change: tuple[str, str], words: str) -> None:
    """No owner, an unknown owner (closest ids), a due before --at, a meeting that does not exist: exit 2, nothing written."""
    args = list(ADD)
    args[args.index(change[0]) + 1] = change[1]
    audit = count(database, AuditEntry)
    result = run(database, *args)
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split()) and "未做任何改动" in result.output
    assert count(database, TaskRow) == 0 and count(database, AuditEntry) == audit


def test_a_bureau_cannot_assign_or_withdraw(database: Database) -> None:
    """Only the office assigns or withdraws a task (exit 3)."""
    assert run(database, *ADD, "--by", "water").exit_code == 3
    assert run(database, *ADD).exit_code == 0
    assert run(database, "task", "close", "task.1", "--reason", "不想办", "--by", "water").exit_code == 3
    assert count(database, TaskRow) == 1


EVENTS = """events:
  - {type: task, id: task.1, title: 完善涝峪河道生态修复方案, owners: [water, eco], due: 2026年1月底,
     meeting: meetings.2025q4, review: true, at: "2025-12-02T15:00"}
  - {type: task, id: task.2, title: 报送批示落实情况, owners: [eco], due: 2026-02-27, source: 批示, ref: 鄠政批〔2025〕12号,
     at: 2025-12-03}
  - {type: task, id: task.3, title: 已撤销事项, owners: [qinling], due: 2026-03-31, meeting: meetings.2025q4,
     at: 2025-12-02, closed_at: 2025-12-20, close_reason: 并入年度计划}
  - {type: checkin, step: task.1, by: water, at: "2026-02-04T10:00", note: 方案已编制}
  - {type: review, step: task.1, by: office, decision: accept, at: 2026-02-05}
  - {type: ack, step: task.2, by: eco, at: 2025-12-05}
"""


def test_an_events_file_with_tasks_replays_to_the_same_board_as_the_database(database: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """status --events on a file with tasks shows what import of the same file then shows from the database."""
    path = tmp_path / "history.yaml"
    path.write_text(EVENTS, encoding="utf-8")

    def views(*source: str) -> list[dict[str, object]]:
        shown = []
        for day in ("2025-12-10", "2026-02-03", "2026-02-06", "2026-03-02"):
            result = run(database, "status", "--json", "--as-of", day, *source)
            assert result.exit_code == 0, result.output
            doc = json.loads(result.stdout)
            shown.append({"steps": doc["steps"], "tracks": doc["tracks"], "phases": doc["phases"]})
        return shown

    from_file = views("--events", str(path))
    tasks = {s["id"]: s for s in from_file[1]["steps"] if s["track"] == "tasks"}  # type: ignore[index, union-attr]
    assert set(tasks) == {"task.1", "task.2"} and tasks["task.1"]["light"] == "red"
    imported = run(database, "import", str(path))
    assert imported.exit_code == 0, imported.output
    assert views() == from_file
    again = run(database, "import", str(path))  # the same file again writes nothing new
    assert again.exit_code == 0 and count(database, TaskRow) == 3
    replayed = run(database, "simulate", "--from", "2026-01-20", "--to", "2026-02-10", "--json", "--events", str(path))
    changes = [(t["step"], t["to"]) for t in json.loads(replayed.stdout)["transitions"] if t["step"] == "task.1"]
    assert changes == [("task.1", "due_soon"), ("task.1", "overdue"), ("task.1", "submitted"), ("task.1", "done")]
