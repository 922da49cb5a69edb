"""Notification benchmark (issue 6): one run that notifies every bureau, delivered to a local WeCom sink.

Twenty-one recipients (every bureau of the plan) each get one message through its own wecom://
bot on 127.0.0.1; the bound is 5 s for the whole delivery. Exits 1 over the bound with BENCH_STRICT=1.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import verdict


def main() -> int:
    from config.loader import load_plan
    from config.settings import DEFAULT_PLAN
    from core.messages import Draft
    from db import migrate, outbox
    from db.engine import make_engine, make_sessionmaker
    from tasks.notifier import AppriseNotifier
    from tests.sinks import http_sink

    plan = load_plan(DEFAULT_PLAN)
    with tempfile.TemporaryDirectory() as tmp, http_sink() as sink:
        os.environ["LIANGSHAN_WECOM_API_BASE"] = sink.base
        config = Path(tmp) / "notify.yaml"
        config.write_text("urls:\n" + "".join(f"  - wecom://BENCHKEY{b.upper()}:\n      - tag: {b}\n" for b in plan.bureaus),
                          encoding="utf-8")
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        drafts = [Draft(b, f"【两山基地】{plan.bureau_name(b)}：待办提醒", "### 待办\n" + "**【逾期】事项**\n" * 20,
                        (f"bench|{b}",), (), True) for b in plan.bureaus]
        outbox.enqueue(sessions, plan.id, date(2024, 4, 23), drafts)
        notifier = AppriseNotifier(config)
        start = time.perf_counter()
        report = outbox.deliver(sessions, notifier.send, lambda r: bool(notifier.channels(r)))
        seconds = time.perf_counter() - start
        engine.dispose()
    print(f"{len(report.sent)} of {len(drafts)} bureaus delivered, {len(sink.wecom)} messages at the sink")
    ok = verdict(f"deliver one message to each of {len(drafts)} bureaus", seconds, 5.0) and len(report.sent) == len(drafts)
    return 0 if ok or not os.environ.get("BENCH_STRICT") else 1


if __name__ == "__main__":
    sys.exit(main())
