"""How long a check-in holds SQLite's write lock (issue 22), with the rules judged before the lock and,
for comparison, judged under it as before: the Huyi plan with its history to 2026-12-01, check-ins of
``build.pathways`` one after another, then fifty writer processes at once.

SQLite has one writer at a time for the whole database, so the time from ``BEGIN IMMEDIATE`` to
``COMMIT`` is what every other writer (a bureau's upload, the reconcile's outbox) waits for.
Exits 1 when a bound is exceeded.
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import verdict
from sqlalchemy import Engine, event

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.sample import on_time_history
from core.workdays import WorkdayCalendar
from db import migrate, records
from db.engine import make_engine, make_sessionmaker
from db.plans import load_plan_version
from db.records import CheckInRequest, ImportItem, Recorder

NOW = datetime(2026, 12, 2, 2, tzinfo=UTC)
STEP, BUREAU = "build.pathways", "eco"
SEQUENTIAL, WRITERS = 40, 50


def lock_timer(engine: Engine) -> list[float]:
    """Seconds each write transaction held the lock, from BEGIN IMMEDIATE to COMMIT (appended as they end)."""
    held: list[float] = []
    started: dict[int, float] = {}

    def began(conn: Any) -> None:  # registered after db.engine's hook, so the lock is held by now
        if not conn.get_execution_options().get("liangshan_read_only"):
            started[id(conn)] = time.perf_counter()

    def ended(conn: Any) -> None:
        if id(conn) in started:
            held.append(time.perf_counter() - started.pop(id(conn)))

    event.listen(engine, "begin", began)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)
    return held


def _checkins(recorder: Recorder, home: Path, tag: str, count: int) -> None:
    for i in range(count):
        evidence = home / f"{tag}-{i}.txt"
        evidence.write_text(f"{tag} 报告 {i}", encoding="utf-8")
        recorder.checkin(CheckInRequest(STEP, BUREAU, files=(evidence,), at=NOW))


def _writer(url: str, home: str, index: int, barrier: Any, results: Any) -> None:
    engine = make_engine(url)
    held = lock_timer(engine)
    recorder = Recorder(make_sessionmaker(engine), load_plan(DEFAULT_PLAN), WorkdayCalendar(), Path(home),
                        f"w{index}", now=lambda: NOW)
    evidence = Path(home) / f"writer-{index}.txt"
    evidence.write_text(f"并发 {index}", encoding="utf-8")
    barrier.wait()
    try:
        recorder.checkin(CheckInRequest(STEP, BUREAU, files=(evidence,), at=NOW))
        results.put(("ok", max(held)))
    except Exception as exc:  # reported and counted, never hidden
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        engine.dispose()


def _stats(name: str, held: list[float]) -> tuple[float, float]:
    median = statistics.median(held)
    p95 = sorted(held)[int(len(held) * 0.95) - 1]
    print(f"{name:<60} median {median * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   (n={len(held)})")
    return median, p95


def main() -> int:
    plan = load_plan(DEFAULT_PLAN)
    calendar = WorkdayCalendar()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        url = f"sqlite:///{home / 'liangshan.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        load_plan_version(sessions, plan, DEFAULT_PLAN.read_text(encoding="utf-8"), "bench")
        recorder = Recorder(sessions, plan, calendar, home, "bench", now=lambda: NOW)
        history = on_time_history(plan, calendar, until=date(2026, 12, 1))
        recorder.import_events([ImportItem(e) for e in history])
        held = lock_timer(engine)

        _checkins(recorder, home, "judged", SEQUENTIAL)
        judged_median, _ = _stats("check-in, rules judged before the lock: lock held", held)
        held.clear()
        original = records.Judgement.holds
        records.Judgement.holds = lambda self, session, plan_id: False  # type: ignore[method-assign]
        try:
            _checkins(recorder, home, "locked", SEQUENTIAL)
        finally:
            records.Judgement.holds = original  # type: ignore[method-assign]
        locked_median, _ = _stats("check-in, rules judged under the lock (before): lock held", held)
        print(f"{'  ratio':<60} {judged_median / locked_median:6.2f}")
        ok &= verdict("check-in holds the write lock (median)", judged_median, 0.025)
        engine.dispose()

        ctx = multiprocessing.get_context("fork")
        barrier, results = ctx.Barrier(WRITERS), ctx.Queue()
        procs = [ctx.Process(target=_writer, args=(url, str(home), i, barrier, results)) for i in range(WRITERS)]
        for p in procs:
            p.start()
        start = time.perf_counter()
        outcomes = [results.get(timeout=300) for _ in procs]
        wall = time.perf_counter() - start
        for p in procs:
            p.join(timeout=60)
        errors = [o for o in outcomes if o[0] != "ok"]
        holds = [o[1] for o in outcomes if o[0] == "ok"]
        print(f"{WRITERS} writers at once: {len(errors)} errors, all done in {wall:.2f} s")
        if holds:
            _stats(f"{WRITERS} writers at once: lock held", holds)
        ok &= not errors
        # The bound that matters: no writer may wait past SQLite's busy timeout (30 s) for the lock.
        ok &= verdict(f"{WRITERS} concurrent check-ins, wall (busy timeout)", wall, 30.0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
