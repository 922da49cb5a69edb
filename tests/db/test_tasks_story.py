"""The issue's story on both databases: a meeting decides a task; it turns red on its day, is reminded, handed in,
reviewed and closed, and the next meeting's pack opens with it under 上次会议议定事项落实情况."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from typer.testing import CliRunner, Result

from cli.main import app
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import Facts
from core.outline import Heading, Table
from core.pack import pack_outline
from core.status import Engine
from core.workdays import WorkdayCalendar
from db import outbox, repo
from db.documents import load_document_facts
from db.models import OutboxMessage
from db.tasks import with_tasks
from tasks.notify import drafts_for_day
from tests.db.conftest import Database

runner = CliRunner()
TITLE = "完善涝峪河道生态修复方案"


def run(database: Database, *args: str) -> Result:
    result = runner.invoke(app, list(args), env=database.env())
    assert result.exit_code == 0, result.output
    return result


def light(database: Database, day: str, step: str) -> tuple[str, str]:
    steps = {s["id"]: s for s in json.loads(run(database, "status", "--json", "--as-of", day).stdout)["steps"]}
    return steps[step]["status"], steps[step]["light"]


def remind(database: Database, day: date) -> list[OutboxMessage]:
    """What the ladder queues in the outbox on ``day``, as the daily run does (the plan with its tasks)."""
    with database.sessions() as session:
        plan = with_tasks(session=session, plan=load_plan(DEFAULT_PLAN))
        facts = Facts(repo.load_all_events(session=session, plan=plan))
        drafts = drafts_for_day(plan, Engine(plan, WorkdayCalendar()), facts, day, portal=False,
                                keep=lambda notices: outbox.unsent(session=session, notices=notices))
    ids = outbox.enqueue(database.sessions, plan.id, day, drafts)
    with database.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))))


def test_a_meeting_decision_is_tracked_to_close_and_reported_at_the_next_meeting(database: Database) -> None:
    made = run(database, "task", "add", "--title", TITLE, "--owners", "water,eco", "--due", "2025-10-31",
               "--meeting", "meetings.2025q3", "--review", "--at", "2025-09-26T16:00", "--json")
    assert json.loads(made.stdout)["id"] == "task.1"
    run(database, "task", "add", "--title", "编制秦岭生态保护年度报告", "--owners", "qinling", "--due", "2025年11月上旬",
        "--meeting", "meetings.2025q3", "--at", "2025-09-26T16:00")

    assert light(database, "2025-10-31", "task.1") == ("due_soon", "yellow")
    assert light(database, "2025-11-03", "task.1") == ("overdue", "red")  # the first working day after its due

    due = [m for m in remind(database, date(2025, 10, 30)) if TITLE in m.body]
    assert {m.recipient for m in due} >= {"water", "eco"}
    late = [m for m in remind(database, date(2025, 11, 3)) if TITLE in m.body]
    assert {"water", "office"} <= {m.recipient for m in late}
    assert not [m for m in remind(database, date(2025, 11, 3)) if TITLE in m.body]  # said once

    run(database, "checkin", "task.1", "--by", "water", "--note", "河道生态修复方案已编制并报区政府", "--at", "2025-11-04T10:00")
    assert light(database, "2025-11-04", "task.1")[0] == "submitted"
    run(database, "review", "task.1", "--by", "office", "--accept", "--at", "2025-11-05T09:00")
    assert light(database, "2025-11-05", "task.1") == ("done", "green")

    pack = run(database, "meeting", "pack", "meetings.2025q4", "--as-of", "2025-11-20").stdout
    opening = pack.split("## 一、")[0]
    assert "## 上次会议议定事项落实情况" in opening
    row = next(line for line in opening.splitlines() if TITLE in line)
    assert "已办结" in row and "河道生态修复方案已编制并报区政府" in row and "（牵头）" in row
    other = next(line for line in opening.splitlines() if "秦岭生态保护年度报告" in line)
    assert "逾期" in other and "2025-11-10" in other

    with database.sessions() as session:
        doc = load_document_facts(session=session, plan=load_plan(DEFAULT_PLAN), calendar=WorkdayCalendar(),
                                  as_of=date(2025, 11, 20))
    blocks = pack_outline(doc, "meetings.2025q4").blocks
    assert blocks[1] == Heading("上次会议议定事项落实情况", 1)
    table = next(b for b in blocks if isinstance(b, Table))
    assert [r[3] for r in table.rows] == ["已办结", "逾期"]
    first_pack = run(database, "meeting", "pack", "meetings.2025q3", "--as-of", "2025-09-20").stdout
    assert "上次会议议定事项落实情况" not in first_pack  # the tasks belong to the meeting after theirs
