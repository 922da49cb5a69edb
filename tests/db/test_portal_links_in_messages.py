"""Every message to a bureau carries its own fresh portal link, filled in at delivery and stored nowhere.

Real apprise delivery to the local WeCom, webhook and SMTP sinks on 127.0.0.1, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.links import verify
from core.messages import PORTAL_LINK_MARK
from core.workdays import WorkdayCalendar
from db.models import OutboxMessage, PortalGrant
from tasks.notifier import AppriseNotifier, ServiceResult, redact
from tasks.notify import run_notifications
from tests.db.conftest import Database
from tests.sinks import http_sink, smtp_sink

PORTAL = "https://baosong.huyi.example"
SECRET = "test-portal-key-7f3c9a1e5b2d4c6e8a0b1d3f5a7c9e1b"
KEY_ECO, KEY_WATER, KEY_OFFICE = "ECOBOTKEY0000000001", "WATERBOTKEY00000003", "OFFICEBOTKEY0000002"
TOKEN = re.compile(r"/b/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")
OPENING_DAY = date(2024, 10, 8)  # 生态环境局 overdue, case themes open for a dozen bureaus


def _config(tmp_path: Path, base: str, smtp_port: int) -> Path:
    port = base.rsplit(":", 1)[1]
    path = tmp_path / "notify.yaml"
    path.write_text(f"""
urls:
  - wecom://{KEY_ECO}:
      - tag: eco
  - wecom://{KEY_WATER}:
      - tag: water
  - json://127.0.0.1:{port}/agri:
      - tag: agri
  - wecom://{KEY_OFFICE}:
      - tag: office
  - mailto://127.0.0.1:{smtp_port}?from=liangshan@huyi.local&to=office@huyi.local&mode=insecure:
      - tag: office
  - json://127.0.0.1:{port}/leaders:
      - tag: leaders
""", encoding="utf-8")
    return path


@pytest.fixture(name="peers")
def fixture_peers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    # The HTML part: the link is an <a href> there (apprise's plain-text alternative keeps a link's text only).
    with http_sink() as http, smtp_sink(prefer=("html",)) as (port, mails):
        monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", http.base)
        yield http, mails, _config(tmp_path, http.base, port)


@pytest.fixture(name="portal")
def fixture_portal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIANGSHAN_PORTAL_URL", PORTAL)
    monkeypatch.setenv("LIANGSHAN_SECRET_KEY", SECRET)


def _run(database: Database, day: date, config: Path) -> Any:
    plan = load_plan(DEFAULT_PLAN)
    return run_notifications(plan, WorkdayCalendar(), [], day, AppriseNotifier(config), database.sessions)


def _wecom(http: Any, key: str) -> str:
    (content,) = [m["payload"]["markdown"]["content"] for m in http.wecom if m["key"] == key]
    return str(content)


def _stored(database: Database) -> str:
    with database.engine.connect() as conn:
        return "".join(str(row) for table in ("outbox_messages", "outbox_items", "delivery_attempts", "audit_log",
                                              "portal_grants")
                       for row in conn.execute(text(f"SELECT * FROM {table}")))


def test_each_bureau_gets_its_own_link_and_none_is_stored(database: Database, peers: Any, portal: None,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    """生态环境局 and 水务局 each get a link that verifies as themselves; the office its own; the outbox keeps
    the mark, never a link, and apprise's debug log of a webhook payload is masked."""
    http, mails, config = peers
    caplog.set_level(logging.DEBUG, logger="apprise")
    report = _run(database, OPENING_DAY, config)
    assert report.failed == 0 and report.sent >= 4
    now = datetime.now(UTC)
    tokens = {}
    for bureau, content in (("eco", _wecom(http, KEY_ECO)), ("water", _wecom(http, KEY_WATER)),
                            ("office", _wecom(http, KEY_OFFICE))):
        assert f"[点此报送]({PORTAL}/b/" in content and "liangshan checkin" not in content
        assert PORTAL_LINK_MARK not in content and "30天内有效" in content
        found = set(TOKEN.findall(content))
        assert len(found) == 1, "one link per message, the same in each of its items"
        (token,) = found
        grant = verify(SECRET, token, now)
        assert (grant.bureau, grant.plan_id) == (bureau, "huyi-two-mountains")
        tokens[bureau] = token
    assert len(set(tokens.values())) == 3
    # Both of the office's channels carried one message: the same body, so the same link.
    (mail,) = [m.body for m in mails]
    assert f'href="{PORTAL}/b/{tokens["office"]}"' in mail and PORTAL_LINK_MARK not in mail
    # A bureau on a JSON webhook: delivered with its link, while apprise's debug log of the payload is masked.
    (agri,) = [h for h in http.hooks if h["path"] == "/agri"]
    (agri_token,) = set(TOKEN.findall(str(agri["payload"])))
    assert verify(SECRET, agri_token, now).bureau == "agri"
    assert any("JSON Payload" in r.getMessage() for r in caplog.records)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for token in (*tokens.values(), agri_token):
        assert token not in logs
    # What the database holds: the mark, the ledger of issued links, no token and no link.
    stored = _stored(database)
    assert PORTAL_LINK_MARK in stored
    for token in (*tokens.values(), agri_token):
        assert token not in stored
    assert "/b/" not in stored
    with database.sessions() as s:
        bodies = list(s.scalars(select(OutboxMessage.body)))
        issued = sorted(s.scalars(select(PortalGrant.bureau).where(PortalGrant.kind == "issued")))
        actors = set(s.scalars(select(PortalGrant.actor)))
    assert all(PORTAL not in b for b in bodies)
    assert {"eco", "water", "agri", "office"} <= set(issued) and actors == {"notify"}


