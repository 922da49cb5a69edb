"""The office's weekly digest carries the ledger and the Gantt chart: by e-mail as attachments, by WeCom as file
messages (upload_media, then msgtype file). Real apprise to the local sinks, on both databases."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.messages import Draft
from core.workdays import WorkdayCalendar
from db import migrate, outbox
from db.models import OutboxItem, OutboxMessage, utcnow
from reports.folder import GANTT, LEDGER
from tasks import wecom
from tasks.notifier import AppriseNotifier, RecordingNotifier
from tasks.notify import run_notifications
from tests.db.conftest import Database
from tests.sinks import http_sink, smtp_sink

KEY_ECO = "ECOBOTKEY0000000001"
KEY_OFFICE = "OFFICEBOTKEY0000002"
MONDAY = date(2024, 4, 22)  # the first working day of its week: the digest goes to the office
REPORTS_DAY = "2024-04-19"  # the Friday before: the newest reports folder on or before MONDAY
DAY_DIR = f"reports/huyi-two-mountains/{REPORTS_DAY}"  # the plan's folder of that day, relative to the home


def _png() -> bytes:
    """A valid 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


LEDGER_BYTES = b"PK\x03\x04 not really a workbook, but these exact bytes " + bytes(range(256))
GANTT_BYTES = _png()


def _write_reports(home: Path, day: str = REPORTS_DAY) -> Path:
    folder = home / "reports" / "huyi-two-mountains" / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LEDGER).write_bytes(LEDGER_BYTES)
    (folder / GANTT).write_bytes(GANTT_BYTES)
    return folder


def _config(tmp_path: Path, base: str, smtp_port: int) -> Path:
    port = base.rsplit(":", 1)[1]
    path = tmp_path / "notify.yaml"
    path.write_text(f"""
urls:
  - wecom://{KEY_ECO}:
      - tag: eco
  - wecom://{KEY_OFFICE}:
      - tag: office
        mentions: "13900000000"
  - mailto://127.0.0.1:{smtp_port}?from=liangshan@huyi.local&to=office@huyi.local&mode=insecure:
      - tag: office
  - json://127.0.0.1:{port}/office-hook:
      - tag: office
  - json://127.0.0.1:{port}/leaders:
      - tag: leaders
""", encoding="utf-8")
    return path


@pytest.fixture(name="peers")
def fixture_peers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    with http_sink() as http, smtp_sink() as (port, mails):
        monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", http.base)
        monkeypatch.setattr(wecom, "_sent", {})  # each test's bots start with an empty 20-a-minute window
        yield http, mails, _config(tmp_path, http.base, port)


def _run(database: Database, day: date, config: Path) -> Any:
    plan = load_plan(DEFAULT_PLAN)
    return run_notifications(plan, WorkdayCalendar(), [], day, AppriseNotifier(config), database.sessions,
                             home=database.home)


def _digest(database: Database) -> OutboxMessage:
    """The office's message that carries the weekly digest."""
    with database.sessions() as s:
        return s.scalars(select(OutboxMessage).join(OutboxItem)
                         .where(OutboxItem.dedupe_key.contains("|digest|office|"))).one()


def _mails_of(mails: list[Any], digest: OutboxMessage) -> list[Any]:
    return [m for m in mails if m.subject == digest.subject]


def _office_wecom(http: Any) -> list[dict[str, Any]]:
    return [m["payload"] for m in http.wecom if m["key"] == KEY_OFFICE]


