"""交办事项: work that exists by decision (a meeting's 议定事项, a leader's 批示), evaluated as steps.

A task is a fact, not a line of the plan file: the office records it after a dispatch meeting (or
on a leader's instruction), and at evaluation time :func:`merge_tasks` adds every open task to the
compiled plan as a step ``task.<n>`` on its own track 交办事项. The plan file and its
``content_hash`` stay as they are; lights, ladder, forecast, portal and documents see a task as
they see any step, and a check-in, review, 签收 or extension works on it the same way.

The rules, in one place:

=====================  ======================================================================
what                   rule
=====================  ======================================================================
id                     ``task.<n>``, n counting the plan's tasks from 1 in the order recorded
window                 from the day it was decided (``at``) to its due date
owners                 at least one; the first is the 牵头单位; every one a bureau of the plan
due                    a date, or the plan's own period words (``2027年1月底`` = its last day);
                       never before the day it was decided
deliverable            one, ``result``, titled ``落实情况`` unless the office names it
source                 a dispatch meeting of the plan (a step with a pack, e.g. ``meetings.2026q4``), or 批示
                       with a reference (文号)
closed (撤销)          a withdrawn task leaves the board: it is not merged at all
=====================  ======================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Literal

from core.events import SHANGHAI, EventProblem
from core.periods import PeriodError, Window, parse_window
from core.plan import Deliverable, Phase, Plan, Step

__all__ = ["DELIVERABLE_ID", "DELIVERABLE_TITLE", "INSTRUCTION", "TRACK_ID", "TRACK_TITLE", "Task", "TaskClose",
           "make_task", "merge_tasks", "parse_due", "source_of", "task_id", "task_number", "task_problems", "task_step"]

TRACK_ID = "tasks"
TRACK_TITLE = "交办事项"
DELIVERABLE_ID = "result"
DELIVERABLE_TITLE = "落实情况"
INSTRUCTION = "批示"  # the source of a task a leader gave (领导批示), with its reference
_PREFIX = "task."
_SOURCE = "来源："  # a task step's description names its source (see source_of)
TITLE_MAX = 500


def task_id(number: int) -> str:
    """The step id of the plan's ``number``-th task."""
    return f"{_PREFIX}{number}"


def task_number(step_id: str) -> int | None:
    """The number in ``task.<n>``, or None when the id is not a task's."""
    if not step_id.startswith(_PREFIX):
        return None
    tail = step_id[len(_PREFIX):]
    return int(tail) if tail.isdigit() and not tail.startswith("0") else None


@dataclass(frozen=True, slots=True)
class Task:
    """One 交办事项 as recorded: decided on ``at`` (timezone-aware) by ``by`` (the office), due on ``due``."""

    id: str
    title: str
    owners: tuple[str, ...]
    due: date
    at: datetime
    source: str
    ref: str = ""
    deliverable: str = DELIVERABLE_TITLE
    review: bool = False
    by: str = "office"
    due_text: str = ""
    day: date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", self.at.astimezone(SHANGHAI).date())

    @property
    def type(self) -> Literal["task"]:
        """The fact's type as written in an events file."""
        return "task"

    @property
    def from_meeting(self) -> bool:
        """True when a dispatch meeting decided it (its source is a step of the plan)."""
        return self.source != INSTRUCTION

    @property
    def source_zh(self) -> str:
        """The source as the office writes it: the meeting's id, or 领导批示 with its reference."""
        return f"领导批示（{self.ref}）" if not self.from_meeting else self.source


@dataclass(frozen=True, slots=True)
class TaskClose:
    """The office withdrew (撤销) a task on ``at``, with a reason: it leaves the board."""

    id: str
    at: datetime
    reason: str
    by: str = "office"


def parse_due(text: str, default_year: int | None = None) -> date:
    """A due date from ``2027-01-29`` or the plan's period words (``2027年1月底``: the last day of the period).

    Raises:
        core.periods.PeriodError: neither an ISO date nor period words.
    """
    cleaned = text.strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        return parse_window(cleaned, default_year).due


