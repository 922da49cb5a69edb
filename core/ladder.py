"""The reminder and escalation ladder: what should be said, to whom, on a working day.

Each :class:`Notice` is one fact for one recipient with a dedupe key, so that the same fact is never
said twice however often the daily run repeats or catches up after a missed day. The keys come from
the facts themselves (the day a step became workable, its due date, an event's time), not from
the day of the run, except for the rungs that repeat by design.

Default ladder (``LadderSettings``), all counted in China's working days:

=================  =================================================  ====================
rung               when                                               to
=================  =================================================  ====================
opened             the window opens, or the last upstream step closes  owners (1) not yet 签收
due                due in 5, then in 1 working days                   owners (1)
overdue            first working day overdue                          owners (1), office
overdue_repeat     then every 3 working days                          owners (1)
escalation         5 working days overdue: 督办                        leaders, office
received           a check-in was recorded                            submitter, office
returned           a deliverable was returned                         owners
extended           the office approved an extension (延期)             owners
digest             first working day of each week                     office
progress_due       a progress report due in 5 working days or fewer   the bureau that owes it (2)
progress_overdue   the report's due day has passed, nothing received  the bureau that owes it (2)
progress_escalation  5 working days past due, nothing received        office (2)
=================  =================================================  ====================

(1) Only the owners that still owe a missing deliverable, each told which: an indicator
collection reminds the bureaus whose indicators have no value yet, naming them. Values and cases
are not acknowledged by message (the command that records them says so).

(2) 进展报送 (core.progress): each is said once per step, bureau and period, whatever day it is
first said on (the first working day of the rung's span, or later if the run catches up); a report
received before a rung's day silences it. "5" are the ladder's largest ``due_in`` and its
``escalate_after``. A missing report never turns the step red; these rungs are the bureau's own.

Tracking start (``tracking: {since: DATE}`` in the plan file, 中途接入): a plan adopted mid-way
says nothing about its past. No rung is sent whose date lies before the tracking start: an
``opened`` whose workable-since day is before it, a ``due`` whose due day is, every ``overdue``,
``overdue_repeat`` and ``escalation`` of a step due before it, a ``received``, ``returned`` or
``extended`` of an event before it, and no digest before it. The board is not touched: a step due
before the start with nothing recorded is still overdue there. An extension approved after the
start gives the step a new due day, and the ladder speaks of that one again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from core.events import CheckIn, Extension, Facts, Review
from core.plan import LadderSettings, Plan
from core.progress import owed_reports
from core.status import Board, Engine

__all__ = ["RUNG_ORDER", "LadderSettings", "Notice", "notices_for_day"]

_AWAITING = {"open", "due_soon", "returned", "overdue"}
# The order items appear in a recipient's message: the most urgent first.
RUNG_ORDER = ("escalation", "progress_escalation", "overdue", "overdue_repeat", "progress_overdue", "returned", "extended",
              "due", "progress_due", "opened", "received", "digest")


@dataclass(frozen=True, slots=True)
class Notice:
    """One thing to tell one recipient, with the key that makes it said only once."""

    recipient: str
    rung: str
    step: str | None
    dedupe_key: str
    fields: dict[str, Any] = field(default_factory=dict, compare=False)


def notices_for_day(plan: Plan, engine: Engine, facts: Facts, day: date,
                    settings: LadderSettings | None = None) -> list[Notice]:
    """Everything the ladder (the plan's, unless ``settings`` is given) says on ``day``; nothing on a rest day."""
    if not engine.calendar.is_workday(day):
        return []
    ladder = settings or plan.settings.ladder
    since = plan.settings.tracking_since
    if since is not None and day < since:
        return []  # before tracking starts, every rung is dated before it
    board = engine.board(facts, day)
    out: list[Notice] = []
    for sid in plan.topo_order:
        out += _step_notices(plan, engine, board, sid, day, ladder, since)
    out += _event_notices(plan, facts, day, ladder, since)
    out += _progress_notices(plan, engine, board, facts, day, ladder, since)
    if ladder.digest and _first_workday_of_week(engine, day):
        iso = day.isocalendar()
        out.append(Notice("office", "digest", None, f"{plan.id}|digest|office|{iso.year}-W{iso.week:02d}"))
    return out


def _tracked(rung_date: date, since: date | None) -> bool:
    """Whether a rung dated ``rung_date`` may be sent under a tracking start of ``since`` (None: always)."""
    return since is None or rung_date >= since


def _key(plan: Plan, sid: str, rung: str, recipient: str, anchor: object) -> str:
    return f"{plan.id}|{sid}|{rung}|{recipient}|{anchor}"


def _to(plan: Plan, sid: str, rung: str, recipients: Iterable[str], anchor: object, **fields: Any) -> list[Notice]:
    return [Notice(r, rung, sid, _key(plan, sid, rung, r, anchor), fields) for r in dict.fromkeys(recipients)]


def _owing(plan: Plan, sid: str, missing: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Who still owes what: each bureau with the titles of the missing deliverables it provides.

    A plain step's deliverables are owed by all its owners; an indicator collection's by each
    indicator's bureaus, so a bureau that has recorded its values hears no more of the step.
    """
    step = plan.steps[sid]
    owing: dict[str, list[str]] = {}
    for deliverable in step.deliverables:
        if deliverable.id in missing:
            for bureau in deliverable.owed_by(step.owners):
                owing.setdefault(bureau, []).append(deliverable.title)
    return {b: tuple(t) for b, t in owing.items()} or {o: () for o in step.owners}


def _to_owing(plan: Plan, sid: str, rung: str, owing: dict[str, tuple[str, ...]], anchor: object,
              **fields: Any) -> list[Notice]:
    return [Notice(r, rung, sid, _key(plan, sid, rung, r, anchor), {**fields, "owed": owed}) for r, owed in owing.items()]


def _step_notices(plan: Plan, engine: Engine, board: Board, sid: str, day: date, ladder: LadderSettings,
                  since: date | None = None) -> list[Notice]:
    st = board.steps[sid]
    if st.status not in _AWAITING:
        return []
    step = plan.steps[sid]
    owing = _owing(plan, sid, st.missing)
    out: list[Notice] = []
    upstream_done = [board.steps[d].done_on for d in step.depends_on]
    workable_since = max([step.window.start, *(d for d in upstream_done if d)])
    limit = engine.calendar.next_workday(st.resubmit_by) if st.resubmit_by else st.due
    if not _tracked(limit, since):
        return []  # due (and so overdue) before tracking started: the board shows it, no message does
    # an overdue step hears the overdue rungs, not "you may start"; nor is a step opened before tracking
    if st.status != "overdue" and _tracked(workable_since, since):
        # A bureau that has acknowledged (签收) the step knows it is open: no "opened" reminder again.
        unacked = {b: owed for b, owed in owing.items() if b not in st.acked_by}
        out += _to_owing(plan, sid, "opened", unacked, workable_since, due=st.due)
    if day <= limit:
        left = engine.calendar.workdays_between(day, limit)
        # The nearest reminder not yet passed: "due in 5" while 2-5 days are left, "due in 1" after.
        rung_days = [n for n in sorted(ladder.due_in) if left <= n]
        if rung_days:
            n = rung_days[0]
            out += _to_owing(plan, sid, "due", owing, f"{limit}|{n}", due=limit, days_left=left, reminder=n)
        return out
    late = engine.calendar.workdays_between(limit, day)
    out += _to_owing(plan, sid, "overdue", owing, limit, due=limit, days_late=late)
    if "office" not in owing:
        out += _to(plan, sid, "overdue", ("office",), limit, due=limit, days_late=late)
    if late > 1 and (late - 1) % ladder.repeat_every == 0:
        out += _to_owing(plan, sid, "overdue_repeat", owing, day, due=limit, days_late=late)
    if late >= ladder.escalate_after:
        out += _to(plan, sid, "escalation", ("leaders", "office"), limit, due=limit, days_late=late)
    return out


def _event_notices(plan: Plan, facts: Facts, day: date, ladder: LadderSettings,
                   tracking_since: date | None = None) -> list[Notice]:
    since = day - timedelta(days=ladder.received_lookback_days)
    if tracking_since is not None:
        since = max(since, tracking_since)  # events before tracking started are history, not news
    out: list[Notice] = []
    for event in facts.all:
        if not since <= event.day <= day or plan.steps[event.step].collected:
            continue  # values and cases are acknowledged when they are entered, not by message
        stamp = event.at.isoformat()
        if isinstance(event, CheckIn):
            submitter = event.on_behalf_of or event.by
            out += _to(plan, event.step, "received", (submitter, "office"), stamp,
                       deliverables=event.deliverables, by=event.by, at=event.day)
        elif isinstance(event, Review) and event.decision == "return":
            out += _to(plan, event.step, "returned", plan.steps[event.step].owners, stamp,
                       reason=event.reason, resubmit_by=event.resubmit_by, deliverables=event.deliverables)
    for fact in facts.every:
        if isinstance(fact, Extension) and since <= fact.day <= day:
            out += _to(plan, fact.step, "extended", plan.steps[fact.step].owners, fact.at.isoformat(),
                       to=fact.to, reason=fact.reason)
    return out


def _progress_notices(plan: Plan, engine: Engine, board: Board, facts: Facts, day: date, ladder: LadderSettings,
                      since: date | None) -> list[Notice]:
    """进展报送 rungs: a reminder before the due day, overdue after it, 督办 to the office 5 working days on."""
    if plan.progress is None:
        return []
    done_on = {sid: st.done_on for sid, st in board.steps.items()}
    out: list[Notice] = []
    remind = max(ladder.due_in, default=0)
    for owed in owed_reports(plan, engine.calendar, facts.progress, day, done_on):
        if owed.status not in ("owed", "overdue") or not _tracked(owed.due, since):
            continue
        anchor = f"{owed.bureau}|{owed.period.id}"
        fields = {"due": owed.due, "period": owed.period.id, "period_words": owed.period.words,
                  "bureau": owed.bureau, "bureau_name": plan.bureau_name(owed.bureau)}
        if owed.status == "owed":
            left = engine.calendar.workdays_between(day, owed.due)
            if left <= remind:
                out.append(Notice(owed.bureau, "progress_due", owed.step,
                                  _key(plan, owed.step, "progress_due", owed.bureau, owed.period.id),
                                  {**fields, "days_left": left}))
            continue
        late = engine.calendar.workdays_between(owed.due, day)
        out.append(Notice(owed.bureau, "progress_overdue", owed.step,
                          _key(plan, owed.step, "progress_overdue", owed.bureau, owed.period.id),
                          {**fields, "days_late": late}))
        if late >= ladder.escalate_after:
            out.append(Notice("office", "progress_escalation", owed.step,
                              _key(plan, owed.step, "progress_escalation", "office", anchor),
                              {**fields, "days_late": late}))
    return out


def _first_workday_of_week(engine: Engine, day: date) -> bool:
    monday = day - timedelta(days=day.weekday())
    first = engine.calendar.next_workday(monday)
    return first == day
