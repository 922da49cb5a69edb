"""Where every step stands at a date, and why: status, traffic light, blocking, forecast.

The rules, in one place (the tests state them as tables):

* A step is **done** when every deliverable is checked in (and accepted, where the plan asks for
  review) *and* every upstream step is done. On a step with several owners, whose hand-in counts is
  the step's ``completion`` (core.joint holds that table): ``lead`` -- only the lead's hand-in (or the
  office's on the lead's behalf); ``each`` -- every owner's own; ``any`` -- anyone's. A 配合单位's
  hand-in on a ``lead`` step is a contribution: it is listed (``contributors``) and never completes.
  Its done day is the later of its last deliverable and its last upstream step: a check-in made
  while upstream work is unfinished is kept, and counts from the day the upstream is done. A
  returned deliverable reopens the step, and everything downstream is no longer done until it is
  done again.
* The **effective due** date is the window's due — or, from the day the office approved one, the
  latest extension's new date (延期) — moved to the next working day when it falls on a rest day
  (顺延), unless the plan turns that off. The board keeps the plan's own due beside it
  (``original_due``). Lights, lateness, the ladder and the forecast all use the effective due;
  the plan's end stays the plan's, so an extension on the critical path shows as a late end.
* Status precedence, first match wins:

  ============  ===============================================  ========================
  status        when                                             light
  ============  ===============================================  ========================
  done          done as above                                    green
  not_open      the window has not opened                        grey
  blocked       an upstream step is not done                     yellow; red past due
  returned      a deliverable was returned, resubmission open    yellow
  submitted     all checked in, waiting for the office's review  yellow
  overdue       past due (or past the resubmit-by date)          red
  due_soon      due within N working days (N from the plan)      yellow
  open          open and on time                                 green; yellow for a
                                                                 theme's case collection
                                                                 with no case yet
  ============  ===============================================  ========================

* **Tracks** (indicator collection, case collection, dispatch meetings) recur beside the five
  phases. Their steps follow the same table; they roll up into track lights of their own, and
  they never become the plan's last step (the forecast and critical path are the phases').

* **Forecast**: a done step finished on its done day; an open step is expected by its due date (or
  today, when overdue); a step cannot finish before its upstream steps' forecast plus the time the
  plan gives it after them. **Slack** is how many days a step can slip before the last step of the
  plan slips; steps with no slack left are **critical**.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from core.events import CheckIn, Event, Facts
from core.joint import first_contributions, slot, slots
from core.plan import Phase, Plan, Step
from core.workdays import WorkdayCalendar

__all__ = ["LIGHT_RANK", "Board", "EndForecast", "Engine", "PhaseStatus", "StepStatus"]

Status = Literal["done", "submitted", "returned", "blocked", "not_open", "open", "due_soon", "overdue"]
Light = Literal["green", "yellow", "red", "grey"]

LIGHT_RANK: Mapping[str, int] = {"grey": 0, "green": 1, "yellow": 2, "red": 3}


@dataclass(frozen=True, slots=True)
class StepStatus:
    """One step instance as of a day."""

    id: str
    status: Status
    light: Light
    due: date
    blocked_by: tuple[str, ...] = ()
    late: bool = False
    overdue_workdays: int = 0
    done_on: date | None = None
    missing: tuple[str, ...] = ()
    awaiting_review: tuple[str, ...] = ()
    returned_reason: str = ""
    resubmit_by: date | None = None
    forecast_due: date | None = None
    slack_days: int | None = None
    critical: bool = False
    original_due: date | None = None
    acked_by: tuple[str, ...] = ()
    # (配合单位, day of its first contribution, working days that day was after the due) on a lead step
    contributed: tuple[tuple[str, date, int], ...] = ()
    owing: tuple[str, ...] = ()

    @property
    def contributors(self) -> tuple[str, ...]:
        """The 配合单位 that have handed in material (a lead step's), in the plan's order of owners."""
        return tuple(b for b, _, _ in self.contributed)


@dataclass(frozen=True, slots=True)
class PhaseStatus:
    """A phase rolled up from its steps: the worst light, and done only when every step is."""

    id: str
    status: Literal["done", "not_open", "in_progress"]
    light: Light
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class EndForecast:
    """When the plan's last step is expected, and which late steps push it past its due."""

    step: str
    due: date
    forecast_due: date
    pushed_by: tuple[str, ...]

    @property
    def late_days(self) -> int:
        """Calendar days the last step is expected after its due (0 when on time)."""
        return max(0, (self.forecast_due - self.due).days)


@dataclass(frozen=True, slots=True)
class Board:
    """Every step and phase of a plan as of one day."""

    as_of: date
    plan_id: str
    steps: Mapping[str, StepStatus]
    phases: Mapping[str, PhaseStatus]
    end: EndForecast | None
    tracks: Mapping[str, PhaseStatus] = field(default_factory=dict)

    def group(self, group_id: str) -> PhaseStatus:
        """The roll-up of a phase or a track."""
        return self.phases.get(group_id) or self.tracks[group_id]


@dataclass(frozen=True, slots=True)
class _Deliverables:
    """What a step's own events add up to, before upstream steps are considered."""

    complete_day: date | None
    checked_in: tuple[str, ...]
    missing: tuple[str, ...]
    awaiting_review: tuple[str, ...]
    returned: bool
    reason: str
    resubmit_by: date | None
    contributed: tuple[tuple[str, date], ...] = ()
    owing: tuple[str, ...] = ()


class Engine:
    """Evaluates one plan on a working-day calendar; reuse it across days for speed."""

    def __init__(self, plan: Plan, calendar: WorkdayCalendar) -> None:
        self.plan = plan
        self.calendar = calendar
        self.order = plan.topo_order or tuple(plan.steps)
        roll = plan.settings.roll_due_to_workday
        self.due: dict[str, date] = {
            sid: calendar.next_workday(s.window.due) if roll else s.window.due for sid, s in plan.steps.items()
        }
        self.downstream: dict[str, list[str]] = {sid: [] for sid in plan.steps}
        for step in plan.steps.values():
            for dep in step.depends_on:
                self.downstream[dep].append(step.id)
        # Days the plan gives a step after its upstream steps are due (0 when windows overlap).
        self.duration: dict[str, int] = {}
        for sid, step in plan.steps.items():
            upstream_due = max((self.due[d] for d in step.depends_on), default=step.window.start)
            self.duration[sid] = max(0, (self.due[sid] - max(step.window.start, upstream_due)).days)
        self.phase_steps = frozenset(sid for phase in plan.phases for sid in phase.step_ids)
        # The plan ends with its phases: a track's last meeting is not the plan's last step.
        sinks = [sid for sid in self.order if not self.downstream[sid] and sid in self.phase_steps]
        self.end_step = max(sinks, key=lambda sid: (self.due[sid], self.order.index(sid))) if sinks else None
        # Steps with a phase step downstream (or of a phase themselves): the rest have no slack to tell.
        self.feeds_phases: set[str] = set()
        for sid in reversed(self.order):
            if sid in self.phase_steps or any(d in self.feeds_phases for d in self.downstream[sid]):
                self.feeds_phases.add(sid)
        self._latest_finish = self._backward_pass()
        self._memo: dict[tuple[str, int], _Deliverables] = {}
        # A done step reads the same every day after (its day, due and hand-ins fixed): a replay reuses it.
        self._done: dict[tuple[Any, ...], StepStatus] = {}

    def _backward_pass(self) -> dict[str, date]:
        """Latest finish of every step that keeps the last step on time (CPM backward pass)."""
        latest: dict[str, date] = {}
        for sid in reversed(self.order):
            down = self.downstream[sid]
            if not down:
                # A phase's loose end must finish by the plan's end; a track's, by its own due date.
                end = self.end_step if sid in self.phase_steps else None
                latest[sid] = self.due[end or sid]
            else:
                latest[sid] = min(latest[t] - timedelta(days=self.duration[t]) for t in down)
        return latest

    def board(self, facts: Facts, as_of: date) -> Board:
        """Every step's status, light, blocking, lateness and forecast as of ``as_of``."""
        due_soon = self.plan.settings.due_soon_workdays
        done_on: dict[str, date | None] = {}
        forecast: dict[str, date] = {}
        statuses: dict[str, StepStatus] = {}
        for sid in self.order:
            step = self.plan.steps[sid]
            own = self._deliverables(step, facts.upto(sid, as_of))
            unfinished = tuple(d for d in step.depends_on if done_on[d] is None)
            done_day = None
            if own.complete_day is not None and not unfinished:
                done_day = max([own.complete_day, *(d for d in (done_on[u] for u in step.depends_on) if d)])
            done_on[sid] = done_day
            due = self.effective_due(sid, facts, as_of)
            forecast[sid] = self._forecast(step, due, done_day, forecast, as_of)
            statuses[sid] = self._classify(step, due, own, unfinished, done_day, as_of, due_soon, forecast[sid],
                                           facts.acked_by(sid, as_of))
        return Board(as_of, self.plan.id, statuses, self._roll_up(self.plan.phases, statuses),
                     self._end(statuses, forecast), self._roll_up(self.plan.tracks, statuses))

    def effective_due(self, step_id: str, facts: Facts, as_of: date) -> date:
        """The step's due date on ``as_of``: the plan's, or the approved extension's, rolled to a working day."""
        extension = facts.extension(step_id, as_of)
        if extension is None:
            return self.due[step_id]
        roll = self.plan.settings.roll_due_to_workday
        return self.calendar.next_workday(extension.to) if roll else extension.to

    def deliverables(self, facts: Facts, step_id: str, as_of: date) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(checked in and not returned, awaiting the office's review) for one step as of a day."""
        own = self._deliverables(self.plan.steps[step_id], facts.upto(step_id, as_of))
        return own.checked_in, own.awaiting_review

    def _deliverables(self, step: Step, events: tuple[Event, ...]) -> _Deliverables:
        key = (step.id, len(events))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = _replay(step, events)
        return found

    def _classify(self, step: Step, due: date, own: _Deliverables, unfinished: tuple[str, ...], done_day: date | None,
                  as_of: date, due_soon: int, forecast: date, acked_by: tuple[str, ...]) -> StepStatus:
        """Apply the precedence table of the module docstring."""
        if done_day is not None:
            key = (step.id, due, done_day, own, acked_by)
            found = self._done.get(key)
            if found is None:
                found = self._done[key] = self._classify_open(step, due, own, unfinished, done_day, as_of, due_soon,
                                                              forecast, acked_by)
            return found
        return self._classify_open(step, due, own, unfinished, done_day, as_of, due_soon, forecast, acked_by)

    def _classify_open(self, step: Step, due: date, own: _Deliverables, unfinished: tuple[str, ...],
                       done_day: date | None, as_of: date, due_soon: int, forecast: date,
                       acked_by: tuple[str, ...]) -> StepStatus:
        past_due = as_of > due
        late_by = self.calendar.workdays_between(due, as_of) if past_due else 0
        status: Status
        light: Light
        if done_day is not None:
            status, light = "done", "green"
            late_by = self.calendar.workdays_between(due, done_day) if done_day > due else 0
        elif as_of < step.window.start:
            status, light = "not_open", "grey"
        elif unfinished:
            status, light = "blocked", "red" if past_due else "yellow"
        elif own.returned:
            limit = self.calendar.next_workday(own.resubmit_by) if own.resubmit_by else due
            if as_of > limit:
                status, light = "overdue", "red"
                late_by = self.calendar.workdays_between(limit, as_of)
            else:
                status, light = "returned", "yellow"
        elif own.awaiting_review and not own.missing:
            status, light = "submitted", "yellow"
        elif past_due:
            status, light = "overdue", "red"
        elif self.calendar.workdays_between(as_of, due) <= due_soon:
            status, light = "due_soon", "yellow"
        elif step.collect == "cases" and not own.checked_in:
            status, light = "open", "yellow"  # a theme with no case this year wants attention all year
        else:
            status, light = "open", "green"
        return StepStatus(
            id=step.id, status=status, light=light, due=due,
            blocked_by=unfinished if done_day is None else (),
            late=done_day is not None and done_day > due,
            overdue_workdays=late_by, done_on=done_day,
            missing=own.missing, awaiting_review=own.awaiting_review,
            returned_reason=own.reason, resubmit_by=own.resubmit_by, forecast_due=forecast,
            original_due=self.due[step.id] if due != self.due[step.id] else None, acked_by=acked_by,
            contributed=self._contributed(own, due) if own.contributed else (), owing=own.owing,
            **self._slack(step.id, done_day, forecast),
        )

    def _contributed(self, own: _Deliverables, due: date) -> tuple[tuple[str, date, int], ...]:
        """Each 配合单位's first contribution with the working days it came after the due (0: on time)."""
        return tuple((b, day, self.calendar.workdays_between(due, day) if day > due else 0) for b, day in own.contributed)

    def _slack(self, sid: str, done_day: date | None, forecast: date) -> dict[str, Any]:
        """Days the step may slip before the plan's end does, and whether none are left (open steps that feed a phase)."""
        if done_day is not None or sid not in self.feeds_phases:
            return {}
        slack = (self._latest_finish[sid] - forecast).days
        return {"slack_days": slack, "critical": slack <= 0}

    def _forecast(self, step: Step, due: date, done_day: date | None, forecast: dict[str, date], as_of: date) -> date:
        if done_day is not None:
            return done_day
        expected = due if as_of <= due else as_of
        if step.depends_on:
            after_upstream = max(forecast[d] for d in step.depends_on) + timedelta(days=self.duration[step.id])
            expected = max(expected, after_upstream)
        return self.calendar.next_workday(expected)

    def _roll_up(self, groups: tuple[Phase, ...], statuses: Mapping[str, StepStatus]) -> dict[str, PhaseStatus]:
        phases = {}
        for phase in groups:
            members = [statuses[s] for s in phase.step_ids]
            done = sum(s.status == "done" for s in members)
            if done == len(members):
                status: Literal["done", "not_open", "in_progress"] = "done"
            elif all(s.status == "not_open" for s in members):
                status = "not_open"
            else:
                status = "in_progress"
            light = max((s.light for s in members), key=LIGHT_RANK.__getitem__)
            if status == "done":
                light = "green"
            phases[phase.id] = PhaseStatus(phase.id, status, light, done, len(members))
        return phases

    def _end(self, statuses: Mapping[str, StepStatus], forecast: Mapping[str, date]) -> EndForecast | None:
        if self.end_step is None:
            return None
        due = self.due[self.end_step]
        expected = forecast[self.end_step]
        pushers: tuple[str, ...] = ()
        if expected > due:
            pushers = tuple(
                sid for sid in self.order
                if statuses[sid].critical and (statuses[sid].light == "red" or forecast[sid] > self.due[sid])
            )
        return EndForecast(self.end_step, due, expected, pushers)


def _replay(step: Step, events: tuple[Event, ...]) -> _Deliverables:
    """Replay a step's own check-ins and reviews, deliverable by deliverable (and owner by owner on ``each``)."""
    # Each (deliverable, slot): None (nothing yet) or (state, day) with state "in", "ok" or "returned".
    # A slot is an owner on an ``each`` step, else the one shared hand-in "" (see core.joint).
    owners = slots(step)
    state: dict[tuple[str, str], tuple[str, date] | None] = {(d.id, o): None for d in step.deliverables for o in owners}
    reason, resubmit_by = "", None
    for event in events:
        if isinstance(event, CheckIn):
            filled = slot(step, event)
            if filled is None:
                continue  # a contribution: recorded, listed, never completing
            for did in event.deliverables:
                if (did, filled) in state:
                    state[(did, filled)] = ("in", event.day)
            continue
        for did in event.deliverables:
            for owner in owners:
                current = state.get((did, owner))
                if current is None:
                    continue
                if event.decision == "accept" and current[0] == "in":
                    state[(did, owner)] = ("ok", event.day)
                elif event.decision == "return":
                    state[(did, owner)] = ("returned", event.day)
        if event.decision == "return":
            reason, resubmit_by = event.reason, event.resubmit_by
    if len(owners) == 1:
        merged = {did: s for (did, _), s in state.items()}
        owing: tuple[str, ...] = ()
    else:
        merged = {d.id: _worst([state[(d.id, o)] for o in owners]) for d in step.deliverables}
        owing = tuple(o for o in owners if any(_open(state[(d.id, o)], step.review) for d in step.deliverables))
    missing = tuple(d for d, s in merged.items() if s is None or s[0] == "returned")
    awaiting = tuple(d for d, s in merged.items() if s is not None and s[0] == "in") if step.review else ()
    returned = any(s is not None and s[0] == "returned" for s in merged.values())
    complete = not missing and not awaiting
    complete_day = max(s[1] for s in merged.values() if s is not None) if complete and merged else None
    checked_in = tuple(d for d, s in merged.items() if s is not None and s[0] != "returned")
    return _Deliverables(complete_day, checked_in, missing, awaiting, returned, reason if returned else "",
                         resubmit_by if returned else None,
                         first_contributions(step, events) if step.completion == "lead" and len(step.owners) > 1 else (),
                         owing)


_RANK = {"returned": 0, "in": 1, "ok": 2}


def _worst(states: list[tuple[str, date] | None]) -> tuple[str, date] | None:
    """One deliverable over every owner's hand-in: the least advanced state, dated by the latest hand-in."""
    if any(s is None for s in states):
        return None
    known = [s for s in states if s is not None]
    return (min(known, key=lambda s: _RANK[s[0]])[0], max(s[1] for s in known))


def _open(state: tuple[str, date] | None, review: bool) -> bool:
    """True while an owner's hand-in of a deliverable still lacks (or, under review, waits for acceptance)."""
    return state is None or state[0] == "returned" or (review and state[0] == "in")
