"""The portal under test: an app on each test database, bureaus' and the office's sessions, row counts."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package; httpx (installed with Prefect) works the same for these tests.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient
from sqlalchemy import func, select

from config.settings import Settings
from core.links import csrf_token
from db.models import AckRow, CaseRow, CheckInRow, EvidenceFile, ExtensionRow, IndicatorValueRow, ReviewRow
from db.portal import issue_link
from tests.db.conftest import Database, fixture_database, fixture_db_url, fixture_empty_engine  # noqa: F401
from web.app import Portal, create_app
from web.auth import COOKIE

KEY = "test-only-secret-key-0123456789abcdefghijklmnop"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MODELS = {"checkins": CheckInRow, "reviews": ReviewRow, "acks": AckRow, "extensions": ExtensionRow,
          "evidence": EvidenceFile, "values": IndicatorValueRow, "cases": CaseRow}


@dataclass
class Site:
    """The app on a test database, and how to get in as a bureau or the office."""

    database: Database
    app: FastAPI
    clients: list[TestClient] = field(default_factory=list)

    @property
    def portal(self) -> Portal:
        portal: Portal = self.app.state.portal
        return portal

    def link(self, bureau: str, days: int = 30) -> str:
        """A fresh link token for the bureau (the path is /b/<token>)."""
        made = issue_link(self.database.sessions, plan_id=self.portal.plan.id, bureau=bureau, days=days, key=KEY,
                          base_url="http://testserver", actor="tester")
        return made.token

    def client(self) -> TestClient:
        """A browser with no session."""
        client = TestClient(self.app, follow_redirects=False)
        self.clients.append(client)
        return client

    def login(self, bureau: str) -> TestClient:
        """A browser that opened the bureau's link and holds its session cookie."""
        client = self.client()
        response = client.get(f"/b/{self.link(bureau)}")
        assert response.status_code == 303, response.text
        return client

    def counts(self) -> dict[str, int]:
        """Rows of every fact table, and regular files anywhere under the home (archive and spool)."""
        with self.database.sessions() as session:
            out = {name: session.scalar(select(func.count()).select_from(model)) or 0 for name, model in MODELS.items()}
        home = self.database.home
        out["files"] = sum(1 for p in home.rglob("*") if p.is_file()) if home.exists() else 0
        return out


def csrf(client: TestClient) -> str:
    """The CSRF token the page's forms carry for this browser's session."""
    return csrf_token(KEY, client.cookies[COOKIE])


def make_site(database: Database, **env: str) -> Site:
    """The portal on ``database`` with the test key (and any other LIANGSHAN_* settings)."""
    settings = Settings.from_env({**database.env(), "LIANGSHAN_SECRET_KEY": KEY, **env})
    return Site(database, create_app(settings))


@pytest.fixture(name="site")
def fixture_site(database: Database) -> Iterator[Site]:
    """The portal on each test database (SQLite and PostgreSQL)."""
    site = make_site(database)
    yield site
    for client in site.clients:
        client.close()
    site.portal.database.dispose()
