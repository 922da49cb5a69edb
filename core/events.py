"""What happened, as events: check-ins and reviews of a step's deliverables, acknowledgements, extensions.

One format for every source of facts: an events file (``simulate``, ``import``, tests) and the
database both produce these values, and the engine reads nothing else. Check-ins and reviews move
deliverables; an :class:`Ack` (签收) says a bureau has seen an opened step; an approved
:class:`Extension` (延期) moves a step's due date from the day it was approved.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from core.plan import COLLECT_ZH, Plan

__all__ = ["Ack", "CheckIn", "Event", "EventProblem", "Extension", "Fact", "Facts", "ProgressReport", "Review",
           "check_event", "check_fact", "step_bureaus"]

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
class Ack:
    """签收: a bureau (or the office on its behalf) has seen that a step is open and is working on it."""

    step: str
    by: str
    at: datetime
    on_behalf_of: str | None = None
    day: date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", _local_day(self.at))

    @property
    def bureau(self) -> str:
        """The bureau that acknowledged (the one the office acted for, if it did)."""
        return self.on_behalf_of or self.by

    @property
    def type(self) -> Literal["ack"]:
        """The event's type as written in an events file."""
        return "ack"


@dataclass(frozen=True, slots=True)
class Extension:
    """An approved 延期: from ``at`` (the office's decision) the step is due on ``to`` instead.

    ``by`` is the bureau that asked (the office, when it extended on its own); ``reason`` is why.
    """

    step: str
    by: str
    at: datetime
    to: date
    reason: str = ""
    day: date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", _local_day(self.at))

    @property
    def type(self) -> Literal["extension"]:
        """The event's type as written in an events file."""
        return "extension"


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """进展报送: a bureau's report on a long step for one period (``2026q4``); see core.progress.

    A second report for the same (step, bureau, period) is a new version; the latest one speaks.
    """

    step: str
    by: str
    at: datetime
    period: str
    text: str
    percent: int | None = None
    problems: str = ""
    next_steps: str = ""
    files: tuple[str, ...] = ()
    day: date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", _local_day(self.at))

    @property
    def type(self) -> Literal["progress"]:
        """The event's type as written in an events file."""
        return "progress"


Fact = CheckIn | Review | Ack | Extension | ProgressReport


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


def step_bureaus(plan: Plan, step_id: str) -> tuple[str, ...]:
    """Who answers for a step: its owners, then the bureaus that owe one of its deliverables (an indicator's)."""
    step = plan.steps[step_id]
    return tuple(dict.fromkeys((*step.owners, *(b for d in step.deliverables for b in d.owners))))


