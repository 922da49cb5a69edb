"""One row per plan for ``status --all``: lights, progress, overdue, next deadline, forecast end."""

from __future__ import annotations

from collections import Counter
from typing import Any

from core.plan import Plan
from core.reports import progress
from core.status import Board, Light

__all__ = ["LIGHTS", "portfolio_row"]

LIGHTS: tuple[Light, ...] = ("green", "yellow", "red", "grey")


def portfolio_row(plan: Plan, board: Board) -> dict[str, Any]:
    """A plan's board in one JSON-ready row.

    ``lights`` counts every step instance by light (phases and tracks, as the board's summary does);
    ``progress`` is the percent of phase steps done (:func:`core.reports.progress`); ``overdue`` counts
    the red steps (past their due and not done, blocked ones included), as the summary's 逾期 list does;
    ``next_deadline`` is the soonest due, on or after the day, of a step not done (ties by id), or
    None; ``forecast_end`` and ``end_due`` come from the board's end.
    """
    lights = Counter(st.light for st in board.steps.values())
    pending = [st for st in board.steps.values() if st.status != "done" and st.due >= board.as_of]
    upcoming = min(pending, key=lambda st: (st.due, st.id), default=None)
    end = board.end
    return {
        "id": plan.id,
        "title": plan.title,
        "lights": {light: lights[light] for light in LIGHTS},
        "progress": progress(board),
        "overdue": lights["red"],
        "next_deadline": None if upcoming is None else {
            "step": upcoming.id, "title": plan.steps[upcoming.id].title, "due": upcoming.due.isoformat()},
        "forecast_end": end.forecast_due.isoformat() if end else None,
        "end_due": end.due.isoformat() if end else None,
    }
