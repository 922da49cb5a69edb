"""A real crash in the middle of a delivery: `liangshan notify retry` in its own process sends 19 messages to a
local WeCom bot API that answers 8 and then holds every further request open; the process is SIGKILLed there.
The next runs deliver the rest, and only the messages that were in flight at the kill may arrive twice.
Real apprise (``wecom://``) to 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.messages import Draft
from db import outbox
from db.models import OutboxMessage, utcnow
from tests.db.conftest import Database

pytestmark = [pytest.mark.slow]

BIN = Path(sys.executable).parent
KEY = "KILLTESTBOTKEY000001"
TOTAL = 19
ANSWERED = 8  # the sink answers this many sends, then holds every request open until released
PLAN_ID = "huyi-two-mountains"
_MARK = re.compile(r"#(\d{3})")


@dataclass
class StallingSink:
    """WeCom's /cgi-bin/webhook/send: records every message it receives (by its #NNN mark), answers the first
    ``ANSWERED`` with errcode 0, and holds the others open (unanswered) until ``release`` is set."""

    port: int = 0
    received: list[int] = field(default_factory=list)  # every send that reached the sink, in order
    answered: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)  # received while stalled: in flight, never answered
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def counts(self) -> tuple[int, int]:
        with self.lock:
            return len(self.answered), len(self.held)


@contextmanager
def stalling_sink() -> Iterator[StallingSink]:
    sink = StallingSink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            found = _MARK.search(payload["markdown"]["content"])
            assert found, payload
            number = int(found.group(1))
            with sink.lock:
                sink.received.append(number)
                stall = len(sink.answered) >= ANSWERED and not sink.release.is_set()
                (sink.held if stall else sink.answered).append(number)
            if stall:
                sink.release.wait(timeout=120)
            raw = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except OSError:
                pass  # the sender was killed while we held its request

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.release.set()
        server.shutdown()
        server.server_close()


def _env(database: Database, config: Path, sink: StallingSink) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANGSHAN_")}
    env.pop("PREFECT_API_URL", None)
    return {**env, **database.env(), "LIANGSHAN_NOTIFY_CONFIG": str(config), "LIANGSHAN_WECOM_API_BASE": sink.base}


def _retry(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "liangshan"), "notify", "retry"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def _rows(database: Database) -> dict[int, tuple[str, Any]]:
    with database.sessions() as session:
        return {int(m.subject.rsplit("#", 1)[1]): (m.status, m.next_attempt_at)
                for m in session.scalars(select(OutboxMessage))}


def test_sigkill_mid_delivery_resends_at_most_the_messages_in_flight(database: Database, tmp_path: Path) -> None:
    """SIGKILL after the sink took 8 messages (8 more held open in flight): a run right away sends the 3 never
    touched and leaves the 8 claimed ones to their lease; the first run after the lease sends those 8. Each
    message arrives; the 8 answered before the kill arrive once; duplicates are at most the in-flight ones."""
    config = tmp_path / "notify.yaml"
    # rto: the held requests must stay open until the kill, not time out (apprise's default is 4 s).
    config.write_text(f"urls:\n  - wecom://{KEY}:\n      - tag: eco\n        rto: 120\n", encoding="utf-8")
    drafts = [Draft("eco", f"【测试】第 {i} 条 #{i:03d}", f"消息 #{i:03d}", (f"{PLAN_ID}|kill|{i}",), (), False)
              for i in range(TOTAL)]
    assert len(outbox.enqueue(database.sessions, PLAN_ID, date(2024, 4, 23), drafts)) == TOTAL

    with stalling_sink() as sink:
        env = _env(database, config, sink)
        log = tmp_path / "killed.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([str(BIN / "liangshan"), "notify", "retry"], env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
            try:
                in_flight_expected = min(outbox._PARALLEL, TOTAL - ANSWERED)
                deadline = time.monotonic() + 90
                while sink.counts() != (ANSWERED, in_flight_expected):
                    assert proc.poll() is None, log.read_text(errors="replace")
                    assert time.monotonic() < deadline, (sink.counts(), log.read_text(errors="replace"))
                    time.sleep(0.01)
                proc.send_signal(signal.SIGKILL)
            finally:
                proc.kill()
                proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        answered, held = list(sink.answered), list(sink.held)

        # What the killed run left: the answered ones marked sent (each right after its send), the held ones
        # claimed until their lease ends, the rest untouched.
        rows = _rows(database)
        assert {n for n, (status, _) in rows.items() if status == "sent"} == set(answered)
        claimed = {n for n, (status, due) in rows.items() if status == "pending" and due > utcnow()}
        assert claimed == set(held)
        untouched = set(range(TOTAL)) - set(answered) - set(held)

        # A run right after the crash: the untouched messages go out; the claimed ones wait for their lease.
        sink.release.set()
        right_away = _retry(env)
        assert right_away.returncode == 0, right_away.stdout + right_away.stderr
        assert f"发送成功 {len(untouched)}" in right_away.stdout
        assert Counter(sink.received) == Counter([*answered, *held, *untouched])

        # Ten minutes later (the stored leases moved back by LEASE): the first run takes the claims again.
        with database.sessions.begin() as session:
            for message in session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")):
                message.next_attempt_at -= outbox.LEASE
        after_lease = _retry(env)
        assert after_lease.returncode == 0, after_lease.stdout + after_lease.stderr
        assert f"发送成功 {len(held)}" in after_lease.stdout
        nothing_left = _retry(env)
        assert "发送成功 0" in nothing_left.stdout

    counts = Counter(sink.received)
    duplicates = sorted(n for n, c in counts.items() if c > 1)
    print(f"\nkill test: {TOTAL} messages, {len(answered)} answered before SIGKILL, {len(held)} in flight, "
          f"{len(untouched)} untouched; arrived twice: {len(duplicates)} {duplicates}")
    assert set(counts) == set(range(TOTAL)), "every message arrived"
    assert all(counts[n] == 1 for n in answered + sorted(untouched)), "none that was not in flight arrived twice"
    assert set(duplicates) <= set(held), "only messages in flight at the kill arrived twice"
    assert max(counts.values()) <= 2
    assert len(duplicates) <= outbox._PARALLEL
    assert {status for status, _ in _rows(database).values()} == {"sent"}
