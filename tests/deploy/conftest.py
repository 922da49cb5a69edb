"""The deployment files under deploy/: parsed, and run where the machine allows (nginx, systemd-analyze)."""

from __future__ import annotations

# The nginx test starts a real portal on the databases of tests/db.
from tests.db.conftest import fixture_database, fixture_db_url, fixture_empty_engine  # noqa: F401
