"""The project library (项目库) in numbers, for documents: investment by year, cancelled projects left out.

Projects arrive as the rows db.library.list_projects returns (code, name, bureau, year, planned,
actual, funding_source, status); amounts are 万元. The rule is db.library.project_totals's: a
cancelled project counts in no total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PROJECT_STATUS_ZH", "Investment", "investment", "investment_by_year", "money"]

# The same words as db.library.PROJECT_STATUS (core cannot import db).
PROJECT_STATUS_ZH = {"planned": "计划", "in_progress": "在建", "completed": "完成", "cancelled": "取消"}


@dataclass(frozen=True, slots=True)
class Investment:
    """How many projects, and their planned and actual investment in 万元."""

    count: int
    planned: float
    actual: float

    @property
    def share(self) -> str:
        """Actual against planned as ``75.0%``, or ``—`` when nothing is planned."""
        return f"{100 * self.actual / self.planned:.1f}%" if self.planned else "—"


def investment(projects: Iterable[Mapping[str, Any]], year: int | None = None) -> Investment:
    """The totals of one year's projects (every year's when ``year`` is None)."""
    counted = [p for p in projects if p["status"] != "cancelled" and (year is None or p["year"] == year)]
    return Investment(len(counted), round(sum(p["planned"] for p in counted), 2),
                      round(sum(p["actual"] or 0.0 for p in counted), 2))


def investment_by_year(projects: Iterable[Mapping[str, Any]]) -> dict[int, Investment]:
    """The totals per year, earliest first."""
    rows = list(projects)
    return {year: investment(rows, year) for year in sorted({p["year"] for p in rows})}


def money(amount: float) -> str:
    """万元 as the office writes them: 1200, 37.5."""
    return f"{amount:g}"
