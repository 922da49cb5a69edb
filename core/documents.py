"""What every document for the leaders is written from: one bundle of plan, board and records as of a day.

The writers (reports/: 台账 xlsx, Gantt and indicator pictures, Word documents) read this and
nothing else: they never query the database or decide a rule; the numbers they print come from
core (board, verdicts, rankings). db.documents builds it from the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.events import Facts
from core.indicators import IndicatorValue
from core.plan import Plan
from core.status import Board, Engine

__all__ = ["DocumentFacts"]


@dataclass(frozen=True)
class DocumentFacts:
    """The plan and what happened, evaluated as of ``as_of``.

    ``cases`` and ``projects`` are the rows of db.library.list_cases / list_projects (dicts with
    Chinese-free keys: theme, bureau, title, summary, year, at, files / code, name, bureau, year,
    planned, actual, funding_source, status). ``values`` maps indicator id -> year -> value.
    """

    plan: Plan
    engine: Engine
    facts: Facts
    as_of: date
    board: Board
    values: Mapping[str, Mapping[int, IndicatorValue]]
    cases: tuple[Mapping[str, Any], ...] = ()
    projects: tuple[Mapping[str, Any], ...] = ()

    def board_on(self, day: date) -> Board:
        """The board on another day (a year's end, for the annual summary)."""
        return self.board if day == self.as_of else self.engine.board(self.facts, day)
