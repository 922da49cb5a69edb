"""Read an events file (what happened, with real dates) into engine events, or say what is wrong.

```yaml
events:
  - {type: checkin, step: mobilize.work-plan, by: eco, at: 2024-04-08, deliverable: work-plan}
  - {type: review, step: draft.compile, by: office, decision: accept, at: 2024-05-06}
  - {type: review, step: draft.compile, by: office, decision: return, at: 2024-05-06,
     reason: 指标体系不完整, resubmit_by: 2024-05-09}
  - {type: ack, step: build.annual-plan.2025, by: eco, at: 2025-01-06}
  - {type: extension, step: build.annual-plan.2025, by: office, to: 2025-04-30, at: 2025-03-20,
     reason: 等待市级年度计划下达}
  - {type: value, indicator: 2b, year: 2024, value: 87.5, by: eco, at: 2025-02-10, files: [2024年水质公报.pdf]}
  - {type: value, indicator: 8a, year: 2025, value: 是, by: eco, at: 2026-01-20}
  - {type: case, theme: 3, title: 秦岭生态保护修复, by: qinling, at: 2024-10-15, files: [案例.docx]}
  - {type: task, id: task.1, title: 完善涝峪河道生态修复方案, owners: [water, eco], due: 2027年1月底,
     meeting: meetings.2026q4, review: true, by: office, at: 2026-12-02}
```

``at`` is a date or a date-time; one without a zone is Asia/Shanghai. ``ack`` is 签收 (``on_behalf_of``
when the office acts for an owner); ``extension`` is an approved 延期 to the date ``to``, from ``at``
on (the office's, with a reason). ``deliverable`` (one id) or
``deliverables`` (a list) name what is checked in or reviewed; neither means all of the step's.
``value`` is an indicator's value for a year (附件1; ``unit``, ``source`` and ``files`` optional; 是/否 for
获得 and 建立实施 rows) and ``case`` a typical case under a theme (附件2; ``year`` defaults to ``at``'s
year; ``text`` and ``files`` optional): they close the collecting steps (``indicators.<year>``,
``cases.<theme>.<year>``) as ``indicator record`` and ``case add`` do, under the same rules.
``progress`` is a progress report (进展报送) on a long step: ``text`` (20-5,000 characters), ``period``
(``2026q4``; by default the plan's period of ``at``), ``percent``, ``problems``, ``next`` and ``files`` optional.
``task`` is a 交办事项 (see core.tasks): its ``id`` (``task.<n>``) is the step its check-ins name; the source is
``meeting`` (a step of the plan) or ``source: 批示`` with ``ref``; ``closed_at`` and ``close_reason`` say the
office withdrew it. The file's tasks are steps for every other event of the file.
An empty file, or ``events:`` with nothing under it, is an empty history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from config.errors import FileProblem, InvalidFile, problem
from config.safe_yaml import UnsafeInput, read_text
from config.yamlpos import Located, YamlSyntaxError, load_located
from core.collect import Case, Contribution, Value, collected_events, contribution_problems
from core.events import SHANGHAI, Ack, CheckIn, EventProblem, Extension, Fact, ProgressReport, Review, check_fact
from core.indicators import parse_flag
from core.periods import period_of
from core.plan import Plan
from core.progress import check_report
from core.tasks import Task, TaskClose, make_task, merge_tasks, task_number, task_problems
from core.workdays import WorkdayCalendar

__all__ = ["EventRow", "events_plan", "load_event_rows", "load_events", "load_events_and_plan", "parse_moment"]

# A progress report's period must lie within its step: China's statutory calendar decides the due days
# (the office's override file only moves make-up days, which the import checks again with its own).
_CALENDAR = WorkdayCalendar()


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    step: str = Field(description="The step instance id, e.g. mobilize.work-plan or build.annual-plan.2025.")
    by: str = Field(description="The bureau id that did it.")
    at: datetime | date | str = Field(description="When it happened: a date, or a date-time (Asia/Shanghai).")
    deliverable: str | None = Field(None, description="One deliverable id.")
    deliverables: tuple[str, ...] | None = Field(None, description="Several deliverable ids.")
    note: str = Field("", description="Free text.")


class _CheckInRow(_Row):
    type: Literal["checkin"]
    on_behalf_of: str | None = Field(None, description="The owner the office records for.")
    files: tuple[str, ...] = Field((), description="Evidence files (archived on import).")


class _ReviewRow(_Row):
    type: Literal["review"]
    decision: Literal["accept", "return"] = Field(description="accept 通过 or return 退回.")
    reason: str = Field("", description="Why it is returned.")
    resubmit_by: date | None = Field(None, description="Date by which to check in again.")


class _AckRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["ack"]
    step: str = Field(description="The step instance id.")
    by: str = Field(description="The bureau that acknowledged (office, with on_behalf_of, when it acted for one).")
    at: datetime | date | str = Field(description="When: a date, or a date-time (Asia/Shanghai).")
    on_behalf_of: str | None = Field(None, description="The owner the office acknowledged for.")


class _ExtensionRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["extension"]
    step: str = Field(description="The step instance id.")
    by: str = Field(description="office: only the office grants an extension.")
    at: datetime | date | str = Field(description="When it was approved: the new due holds from that day.")
    to: date = Field(description="The new due date.")
    reason: str = Field(description="Why the step was extended.")


def _id_text(value: Any) -> Any:
    """Ids written as numbers (``theme: 3``, ``indicator: 1``) are the same ids as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


