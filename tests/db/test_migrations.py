"""Migrations: one head, a round trip, and no drift between models and migrations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError

from db import migrate
from db.models import AuditEntry, PlanVersion
from db.schema import EXPECTED_REVISION, schema_revision
from tests.db.conftest import Database


def test_one_head_matching_the_cli_check() -> None:
    """Alembic has one head, and it is the revision the CLI expects."""
    assert migrate.head() == EXPECTED_REVISION


def test_upgrade_downgrade_upgrade(empty_engine: Engine) -> None:
    """Up, down to nothing and up again leaves the same tables, at head."""
    assert schema_revision(empty_engine) is None
    migrate.upgrade(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert {"checkins", "reviews", "evidence_files", "checkin_files", "audit_log", "plan_versions"} <= tables
    migrate.downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) == tables
    assert migrate.current(empty_engine) == EXPECTED_REVISION


def test_data_survives_re_running_upgrade(database: Database) -> None:
    """Upgrading a database already at head keeps every row."""
    database.recorder().import_events([])  # touches the plan check only
    with database.sessions() as s:
        before = s.scalar(select(PlanVersion.content_hash))
    migrate.upgrade(database.engine)
    with database.sessions() as s:
        assert s.scalar(select(PlanVersion.content_hash)) == before


def test_models_and_migrations_do_not_drift(database: Database) -> None:
    """Autogenerate finds nothing to change."""
    assert migrate.drift(database.engine) == []


def test_audit_log_is_append_only(database: Database) -> None:
    """The database itself refuses to change or delete audit entries."""
    with database.sessions.begin() as s:
        s.add(AuditEntry(actor="t", action="x", plan_id="p", entity="e", entity_id="1", at=datetime.now(UTC)))
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
            conn.execute(text(statement))


def test_downgrade_one_step_and_back_keeps_the_facts(database: Database) -> None:
    """Going back to the first schema and forward again keeps every check-in and audit entry."""
    from db.records import CheckInRequest

    database.recorder().checkin(CheckInRequest("mobilize.work-plan", "eco", ("work-plan",), note="保留"))
    with database.engine.connect() as conn:
        before = conn.execute(text("SELECT step_id, note FROM checkins")).all()
        audits = conn.execute(text("SELECT count(*) FROM audit_log")).scalar()
    migrate.downgrade(database.engine, "0001")
    assert "outbox_messages" not in inspect(database.engine).get_table_names()
    migrate.upgrade(database.engine)
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT step_id, note FROM checkins")).all() == before == [("mobilize.work-plan", "保留")]
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == audits
    assert migrate.drift(database.engine) == []


def test_cases_entered_before_0005_keep_their_entry_time_as_contribution_day(database: Database) -> None:
    """Upgrading a database with cases gives each the day it was entered, so its collection step stays as it was."""
    migrate.downgrade(database.engine, "0004")
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO cases (plan_id, theme_id, bureau, title, summary, year, recorded_at, recorded_by)"
                          " VALUES ('huyi-two-mountains', '3', 'qinling', '旧案例', '', 2025, :at, 't')"),
                     {"at": datetime(2025, 6, 1, 2, 0, tzinfo=UTC)})
    migrate.upgrade(database.engine)
    with database.engine.connect() as conn:
        happened = conn.execute(text("SELECT happened_at FROM cases")).scalar()
    assert str(happened).startswith("2025-06-01 02:00")
    assert migrate.drift(database.engine) == []