def test_digest_carries_ledger_and_gantt_by_mail_and_wecom(database: Database, peers: Any) -> None:
    """Monday: the office's e-mail has both files (Chinese names, exact bytes); its bot gets two uploads and two
    file messages with the answered media_ids, after the markdown; the JSON hook gets the body only and counts ok."""
    http, mails, config = peers
    _write_reports(database.home)
    _write_reports(database.home, "2024-04-29")  # after the day: not this digest's
    report = _run(database, MONDAY, config)
    assert report.failed == 0 and report.sent >= 1

    digest = _digest(database)
    assert digest.status == "sent"
    assert digest.attachments == [f"{DAY_DIR}/{LEDGER}", f"{DAY_DIR}/{GANTT}"]
    assert f"附件：{LEDGER}、{GANTT}（{REPORTS_DAY} 生成）" in digest.body

    (mail,) = _mails_of(mails, _digest(database))
    assert [(a.filename, a.data) for a in mail.attachments] == [(LEDGER, LEDGER_BYTES), (GANTT, GANTT_BYTES)]
    assert mail.attachments[1].content_type == "image/png"

    uploads = [u for u in http.uploads if u["key"] == KEY_OFFICE]
    assert [(u["filename"], u["size"], u["data"]) for u in uploads] == [
        (LEDGER, len(LEDGER_BYTES), LEDGER_BYTES), (GANTT, len(GANTT_BYTES), GANTT_BYTES)]
    sent = _office_wecom(http)
    assert [p["msgtype"] for p in sent] == ["markdown", "file", "file", "text"]
    assert [p["file"]["media_id"] for p in sent[1:3]] == [u["media_id"] for u in uploads]
    assert [c for k, c in http.calls if k == KEY_OFFICE] == ["send", "upload", "send", "upload", "send", "send"]
    assert not [u for u in http.uploads if u["key"] == KEY_ECO]  # only the digest carries files

    (hook,) = [h for h in http.hooks if h["path"] == "/office-hook"]
    assert not hook["payload"].get("attachments")
    with database.sessions() as s:
        stored = s.scalars(select(OutboxMessage.attachments)).all()
    assert all(not Path(a).is_absolute() and a.startswith("reports/") for row in stored for a in row)


def test_refused_upload_fails_the_delivery_and_is_retried(database: Database, peers: Any) -> None:
    """An upload answered with errcode 93000 fails the office's message (failed, not sent, no key in the error);
    once the bot takes uploads, a later try sends both files."""
    http, _, config = peers
    _write_reports(database.home)
    http.modes[KEY_OFFICE] = "upload_errcode"
    _run(database, MONDAY, config)
    digest = _digest(database)
    assert (digest.status, digest.attempts, digest.sent_at) == ("failed", 1, None)
    assert "wecom://" in digest.last_error and KEY_OFFICE not in digest.last_error
    assert not [p for p in _office_wecom(http) if p["msgtype"] == "file"]

    http.modes[KEY_OFFICE] = "ok"
    notifier = AppriseNotifier(config)
    later = outbox.deliver(database.sessions, notifier.send, lambda r: bool(notifier.channels(r)),
                           now=utcnow() + timedelta(hours=1), home=database.home)
    assert digest.id in later.sent
    assert [u["filename"] for u in http.uploads if u["key"] == KEY_OFFICE] == [LEDGER, GANTT]
    assert _digest(database).status == "sent"


def test_refused_file_message_fails_the_delivery(database: Database, peers: Any) -> None:
    """An HTTP error on upload is a failure too, and the error names no key."""
    http, _, config = peers
    _write_reports(database.home)
    http.modes[KEY_OFFICE] = "upload_http500"
    _run(database, MONDAY, config)
    digest = _digest(database)
    assert digest.status == "failed" and KEY_OFFICE not in digest.last_error


