"""Notifications delivered to real peers on 127.0.0.1, through the outbox, on both databases."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from cli.main import app
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.workdays import WorkdayCalendar
from db.models import OutboxMessage, utcnow
from db.outbox import deliver
from tasks import wecom
from tasks.notifier import AppriseNotifier
from tasks.notify import run_notifications
from tests.db.conftest import Database
from tests.sinks import http_sink, smtp_sink

KEY_ECO = "ECOBOTKEY0000000001"
KEY_OFFICE = "OFFICEBOTKEY0000002"


def _config(tmp_path: Path, base: str, smtp_port: int) -> Path:
    path = tmp_path / "notify.yaml"
    path.write_text(f"""
urls:
  - wecom://{KEY_ECO}:
      - tag: eco
        mentions: "13800000000"
  - wecom://{KEY_OFFICE}:
      - tag: office
  - mailto://127.0.0.1:{smtp_port}?from=liangshan@huyi.local&to=office@huyi.local&mode=insecure:
      - tag: office
  - json://127.0.0.1:{base.rsplit(':', 1)[1]}/leaders:
      - tag: leaders
""", encoding="utf-8")
    return path


@pytest.fixture(name="peers")
def fixture_peers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The sinks, and LIANGSHAN_WECOM_API_BASE pointing the wecom:// plugin at the local one."""
    with http_sink() as http, smtp_sink() as (port, mails):
        monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", http.base)
        monkeypatch.setattr(wecom, "_sent", {})  # each test's bots start with an empty 20-a-minute window
        yield http, mails, _config(tmp_path, http.base, port)


def _run(database: Database, day: date, config: Path) -> Any:
    plan = load_plan(DEFAULT_PLAN)
    return run_notifications(plan, WorkdayCalendar(), [], day, AppriseNotifier(config), database.sessions,
                             home=database.home)


def test_overdue_day_reaches_owner_and_office_once(database: Database, peers: Any) -> None:
    """04-23: 生态环境局 gets a WeCom markdown (and an @mention), the office WeCom and an e-mail; twice is once."""
    http, mails, config = peers
    report = _run(database, date(2024, 4, 23), config)
    assert (report.sent, report.failed) == (2, 0)
    eco = [m for m in http.wecom if m["key"] == KEY_ECO]
    assert [m["payload"]["msgtype"] for m in eco] == ["markdown", "text"]
    assert "【逾期】研究制定工作方案" in eco[0]["payload"]["markdown"]["content"]
    assert eco[1]["payload"]["text"]["mentioned_mobile_list"] == ["13800000000"]
    assert all(len(m["payload"]["markdown"]["content"].encode()) <= 4096 for m in http.wecom if "markdown" in m["payload"])
    (mail,) = mails
    assert mail.subject.startswith("【两山基地】“两山”基地建设工作领导小组办公室：督办/逾期提醒")
    assert "研究制定工作方案" in mail.body
    again = _run(database, date(2024, 4, 23), config)
    assert (again.queued, again.sent) == (0, 0)
    assert len(http.wecom) == 3 and len(mails) == 1


def test_failure_is_retried_and_delivered_once(database: Database, peers: Any) -> None:
    """WeCom's errcode 93000 (HTTP 200) is a failure; once the bot is fixed, a later run delivers it once."""
    http, mails, config = peers
    http.modes[KEY_OFFICE] = "errcode"
    first = _run(database, date(2024, 4, 23), config)
    assert first.failed == 1 and first.sent == 1
    with database.sessions() as s:
        failed = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")).one()
        assert failed.recipient == "office" and failed.attempts == 1
    http.modes[KEY_OFFICE] = "http500"
    notifier = AppriseNotifier(config)
    later = deliver(database.sessions, notifier.send, lambda r: bool(notifier.channels(r)), now=utcnow() + timedelta(hours=1))
    assert later.failed == [failed.id]
    http.modes[KEY_OFFICE] = "ok"
    fixed = deliver(database.sessions, notifier.send, lambda r: bool(notifier.channels(r)), now=utcnow() + timedelta(days=1))
    assert fixed.sent == [failed.id]
    assert len([m for m in http.wecom if m["key"] == KEY_OFFICE]) == 1
    assert len(mails) == 3  # the e-mail channel took each try; WeCom took the message once


