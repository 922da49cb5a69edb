"""Collecting steps: indicator values and typical cases close plan steps without a check-in.

A step with ``collect: indicators`` (e.g. ``indicators.2026``) has one deliverable per row of
附件1; a recorded value of that indicator for that year counts as its check-in, made by the
reporting bureau when the value happened. A step with ``collect: cases`` (e.g. ``cases.3.2026``)
has one deliverable, ``case``, checked in by the first case of its theme in its year. The engine
then treats them like any other step: windows, lights, the ladder and the board need no exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core.events import CheckIn
from core.plan import Plan

__all__ = ["Collected", "collected_events"]


@dataclass(frozen=True, slots=True)
class Collected:
    """A record that fills a collecting step: an indicator value or a typical case."""

    kind: Literal["indicators", "cases"]
    key: str
    year: int
    by: str
    at: datetime


def collected_events(plan: Plan, records: Iterable[Collected]) -> list[CheckIn]:
    """The check-ins the records amount to; records no step collects (e.g. baselines) are left out."""
    by_slot: dict[tuple[str, str | None, int], str] = {}
    for step in plan.steps.values():
        if step.collected and step.year is not None:
            by_slot[(step.collect, step.theme, step.year)] = step.id
    out: list[CheckIn] = []
    for rec in records:
        theme = rec.key if rec.kind == "cases" else None
        sid = by_slot.get((rec.kind, theme, rec.year))
        if sid is None:
            continue
        deliverable = rec.key if rec.kind == "indicators" else "case"
        if deliverable in {d.id for d in plan.steps[sid].deliverables}:
            out.append(CheckIn(sid, rec.by, rec.at, (deliverable,), note="collected"))
    return out