def test_file_gone_at_send_time_is_left_out_and_said(database: Database, peers: Any) -> None:
    """A retry after the Gantt chart was deleted sends the ledger alone and says 附件未生成 — no crash."""
    http, mails, config = peers
    folder = _write_reports(database.home)
    http.modes[KEY_OFFICE] = "upload_errcode"
    _run(database, MONDAY, config)
    (folder / GANTT).unlink()
    http.modes[KEY_OFFICE] = "ok"
    notifier = AppriseNotifier(config)
    later = outbox.deliver(database.sessions, notifier.send, lambda r: bool(notifier.channels(r)),
                           now=utcnow() + timedelta(hours=1), home=database.home)
    digest = _digest(database)
    assert digest.id in later.sent
    assert digest.attachments == [f"{DAY_DIR}/{LEDGER}", f"{DAY_DIR}/{GANTT}"]  # as stored
    last_mail = _mails_of(mails, digest)[-1]
    assert [a.filename for a in last_mail.attachments] == [LEDGER]
    assert f"附件未生成：{GANTT}" in last_mail.body
    assert [u["filename"] for u in http.uploads if u["key"] == KEY_OFFICE] == [LEDGER]
    assert f"附件未生成：{GANTT}" in _office_wecom(http)[-3]["markdown"]["content"]


def test_digest_without_reports_folder_goes_out_without_attachments(database: Database, peers: Any) -> None:
    """No reports folder yet: the digest is sent as before, with no files and nothing said about them."""
    http, mails, config = peers
    report = _run(database, MONDAY, config)
    assert report.failed == 0
    digest = _digest(database)
    assert (digest.status, digest.attachments) == ("sent", [])
    assert "附件" not in digest.body
    (mail,) = _mails_of(mails, _digest(database))
    assert mail.attachments == []
    assert http.uploads == [] and [p["msgtype"] for p in _office_wecom(http)] == ["markdown", "text"]


def test_only_files_under_home_reports_are_stored_or_sent(database: Database, tmp_path: Path) -> None:
    """Absolute paths and ways out of home/reports are never stored; a symlink out of reports is never sent."""
    home = database.home
    folder = _write_reports(home)
    outside = tmp_path / "secret.txt"
    outside.write_text("not for the office", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    draft = Draft("office", "【两山基地】附件", "正文", ("test|digest|office|x",), (), False, ("digest",),
                  (f"{DAY_DIR}/{LEDGER}", str(outside), "../secret.txt", f"{DAY_DIR}/../../x",
                   f"{DAY_DIR}/link.txt"))
    (message_id,) = outbox.enqueue(database.sessions, "huyi-two-mountains", MONDAY, [draft])
    with database.sessions() as s:
        stored = s.get(OutboxMessage, message_id)
        assert stored is not None
        assert stored.attachments == [f"{DAY_DIR}/{LEDGER}", f"{DAY_DIR}/link.txt"]
    notifier = RecordingNotifier()
    report = outbox.deliver(database.sessions, notifier.send, lambda r: True, home=home)
    assert report.sent == [message_id]
    (sent,) = notifier.sent
    assert sent.attachments == ((folder / LEDGER).resolve(),) and sent.body == "正文"


def test_migration_0007_round_trip_keeps_messages(database: Database) -> None:
    """Down to 0006 drops the column, keeping the messages; up again gives them no attachments; no drift."""
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox_messages (plan_id, recipient, subject, body, day, urgent, status, attempts,"
                          " created_at, next_attempt_at, last_error, attachments) VALUES ('p', 'office', 's', 'b',"
                          " :day, :f, 'pending', 0, :at, :at, '', :files)"),
                     {"day": MONDAY, "f": False, "at": utcnow(), "files": json.dumps([f"{DAY_DIR}/{LEDGER}"])})
    migrate.downgrade(database.engine, "0006")
    columns = {c["name"] for c in inspect(database.engine).get_columns("outbox_messages")}
    assert "attachments" not in columns and "last_error" in columns
    migrate.upgrade(database.engine)
    with database.engine.connect() as conn:
        (row,) = conn.execute(text("SELECT recipient, attachments FROM outbox_messages")).all()
    attachments = row[1] if isinstance(row[1], list) else json.loads(row[1])
    assert (row[0], attachments) == ("office", [])
    assert migrate.drift(database.engine) == []
    assert migrate.current(database.engine) == migrate.head()
