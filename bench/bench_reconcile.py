"""Reconcile overhead (issue 5): the reconcile run against a bare flow of the same shape.

Both run in this process against one temporary Prefect server: the bare flow has one no-op
subflow per phase and per track with the same numbers of no-op tasks as the reconcile shows on
2026-11-28 with no facts (the five phases' 22 steps and the tracks' live steps) and three no-op
tasks after them. The ratio reconcile / bare must stay at most 1.5. Exits 1 over the bound only
with BENCH_STRICT=1.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

from _util import best_of, ratio_verdict


def main() -> int:
    from datetime import date

    from prefect import flow, task
    from prefect.testing.utilities import prefect_test_harness

    from config.loader import load_plan
    from config.settings import DEFAULT_PLAN
    from core.events import Facts
    from core.reports import shown_steps
    from core.status import Engine
    from core.workdays import WorkdayCalendar
    from db import migrate
    from db.engine import make_engine, make_sessionmaker
    from db.plans import load_plan_version
    from flows.reconcile import reconcile

    plan = load_plan(DEFAULT_PLAN)
    day = date(2026, 11, 28)
    board = Engine(plan, WorkdayCalendar()).board(Facts(), day)
    sizes = [n for g in plan.groups if (n := len(shown_steps(plan, board, g.id, day)))]

    @task
    def noop(i: int) -> int:
        return i

    @flow
    def bare_phase(n: int) -> None:
        futures = [noop.submit(i) for i in range(n)]
        for f in futures:
            f.wait()

    @flow
    def bare() -> None:
        for n in sizes:
            bare_phase(n)
        for i in range(3):  # snapshot, artifacts, gates
            noop(i)

    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=None):
        url = f"sqlite:///{tmp}/liangshan.db"
        os.environ.update({"LIANGSHAN_DB_URL": url, "LIANGSHAN_HOME": tmp})
        engine = make_engine(url)
        migrate.upgrade(engine)
        load_plan_version(make_sessionmaker(engine), plan, DEFAULT_PLAN.read_text(encoding="utf-8"), "bench")
        reconcile(as_of=day, return_state=True)  # warm both paths once
        bare()
        t_bare = best_of(bare, 3)
        t_reconcile = best_of(lambda: reconcile(as_of=day, return_state=True), 3)
    print(f"bare flow, {len(sizes)} subflows and {sum(sizes) + 3} tasks     {t_bare * 1000:9.1f} ms")
    print(f"reconcile                                        {t_reconcile * 1000:9.1f} ms")
    ok = ratio_verdict("reconcile / bare", t_reconcile / t_bare, 1.5)
    return 0 if ok or not os.environ.get("BENCH_STRICT") else 1


if __name__ == "__main__":
    sys.exit(main())
