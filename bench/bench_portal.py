"""Portal benchmarks (issue 11): a bureau's page and /api/owed over the whole Huyi plan with a five-year
history, and a 10 MB upload, against a real `liangshan web` (uvicorn) on 127.0.0.1 and SQLite.

Times are request round trips over loopback (server time plus well under a millisecond of HTTP).
Exits 1 when a bound is exceeded.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import verdict
from sqlalchemy import Engine

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.sample import on_time_history
from core.workdays import WorkdayCalendar
from db import migrate
from db.engine import make_engine, make_sessionmaker
from db.indicators import ValueRequest, record_values
from db.library import CaseRequest, add_cases
from db.plans import load_plan_version
from db.records import AckRequest, ImportItem, Recorder
from tests.e2e.portal import running_portal

END_OF_PLAN = datetime(2030, 1, 1, tzinfo=UTC)


def median_of(fn: object, repeat: int) -> float:
    """The median of ``repeat`` wall-clock runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def five_year_home(url: str, home: Path) -> tuple[Engine, Any]:
    """A migrated database at ``url`` holding the Huyi plan done on time 2024-2029, every indicator's values and
    three cases per theme per year, its evidence under ``home``: (engine, sessions)."""
    plan = load_plan(DEFAULT_PLAN)
    calendar = WorkdayCalendar()
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    load_plan_version(sessions, plan, DEFAULT_PLAN.read_text(encoding="utf-8"), "bench")
    # The whole plan done on time, 2024-2029, recorded as if the clock stood at its end.
    recorder = Recorder(sessions, plan, calendar, home, "bench", now=lambda: END_OF_PLAN)
    history = on_time_history(plan, calendar)
    recorder.import_events([ImportItem(e) for e in history])
    recorder.acknowledge(AckRequest("build.pathways", "eco", at=datetime(2026, 11, 2, 2, tzinfo=UTC)))
    # Every indicator's value for the baseline and each year, and three cases per theme per year.
    values = [ValueRequest(ind.id, year, 1.0 if ind.rule.kind in ("achieved", "established") else 90.0 + year % 7,
                           ind.owners[0], at=datetime(year + 1, 2, 10, 2, tzinfo=UTC))
              for ind in plan.indicators for year in range(2023, 2029)]
    record_values(sessions, plan, home, "bench", values)
    cases = [CaseRequest(theme.id, theme.owners[0], f"{year}年案例{n}", year, summary="示例" * 200,
                         at=datetime(year, 11, 10, 2, tzinfo=UTC))
             for theme in plan.case_themes for year in range(2024, 2029) for n in range(3)]
    add_cases(sessions, plan, home, "bench", cases)
    print(f"Huyi plan: {len(plan.steps)} steps; a five-year history of {len(history)} check-ins and reviews, "
          f"{len(values)} indicator values, {len(cases)} cases")
    return engine, sessions


def main() -> int:
    plan = load_plan(DEFAULT_PLAN)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        url = f"sqlite:///{home / 'liangshan.db'}"
        engine, sessions = five_year_home(url, home)
        env = {"LIANGSHAN_DB_URL": url, "LIANGSHAN_HOME": str(home)}
        with running_portal(env, sessions, plan.id, Path(tmp) / "web.log") as portal:
            eco, csrf = portal.client("eco")
            office, _ = portal.client("office")
            for client, path in ((eco, "/"), (eco, "/api/owed"), (office, "/"), (office, "/api/owed")):
                assert client.get(path).status_code == 200, path  # warm: templates compiled, plan cached
            ok = verdict("bureau page GET / (eco), median of 30", median_of(lambda: eco.get("/"), 30), 0.1)
            ok &= verdict("GET /api/owed (eco), median of 30", median_of(lambda: eco.get("/api/owed"), 30), 0.1)
            ok &= verdict("office page GET /, median of 30", median_of(lambda: office.get("/"), 30), 0.1)
            ok &= verdict("GET /api/owed (office, every bureau), median of 30",
                          median_of(lambda: office.get("/api/owed"), 30), 0.1)
            # Every other page a bureau or the office opens (issue 21: every portal page within 100 ms).
            for name, client, path in (("bureau tab 已办", eco, "/?tab=done"), ("bureau tab 逾期", eco, "/?tab=late"),
                                       ("bureau history", eco, "/history"),
                                       ("office acting for eco", office, "/?bureau=eco"),
                                       ("office history of eco", office, "/history?bureau=eco"),
                                       ("office reports", office, "/reports")):
                assert client.get(path).status_code == 200, path
                ok &= verdict(f"{name} GET {path}, median of 30",
                              median_of(lambda c=client, p=path: c.get(p), 30), 0.1)  # type: ignore[misc]
            counter = iter(range(100))

            def upload() -> None:
                body = b"%PDF-1.4\n" + next(counter).to_bytes(4, "big") + b"\0" * (10 * 1024 * 1024 - 13)
                answer = eco.post("/steps/build.pathways/checkin", data={"csrf": csrf, "deliverable": "conversion-models"},
                                  files={"file": ("large.pdf", body, "application/pdf")})
                assert answer.status_code == 303, answer.text[:300]

            ok &= verdict("10 MB upload recorded (POST check-in), median of 5", median_of(upload, 5), 1.0)
        engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
