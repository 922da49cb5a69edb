"""What happened, as events: check-ins and reviews of a step's deliverables.

One format for every source of facts: an events file (``simulate``, ``import``, tests) and the
database both produce these values, and the engine reads nothing else.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from core.plan import COLLECT_ZH, Plan

__all__ = ["CheckIn", "Event", "EventProblem", "Facts", "Review", "check_event"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _local_day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A bureau checked in deliverables of a step (报送). ``at`` is timezone-aware."""

    step: str
    by: str
    at: datetime
    deliverables: tuple[str, ...]
    note: str = ""
    on_behalf_of: str | None = None
    day: date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", _local_day(self.at))

    @property
    def type(self) -> Literal["checkin"]:
        """The event's type as written in an events file."""
        return "checkin"


@dataclass(frozen=True, slots=True)
class Review:
    """The office accepted or returned (退回) checked-in deliverables of a step."""

    step: str
    by: str
    at: datetime
    decision: Literal["accept", "return"]
    deliverables: tuple[str, ...]
    reason: str = ""
    resubmit_by: date | None = None
    day: date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", _local_day(self.at))

    @property
    def type(self) -> Literal["review"]:
        """The event's type as written in an events file."""
        return "review"


Event = CheckIn | Review


@dataclass(frozen=True, slots=True)
class EventProblem:
    """Why an event cannot be recorded: the field at fault, in Chinese and English.

    ``kind`` is ``invalid`` (bad input) or ``forbidden`` (well formed, refused by the rules,
    e.g. a bureau that does not own the step).
    """

    field: str
    zh: str
    en: str
    kind: Literal["invalid", "forbidden"] = "invalid"


def check_event(plan: Plan, event: Event) -> list[EventProblem]:
    """Every reason the plan refuses this event; empty when it may be recorded.

    The same rules serve the events file, the CLI and the Prefect forms.
    """
    problems: list[EventProblem] = []
    step = plan.steps.get(event.step)
    if step is None:
        return [EventProblem("step", f"计划中没有步骤“{event.step}”", f"no step {event.step!r} in the plan")]
    if step.collected:
        return [EventProblem(
            "step", f"步骤“{step.id}”不需报送或审核：录入{COLLECT_ZH[step.collect]}后自动完成",
            f"step {step.id} closes by itself when its {step.collect} are recorded; it takes no check-in or review",
            "forbidden")]
    if event.by not in plan.bureaus:
        problems.append(EventProblem("by", f"未知的单位“{event.by}”", f"unknown bureau {event.by!r}"))
    known = {d.id for d in step.deliverables}
    for deliverable in event.deliverables:
        if deliverable not in known:
            problems.append(EventProblem(
                "deliverable", f"步骤“{step.id}”没有成果“{deliverable}”，可选：{'、'.join(sorted(known))}",
                f"step {step.id} has no deliverable {deliverable!r}; known: {', '.join(sorted(known))}"))
    start = min(p.window.start for p in plan.phases)
    if event.day < start:
        problems.append(EventProblem("at", f"时间 {event.day} 早于计划开始日 {start}",
                                     f"{event.day} is before the plan starts ({start})"))
    if isinstance(event, CheckIn):
        return problems + _check_owner(plan, event)
    if event.by != "office":
        problems.append(EventProblem("by", "只有领导小组办公室可以审核（--by office）", "only the office reviews (--by office)",
                                     "forbidden"))
    if event.decision == "return" and not event.reason.strip():
        problems.append(EventProblem("reason", "退回必须写明原因（--reason）", "a return needs a reason (--reason)"))
    if event.resubmit_by is not None and event.resubmit_by < event.day:
        problems.append(EventProblem("resubmit_by", "重新报送期限早于退回日期", "resubmit_by is before the return"))
    return problems


def _check_owner(plan: Plan, event: CheckIn) -> list[EventProblem]:
    """A check-in comes from an owner, or from the office on an owner's behalf."""
    owners = plan.steps[event.step].owners
    names = "、".join(plan.bureau_name(o) for o in owners)
    if event.on_behalf_of is not None:
        if event.on_behalf_of not in owners:
            return [EventProblem("on_behalf_of", f"“{event.on_behalf_of}”不是该步骤的责任单位（{names}）",
                                 f"{event.on_behalf_of!r} does not own {event.step}", "forbidden")]
        if event.by != "office" and event.by not in owners:
            return [EventProblem("by", "只有领导小组办公室可以代为报送", "only the office records on behalf of a bureau",
                                 "forbidden")]
        return []
    if event.by not in owners:
        return [EventProblem(
            "by", f"“{plan.bureau_name(event.by)}”不是步骤“{event.step}”的责任单位（{names}）；"
                  "如由办公室代报，请用 --on-behalf-of",
            f"{event.by!r} does not own {event.step}; the office may record it --on-behalf-of an owner", "forbidden")]
    return []


class Facts:
    """Events grouped by step in the order they happened, for fast 'as of a day' questions."""

    def __init__(self, events: Iterable[Event] = ()) -> None:
        ordered = sorted(events, key=lambda e: e.at)
        by_step: dict[str, list[Event]] = {}
        for event in ordered:
            by_step.setdefault(event.step, []).append(event)
        self._events: Mapping[str, tuple[Event, ...]] = {k: tuple(v) for k, v in by_step.items()}
        self._days = {k: [e.day for e in v] for k, v in self._events.items()}
        self.all: tuple[Event, ...] = tuple(ordered)

    def __len__(self) -> int:
        return len(self.all)

    def upto(self, step: str, as_of: date) -> tuple[Event, ...]:
        """The step's events on or before ``as_of``, oldest first."""
        events = self._events.get(step, ())
        if not events:
            return events
        return events[: bisect.bisect_right(self._days[step], as_of)]
