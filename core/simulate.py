"""Replay a plan day by day and list every change of a step's status: the office's dry run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from core.events import Facts
from core.status import Engine

__all__ = ["Transition", "replay"]


@dataclass(frozen=True, slots=True)
class Transition:
    """On ``day`` the step's status changed from ``before`` to ``after``."""

    day: date
    step: str
    before: str
    after: str


def replay(
    engine: Engine,
    facts: Facts,
    start: date,
    end: date,
    on_day: Callable[[date], None] | None = None,
) -> tuple[dict[str, str], list[Transition]]:
    """Evaluate every day from ``start`` to ``end``.

    Returns:
        The statuses on ``start``, and every transition after it, in day then plan order.
    """
    board = engine.board(facts, start)
    previous: dict[str, str] = {sid: st.status for sid, st in board.steps.items()}
    initial = dict(previous)
    transitions: list[Transition] = []
    day = start
    while day < end:
        day += timedelta(days=1)
        if on_day is not None:
            on_day(day)
        board = engine.board(facts, day)
        for sid, st in board.steps.items():
            if st.status != previous[sid]:
                transitions.append(Transition(day, sid, previous[sid], st.status))
                previous[sid] = st.status
    return initial, transitions
