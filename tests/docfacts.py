"""A known history of the Huyi plan to write documents from, built from core objects (no database).

On 2025-01-06 (a Monday): every phase and meeting step due so far was handed in a few working days
early (core.sample.on_time_history); the 2024 typical cases of 附件2 came in as follows, against
a due date of 2024-12-02 (the 30th of November was a Saturday):

======  ==========  ===========================  ================================
theme   handed in   bureaus                      so
======  ==========  ===========================  ================================
1       2024-11-28  ndrc, eco                    on time
2       2024-12-04  resources, eco               late, 2 working days
3       2024-11-20  qinling                      on time
4       2024-12-02  agri, rural                  on time (on the due day)
5       —           tourism, civil, health       overdue, 24 working days
6       2024-12-09  water, rivers                late, 5 working days
7       2024-12-04  industry                     late, 2 working days
8       —           streets                      overdue, 24 working days
======  ==========  ===========================  ================================

The 2024 annual summary was extended (延期) on 2024-12-20 to 2025-01-15; two indicators have values
for the baseline year 2023 and for 2024 (recorded 2025-01-03), one of them off target in 2024.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from core.collect import Collected, collected_events
from core.documents import DocumentFacts
from core.events import SHANGHAI, Extension, Fact, Facts
from core.indicators import IndicatorValue
from core.plan import Plan
from core.sample import on_time_history
from core.status import Engine
from core.workdays import WorkdayCalendar

AS_OF = date(2025, 1, 6)
CAL = WorkdayCalendar()
CASE_DAYS = {"1": "2024-11-28", "2": "2024-12-04", "3": "2024-11-20", "4": "2024-12-02", "6": "2024-12-09", "7": "2024-12-04"}


def at(day: str, hour: int = 10) -> datetime:
    """A Beijing-time moment on ``day``."""
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def case(plan: Plan, theme: str, year: int, title: str) -> dict[str, Any]:
    """A typical case as db.library.list_cases returns it, from the theme's first bureau."""
    owner = next(t for t in plan.case_themes if t.id == theme).owners[0]
    return {"id": 0, "theme": theme, "bureau": owner, "title": title, "summary": "", "year": year, "at": "", "files": []}


def project(code: str, year: int, planned: float, actual: float, status: str = "in_progress") -> dict[str, Any]:
    """A project as db.library.list_projects returns it."""
    return {"code": code, "name": f"项目{code}", "bureau": "qinling", "year": year, "planned": planned, "actual": actual,
            "funding_source": "区财政", "status": status, "files": []}


def known_history(plan: Plan) -> list[Fact]:
    """The facts of the module docstring."""
    facts: list[Fact] = list(on_time_history(plan, CAL, until=AS_OF))
    records = [Collected("cases", theme, 2024, next(t for t in plan.case_themes if t.id == theme).owners[0], at(day))
               for theme, day in CASE_DAYS.items()]
    owners = {ind.id: ind.owners[0] for ind in plan.indicators}
    records += [Collected("indicators", ind, year, owners[ind], at("2025-01-03"))
                for ind, per in known_values().items() for year in per]  # the baseline year closes no step
    facts += collected_events(plan, records)
    facts.append(Extension("build.annual-summary.2024", "office", at("2024-12-20"), date(2025, 1, 15), "等待统计数据"))
    return facts


def known_values() -> dict[str, dict[int, IndicatorValue]]:
    """2b (>90%) met in the baseline year, not in 2024; 4a (>44%) met in both."""
    return {"2b": {2023: IndicatorValue(2023, 93.0), 2024: IndicatorValue(2024, 88.0)},
            "4a": {2023: IndicatorValue(2023, 45.1), 2024: IndicatorValue(2024, 45.6)}}


def document_facts(plan: Plan, as_of: date = AS_OF, facts: list[Fact] | None = None,
                   values: Mapping[str, Mapping[int, IndicatorValue]] | None = None,
                   cases: tuple[Mapping[str, Any], ...] = (), projects: tuple[Mapping[str, Any], ...] = ()) -> DocumentFacts:
    """DocumentFacts as db.documents builds them, from core objects (the known history by default)."""
    engine = Engine(plan, CAL)
    known = Facts(known_history(plan) if facts is None else facts)
    return DocumentFacts(plan, engine, known, as_of, engine.board(known, as_of),
                         known_values() if values is None else values, cases, projects)
