"""Fifty check-ins from separate processes at once: each recorded exactly once, none lost."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.workdays import WorkdayCalendar
from db.engine import make_engine, make_sessionmaker
from db.models import AuditEntry, CheckInRow
from db.records import CheckInRequest, Recorder
from tests.db.conftest import Database

WRITERS = 50


def _writer(url: str, home: str, index: int, barrier: Any, results: Any) -> None:
    """One process: its own engine and connection, one check-in of its own file, at the barrier's signal."""
    engine = make_engine(url)
    recorder = Recorder(make_sessionmaker(engine), load_plan(DEFAULT_PLAN), WorkdayCalendar(), Path(home), f"p{index}")
    evidence = Path(home) / f"report-{index}.txt"
    evidence.write_text(f"报告 {index}", encoding="utf-8")
    barrier.wait()
    try:
        outcome = recorder.checkin(CheckInRequest("mobilize.work-plan", "eco", ("work-plan",), (evidence,),
                                                  at=datetime(2024, 4, 8, 2, index % 60, tzinfo=UTC)))
        results.put((index, "ok", len(outcome.created)))
    except Exception as exc:  # reported to the test, which fails on any
        results.put((index, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_fifty_concurrent_checkins(database: Database) -> None:
    """No 'database is locked', no lost or doubled row, versions 1..50 without gaps."""
    database.home.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(WRITERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(database.url, str(database.home), i, barrier, results))
             for i in range(WRITERS)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [o for o in outcomes if o[1] != "ok"]
    assert errors == []
    assert sorted(o[2] for o in outcomes) == [1] * WRITERS
    with database.sessions() as s:
        versions = sorted(s.scalars(select(CheckInRow.version)))
        audits = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "checkin"))
    assert versions == list(range(1, WRITERS + 1))
    assert audits == WRITERS
