"""WeCom application benchmark (issue 20): one delivery that reaches 60 people by textcard, against today's.

Every bureau of the plan gets one message. Today's delivery: each bureau's wecom:// group bot on a local sink.
With the app: the 19 bureaus' 60 people (经办人 and 分管领导, with userids) get one textcard per bureau from a
local fake WeCom over real HTTP (one token fetch for the run); the office and the leading group keep their bots.
Bound: at most 2 s more than today's delivery. Exits 1 over the bound with BENCH_STRICT=1.
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


def _deliver(plan: object, tmp: str, name: str, wrap: bool, people: int) -> tuple[float, int]:
    from core.messages import Draft
    from core.people import Person
    from db import migrate, outbox
    from db.engine import make_engine, make_sessionmaker
    from db.people import import_people
    from tasks.notifier import AppriseNotifier
    from tasks.wecom_app import with_wecom_app

    engine = make_engine(f"sqlite:///{tmp}/{name}.db")
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    bureaus = [b for b in plan.bureaus if b not in ("office", "leaders")]  # type: ignore[attr-defined]
    listed = [Person(bureaus[i % len(bureaus)], f"人员{i:02d}", "经办人" if i < 2 * len(bureaus) else "分管领导", f"user{i:02d}")
              for i in range(people)]
    import_people(sessions, plan_id=plan.id, people=list(enumerate(listed, start=2)), actor="bench")  # type: ignore[attr-defined]
    drafts = [Draft(b, f"【两山基地】{plan.bureau_name(b)}：督办/逾期提醒（20项）", "### 待办\n" + "**【逾期】事项**\n" * 20,  # type: ignore[attr-defined]
                    (f"bench|{name}|{b}",), (), True) for b in plan.bureaus]  # type: ignore[attr-defined]
    outbox.enqueue(sessions, plan.id, date(2024, 4, 23), drafts)  # type: ignore[attr-defined]
    notifier = AppriseNotifier(Path(tmp) / "notify.yaml")
    chosen = (with_wecom_app(notifier, plan, sessions) or notifier) if wrap else notifier  # type: ignore[arg-type]
    start = time.perf_counter()
    report = outbox.deliver(sessions, chosen.send, lambda r: bool(chosen.channels(r)))
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, len(report.sent)


def main() -> int:
    from config.loader import load_plan
    from config.settings import DEFAULT_PLAN
    from tasks.wecom_api import forget_tokens
    from tests.sinks import http_sink
    from tests.wecom_fake import fake_wecom

    plan = load_plan(DEFAULT_PLAN)
    with tempfile.TemporaryDirectory() as tmp, http_sink() as sink, fake_wecom() as fake:
        fake.forward = sink.base
        os.environ.update({**fake.env(), "LIANGSHAN_PORTAL_URL": "https://lsbs.example.gov.cn"})
        (Path(tmp) / "notify.yaml").write_text(
            "urls:\n" + "".join(f"  - wecom://BENCHKEY{b.upper()}:\n      - tag: {b}\n" for b in plan.bureaus), encoding="utf-8")
        today, sent_today = _deliver(plan, tmp, "today", wrap=False, people=60)
        forget_tokens()
        with_app, sent_app = _deliver(plan, tmp, "app", wrap=True, people=60)
        cards = [m for m in fake.messages if m.get("msgtype") == "textcard"]
        reached = sum(len(m["touser"].split("|")) for m in cards)
    print(f"today: {sent_today} bureaus by bots; with the app: {sent_app} messages, {len(cards)} textcards to {reached} people,"
          f" {fake.fetches} token fetch(es)")
    verdict("today's delivery (21 bureaus, group bots)", today, 5.0)
    verdict("with the app (19 bureaus' 60 people by textcard, 2 bots)", with_app, 5.0)
    ok = verdict("  the app's extra time over today's", max(with_app - today, 0.0), 2.0) and fake.fetches == 1
    return 0 if ok or not os.environ.get("BENCH_STRICT") else 1


if __name__ == "__main__":
    sys.exit(main())
