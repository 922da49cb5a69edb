"""交办事项 in the database, on both backends: recorded as the next task.<n>, withdrawn, merged into the plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import SHANGHAI
from core.workdays import WorkdayCalendar
from db import repo
from db.models import AuditEntry, TaskRow
from db.plans import load_plan_version
from db.records import CheckInRequest, Recorder
from db.refusals import Refusal
from db.tasks import TaskRequest, add_task, close_task, task_rows, with_tasks
from tests.db.conftest import Database

AFTER_MEETING = datetime(2026, 12, 2, 15, 0, tzinfo=SHANGHAI)


def later() -> datetime:
    return datetime(2027, 6, 1, tzinfo=SHANGHAI)


def count(database: Database, model: type) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_task_is_the_next_step_of_its_track_and_a_withdrawn_one_leaves(database: Database) -> None:
    """Two tasks become task.1 and task.2 on the track 交办事项; withdrawing one takes it off the plan."""
    plan = load_plan(DEFAULT_PLAN)
    first = add_task(database.sessions, plan, "clerk", TaskRequest(
        "完善涝峪河道生态修复方案", ("water", "eco"), "2027年1月底", meeting="meetings.2026q4", at=AFTER_MEETING),
        now=later)
    second = add_task(database.sessions, plan, "clerk", TaskRequest(
        "上报两山转化典型经验", ("eco",), "2027-02-10", source="批示", ref="鄠政批〔2026〕12号", review=True,
        deliverable="经验材料", at=AFTER_MEETING), now=later)
    assert (first["id"], first["due"], first["due_text"], first["lead"]) == ("task.1", "2027-01-31", "2027年1月底", "water")
    assert (second["id"], second["source"], second["ref"]) == ("task.2", "批示", "鄠政批〔2026〕12号")
    with database.sessions() as session:
        merged = with_tasks(session=session, plan=plan)
    assert merged.content_hash == plan.content_hash
    step = merged.steps["task.2"]
    assert (step.phase, step.owners, step.review, step.deliverables[0].title) == ("tasks", ("eco",), True, "经验材料")
    assert step.window.start == date(2026, 12, 2)
    assert [t.id for t in merged.tracks][-1] == "tasks" and merged.tracks[-1].title == "交办事项"
    close_task(database.sessions, plan, "clerk", "task.1", "会议决定并入 build.pathways 推进", now=later)
    with database.sessions() as session:
        merged = with_tasks(session=session, plan=plan)
        rows = task_rows(session=session, plan_id=plan.id)
    assert "task.1" not in merged.steps and "task.2" in merged.steps
    assert [r["closed"] for r in rows] == [True, False]
    with database.sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "task")))
    assert actions == ["task_add", "task_add", "task_close"]


@pytest.mark.parametrize(("request_", "words"), [
    (TaskRequest("事项", (), "2027-01-29", meeting="meetings.2026q4", at=AFTER_MEETING), "至少要有一个责任单位"),
    (TaskRequest("事项", ("watr",), "2027-01-29", meeting="meetings.2026q4", at=AFTER_MEETING), "water"),
    (TaskRequest("事项", ("water",), "2026-11-30", meeting="meetings.2026q4", at=AFTER_MEETING), "早于交办日期"),
    (TaskRequest("事项", ("water",), "2027-01-29", meeting="meetings.2026q5", at=AFTER_MEETING), "meetings.2026q4"),
    (TaskRequest("事项", ("water",), "2027-01-29", source="批示", at=AFTER_MEETING), "文号"),
    (TaskRequest("事项", ("water",), "明年", meeting="meetings.2026q4", at=AFTER_MEETING), "不是日期"),
    (TaskRequest("事项", ("water",), "2027-01-29", meeting="meetings.2026q4", at=AFTER_MEETING, by="water"), "只有领导小组办公室"),
])
def test_refused_tasks_write_nothing(database: Database, request_: TaskRequest, words: str) -> None:
    """Each wrong task is refused with what to fix (closest ids for an unknown one), and no row or audit entry is written."""
    plan = load_plan(DEFAULT_PLAN)
    audit = count(database, AuditEntry)
    with pytest.raises(Refusal) as refused:
        add_task(database.sessions, plan, "clerk", request_, now=later)
    assert words in refused.value.zh
    assert refused.value.code == (3 if request_.by != "office" else 2)
    assert count(database, TaskRow) == 0 and count(database, AuditEntry) == audit


def test_closing_needs_a_reason_and_a_task(database: Database) -> None:
    """Withdrawing without a reason, or a task that does not exist, is refused and changes nothing."""
    plan = load_plan(DEFAULT_PLAN)
    add_task(database.sessions, plan, "clerk", TaskRequest("事项", ("water",), "2027-01-29", meeting="meetings.2026q4",
                                                           at=AFTER_MEETING), now=later)
    with pytest.raises(Refusal, match="原因"):
        close_task(database.sessions, plan, "clerk", "task.1", "  ", now=later)
    with pytest.raises(Refusal, match="没有交办事项"):
        close_task(database.sessions, plan, "clerk", "task.9", "重复", now=later)
    with database.sessions() as session:
        assert not task_rows(session=session, plan_id=plan.id)[0]["closed"]


def test_a_new_plan_version_keeps_the_facts_of_tasks(database: Database) -> None:
    """Loading an edited plan file does not call a task's check-ins orphans (the task is no step of the file)."""
    plan = load_plan(DEFAULT_PLAN)
    add_task(database.sessions, plan, "clerk", TaskRequest("事项", ("water",), "2027-01-29", meeting="meetings.2026q4",
                                                           at=AFTER_MEETING), now=later)
    with database.sessions() as session:
        merged = with_tasks(session=session, plan=plan)
    Recorder(database.sessions, merged, WorkdayCalendar(), database.home, "clerk", now=later).checkin(
        CheckInRequest("task.1", "water", note="已落实", at=datetime(2026, 12, 20, 10, tzinfo=SHANGHAI)))
    edited = replace(plan, content_hash="0" * 64)
    load = load_plan_version(database.sessions, edited, DEFAULT_PLAN.read_text(encoding="utf-8") + "\n# 修订\n", "clerk")
    assert load.changed


def test_history_of_task_1_is_not_task_10s(database: Database) -> None:
    """history --step task.1 lists task.1's entries only, though task.10 starts with the same letters."""
    plan = load_plan(DEFAULT_PLAN)
    for n in range(10):
        add_task(database.sessions, plan, "clerk", TaskRequest(f"事项{n + 1}", ("water",), "2027-01-29",
                                                               meeting="meetings.2026q4", at=AFTER_MEETING), now=later)
    with database.sessions() as session:
        entries = repo.history(session=session, plan_id=plan.id, step_id="task.1")
    assert [(e.entity_id, e.action) for e in entries] == [("task.1", "task_add")]