_Id = Annotated[str, BeforeValidator(_id_text)]


class _ValueRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["value"]
    indicator: _Id = Field(description="The indicator id of 附件1, e.g. 2b.")
    year: int = Field(description="The year the value is for (the baseline year before the plan included).")
    value: bool | float | str = Field(description="The value: a number (a percentage without %), or 是/否.")
    by: str = Field(description="The reporting bureau.")
    at: datetime | date | str = Field(description="When it was reported: a date, or a date-time (Asia/Shanghai).")
    unit: str | None = Field(None, description="The unit, which must be the indicator's.")
    source: str = Field("", description="Where the number comes from (a statistical bulletin, a report).")
    files: tuple[str, ...] = Field((), description="Evidence files (archived on import).")


class _CaseRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["case"]
    theme: _Id = Field(description="The theme id of 附件2, e.g. 3.")
    title: str = Field(description="The case's title.")
    by: str = Field(description="The bureau that provides it.")
    at: datetime | date | str = Field(description="When it was contributed: a date, or a date-time (Asia/Shanghai).")
    year: int | None = Field(None, description="The year it counts for; by default the year of at.")
    text: str = Field("", description="A summary.")
    files: tuple[str, ...] = Field((), description="Pictures and documents (archived on import).")


class _ProgressRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["progress"]
    step: str = Field(description="The long step reported on, e.g. build.pathways.")
    by: str = Field(description="The reporting bureau (an owner of the step).")
    at: datetime | date | str = Field(description="When it was reported: a date, or a date-time (Asia/Shanghai).")
    period: str | None = Field(None, description="The period, e.g. 2026q4; by default the plan's period of at.")
    text: str = Field(description="工作进展, 20 to 5,000 characters.")
    percent: int | None = Field(None, description="完成进度, 0-100.")
    problems: str = Field("", description="存在问题.")
    next: str = Field("", description="下步打算.")
    files: tuple[str, ...] = Field((), description="Files (archived on import).")


class _TaskRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["task"]
    id: str = Field(description="The task's step id, task.<n>.")
    title: str = Field(description="What is to be done.")
    owners: tuple[str, ...] = Field(description="The bureaus, lead first.")
    due: date | str = Field(description="A date, or the plan's period words (2027年1月底).")
    at: datetime | date | str = Field(description="When it was decided: a date, or a date-time (Asia/Shanghai).")
    by: str = Field("office", description="office: only the office assigns a task.")
    meeting: str | None = Field(None, description="The meeting step that decided it, e.g. meetings.2026q4.")
    source: str | None = Field(None, description="批示 for a leader's instruction (with ref).")
    ref: str = Field("", description="The instruction's reference (文号).")
    deliverable: str = Field("落实情况", description="The deliverable's title.")
    review: bool = Field(False, description="Whether the office reviews the hand-in.")
    closed_at: datetime | date | str | None = Field(None, description="When the office withdrew it.")
    close_reason: str = Field("", description="Why it was withdrawn.")