def test_leaders_get_no_link(database: Database, peers: Any, portal: None) -> None:
    """On the fifth working day late the leading group gets its 督办 without any link; the office gets its own."""
    http, _, config = peers
    _run(database, date(2024, 4, 28), config)
    (hook,) = [h for h in http.hooks if h["path"] == "/leaders"]
    said = str(hook["payload"])
    assert "【督办】研究制定工作方案" in said
    assert "/b/" not in said and PORTAL_LINK_MARK not in said and "点此报送" not in said
    (token,) = set(TOKEN.findall(_wecom(http, KEY_OFFICE)))
    assert verify(SECRET, token, datetime.now(UTC)).bureau == "office"


def test_without_the_portal_messages_name_the_command(database: Database, peers: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """No LIANGSHAN_PORTAL_URL (or no secret key): the CLI wording, no link, no ledger rows."""
    http, _, config = peers
    monkeypatch.delenv("LIANGSHAN_PORTAL_URL", raising=False)
    monkeypatch.setenv("LIANGSHAN_SECRET_KEY", SECRET)  # a key alone does not put links in messages
    _run(database, date(2024, 4, 23), config)
    content = _wecom(http, KEY_ECO)
    assert "请尽快报送（liangshan checkin mobilize.work-plan 或界面表单）。" in content
    assert "/b/" not in content and "报送入口" not in content and PORTAL_LINK_MARK not in content
    with database.sessions() as s:
        assert s.scalars(select(PortalGrant)).first() is None


def test_a_failed_delivery_keeps_the_link_out_of_errors(database: Database, peers: Any, portal: None) -> None:
    """The office's bot refuses, and a channel that raises with the body in its message: what is stored and
    what the exception says carry no link; the message goes out later with a new link."""
    http, _, config = peers
    http.modes[KEY_ECO] = "errcode"
    _run(database, date(2024, 4, 23), config)
    with database.sessions() as s:
        eco = s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "eco")).one()
        assert eco.status == "failed" and "/b/" not in eco.last_error

    from db import outbox
    from tasks.notify import portal_sender

    class Crashing:
        """A channel that fails with the whole body in its exception (as a careless plugin might)."""

        def channels(self, recipient: str) -> list[str]:
            return ["crash://"]

        def send(self, recipient: str, subject: str, body: str) -> list[ServiceResult]:
            raise RuntimeError(f"could not deliver: {body}")

    plan = load_plan(DEFAULT_PLAN)
    send, linker = portal_sender(plan, database.sessions, Crashing())
    with pytest.raises(RuntimeError) as caught:
        send("eco", "s", f"请通过报送入口办理：{PORTAL_LINK_MARK}。")
    (token,) = linker.secrets
    assert token not in str(caught.value) and "/b/****" in str(caught.value)
    assert redact(f"{PORTAL}/b/{token}") == f"{PORTAL}/b/****"

    from db.models import utcnow

    later = outbox.deliver(database.sessions, send, lambda r: True, now=utcnow().replace(year=2099))
    assert later.failed
    stored = _stored(database)
    for secret in linker.secrets:
        assert secret not in stored
    assert "/b/" not in stored


def test_a_plans_run_delivers_only_its_own_plans_messages(database: Database, peers: Any, portal: None,
                                                          tmp_path: Path) -> None:
    """Two plans in one database, each with a message for its 生态环境局 waiting: the Huyi run sends the Huyi
    plan's, with a link good for the Huyi plan only, and leaves the other plan's message for that plan's run
    (had it sent it, that bureau would hold a link into a plan that is not its own)."""
    from core.messages import Draft
    from db import outbox
    from db.plans import load_plan_version
    from tests.cli.test_many_plans import OTHER_ID, two_plans

    http, _, config = peers
    other_file = two_plans(tmp_path / "plans") / "eco.yaml"
    load_plan_version(database.sessions, load_plan(other_file), other_file.read_text(encoding="utf-8"), "tester")
    waiting = Draft("eco", "【另一计划】请报送", f"请报送。[点此报送]({PORTAL_LINK_MARK})", (f"{OTHER_ID}|test|1",), (), False)
    (other_message,) = outbox.enqueue(database.sessions, OTHER_ID, OPENING_DAY, [waiting])

    _run(database, OPENING_DAY, config)
    contents = [m["payload"]["markdown"]["content"] for m in http.wecom if m["key"] == KEY_ECO]
    assert contents and not any("另一计划" in c for c in contents)
    now = datetime.now(UTC)
    assert {verify(SECRET, t, now).plan_id for c in contents for t in TOKEN.findall(c)} == {"huyi-two-mountains"}
    with database.sessions() as s:
        left = s.get(OutboxMessage, other_message)
        assert left is not None and left.status == "pending" and left.attempts == 0
    assert [m.plan_id for m in _listed(database, OTHER_ID)] == [OTHER_ID]


def _listed(database: Database, plan_id: str) -> list[OutboxMessage]:
    from db import outbox

    with database.sessions() as s:
        return outbox.list_messages(session=s, plan_id=plan_id)