def check_fact(plan: Plan, fact: Fact) -> list[EventProblem]:
    """Every reason the plan refuses this fact (check-in, review, 签收, extension, or a progress report's owner:
    core.progress.check_report adds its own rules); empty when it may be recorded."""
    if isinstance(fact, CheckIn | Review):
        return check_event(plan, fact)
    step = plan.steps.get(fact.step)
    if step is None:
        return [EventProblem("step", f"计划中没有步骤“{fact.step}”", f"no step {fact.step!r} in the plan")]
    if fact.by not in plan.bureaus:
        return [EventProblem("by", f"未知的单位“{fact.by}”", f"unknown bureau {fact.by!r}")]
    start = min(p.window.start for p in plan.phases)
    if fact.day < start:
        return [EventProblem("at", f"时间 {fact.day} 早于计划开始日 {start}", f"{fact.day} is before the plan starts ({start})")]
    if isinstance(fact, Extension):
        problems = []
        if fact.by != "office":
            problems.append(EventProblem("by", "只有领导小组办公室可以直接延期；责任单位请提交延期申请",
                                         "only the office extends a step; a bureau asks with an extension request",
                                         "forbidden"))
        if not fact.reason.strip():
            problems.append(EventProblem("reason", "延期必须写明原因（--reason）", "an extension needs a reason (--reason)"))
        return problems
    if isinstance(fact, ProgressReport):
        if fact.by not in step.owners:
            names = "、".join(plan.bureau_name(b) for b in step.owners)
            return [EventProblem("by", f"“{plan.bureau_name(fact.by)}”不是步骤“{fact.step}”的责任单位（{names}），无需报送进展",
                                 f"{fact.by!r} does not own {fact.step}", "forbidden")]
        return []
    answer = step_bureaus(plan, fact.step)
    names = "、".join(plan.bureau_name(b) for b in answer)
    if fact.on_behalf_of is not None:
        if fact.by != "office":
            return [EventProblem("by", "只有领导小组办公室可以代为办理", "only the office acts on behalf of a bureau", "forbidden")]
        if fact.on_behalf_of not in answer:
            return [EventProblem("on_behalf_of", f"“{plan.bureau_name(fact.on_behalf_of)}”不是该步骤的责任单位（{names}）",
                                 f"{fact.on_behalf_of!r} does not own {fact.step}", "forbidden")]
        return []
    if fact.by not in answer:
        return [EventProblem("by", f"“{plan.bureau_name(fact.by)}”不是步骤“{fact.step}”的责任单位（{names}）",
                             f"{fact.by!r} does not own {fact.step}", "forbidden")]
    return []


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
    """Events grouped by step in the order they happened, for fast 'as of a day' questions.

    ``all`` holds the check-ins and reviews (what moves deliverables); acknowledgements and approved
    extensions are kept apart and asked for by step and day.
    """

    def __init__(self, events: Iterable[Fact] = ()) -> None:
        ordered = sorted(events, key=lambda e: e.at)
        by_step: dict[str, list[Event]] = {}
        acks: dict[str, list[Ack]] = {}
        extensions: dict[str, list[Extension]] = {}
        moving: list[Event] = []
        progress: list[ProgressReport] = []
        for event in ordered:
            if isinstance(event, ProgressReport):
                progress.append(event)
            elif isinstance(event, Ack):
                acks.setdefault(event.step, []).append(event)
            elif isinstance(event, Extension):
                extensions.setdefault(event.step, []).append(event)
            else:
                by_step.setdefault(event.step, []).append(event)
                moving.append(event)
        self._events: Mapping[str, tuple[Event, ...]] = {k: tuple(v) for k, v in by_step.items()}
        self._days = {k: [e.day for e in v] for k, v in self._events.items()}
        self._acks = acks
        self._extensions = extensions
        self.all: tuple[Event, ...] = tuple(moving)
        self.every: tuple[Fact, ...] = tuple(ordered)
        # 进展报送, oldest first: they never move a step (core.progress reads them)
        self.progress: tuple[ProgressReport, ...] = tuple(progress)

    def acked_by(self, step: str, as_of: date) -> tuple[str, ...]:
        """Bureaus that acknowledged the step on or before ``as_of``, in the order they did."""
        acks = self._acks.get(step)
        if not acks:  # the common case, asked for every step on every day of a replay
            return ()
        return tuple(dict.fromkeys(a.bureau for a in acks if a.day <= as_of))

    def extension(self, step: str, as_of: date) -> Extension | None:
        """The extension in force for the step on ``as_of``: the latest approved on or before that day."""
        found = None
        if step not in self._extensions:
            return found
        for ext in self._extensions[step]:
            if ext.day <= as_of:
                found = ext
        return found

    def with_facts(self, *more: Fact) -> Facts:
        """These facts and ``more`` (e.g. a hypothetical extension, to see what it would do)."""
        return Facts((*self.every, *more))

    def __len__(self) -> int:
        return len(self.all)

    def upto(self, step: str, as_of: date) -> tuple[Event, ...]:
        """The step's events on or before ``as_of``, oldest first."""
        events = self._events.get(step, ())
        if not events:
            return events
        return events[: bisect.bisect_right(self._days[step], as_of)]