_AnyRow = _CheckInRow | _ReviewRow | _AckRow | _ExtensionRow | _ValueRow | _CaseRow | _ProgressRow | _TaskRow
_TAGS = ("checkin", "review", "ack", "extension", "value", "case", "progress", "task")


def _no_events(value: Any) -> Any:
    """``events:`` with nothing under it is an empty history, as ``events: []`` is."""
    return () if value is None else value


class _EventsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    events: Annotated[tuple[Annotated[_AnyRow, Field(discriminator="type")], ...], BeforeValidator(_no_events)] = Field(
        description="What happened, in any order."
    )


def parse_moment(value: datetime | date | str) -> datetime:
    """A date or date-time as an aware datetime; naive values are Asia/Shanghai (a date: its noon).

    Raises:
        ValueError: the text is neither an ISO date nor an ISO date-time.
    """
    if isinstance(value, str):
        text = value.strip().replace("/", "-")
        value = datetime.fromisoformat(text) if ("T" in text or " " in text or ":" in text) else date.fromisoformat(text)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    # A bare date is taken at noon, so that it is the same day in every zone near China's.
    return datetime.combine(value, time(12, 0), tzinfo=SHANGHAI)


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event as read from the file: the event (or value, or case), its line, and its evidence files (resolved paths)."""

    event: Fact | Contribution | Task | TaskClose
    line: int
    files: tuple[Path, ...]


def load_events(path: str | Path, plan: Plan) -> list[Fact]:
    """The facts of an events file, checked against the plan (see :func:`load_event_rows`): its
    check-ins, reviews, acknowledgements and extensions, and the check-ins its values and cases amount to."""
    return load_events_and_plan(path, plan)[1]


def events_plan(plan: Plan, rows: list[EventRow]) -> Plan:
    """The plan with the file's open tasks (交办事项) as steps."""
    tasks = [r.event for r in rows if isinstance(r.event, Task)]
    return merge_tasks(plan, tasks, [r.event.id for r in rows if isinstance(r.event, TaskClose)]) if tasks else plan


def load_events_and_plan(path: str | Path, plan: Plan) -> tuple[Plan, list[Fact]]:
    """The plan with the file's tasks merged in, and the file's facts (see :func:`load_events`)."""
    rows = load_event_rows(path, plan)
    plan = events_plan(plan, rows)
    facts: list[Fact] = [row.event for row in rows if not isinstance(row.event, Value | Case | Task | TaskClose)]
    return plan, [*facts, *collected_events(plan, [row.event for row in rows if isinstance(row.event, Value | Case)])]


def load_event_rows(path: str | Path, plan: Plan, today: date | None = None) -> list[EventRow]:
    """Read and check an events file against the plan; ``files`` are relative to the file.

    ``today`` given (``import``: what happened), a value or case dated after it is refused, as
    ``indicator record`` and ``case add`` refuse one; ``status`` and ``simulate`` read planned futures too.

    Raises:
        InvalidFile: the file is unreadable, too big, not UTF-8 text, not YAML (or an alias bomb, or
            nested too deep: see :mod:`config.safe_yaml`), of the wrong shape, or an event breaks the
            plan's rules (unknown step, bureau, deliverable, indicator or theme, a date that is not a
            date, an event before the plan starts, a value or case its command would refuse); every
            problem is listed with its line.
    """
    file = str(path)
    try:
        located = load_located(read_text(path))
    except OSError as exc:
        raise InvalidFile([problem(file, 1, 1, "", f"无法读取事件文件：{exc.strerror}", f"cannot read: {exc}")]) from exc
    except UnsafeInput as exc:
        raise InvalidFile([exc.problem(file)]) from exc
    except YamlSyntaxError as exc:
        raise InvalidFile([problem(file, exc.position.line, exc.position.column, "", f"YAML 语法错误：{exc}",
                                    "YAML syntax error")]) from exc
    try:
        rows = _EventsFile.model_validate({"events": ()} if located.data is None else located.data).events
    except ValidationError as exc:
        raise InvalidFile(_shape_problems(file, located, exc)) from exc
    events: list[EventRow] = []
    problems: list[FileProblem] = []
    base = Path(path).resolve().parent
    plan = _with_file_tasks(file, located, rows, plan, events, problems)
    for i, row in enumerate(rows):
        if isinstance(row, _TaskRow):
            continue
        try:
            at = parse_moment(row.at)
        except ValueError:
            pos = located.position(("events", i, "at"))
            problems.append(problem(file, pos.line, pos.column, f"events[{i}].at", f"“{row.at}”不是日期或时间",
                                     f"{row.at!r} is not a date or date-time", "写成 2024-04-08 或 2024-04-08T10:30"))
            continue
        event = _contribution(row, at, plan) if isinstance(row, _ValueRow | _CaseRow) else _event(row, at, plan)
        if isinstance(event, EventProblem):
            found = [event]
        elif isinstance(event, Value | Case):
            found = contribution_problems(plan, event, today)
        elif isinstance(event, ProgressReport):
            # every rule but "the step is done", which the history decides (checked again on import)
            found = check_report(plan, _CALENDAR, event, {})
        else:
            found = check_fact(plan, event)
        for p in found:
            key = {"deliverable": _deliverable_key(row), "next_steps": "next"}.get(p.field, p.field)
            pos = located.position(("events", i, key))
            problems.append(problem(file, pos.line, pos.column, f"events[{i}].{p.field}", p.zh, p.en))
        if isinstance(event, EventProblem):
            continue
        files = tuple(base / f for f in row.files) if isinstance(row, _CheckInRow | _ValueRow | _CaseRow | _ProgressRow) \
            else ()
        events.append(EventRow(event, located.position(("events", i)).line, files))
    if problems:
        raise InvalidFile(problems)
    return events


