"""A full reconcile with notifications: each message once across runs, and no key anywhere."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from sqlalchemy import text

from db.engine import make_engine
from flows.reconcile import reconcile
from tests.sinks import http_sink

KEY = "SECRETBOTKEY1234567890"


def test_reconcile_notifies_once_and_never_leaks_the_key(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str],
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """Two reconcile runs on 04-23 deliver each message once; the bot key is in no output, row or artifact."""
    with http_sink() as http:
        config = tmp_path / "notify.yaml"
        config.write_text(f"urls:\n  - wecom://{KEY}:\n      - tag: eco\n  - wecom://{KEY}X:\n      - tag: office\n",
                          encoding="utf-8")
        monkeypatch.setenv("LIANGSHAN_NOTIFY_CONFIG", str(config))
        monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", http.base)
        http.modes[f"{KEY}X"] = "errcode"  # the office's bot refuses: a failure, logged, must stay redacted
        first = reconcile(as_of=date(2024, 4, 23), return_state=True)
        second = reconcile(as_of=date(2024, 4, 23), return_state=True)
        notes = [s.result(raise_on_failure=False)["notifications"] for s in (first, second)]
        assert notes[0]["sent"] == 1 and notes[0]["failed"] == 1
        assert notes[1]["queued"] == 0 and notes[1]["sent"] == 0
        assert len([m for m in http.wecom if m["key"] == KEY]) == 1
        sunday = reconcile(as_of=date(2024, 4, 21), return_state=True)
        assert sunday.result(raise_on_failure=False)["notifications"]["enabled"] is False

    printed = capsys.readouterr()
    logs = "\n".join(r.getMessage() for r in caplog.records)
    import os

    engine = make_engine(os.environ["LIANGSHAN_DB_URL"])
    with engine.connect() as conn:
        stored = "".join(str(row) for table in ("outbox_messages", "outbox_items", "delivery_attempts")
                         for row in conn.execute(text(f"SELECT * FROM {table}")))
    engine.dispose()
    with get_client(sync_client=True) as client:
        artifacts = "".join(str(a.data) for a in client.read_artifacts())
        run_logs = "".join(log.message for log in client.read_logs())
    for where in (printed.out, printed.err, logs, stored, artifacts, run_logs):
        assert KEY not in where
    assert "wecom://" in stored  # the channel is named, masked


def test_portal_links_reach_the_bureau_and_nothing_else(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """With the portal configured, the reconcile's message to 生态环境局 carries its link; the link is in no
    output, log, row, Prefect log or artifact."""
    import os
    import re
    from datetime import UTC, datetime

    from core.links import verify

    secret = "flow-test-portal-key-0123456789abcdef0123456789"
    with http_sink() as http:
        config = tmp_path / "notify.yaml"
        config.write_text(f"urls:\n  - wecom://{KEY}:\n      - tag: eco\n", encoding="utf-8")
        monkeypatch.setenv("LIANGSHAN_NOTIFY_CONFIG", str(config))
        monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", http.base)
        monkeypatch.setenv("LIANGSHAN_PORTAL_URL", "https://baosong.huyi.example")
        monkeypatch.setenv("LIANGSHAN_SECRET_KEY", secret)
        state = reconcile(as_of=date(2024, 4, 23), return_state=True)
        assert state.result(raise_on_failure=False)["notifications"]["sent"] == 1
        (content,) = [m["payload"]["markdown"]["content"] for m in http.wecom if m["key"] == KEY]
    (token,) = set(re.findall(r"https://baosong\.huyi\.example/b/([A-Za-z0-9_.-]+)\)", content))
    assert verify(secret, token, datetime.now(UTC)).bureau == "eco"

    printed = capsys.readouterr()
    logs = "\n".join(r.getMessage() for r in caplog.records)
    engine = make_engine(os.environ["LIANGSHAN_DB_URL"])
    with engine.connect() as conn:
        stored = "".join(str(row) for table in ("outbox_messages", "outbox_items", "delivery_attempts", "portal_grants")
                         for row in conn.execute(text(f"SELECT * FROM {table}")))
    engine.dispose()
    with get_client(sync_client=True) as client:
        artifacts = "".join(str(a.data) for a in client.read_artifacts())
        run_logs = "".join(log.message for log in client.read_logs())
    for where in (printed.out, printed.err, logs, stored, artifacts, run_logs):
        assert token not in where and "/b/" not in where
