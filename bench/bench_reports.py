"""Document benchmarks (issue 12): every document of the Huyi plan with a five-year history, bound 5 s together.

The history: every step handed in on time 2024-2029 (core.sample), every indicator's value for
2023-2028, three typical cases per theme per year, forty projects; the documents are written as of
2029-06-30, when the tables are at their fullest. Exits 1 when the bound is exceeded.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import verdict

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.collect import Collected, collected_events
from core.documents import DocumentFacts
from core.events import SHANGHAI, Fact, Facts
from core.indicators import IndicatorValue
from core.sample import on_time_history
from core.status import Engine
from core.workdays import WorkdayCalendar

AS_OF = date(2029, 6, 30)


def five_years() -> DocumentFacts:
    """The Huyi plan after five diligent years, as DocumentFacts (no database: the writers never read one)."""
    plan = load_plan(DEFAULT_PLAN)
    calendar = WorkdayCalendar()
    facts: list[Fact] = list(on_time_history(plan, calendar, until=AS_OF))
    values = {ind.id: {year: IndicatorValue(year, 1.0 if ind.rule.kind in ("achieved", "established") else 90.0 + year % 5, 1)
                       for year in range(2023, 2029)} for ind in plan.indicators}
    records = [Collected("indicators", ind.id, year, ind.owners[0], datetime.combine(date(year + 1, 2, 10), clock(10), SHANGHAI))
               for ind in plan.indicators for year in range(2024, 2029)]
    triples = [(t, y, k) for t in plan.case_themes for y in range(2024, 2029) for k in range(3)]
    cases = tuple({"id": n, "theme": t.id, "bureau": t.owners[0], "title": f"{year}年{t.title}案例{k}", "summary": "示例" * 100,
                   "year": year, "at": f"{year}-11-10", "files": []} for n, (t, year, k) in enumerate(triples))
    contributed = {y: datetime.combine(date(y, 11, 10), clock(10), SHANGHAI) for y in range(2024, 2029)}
    records += [Collected("cases", c["theme"], c["year"], c["bureau"], contributed[c["year"]]) for c in cases]
    facts += collected_events(plan, records)
    projects = tuple({"code": f"P{n:03d}", "name": f"示范项目{n}", "bureau": "qinling", "year": 2024 + n % 5, "planned": 100.0 + n,
                      "actual": 80.0 + n, "funding_source": "区财政", "status": "completed", "files": []} for n in range(40))
    engine = Engine(plan, calendar)
    known = Facts(facts)
    return DocumentFacts(plan, engine, known, AS_OF, engine.board(known, AS_OF), values, cases, projects)


def main() -> int:
    start = time.perf_counter()
    import docx  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import openpyxl  # noqa: F401

    from reports.bundle import write_all

    print(f"imports (python-docx, matplotlib, openpyxl): {(time.perf_counter() - start) * 1000:.0f} ms, once per process")
    doc = five_years()
    print(f"Huyi plan: {len(doc.plan.steps)} steps, {len(doc.facts.every)} facts, {len(doc.cases)} cases, "
          f"{len(doc.projects)} projects, as of {AS_OF}")
    with tempfile.TemporaryDirectory() as tmp:
        write_all(doc, Path(tmp) / "warm")  # fonts registered, templates of each library warmed
        start = time.perf_counter()
        _, written = write_all(doc, Path(tmp) / "home")
        total = time.perf_counter() - start
    for kind, seconds in written.seconds.items():
        note = "（含甘特图和指标图 / draws the Gantt and indicator charts）" if kind == "pack" else ""
        print(f"  {kind:<18} {seconds * 1000:8.0f} ms {note}")
    return 0 if verdict(f"all {len(written.files)} documents together", total, 5.0) else 1


if __name__ == "__main__":
    sys.exit(main())