def _with_file_tasks(file: str, located: Located, rows: tuple[_AnyRow, ...], plan: Plan, events: list[EventRow],
                     problems: list[FileProblem]) -> Plan:
    """Read the file's tasks first (every other event may name one) and return the plan with them as steps."""
    tasks: list[Task] = []
    closed: list[str] = []
    for i, row in enumerate(rows):
        if not isinstance(row, _TaskRow):
            continue
        found: list[EventProblem] = []
        made: Task | EventProblem | None = None
        number = task_number(row.id)
        try:
            at = parse_moment(row.at)
            close_at = parse_moment(row.closed_at) if row.closed_at is not None else None
        except ValueError:
            found.append(EventProblem("at", f"“{row.at}”不是日期或时间", f"{row.at!r} is not a date or date-time"))
        else:
            if number is None or any(t.id == row.id for t in tasks):
                found.append(EventProblem("id", f"交办事项编号“{row.id}”应为 task.<序号> 且不重复",
                                          f"task id {row.id!r} must be task.<n>, once"))
            made = make_task(number or 1, row.title, row.owners, row.due, at, meeting=row.meeting, source=row.source,
                             ref=row.ref, deliverable=row.deliverable, review=row.review, by=row.by)
            if isinstance(made, EventProblem):
                found.append(made)
            else:
                found += task_problems(plan, made)
                if close_at is not None and not row.close_reason.strip():
                    found.append(EventProblem("close_reason", "撤销交办事项必须写明原因", "a withdrawal needs a reason"))
        for p in found:
            pos = located.position(("events", i, p.field if p.field in row.model_fields_set else "type"))
            problems.append(problem(file, pos.line, pos.column, f"events[{i}].{p.field}", p.zh, p.en))
        if found or not isinstance(made, Task):
            continue
        line = located.position(("events", i)).line
        tasks.append(made)
        events.append(EventRow(made, line, ()))
        if close_at is not None:
            closed.append(made.id)
            events.append(EventRow(TaskClose(made.id, close_at, row.close_reason.strip(), row.by), line, ()))
    return merge_tasks(plan, tasks, closed) if tasks else plan


def _deliverable_key(row: _AnyRow) -> str:
    if not isinstance(row, _Row):
        return "step"
    return "deliverables" if row.deliverables is not None else "deliverable"


