"""The facts ``liangshan status`` reads, kept between commands while a SQLite database has not changed.

Importing SQLAlchemy and mapping the models costs a status command more than everything else it does
(bench/bench_cli.py). A status that follows another with no write in between reads the same facts, so
they are pickled under LIANGSHAN_HOME/cache, keyed by a mark of the database read with the standard
library's sqlite3 (no SQLAlchemy): the schema revision, the newest audit entry (every fact is written
with one, in the same transaction) and the row count and largest rowid of every table, plus the source
of the code that turns rows into facts (core/, db/). Any write, restore or migration changes
the mark and the next status reads the database again. The mark is read before the facts it keys, so a
write that lands in between can only make the cache older than its key says, never newer: the next
status reads again. Only SQLite: other databases always read afresh.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from pathlib import Path
from typing import Any

from db.urls import sqlite_path

__all__ = ["load", "mark", "store"]

_ROOT = Path(__file__).resolve().parent.parent
# The code that turns rows into facts and a plan into steps: all of core/ and db/, so a new fact table or a
# change to how rows are read never meets an entry kept by older code.
_CODE_DIRS = ("core", "db")


def _code_digest() -> bytes:
    digest = hashlib.sha256()
    for folder in _CODE_DIRS:
        for source in sorted((_ROOT / folder).glob("*.py")):
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    digest.update((_ROOT / "config" / "compile.py").read_bytes())
    return digest.digest()


def mark(url: str, expected_revision: str) -> str | None:
    """A key that changes whenever the facts in the SQLite database at ``url`` can have changed; None when
    there is no cache to be had (another database, no file, an old schema, any error reading it)."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return None
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] != expected_revision:
            return None
        parts: list[Any] = [str(path.resolve()), revision[0]]
        # Every table, not a list of the fact tables: a table added later is covered without anyone remembering.
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        parts += [(table, *conn.execute(f'SELECT count(*), max(rowid) FROM "{table}"').fetchone()) for table in tables]
        parts.append(conn.execute("SELECT id, at FROM audit_log ORDER BY id DESC LIMIT 1").fetchone())
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return hashlib.sha256(repr(parts).encode("utf-8") + _code_digest()).hexdigest()


def _file(cache_dir: Path, plan_id: str, year: int) -> Path:
    # One file per plan and year: a new mark overwrites the old entry instead of piling up.
    return cache_dir / f"facts-{hashlib.sha256(f'{plan_id}:{year}'.encode()).hexdigest()[:24]}.pickle"


def load(cache_dir: Path, key: str, plan_id: str, year: int) -> Any | None:
    """What :func:`store` kept under ``key`` for the plan and year, or None (absent, older, unreadable)."""
    try:
        with _file(cache_dir, plan_id, year).open("rb") as handle:
            stored_key, value = pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return value if stored_key == key else None


def store(cache_dir: Path, key: str, plan_id: str, year: int, value: Any) -> None:
    """Keep ``value`` under ``key`` (atomically; a home that cannot be written is only slower)."""
    target = _file(cache_dir, plan_id, year)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        pass
