"""The database's URL from the settings, without importing SQLAlchemy (the CLI's fast paths need it)."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings

__all__ = ["database_url", "sqlite_path"]


def database_url(settings: Settings) -> str:
    """``LIANGSHAN_DB_URL``, else a SQLite file under ``LIANGSHAN_HOME``."""
    if settings.db_url is not None:
        url = settings.db_url.get_secret_value()
        # "postgresql://" means psycopg 3 here, the driver the project installs.
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    home = Path(settings.home).resolve()
    return f"sqlite:///{home / 'liangshan.db'}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for any other database, or one in memory)."""
    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1].split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path)