def _contribution(row: _ValueRow | _CaseRow, at: datetime, plan: Plan) -> Contribution | EventProblem:
    """The value or case a row states, or why its value is not one (a number, or 是/否)."""
    if isinstance(row, _CaseRow):
        year = row.year if row.year is not None else at.astimezone(SHANGHAI).year
        return Case(row.theme, row.title, row.by, at, year, row.text)
    indicator = next((i for i in plan.indicators if i.id == row.indicator), None)
    flag = indicator is not None and indicator.rule.kind in ("achieved", "established")
    raw = row.value
    shown = ("yes" if raw else "no") if isinstance(raw, bool) else f"{raw:g}" if isinstance(raw, float) else raw
    number: float | None
    if isinstance(raw, bool):
        number = (1.0 if raw else 0.0) if flag else None
    elif flag:
        number = parse_flag(shown)
        if number is None:
            return EventProblem("value", f"数值“{shown}”应为 是/否（yes/no，1/0）", f"{shown!r} is not yes or no")
    elif isinstance(raw, float):
        number = raw
    else:
        try:
            number = float(raw.strip().rstrip("%"))
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        return EventProblem("value", f"数值“{shown}”不是数字", f"{shown!r} is not a number")
    return Value(row.indicator, row.year, number, row.by, at, row.unit, row.source)


def _event(row: _CheckInRow | _ReviewRow | _AckRow | _ExtensionRow | _ProgressRow, at: datetime, plan: Plan) -> Fact:
    if isinstance(row, _ProgressRow):
        period = row.period
        if period is None and plan.progress is not None:
            period = period_of(at.astimezone(SHANGHAI).date(), plan.progress.every).id
        return ProgressReport(row.step, row.by, at, period or "", row.text.strip(), row.percent, row.problems.strip(),
                              row.next.strip())
    if isinstance(row, _AckRow):
        return Ack(row.step, row.by, at, row.on_behalf_of)
    if isinstance(row, _ExtensionRow):
        return Extension(row.step, row.by, at, row.to, row.reason)
    step = plan.steps.get(row.step)
    if row.deliverables is not None:
        deliverables = row.deliverables
    elif row.deliverable is not None:
        deliverables = (row.deliverable,)
    else:
        deliverables = tuple(d.id for d in step.deliverables) if step else ()
    if isinstance(row, _CheckInRow):
        return CheckIn(row.step, row.by, at, deliverables, row.note, row.on_behalf_of)
    return Review(row.step, row.by, at, row.decision, deliverables, row.reason, row.resubmit_by)


_SHAPE_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段",
    "union_tag_invalid": "type 只能是 checkin、review、ack、extension、value、case、progress 或 task",
    "union_tag_not_found": "缺少 type（checkin、review、ack、extension、value、case、progress 或 task）",
    "literal_error": "取值不在允许范围内",
    "date_from_datetime_parsing": "不是有效日期",
    "date_parsing": "不是有效日期",
    "date_type": "不是有效日期",
    "tuple_type": "应为列表（每项以 - 开头，或写成 [a, b]）",
    "list_type": "应为列表（每项以 - 开头，或写成 [a, b]）",
    "dict_type": "应为“字段: 值”的映射",
    "model_type": "应为“字段: 值”的映射，如 {type: checkin, step: …, by: …, at: …}",
    "model_attributes_type": "应为“字段: 值”的映射，如 {type: checkin, step: …, by: …, at: …}",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为是/否",
    "bool_parsing": "应为是/否",
}
_MEMBERS = ("str", "date", "datetime", "float", "bool", "int")


def _shape_problems(file: str, located: Located, exc: ValidationError) -> list[FileProblem]:
    out: dict[str, FileProblem] = {}
    for err in exc.errors():
        loc = list(err["loc"])
        if len(loc) > 2 and loc[0] == "events" and isinstance(loc[1], int) and loc[2] in _TAGS:
            del loc[2]  # the row's type, which pydantic names in the path
        kept = tuple(p for n, p in enumerate(loc) if not (n > 2 and p in _MEMBERS) and not str(p).startswith("function-"))
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in kept).lstrip(".")
        if path in out:
            continue
        pos = located.position(kept)
        zh = _SHAPE_ZH.get(err["type"], "字段值无效")
        en = err["msg"]
        if err.get("input", ...) is None and kept and kept[-1] == "value":
            # An adoption template's placeholder left as it was: say what to do, not which types pydantic tried.
            zh, en = "数值尚未填写：请填入该年度的数值（是/否类指标填 是 或 否），或删除这一行", "the value is not filled in"
        out[path] = problem(file, pos.line, pos.column, path or "(文件 file)", zh, en)
    return list(out.values())
