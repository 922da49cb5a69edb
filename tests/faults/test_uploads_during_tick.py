"""Fifty portal uploads while a reconcile and notification passes run, on PostgreSQL: every upload recorded
exactly once, the archive verifies, each fact said once and no message delivered twice.

The tick (`liangshan tick`, Prefect's ephemeral API) is started first; the uploads go out the moment it
finishes writing the week's documents, so that its notification pass meets them; two notification passes in
this process (the tick's own delivery, `tasks.notify.run_notifications`) run over and over meanwhile."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from config.events import load_event_rows
from config.holidays import load_calendar
from config.settings import DEFAULT_PLAN, Settings
from db.models import CheckInRow, OutboxItem, OutboxMessage
from db.records import ImportItem
from db.repo import load_all_events
from tasks.notifier import AppriseNotifier
from tasks.notify import run_notifications
from tests.db.conftest import Database
from tests.e2e.portal import running_portal
from tests.sinks import http_sink

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

BIN = Path(sys.executable).parent
STEP = "build.pathways"  # open since 2024-10, thirteen owners, upstream done in the example history
BUREAUS = ["eco", "ndrc", "resources", "qinling", "agri", "rural", "tourism", "civil", "health", "water"]
PER_BUREAU = 5
EXAMPLE = DEFAULT_PLAN.parent.parent / "examples" / "huyi-sample-events.yaml"
DOCUMENTS_DONE = "Task run '生成台账和报告' - Finished"


def test_fifty_uploads_during_a_tick(pg: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = pg.recorder()
    plan = recorder.plan
    recorder.import_events([ImportItem(r.event, r.files, r.line) for r in load_event_rows(EXAMPLE, plan)])
    calendar = load_calendar(Settings.from_env({}).holidays)
    # The passes judge the first working day from today (Beijing): today's uploads are within its 14-day
    # look-back for "已收到", whatever day of the week the test runs.
    day = calendar.next_workday(datetime.now(ZoneInfo("Asia/Shanghai")).date())
    assert day - datetime.now(ZoneInfo("Asia/Shanghai")).date() < timedelta(days=plan.settings.ladder.received_lookback_days)
    config = tmp_path / "channels.yaml"
    config.write_text("urls:\n" + "".join(f"  - wecom://KEY-{b}:\n      - tag: {b}\n" for b in plan.bureaus),
                      encoding="utf-8")

    with http_sink() as sink, running_portal(pg.env(), pg.sessions, plan.id, tmp_path / "web.log") as portal:
        monkeypatch.setenv("LIANGSHAN_WECOM_API_BASE", sink.base)
        monkeypatch.setenv("LIANGSHAN_HOME", str(pg.home))
        env = {**os.environ, **pg.env(), "LIANGSHAN_NOTIFY_CONFIG": str(config), "LIANGSHAN_WECOM_API_BASE": sink.base,
               "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        for name in ("PREFECT_API_URL", "LIANGSHAN_PORTAL_URL", "LIANGSHAN_SECRET_KEY"):
            env.pop(name, None)
        tick_log = tmp_path / "tick.log"
        tick = subprocess.Popen([str(BIN / "liangshan"), "tick", "--as-of", day.isoformat()], env=env,
                                stdout=subprocess.DEVNULL, stderr=tick_log.open("wb"), start_new_session=True)
        clients = {b: portal.client(b) for b in BUREAUS}
        deadline = time.monotonic() + 240
        while DOCUMENTS_DONE not in tick_log.read_text(errors="replace") and tick.poll() is None:
            assert time.monotonic() < deadline, tick_log.read_text(errors="replace")[-3000:]
            time.sleep(0.1)

        notifier = AppriseNotifier(config)
        uploading = threading.Event()
        uploading.set()
        passes: list[object] = []
        errors: list[BaseException] = []

        def notify_while_uploading() -> None:
            try:
                while uploading.is_set() and len(passes) < 12:
                    with pg.sessions() as session:
                        events = load_all_events(session=session, plan=plan)
                    passes.append(run_notifications(plan, calendar, events, day, notifier, pg.sessions, pg.home))
                    time.sleep(0.2)
            except BaseException as exc:  # reported below
                errors.append(exc)

        def upload(job: tuple[str, int]) -> tuple[int, str]:
            bureau, n = job
            client, csrf = clients[bureau]
            pdf = b"%PDF-1.4\n% " + f"{bureau} {n}".encode() + b"\n" + b"x" * 20_000
            answer = client.post(f"/steps/{STEP}/checkin",
                                 data={"csrf": csrf, "deliverable": "conversion-models", "note": f"{bureau}第{n}批"},
                                 files={"file": (f"{bureau}-{n}.pdf", pdf, "application/pdf")})
            return answer.status_code, answer.text[:300]

        notifying = [threading.Thread(target=notify_while_uploading) for _ in range(2)]
        for t in notifying:
            t.start()
        jobs = [(b, n) for b in BUREAUS for n in range(PER_BUREAU)]
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            answers = list(pool.map(upload, jobs))
        uploading.clear()
        for t in notifying:
            t.join(timeout=300)
        assert tick.wait(timeout=300) in (0, 1), tick_log.read_text(errors="replace")[-3000:]
        assert "Task run '通知责任单位' - Finished in state Completed" in tick_log.read_text(errors="replace")
        for client, _ in clients.values():
            client.close()
        with pg.sessions() as session:  # a last pass: everything the uploads gave rise to, said
            events = load_all_events(session=session, plan=plan)
        run_notifications(plan, calendar, events, day, notifier, pg.sessions, pg.home)
        # One markdown message per outbox message (the weekly digest's files follow it as file messages).
        received = Counter(m["key"].removeprefix("KEY-") for m in sink.wecom if m["payload"]["msgtype"] == "markdown")

    assert errors == [] and passes
    assert [a for a in answers if a[0] != 303] == []
    with pg.sessions() as s:
        rows = list(s.execute(select(CheckInRow.bureau, CheckInRow.note, CheckInRow.version)
                              .where(CheckInRow.step_id == STEP)))
        keys = list(s.scalars(select(OutboxItem.dedupe_key)))
        duplicated = list(s.execute(select(OutboxItem.dedupe_key, func.count()).group_by(OutboxItem.dedupe_key)
                                    .having(func.count() > 1)))
        sent = Counter(s.scalars(select(OutboxMessage.recipient).where(OutboxMessage.status == "sent")))
        unsent = list(s.execute(select(OutboxMessage.recipient, OutboxMessage.status)
                                .where(OutboxMessage.status != "sent")))
    assert len(rows) == len({(b, note) for b, note, _ in rows}) == len(jobs)  # each upload once, none lost
    assert sorted(v for _, _, v in rows) == list(range(1, len(jobs) + 1))
    assert duplicated == [] and len(keys) == len(set(keys))
    acknowledged = [k for k in keys if k.startswith(f"{plan.id}|{STEP}|received|")]
    assert len(acknowledged) == 2 * len(jobs)  # each upload: "已收到" to its bureau and to the office, once
    assert unsent == []
    assert received == sent  # every message sent went out once: none twice, none lost
    verify = subprocess.run([str(BIN / "liangshan"), "verify"], env={**os.environ, **pg.env()}, capture_output=True,
                            text=True, timeout=120, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    spool = pg.home / "evidence" / "tmp"
    assert not spool.exists() or list(spool.iterdir()) == []
