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
```

``at`` is a date or a date-time; one without a zone is Asia/Shanghai. ``ack`` is 签收 (``on_behalf_of``
when the office acts for an owner); ``extension`` is an approved 延期 to the date ``to``, from ``at``
on (the office's, with a reason). ``deliverable`` (one id) or
``deliverables`` (a list) name what is checked in or reviewed; neither means all of the step's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config.errors import FileProblem, InvalidFile
from config.yamlpos import Located, YamlSyntaxError, load_located
from core.events import SHANGHAI, Ack, CheckIn, Extension, Fact, Review, check_fact
from core.plan import Plan

__all__ = ["EventRow", "load_event_rows", "load_events", "parse_moment"]


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


_AnyRow = _CheckInRow | _ReviewRow | _AckRow | _ExtensionRow


class _EventsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    events: tuple[Annotated[_AnyRow, Field(discriminator="type")], ...] = Field(
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
    """An event as read from the file: the event, its line, and its evidence files (resolved paths)."""

    event: Fact
    line: int
    files: tuple[Path, ...]


def load_events(path: str | Path, plan: Plan) -> list[Fact]:
    """The events of an events file, checked against the plan (see :func:`load_event_rows`)."""
    return [row.event for row in load_event_rows(path, plan)]


def load_event_rows(path: str | Path, plan: Plan) -> list[EventRow]:
    """Read and check an events file against the plan; ``files`` are relative to the file.

    Raises:
        InvalidFile: the file is unreadable, not YAML, of the wrong shape, or an event breaks the
            plan's rules (unknown step, bureau or deliverable, a date that is not a date, an
            event before the plan starts); every problem is listed with its line.
    """
    file = str(path)
    try:
        located = load_located(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidFile([_problem(file, 1, 1, "", f"无法读取事件文件：{exc.strerror}", f"cannot read: {exc}")]) from exc
    except YamlSyntaxError as exc:
        raise InvalidFile([_problem(file, exc.position.line, exc.position.column, "", f"YAML 语法错误：{exc}",
                                    "YAML syntax error")]) from exc
    try:
        rows = _EventsFile.model_validate(located.data).events
    except ValidationError as exc:
        raise InvalidFile(_shape_problems(file, located, exc)) from exc
    events: list[EventRow] = []
    problems: list[FileProblem] = []
    base = Path(path).resolve().parent
    for i, row in enumerate(rows):
        try:
            at = parse_moment(row.at)
        except ValueError:
            pos = located.position(("events", i, "at"))
            problems.append(_problem(file, pos.line, pos.column, f"events[{i}].at", f"“{row.at}”不是日期或时间",
                                     f"{row.at!r} is not a date or date-time", "写成 2024-04-08 或 2024-04-08T10:30"))
            continue
        event = _event(row, at, plan)
        for p in check_fact(plan, event):
            pos = located.position(("events", i, p.field if p.field != "deliverable" else _deliverable_key(row)))
            problems.append(_problem(file, pos.line, pos.column, f"events[{i}].{p.field}", p.zh, p.en))
        files = tuple(base / f for f in row.files) if isinstance(row, _CheckInRow) else ()
        events.append(EventRow(event, located.position(("events", i)).line, files))
    if problems:
        raise InvalidFile(problems)
    return events


def _deliverable_key(row: _AnyRow) -> str:
    if not isinstance(row, _Row):
        return "step"
    return "deliverables" if row.deliverables is not None else "deliverable"


def _event(row: _AnyRow, at: datetime, plan: Plan) -> Fact:
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


def _problem(file: str, line: int, column: int, path: str, zh: str, en: str, fix: str = "") -> FileProblem:
    return FileProblem("error", file, line, column, path, zh, en, fix)


def _shape_problems(file: str, located: Located, exc: ValidationError) -> list[FileProblem]:
    out: dict[str, FileProblem] = {}
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in ("checkin", "review", "ack", "extension", "str", "date", "datetime"))
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        if path in out:
            continue
        pos = located.position(loc)
        zh = {"missing": "缺少必填字段", "extra_forbidden": "未知字段",
              "union_tag_invalid": "type 只能是 checkin、review、ack 或 extension", "literal_error": "取值不在允许范围内",
              "date_from_datetime_parsing": "不是有效日期"}.get(err["type"], "字段值无效")
        out[path] = _problem(file, pos.line, pos.column, path or "(文件 file)", zh, err["msg"])
    return list(out.values())