def make_task(number: int, title: str, owners: Iterable[str], due: str | date, at: datetime, *, meeting: str | None,
              source: str | None, ref: str = "", deliverable: str = DELIVERABLE_TITLE, review: bool = False,
              by: str = "office") -> Task | EventProblem:
    """The task a form, a command or an events file states, or the first reason it cannot be one.

    The source is a meeting (``meeting``) or a leader's instruction (``source`` 批示); the due is a date
    or period words. The plan's rules are :func:`task_problems`'.
    """
    if by != "office":
        return EventProblem("by", "只有领导小组办公室可以交办或撤销交办事项", "only the office assigns or withdraws a task",
                            "forbidden")
    if meeting is not None and source is not None:
        return EventProblem("meeting", "--meeting 与 --source 只能给一个", "give --meeting or --source, not both")
    if meeting is None and source is None:
        return EventProblem("meeting", "请写明来源：--meeting 会议步骤，或 --source 批示 --ref 文号",
                            "name the source: --meeting STEP, or --source 批示 --ref REF")
    if source is not None and source not in (INSTRUCTION, "领导批示"):
        return EventProblem("source", f"--source 只能是 批示（领导批示），不是“{source}”；会议请用 --meeting",
                            "--source takes 批示; a meeting is --meeting")
    day = at.astimezone(SHANGHAI).date()
    due_text = due.strip() if isinstance(due, str) else ""
    try:
        when = parse_due(due, day.year) if isinstance(due, str) else due
    except PeriodError as exc:
        return EventProblem("due", f"完成时限“{due}”不是日期或计划的时间用语：{exc}",
                            f"due {due!r} is neither a date nor period words")
    if due_text == when.isoformat():
        due_text = ""
    return Task(task_id(max(number, 1)), title.strip(), tuple(o.strip() for o in owners if o.strip()), when, at,
                meeting or INSTRUCTION, ref.strip(), deliverable.strip(), review, by, due_text)


def task_step(task: Task) -> Step:
    """The step the engine evaluates for a task: its window opens the day it was decided."""
    return Step(id=task.id, phase=TRACK_ID, title=task.title, window=Window(task.day, max(task.day, task.due)),
                owners=task.owners, deliverables=(Deliverable(DELIVERABLE_ID, task.deliverable),), depends_on=(),
                review=task.review, description=f"{_SOURCE}{task.source_zh}")


def source_of(step: Step) -> str | None:
    """The source of a task's step (the meeting's id, or 领导批示（文号）); None for a step of the plan file."""
    if step.phase != TRACK_ID or not step.description.startswith(_SOURCE):
        return None
    return step.description[len(_SOURCE):]


def merge_tasks(plan: Plan, tasks: Iterable[Task], closed: Iterable[str] = ()) -> Plan:
    """The plan with every open task as a step of the track 交办事项 (the plan itself when there is none).

    ``closed`` are the ids of withdrawn tasks: they are left out. The content hash stays the plan
    file's, so the database still knows the plan in force.
    """
    gone = set(closed)
    steps = [task_step(t) for t in sorted(tasks, key=lambda t: task_number(t.id) or 0) if t.id not in gone]
    if not steps:
        return plan
    window = Window(min(s.window.start for s in steps), max(s.window.due for s in steps))
    ids = tuple(s.id for s in steps)
    all_steps = dict(plan.steps)
    all_steps.update({s.id: s for s in steps})
    tracks = (*(t for t in plan.tracks if t.id != TRACK_ID), Phase(TRACK_ID, TRACK_TITLE, window, ids))
    return replace(plan, steps=MappingProxyType(all_steps), tracks=tracks,
                   topo_order=(*plan.topo_order, *ids) if plan.topo_order else ())


def task_problems(plan: Plan, task: Task) -> list[EventProblem]:
    """Every reason the plan refuses to record this task; empty when it may be recorded.

    All are bad input (exit 2): no owner, an unknown owner, a due before the day it was decided, a
    meeting that is not a step of the plan, a 批示 without its reference, an empty or too long title.
    """
    problems: list[EventProblem] = []
    if not task.title.strip():
        problems.append(EventProblem("title", "交办事项必须有标题（--title）", "a task needs a title (--title)"))
    elif len(task.title) > TITLE_MAX:
        problems.append(EventProblem("title", f"标题不能超过 {TITLE_MAX} 字", f"the title is longer than {TITLE_MAX}"))
    if not task.owners:
        problems.append(EventProblem("owners", "交办事项至少要有一个责任单位（--owners，牵头单位在前）",
                                     "a task needs at least one owner (--owners, lead first)"))
    for owner in task.owners:
        if owner not in plan.bureaus:
            problems.append(EventProblem("owners", f"未知的单位“{owner}”", f"unknown bureau {owner!r}"))
    if len(set(task.owners)) != len(task.owners):
        problems.append(EventProblem("owners", "责任单位重复", "an owner is named twice"))
    if task.due < task.day:
        problems.append(EventProblem("due", f"完成时限 {task.due} 早于交办日期 {task.day}",
                                     f"due {task.due} is before the task was decided ({task.day})"))
    if task.from_meeting:
        meeting = plan.steps.get(task.source)
        if meeting is None or not meeting.pack:  # a dispatch meeting is a step with a pack
            problems.append(EventProblem("meeting", f"计划中没有会议步骤“{task.source}”",
                                         f"no meeting step {task.source!r} in the plan"))
    elif not task.ref.strip():
        problems.append(EventProblem("ref", "领导批示须写明文号（--ref）", "a leader's instruction needs its reference (--ref)"))
    if not task.deliverable.strip():
        problems.append(EventProblem("deliverable", "成果名称不能为空", "the deliverable title is empty"))
    start = min(p.window.start for p in plan.phases)
    if task.day < start:
        problems.append(EventProblem("at", f"时间 {task.day} 早于计划开始日 {start}",
                                     f"{task.day} is before the plan starts ({start})"))
    return problems

