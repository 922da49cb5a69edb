"""Is the database ready? A cheap check that does not import Alembic (the CLI must start fast)."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

__all__ = ["EXPECTED_REVISION", "schema_revision"]

# The newest migration; tests check it against Alembic's head so the two cannot drift apart.
EXPECTED_REVISION = "0010"


def schema_revision(engine: Engine) -> str | None:
    """The database's migration revision, or None when it was never migrated.

    Raises:
        sqlalchemy.exc.OperationalError: the database cannot be reached at all.
    """
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None
