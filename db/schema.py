"""Is the database ready? A cheap check that does not import Alembic (the CLI must start fast)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["EXPECTED_REVISION", "schema_revision"]

# The newest migration; tests check it against Alembic's head so the two cannot drift apart.
EXPECTED_REVISION = "0011"


def schema_revision(engine: Engine) -> str | None:
    """The database's migration revision, or None when it was never migrated.

    Raises:
        sqlalchemy.exc.OperationalError: the database cannot be reached at all.
    """
    from sqlalchemy import text  # here: EXPECTED_REVISION alone must not import SQLAlchemy (db.factcache)
    from sqlalchemy.exc import DBAPIError

    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None
