"""One Prefect test server for the whole session, and a fresh database per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


@pytest.fixture(name="prefect_server", scope="session")
def fixture_prefect_server() -> Iterator[None]:
    """prefect_test_harness (~20 s once); flow heartbeats off, in tests only, to save ~1 s a run."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=None), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture(name="home")
def fixture_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_server: None) -> Path:
    """A migrated SQLite home with the Huyi plan loaded; the flows read it through LIANGSHAN_*."""
    from config.loader import load_plan
    from config.settings import DEFAULT_PLAN
    from db import migrate
    from db.engine import make_engine, make_sessionmaker
    from db.plans import load_plan_version

    home = tmp_path / "home"
    url = f"sqlite:///{tmp_path / 'liangshan.db'}"
    monkeypatch.setenv("LIANGSHAN_HOME", str(home))
    monkeypatch.setenv("LIANGSHAN_DB_URL", url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    load_plan_version(make_sessionmaker(engine), load_plan(DEFAULT_PLAN), DEFAULT_PLAN.read_text(encoding="utf-8"), "t")
    engine.dispose()
    return home
