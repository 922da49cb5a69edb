"""单位考评: how each bureau keeps its due dates, ranked — for the 台账 and the 情况通报.

A bureau answers for a step instance when it owns the step or owes one of its deliverables
(``core.events.step_bureaus``). Only instances whose effective due date (the board's, after any
approved 延期) has come count; each is then on time, late, or overdue:

==========  ===========================================================================
on_time     done on or before the effective due
late        done after it
overdue     not done, and the due has passed (a step due today still has today)
==========  ===========================================================================

On a ``lead`` step with several owners (core.joint) the lead answers for the step as above, and
each 配合单位 for its contribution (配合材料): on time when its first contribution came on or before
the effective due, late when after it (counting its working days late), overdue when it sent
nothing and the step is still not done past the due. A 配合单位 that sent nothing to a step its lead
completed shares the step's outcome. ``contributions`` counts the joint steps it has sent material to.

Bureaus rank by on-time rate (high first), then by average working days late (low first), then
in the plan's order; a bureau with nothing owed yet ranks last. The leading group (``leaders``)
hands nothing in and is not ranked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from core.events import step_bureaus
from core.plan import Plan
from core.status import Board, StepStatus

__all__ = ["NOT_RANKED", "BureauScore", "bureau_performance", "owed_outcome", "shared_ranks"]

# The leading group supervises; it owns no work of its own to be late with.
NOT_RANKED = frozenset({"leaders"})


@dataclass(frozen=True, slots=True)
class BureauScore:
    """One bureau's record of due dates as of the board's day."""

    bureau: str
    name: str
    owed: int
    on_time: int
    late: int
    overdue: int
    on_time_rate: float | None
    avg_late_workdays: float
    rank: int
    contributions: int = 0


@dataclass
class _Tally:
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    late_workdays: int = 0
    contributions: int = 0


def owed_outcome(st: StepStatus, as_of: date) -> Literal["on_time", "late", "overdue"] | None:
    """How an owed step stands on ``as_of`` (None when it is not owed yet): the rule every tally shares."""
    if st.done_on is None and st.due >= as_of:
        return None  # not due yet, or due today: the day is not over
    if st.done_on is not None and st.due > as_of:
        return None  # done early; it is owed only once its due comes, like everyone else's
    if st.done_on is None:
        return "overdue"
    return "late" if st.done_on > st.due else "on_time"


def bureau_performance(plan: Plan, board: Board) -> list[BureauScore]:
    """Every bureau but the leading group, best first (see the module docstring for the rules)."""
    order = [b for b in plan.bureaus if b not in NOT_RANKED]
    tallies = {b: _Tally() for b in order}
    for sid in plan.steps:
        st = board.steps[sid]
        sent = {b: late for b, _, late in st.contributed}
        for bureau in sent:
            if bureau in tallies:
                tallies[bureau].contributions += 1
        outcome = owed_outcome(st, board.as_of)
        if outcome is None:
            continue
        for bureau in step_bureaus(plan, sid):
            tally = tallies.get(bureau)
            if tally is None:
                continue
            if bureau in sent:  # a 配合单位 is judged by when its material came
                tally.late += sent[bureau] > 0
                tally.on_time += sent[bureau] == 0
                tally.late_workdays += sent[bureau]
                continue
            setattr(tally, outcome, getattr(tally, outcome) + 1)
            if st.done_on is None or st.done_on > st.due:
                tally.late_workdays += st.overdue_workdays

    def score(bureau: str) -> tuple[str, int, int, int, float | None, float]:
        t = tallies[bureau]
        owed = t.on_time + t.late + t.overdue
        behind = t.late + t.overdue
        return (bureau, owed, t.on_time, t.late, t.on_time / owed if owed else None,
                t.late_workdays / behind if behind else 0.0)

    scored = [score(b) for b in order]
    # Python's sort is stable, so equal bureaus keep the plan's order.
    ranked = sorted(scored, key=lambda s: (s[4] is None, -(s[4] or 0.0), s[5]))
    return [
        BureauScore(bureau=b, name=plan.bureau_name(b), owed=owed, on_time=on_time, late=late,
                    overdue=owed - on_time - late, on_time_rate=rate, avg_late_workdays=avg, rank=n,
                    contributions=tallies[b].contributions)
        for n, (b, owed, on_time, late, rate, avg) in enumerate(ranked, start=1)
    ]


def shared_ranks(scores: list[BureauScore]) -> list[str]:
    """Each bureau's place as printed: equal on-time rate and equal average lateness share a rank (并列3, then 6);
    a bureau that owes nothing yet is not ranked (—)."""
    keys = [(s.on_time_rate, s.avg_late_workdays) for s in scores]
    out: list[str] = []
    for key in keys:
        if key[0] is None:
            out.append("—")
            continue
        first = keys.index(key) + 1  # scores are sorted, so equal keys are neighbours
        out.append(f"并列{first}" if keys.count(key) > 1 else str(first))
    return out
