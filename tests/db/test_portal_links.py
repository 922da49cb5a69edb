"""The link ledger on both databases: issue, revoke (every earlier link dies), states, who may download a file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app
from core.links import verify
from db.models import PortalGrant
from db.portal import current_generation, file_uploaders, issue_link, link_states, revoke_links
from db.records import CheckInRequest
from tests.db.conftest import Database

KEY = "test-secret-key-" + "q" * 32
PLAN = "huyi-two-mountains"


def test_issue_then_revoke_bumps_the_generation(database: Database) -> None:
    """A link carries the current generation; after a revocation the current generation no longer matches it."""
    link = issue_link(database.sessions, plan_id=PLAN, bureau="eco", days=30, key=KEY, base_url="https://p.example/",
                      actor="tester")
    assert link.url.startswith("https://p.example/b/") and link.token not in repr(link)
    grant = verify(KEY, link.token, datetime.now(UTC))
    with database.sessions() as session:
        assert grant.generation == current_generation(session=session, plan_id=PLAN, bureau="eco") == 0
    assert revoke_links(database.sessions, plan_id=PLAN, bureau="eco", actor="tester") == 1
    with database.sessions() as session:
        assert current_generation(session=session, plan_id=PLAN, bureau="eco") == 1
        assert current_generation(session=session, plan_id=PLAN, bureau="water") == 0
        states = {s["bureau"]: s for s in link_states(session=session, plan=database.recorder().plan)}
        stored = list(session.scalars(select(PortalGrant)))
    assert states["eco"]["active"] is False and states["eco"]["revoked_at"] is not None
    assert states["water"]["issued_at"] is None
    assert all(link.token not in str(vars(r)) for r in stored)  # the ledger never keeps a token


def test_cli_link_needs_a_key_and_a_portal_url(database: Database) -> None:
    """No key: exit 2 saying how to make one; with both: one URL on stdout and JSON on request."""
    runner = CliRunner()
    no_key = runner.invoke(app, ["link", "eco"], env={**database.env(), "LIANGSHAN_PORTAL_URL": "http://127.0.0.1:8700"})
    assert no_key.exit_code == 2 and "secrets.token_urlsafe" in no_key.output
    env = {**database.env(), "LIANGSHAN_PORTAL_URL": "http://127.0.0.1:8700", "LIANGSHAN_SECRET_KEY": KEY}
    doc = runner.invoke(app, ["link", "eco", "--days", "7", "--json"], env=env)
    assert doc.exit_code == 0, doc.output
    data = json.loads(doc.stdout)
    assert data["bureau"] == "eco" and data["url"].startswith("http://127.0.0.1:8700/b/")
    unknown = runner.invoke(app, ["link", "ecoo"], env=env)
    assert unknown.exit_code == 2 and "eco" in unknown.output
    too_long = runner.invoke(app, ["link", "eco", "--days", "9999"], env=env)
    assert too_long.exit_code == 2
    revoked = runner.invoke(app, ["link", "revoke", "eco"], env=env)
    assert revoked.exit_code == 0 and "已收回" in revoked.stdout


def test_file_uploaders_are_the_bureaus_that_attached_it(database: Database, tmp_path: Path) -> None:
    """The uploader (and the bureau the office acted for) may download; nobody else is listed."""
    doc = tmp_path / "plan.pdf"
    doc.write_bytes(b"%PDF-1.4 test")
    outcome = database.recorder().checkin(CheckInRequest("mobilize.work-plan", "eco", files=(doc,)))
    sha = outcome.created[0]["files"][0]["sha256"]
    with database.sessions() as session:
        assert file_uploaders(session=session, plan_id=PLAN, sha256=sha) == {"eco"}
        assert file_uploaders(session=session, plan_id=PLAN, sha256="0" * 64) == set()
