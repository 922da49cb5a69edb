"""Databases for the tests: every test here runs on SQLite and on PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (database ``test``, trust auth, or
``LIANGSHAN_TEST_PG_URL``). Each test gets its own schema, dropped afterwards, so tests never see
each other's rows. Where no server answers, PostgreSQL tests are skipped with the reason printed,
except under CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.workdays import WorkdayCalendar
from db import migrate
from db.engine import make_engine, make_sessionmaker
from db.plans import load_plan_version
from db.records import Recorder

PG_ADMIN_URL = os.environ.get("LIANGSHAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect is a reason to skip, printed below
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


_PG_PROBLEM = _pg_reachable()


@dataclass
class Database:
    """A migrated database with the Huyi plan loaded, and where its evidence lives."""

    backend: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    home: Path

    def recorder(self, actor: str = "tester") -> Recorder:
        plan = load_plan(DEFAULT_PLAN)
        return Recorder(self.sessions, plan, WorkdayCalendar(), self.home, actor)

    def env(self) -> dict[str, str]:
        """Environment for the CLI and for child processes."""
        return {"LIANGSHAN_DB_URL": self.url, "LIANGSHAN_HOME": str(self.home)}


@pytest.fixture(name="db_url", params=["sqlite", "postgres"])
def fixture_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'liangshan.db'}"
        return
    if _PG_PROBLEM is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI but unreachable: {_PG_PROBLEM}")
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} unreachable: {_PG_PROBLEM}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    yield f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(name="empty_engine")
def fixture_empty_engine(db_url: str) -> Iterator[Engine]:
    """An engine on the empty database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(name="database")
def fixture_database(db_url: str, empty_engine: Engine, tmp_path: Path) -> Database:
    """The database migrated to head with the Huyi plan loaded, as `liangshan init` leaves it."""
    migrate.upgrade(empty_engine)
    sessions = make_sessionmaker(empty_engine)
    plan = load_plan(DEFAULT_PLAN)
    load_plan_version(sessions, plan, DEFAULT_PLAN.read_text(encoding="utf-8"), "tester")
    backend = "postgres" if db_url.startswith("postgresql") else "sqlite"
    return Database(backend, db_url, empty_engine, sessions, tmp_path / "home")
