"""A missed quarterly progress report reaches the bureau, then the office — once each, through the real outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.workdays import WorkdayCalendar
from tasks import wecom
from tasks.notifier import AppriseNotifier
from tasks.notify import run_notifications
from tests.db.conftest import Database
from tests.sinks import http_sink, smtp_sink

KEY_NDRC = "NDRCBOTKEY000000001"
KEY_OFFICE = "OFFICEBOTKEY0000002"


@pytest.fixture(name="peers")
def fixture_peers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """A WeCom bot for 区发改委 and one for the office, on local sinks."""
    with http_sink() as http, smtp_sink() as (_port, _mails):
        monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", http.base)
        monkeypatch.setattr(wecom, "_sent", {})
        # the office also hears of every bureau with no channel here; its bot's 20-a-minute window is not
        # what this test is about, so it is not waited for
        monkeypatch.setattr(wecom, "PER_MINUTE", 10_000)
        config = tmp_path / "notify.yaml"
        config.write_text(f"urls:\n  - wecom://{KEY_NDRC}:\n      - tag: ndrc\n"
                          f"  - wecom://{KEY_OFFICE}:\n      - tag: office\n", encoding="utf-8")
        yield http, config


def _texts(http: Any, key: str) -> list[str]:
    return [m["payload"]["markdown"]["content"] for m in http.wecom if m["key"] == key and "markdown" in m["payload"]]


def test_missed_quarterly_report_reaches_bureau_then_office_once_each(database: Database, peers: Any) -> None:
    """2026q4 (due 12-17): a reminder on 12-10, overdue on 12-18, 督办 to the office on 12-24; each once."""
    http, config = peers
    # adopted on 12-01 (tracking.since): the years before say nothing, as for an office that starts now
    huyi = load_plan(DEFAULT_PLAN)
    plan = replace(huyi, settings=replace(huyi.settings, tracking_since=date(2026, 12, 1)))
    for day in (date(2026, 12, 10), date(2026, 12, 11), date(2026, 12, 18), date(2026, 12, 21),
                date(2026, 12, 24), date(2026, 12, 25)):
        report = run_notifications(plan, WorkdayCalendar(), [], day, AppriseNotifier(config), database.sessions,
                                   home=database.home)
        assert report.failed == 0
    ndrc = _texts(http, KEY_NDRC)
    office = _texts(http, KEY_OFFICE)
    reminded = [t for t in ndrc if "【进展报送】加强转化路径探索" in t and "2026年第四季度" in t]
    overdue = [t for t in ndrc if "【进展逾期】加强转化路径探索" in t and "2026年第四季度" in t]
    escalated = [t for t in office if "【进展督办】加强转化路径探索" in t and "区发改委的2026年第四季度工作进展" in t]
    assert (len(reminded), len(overdue), len(escalated)) == (1, 1, 1)
    assert "2026-12-17 前报送" in reminded[0] and "liangshan progress report build.pathways --by ndrc" in reminded[0]
    assert "已逾期 5 个工作日未报送" in escalated[0]
    assert ndrc.index(reminded[0]) < ndrc.index(overdue[0])