def test_escalation_reaches_leaders_on_the_fifth_working_day(database: Database, peers: Any) -> None:
    """On 04-28 (a make-up Sunday, the 5th working day late) the leading group gets a 督办 message."""
    http, _, config = peers
    _run(database, date(2024, 4, 28), config)
    (hook,) = [h for h in http.hooks if h["path"] == "/leaders"]
    assert "【督办】研究制定工作方案" in json.dumps(hook["payload"], ensure_ascii=False)


def test_nothing_is_sent_on_a_holiday(database: Database, peers: Any) -> None:
    """2024-10-01: nothing queued, nothing sent."""
    http, mails, config = peers
    report = _run(database, date(2024, 10, 1), config)
    assert (report.queued, report.sent) == (0, 0) and http.wecom == [] and mails == []


def test_bureau_without_channel_is_kept_and_office_told_once(database: Database, peers: Any, tmp_path: Path) -> None:
    """With no channel for 生态环境局, its message is kept as no_channel and the office hears about it once."""
    http, _, config = peers
    config.write_text(config.read_text(encoding="utf-8").replace("tag: eco", "tag: somebody-else"), encoding="utf-8")
    report = _run(database, date(2024, 4, 23), config)
    assert report.no_channel == 1
    with database.sessions() as s:
        kept = s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "eco")).one()
        assert kept.status == "no_channel"
    _run(database, date(2024, 4, 24), config)
    notifier = AppriseNotifier(config)
    deliver(database.sessions, notifier.send, lambda r: bool(notifier.channels(r)))
    office_bodies = [m["payload"]["markdown"]["content"] for m in http.wecom if m["key"] == KEY_OFFICE]
    assert sum("通知未送达：市生态环境局鄠邑分局" in b for b in office_bodies) == 1


def test_keys_never_appear_in_what_is_stored_or_printed(database: Database, peers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot keys are in no database row, no CLI output: URLs are redacted everywhere."""
    http, _, config = peers
    http.modes[KEY_OFFICE] = "errcode"
    _run(database, date(2024, 4, 23), config)
    monkeypatch.setenv("LIANGSHAN_NOTIFY_CONFIG", str(config))
    runner = CliRunner()
    outputs = [runner.invoke(app, args, env=database.env()).output for args in
               (["notify", "list", "--json"], ["notify", "list"], ["notify", "test", "eco"], ["notify", "retry"])]
    assert "已发送" in outputs[1] and "成功 ok" in outputs[2]
    with database.engine.connect() as conn:
        dump = "".join(str(row) for table in ("outbox_messages", "outbox_items", "delivery_attempts", "audit_log")
                       for row in conn.execute(text(f"SELECT * FROM {table}")))
    for secret in (KEY_ECO, KEY_OFFICE):
        assert secret not in dump
        assert all(secret not in o for o in outputs)
    assert "wecom://****" in dump or "wecom://O...2" in dump


def test_a_channel_tagged_with_a_plan_reaches_that_plans_bureau_only(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`eco` is 生态环境局 in every plan; `<plan id>:eco` in that plan only (two districts' 生态环境局 share an id
    but not an office): the Huyi plan's message reaches the plain channel and its own, never the other plan's."""
    from tests.cli.test_many_plans import OTHER_ID

    every, huyi_only, other_only = "ECOEVERYPLANKEY00001", "ECOHUYIONLYKEY000002", "ECOOTHERONLYKEY00003"
    config = tmp_path / "notify.yaml"
    config.write_text(f"""
urls:
  - wecom://{every}:
      - tag: eco
  - wecom://{huyi_only}:
      - tag: huyi-two-mountains:eco
  - wecom://{other_only}:
      - tag: {OTHER_ID}:eco
""", encoding="utf-8")
    with http_sink() as http:
        monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", http.base)
        monkeypatch.setattr(wecom, "_sent", {})
        results = AppriseNotifier(config, "huyi-two-mountains").send("eco", "【两山基地】提醒", "请报送")
        assert len(results) == 2 and all(r.ok for r in results)
        assert sorted(m["key"] for m in http.wecom) == sorted([every, huyi_only])
        assert all(every not in r.service and huyi_only not in r.service for r in results)  # masked
    assert len(AppriseNotifier(config, OTHER_ID).channels("eco")) == 2
    assert len(AppriseNotifier(config).channels("eco")) == 1  # no plan named: the plain tag only
    assert AppriseNotifier(config, "huyi-two-mountains").channels("water") == []
