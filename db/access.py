"""A database for a long-running service (the portal): opened once, checked ready, asked whether it answers.

The service holds a :class:`Database` and never touches SQLAlchemy itself; the reasons it cannot
start are :class:`NotReady` with the words to show (the password in the URL already masked).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from db.engine import database_url, make_engine, make_sessionmaker, read_session, redact_url
from db.schema import EXPECTED_REVISION, schema_revision

__all__ = ["Database", "NotReady", "open_ready"]


class NotReady(RuntimeError):
    """The database does not exist, cannot be reached, or is not migrated; the message says what to do."""


@dataclass
class Database:
    """An engine and its sessions, for as long as the service runs."""

    engine: Engine
    sessions: sessionmaker[Session]

    def reads(self) -> Session:
        """A session that only reads: on SQLite it takes no write lock, so pages never queue behind uploads."""
        return read_session(self.sessions)

    def answers(self) -> bool:
        """True when the database answers a query now (for a health check; the reason is never shown)."""
        try:
            schema_revision(self.engine)
        except Exception:  # any failure to reach the database is "not answering"; its text may name the server
            return False
        return True

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_ready(settings: Settings) -> Database:
    """The configured database, migrated to the code's revision.

    Raises:
        NotReady: a SQLite file that does not exist (none is created just to look), an unreachable
            server, or a schema that is not the code's (run `liangshan init`).
    """
    url = database_url(settings)
    if url.startswith("sqlite:///") and not Path(url.split("///", 1)[1]).exists():
        raise NotReady(f"数据库 {url} 不存在，请先运行 liangshan init / the database does not exist: run `liangshan init`")
    engine = make_engine(url)
    try:
        revision = schema_revision(engine)
    except OperationalError as exc:
        engine.dispose()
        raise NotReady(f"无法连接数据库 {redact_url(url)} / cannot reach the database") from exc
    if revision != EXPECTED_REVISION:
        engine.dispose()
        raise NotReady(f"数据库 {redact_url(url)} 尚未初始化或版本不对（{revision or '空'}），请先运行 liangshan init / "
                       "the database is not initialised: run `liangshan init`")
    return Database(engine, make_sessionmaker(engine))
