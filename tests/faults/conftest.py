"""Faults a user would notice: the database gone, the disk full, many writers at once, secrets where they
must not be, the Prefect server restarted. The fixtures of tests/db (SQLite and PostgreSQL) are shared here,
and a PostgreSQL-only database whose URL carries a password (the test server trusts any password)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from db import migrate
from db.engine import make_engine, make_sessionmaker
from db.plans import load_plan_version
from tests.db.conftest import (  # noqa: F401 (the fixtures of tests/db, shared)
    _PG_PROBLEM,
    PG_ADMIN_URL,
    Database,
    fixture_database,
    fixture_db_url,
    fixture_empty_engine,
)


def require_postgres() -> None:
    """Skip (fail under CI) where the PostgreSQL test server does not answer."""
    if _PG_PROBLEM is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI but unreachable: {_PG_PROBLEM}")
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} unreachable: {_PG_PROBLEM}")


def with_password(url: str, password: str) -> str:
    """``url`` with ``password`` in it, spelled out (PostgreSQL's trust auth accepts any)."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def pg_schema_url(password: str | None = None) -> Iterator[str]:
    """A fresh PostgreSQL schema's URL (optionally with a password), dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    base = with_password(PG_ADMIN_URL, password) if password else PG_ADMIN_URL
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def migrated(url: str, home: Path) -> Database:
    """The database at ``url`` migrated, with the Huyi plan loaded (as `liangshan init` leaves it)."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    load_plan_version(sessions, load_plan(DEFAULT_PLAN), DEFAULT_PLAN.read_text(encoding="utf-8"), "tester")
    backend = "postgres" if url.startswith("postgresql") else "sqlite"
    return Database(backend, url, engine, sessions, home)


def tree(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``root``: relative path -> (mode, SHA-256), to see that nothing changed."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): (p.stat().st_mode, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(name="pg")
def fixture_pg(tmp_path: Path) -> Iterator[Database]:
    """A migrated PostgreSQL schema with the plan loaded; its URL carries no password."""
    for url in pg_schema_url():
        database = migrated(url, tmp_path / "home")
        yield database
        database.engine.dispose()
