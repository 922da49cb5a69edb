"""Database connections: the URL from settings, SQLite tuned for many writers, sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from config.store import keep_private, make_private_dir
from db.urls import database_url

__all__ = ["database_url", "make_engine", "make_sessionmaker", "read_session", "redact_url"]

_SQLITE_BUSY_MS = 30_000
_READ_ONLY = "liangshan_read_only"


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout, foreign keys and immediate writes.

    SQLite transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that later needs
    to write cannot wait for the lock and fails with "database is locked"; an immediate one
    waits up to the busy timeout instead, so concurrent check-ins queue rather than fail.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        file = Path(path) if path and path != ":memory:" and not path.startswith("file:") else None
        if file is not None:
            make_private_dir(file.parent)
        engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_MS / 1000}, **kwargs)
        if file is not None:
            # The file appears on the first connection (never before: a refused restore leaves none); it is made
            # private before the WAL files are, which take its mode.
            event.listen(engine, "connect", lambda *_: keep_private(file))
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A session that only reads says so (read_session): it takes no write lock, and in WAL mode it
    # neither waits for writers nor makes them wait.
    read_only = connection.get_execution_options().get(_READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def read_session(sessions: sessionmaker[Session]) -> Session:
    """A session for reading only: on SQLite its transaction is deferred, so it holds no write lock.

    Writing in it is a mistake the database answers with "database is locked" when another writer
    is busy; use the ordinary sessions for anything that writes.
    """
    return sessions(execution_options={_READ_ONLY: True})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (the CLI prints them)."""
    return sessionmaker(engine, expire_on_commit=False)
