"""交办事项 in the database: record, withdraw and list tasks, and merge them into a plan (see core.tasks).

Every place that pairs a plan with its facts asks :func:`with_tasks` for the plan it evaluates, so a
task is a step wherever steps are shown. Each write is one transaction with an audit entry; a refusal
writes nothing.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.events import SHANGHAI, EventProblem
from core.plan import Plan
from core.tasks import (
    DELIVERABLE_TITLE,
    Task,
    TaskClose,
    make_task,
    merge_tasks,
    task_id,
    task_number,
    task_problems,
)
from db import repo
from db.models import TaskRow, utcnow
from db.refusals import FORBIDDEN, INVALID, Refusal, moment_or_refuse

log = logging.getLogger("liangshan.tasks")

__all__ = [
    "TaskRequest",
    "add_task",
    "build_task",
    "close_task",
    "day_of",
    "due_shown",
    "load_tasks",
    "refreshed_plan",
    "task_dict",
    "task_rows",
    "tasks_stamp",
    "with_tasks",
    "write_close",
    "write_task",
]

_REASON_MAX = 2000


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """The office records a 议定事项 (``meeting``) or a leader's 批示 (``source`` 批示 with ``ref``)."""

    title: str
    owners: tuple[str, ...]
    due: str | date
    meeting: str | None = None
    source: str | None = None
    ref: str = ""
    deliverable: str = DELIVERABLE_TITLE
    review: bool = False
    at: datetime | None = None
    by: str = "office"


def _task(row: TaskRow) -> Task:
    return Task(task_id(row.number), row.title, tuple(row.owners), row.due, row.happened_at, row.source, row.ref,
                row.deliverable, row.review, "office", row.due_text)


def load_tasks(*, session: Session, plan_id: str) -> tuple[list[Task], list[TaskClose]]:
    """The plan's tasks in the order recorded, and the withdrawals among them."""
    rows = list(session.scalars(select(TaskRow).where(TaskRow.plan_id == plan_id).order_by(TaskRow.number)))
    closes = [TaskClose(task_id(r.number), r.closed_at, r.close_reason, r.closed_by or "office")
              for r in rows if r.closed_at is not None]
    return [_task(r) for r in rows], closes


def with_tasks(*, session: Session, plan: Plan) -> Plan:
    """The plan as the engine evaluates it: the plan file's steps and every open task (track 交办事项)."""
    tasks, closes = load_tasks(session=session, plan_id=plan.id)
    return merge_tasks(plan, tasks, [c.id for c in closes]) if tasks else plan


def refreshed_plan(sessions: sessionmaker[Session], plan: Plan,
                   kept: tuple[tuple[int, int, int], Plan] | None) -> tuple[tuple[int, int, int], Plan] | None:
    """(stamp, merged plan) of ``plan`` and its tasks, re-merged only when the tasks' stamp moved from ``kept``'s.

    A read session (no write lock on SQLite). When the database does not answer, ``kept`` stands: a long-running
    portal keeps its last merge and the page that needs the database says so itself.
    """
    from db.engine import read_session

    try:
        with read_session(sessions) as session:
            stamp = tasks_stamp(session=session, plan_id=plan.id)
            if kept is not None and kept[0] == stamp:
                return kept
            return stamp, with_tasks(session=session, plan=plan)
    except DBAPIError:
        log.warning("交办事项未能刷新（数据库无响应），沿用上次的 / tasks not refreshed: the database did not answer")
        return kept


def tasks_stamp(*, session: Session, plan_id: str) -> tuple[int, int, int]:
    """A cheap fingerprint of the plan's tasks (how many, the newest, how many withdrawn): a long-running
    portal merges them again only when it changes."""
    found = session.execute(select(func.count(), func.max(TaskRow.number), func.count(TaskRow.closed_at))
                            .where(TaskRow.plan_id == plan_id)).one()
    return int(found[0] or 0), int(found[1] or 0), int(found[2] or 0)


def task_dict(row: TaskRow) -> dict[str, Any]:
    """A task as JSON-ready data (``task list --json``, the audit trail)."""
    def stamp(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat() if value else None

    return {"id": task_id(row.number), "title": row.title, "owners": list(row.owners), "lead": row.owners[0],
            "due": row.due.isoformat(), "due_text": row.due_text, "deliverable": row.deliverable, "review": row.review,
            "source": row.source, "ref": row.ref, "happened_at": stamp(row.happened_at), "recorded_by": row.recorded_by,
            "closed": row.closed_at is not None, "closed_at": stamp(row.closed_at), "close_reason": row.close_reason}


def task_rows(*, session: Session, plan_id: str) -> list[dict[str, Any]]:
    """Every task of the plan, in the order recorded, withdrawn ones included (``closed``)."""
    return [task_dict(r) for r in session.scalars(select(TaskRow).where(TaskRow.plan_id == plan_id)
                                                  .order_by(TaskRow.number))]


def _refuse_problems(problems: list[Any], plan: Plan) -> None:
    if not problems:
        return
    zh = "；".join(p.zh for p in problems)
    unknown = [p for p in problems if p.field in ("owners", "meeting") and p.zh.startswith(("未知", "计划中没有"))]
    if unknown:
        names = list(plan.bureaus) if unknown[0].field == "owners" else [s for s, step in plan.steps.items() if step.pack]
        word = unknown[0].zh.split("“", 1)[1].split("”", 1)[0]
        near = difflib.get_close_matches(word, names, n=3, cutoff=0.5)
        if near:
            zh += f"；是否想写 / did you mean: {', '.join(near)}"
    raise Refusal(INVALID, zh, "; ".join(p.en for p in problems))


def _office(plan: Plan, by: str) -> None:
    if by not in plan.bureaus:
        raise Refusal(INVALID, f"--by：未知的单位“{by}”", f"--by: unknown bureau {by!r}")
    if by != "office":
        raise Refusal(FORBIDDEN, "只有领导小组办公室可以交办或撤销交办事项", "only the office assigns or withdraws a task",
                      kind="not_owner")


def build_task(plan: Plan, request: TaskRequest, at: datetime, number: int = 0) -> Task:
    """The task a request states, checked against the plan; a :class:`Refusal` (nothing written) when it is wrong."""
    _office(plan, request.by)
    made = make_task(number, request.title, request.owners, request.due, at, meeting=request.meeting,
                     source=request.source, ref=request.ref, deliverable=request.deliverable, review=request.review,
                     by=request.by)
    if isinstance(made, EventProblem):
        raise Refusal(FORBIDDEN if made.kind == "forbidden" else INVALID, made.zh, made.en)
    _refuse_problems(task_problems(plan, made), plan)
    return made


def write_task(session: Session, plan: Plan, actor: str, task: Task, number: int | None = None) -> dict[str, Any]:
    """Write a checked task as the plan's next one (or as ``number``, from an events file) with its audit entry.

    The same task again under its number (an events file imported twice) is left as it is.
    """
    if number is not None:
        found = session.scalars(select(TaskRow).where(TaskRow.plan_id == plan.id, TaskRow.number == number)).first()
        if found is not None:
            if (found.title, tuple(found.owners), found.due, found.source) != (task.title, task.owners, task.due,
                                                                                task.source):
                raise Refusal(INVALID, f"交办事项 {task_id(number)} 已登记为另一事项（{found.title}）",
                              f"{task_id(number)} is already recorded as another task")
            return task_dict(found) | {"existing": True}
    else:
        number = (session.scalar(select(func.max(TaskRow.number)).where(TaskRow.plan_id == plan.id)) or 0) + 1
    row = TaskRow(plan_id=plan.id, number=number, title=task.title, owners=list(task.owners), due=task.due,
                  due_text=task.due_text, deliverable=task.deliverable, review=task.review, source=task.source,
                  ref=task.ref, happened_at=task.at, recorded_at=utcnow(), recorded_by=actor, close_reason="")
    session.add(row)
    session.flush()
    after = task_dict(row)
    repo.add_audit(session=session, actor=actor, action="task_add", plan_id=plan.id, entity="task",
                   entity_id=after["id"], after=after)
    return after


def write_close(session: Session, plan: Plan, actor: str, close: TaskClose) -> dict[str, Any]:
    """Withdraw a task (the same withdrawal again changes nothing); refused when there is no such task."""
    number = task_number(close.id)
    row = None if number is None else session.scalars(
        select(TaskRow).where(TaskRow.plan_id == plan.id, TaskRow.number == number)).first()
    if row is None:
        raise Refusal(INVALID, f"没有交办事项“{close.id}”", f"no task {close.id!r}")
    if row.closed_at is not None:
        if row.closed_at == close.at.astimezone(UTC) and row.close_reason == close.reason:
            return task_dict(row) | {"existing": True}
        raise Refusal(FORBIDDEN, f"交办事项 {close.id} 已于 {row.closed_at.astimezone(SHANGHAI):%Y-%m-%d} 撤销",
                      f"{close.id} is already withdrawn")
    if close.at < row.happened_at:
        raise Refusal(INVALID, "撤销时间早于交办时间", "the withdrawal is before the task was decided")
    before = task_dict(row)
    row.closed_at, row.closed_by, row.close_reason = close.at, actor, close.reason
    session.flush()
    after = task_dict(row)
    repo.add_audit(session=session, actor=actor, action="task_close", plan_id=plan.id, entity="task",
                   entity_id=after["id"], before=before, after=after)
    return after


def _in_plan(session: Session, plan: Plan) -> None:
    version = repo.latest_plan_version(session=session, plan_id=plan.id)
    if version is None or version.content_hash != plan.content_hash:
        raise Refusal(INVALID, "数据库中没有载入当前计划文件，请先运行 liangshan init",
                      "the database does not hold this plan file: run `liangshan init` first")


def add_task(sessions: sessionmaker[Session], plan: Plan, actor: str, request: TaskRequest,
             now: Callable[[], datetime] = utcnow) -> dict[str, Any]:
    """Record a task as the plan's next ``task.<n>``; raise :class:`Refusal` (nothing written) when it is wrong."""
    at = moment_or_refuse(request.at, now())
    task = build_task(plan, request, at)
    for attempt in range(3):  # two offices' clerks at once: the loser of the number takes the next one
        try:
            with sessions.begin() as session:
                _in_plan(session, plan)
                return write_task(session, plan, actor, task)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def close_task(sessions: sessionmaker[Session], plan: Plan, actor: str, task: str, reason: str, by: str = "office",
               at: datetime | None = None, now: Callable[[], datetime] = utcnow) -> dict[str, Any]:
    """The office withdraws (撤销) a task with a reason: it leaves the board; its row and history stay."""
    _office(plan, by)
    text = reason.strip()
    if not text:
        raise Refusal(INVALID, "撤销交办事项必须写明原因（--reason）", "withdrawing a task needs a reason (--reason)")
    if len(text) > _REASON_MAX:
        raise Refusal(INVALID, f"原因不能超过 {_REASON_MAX} 字", f"the reason is longer than {_REASON_MAX} characters")
    close = TaskClose(task.strip(), moment_or_refuse(at, now()), text, by)
    with sessions.begin() as session:
        _in_plan(session, plan)
        return write_close(session, plan, actor, close)


def due_shown(row: dict[str, Any]) -> str:
    """The due as the office wrote it: the words (2027年1月底) with the date, or the date."""
    return f"{row['due_text']}（{row['due']}）" if row["due_text"] else str(row["due"])


def day_of(stamp: str | None) -> date | None:
    """The Beijing day of an ISO time stamp from :func:`task_dict`."""
    return datetime.fromisoformat(stamp).astimezone(SHANGHAI).date() if stamp else None

