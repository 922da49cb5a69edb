"""Each outbox message is claimed before it is sent and marked sent right after: two deliveries at once never
send one message twice, and a claim left by a dead process is taken again only after its lease. Both databases."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.messages import Draft
from db import outbox
from db.models import OutboxMessage, utcnow
from tasks.notifier import ServiceResult
from tests.db.conftest import Database

PLAN_ID = "huyi-two-mountains"
DAY = date(2024, 4, 23)


def _queue(database: Database, count: int, tag: str = "m") -> list[int]:
    drafts = [Draft("eco", f"【测试】{tag}{i:03d}", f"正文 {tag}{i:03d}", (f"{PLAN_ID}|test|{tag}{i}",), (), False)
              for i in range(count)]
    ids = outbox.enqueue(database.sessions, PLAN_ID, DAY, drafts)
    assert len(ids) == count
    return ids


class Sink:
    """A sender that remembers every subject it was given (thread-safe), taking ``pause`` seconds a message."""

    def __init__(self, pause: float = 0.0) -> None:
        self.pause = pause
        self.subjects: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, recipient: str, subject: str, body: str, attachments: Any = ()) -> list[ServiceResult]:
        time.sleep(self.pause)
        with self.lock:
            self.subjects.append(subject)
        return [ServiceResult("sink://", True)]


def _statuses(database: Database) -> Counter[str]:
    with database.sessions() as session:
        return Counter(session.scalars(select(OutboxMessage.status)))


class BothSending:
    """Holds every send until both deliveries have begun sending, so that each has read its list of due
    messages while the other's claims were still few: on a loaded machine one delivery could otherwise
    claim all forty before the other starts, and the two would never meet."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.seen: set[int] = set()
        self.both = threading.Condition()

    def sender(self, who: int) -> Any:
        def send(recipient: str, subject: str, body: str, attachments: Any = ()) -> list[ServiceResult]:
            with self.both:
                self.seen.add(who)
                self.both.notify_all()
                assert self.both.wait_for(lambda: len(self.seen) == 2, timeout=60), "the other delivery never sent"
            return self.sink(recipient, subject, body, attachments)
        return send


def test_two_deliveries_at_once_send_each_message_once(database: Database) -> None:
    """Two deliver() calls at once on the same 40 pending messages, each having read the due list before the
    other claimed most of it: 40 sends in all, none twice, and the two met over some claims."""
    ids = _queue(database, 40)
    sink = Sink(pause=0.02)
    gate = BothSending(sink)
    start = threading.Barrier(2)
    reports: list[outbox.DeliveryReport] = []
    errors: list[BaseException] = []

    def run(who: int) -> None:
        start.wait()
        try:
            reports.append(outbox.deliver(database.sessions, gate.sender(who), lambda r: True))
        except BaseException as exc:  # handed to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(who,)) for who in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(sink.subjects) == 40 and len(set(sink.subjects)) == 40, Counter(sink.subjects).most_common(3)
    first, second = reports
    assert sorted(first.sent + second.sent) == ids, "every message sent by exactly one of the two"
    assert set(first.busy) | set(second.busy), "the two deliveries did run into each other's claims"
    assert not set(first.sent) & set(second.sent)
    assert _statuses(database) == Counter({"sent": 40})


def test_a_message_in_flight_is_claimed_and_another_run_leaves_it(database: Database,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """While a message is being sent its row is already claimed (committed): a second run started from inside
    the send finds it not due; and the message is marked sent before the next one is sent."""
    first, second = _queue(database, 2)
    seen: list[tuple[str, dict[int, str]]] = []
    nested: list[outbox.DeliveryReport] = []
    sink = Sink()

    def send(recipient: str, subject: str, body: str, attachments: Any = ()) -> list[ServiceResult]:
        with database.sessions() as session:
            seen.append((subject, dict(session.execute(select(OutboxMessage.id, OutboxMessage.status)).all())))
        if not nested:
            nested.append(outbox.deliver(database.sessions, sink, lambda r: True))
        return sink(recipient, subject, body)

    monkeypatch.setattr(outbox, "_PARALLEL", 1)  # one worker: the two messages are sent one after the other
    report = outbox.deliver(database.sessions, send, lambda r: True)
    (inner,) = nested
    # The nested run found the first message claimed (not due any more) and sent only the second ...
    assert inner.sent == [second] and first not in inner.busy + inner.sent
    # ... which the outer run then found taken (busy), so it was sent once.
    assert report.sent == [first] and report.busy == [second]
    assert Counter(sink.subjects) == Counter({"【测试】m000": 1, "【测试】m001": 1})
    assert seen[0][1][first] == "pending"  # claimed: still pending, its lease in next_attempt_at


def test_claim_of_a_dead_process_is_taken_again_only_after_the_lease(database: Database) -> None:
    """A claim nobody finishes (the process was killed mid-send) keeps the message from every run until the lease
    ends; the first run after that sends it, once."""
    (mid,) = _queue(database, 1)
    t0 = utcnow()
    assert outbox._claim(database.sessions, mid, t0) is not None  # the killed run
    sink = Sink()
    soon = outbox.deliver(database.sessions, sink, lambda r: True, now=t0 + outbox.LEASE - timedelta(seconds=1))
    assert (soon.sent, soon.busy, sink.subjects) == ([], [], [])
    later = outbox.deliver(database.sessions, sink, lambda r: True, now=t0 + outbox.LEASE + timedelta(seconds=1))
    assert later.sent == [mid] and sink.subjects == ["【测试】m000"]
    again = outbox.deliver(database.sessions, sink, lambda r: True, now=t0 + 3 * outbox.LEASE)
    assert again.sent == [] and len(sink.subjects) == 1


def test_a_late_failure_does_not_undo_a_later_runs_send(database: Database) -> None:
    """A send answered after its lease ended, once another run re-took and sent the message: the message stays
    sent (and a failure there touches nothing but the attempts)."""
    (mid,) = _queue(database, 1)
    t0 = utcnow()
    assert outbox._claim(database.sessions, mid, t0) is not None
    t1 = t0 + outbox.LEASE + timedelta(seconds=1)
    assert outbox._claim(database.sessions, mid, t1) is not None  # the lease ended: another run takes it
    assert outbox._record(database.sessions, mid, [ServiceResult("sink://", False)], "", t0, t0 + outbox.LEASE) == "failed"
    with database.sessions() as session:
        row = session.get(OutboxMessage, mid)
        assert row is not None and (row.status, row.next_attempt_at) == ("pending", t1 + outbox.LEASE)
    assert outbox._record(database.sessions, mid, [ServiceResult("sink://", True)], "", t1, t1 + outbox.LEASE) == "sent"
    assert outbox._record(database.sessions, mid, [ServiceResult("sink://", False)], "", t0, t0 + outbox.LEASE) == "failed"
    with database.sessions() as session:
        row = session.get(OutboxMessage, mid)
        assert row is not None and (row.status, row.sent_at, row.attempts) == ("sent", t1, 3)


def test_failures_still_back_off_and_die(database: Database) -> None:
    """The claim keeps the old rules: a failure waits its back-off, MAX_ATTEMPTS failures make it dead."""
    (mid,) = _queue(database, 1)
    told: list[str] = []

    def broken(recipient: str, subject: str, body: str, attachments: Any = ()) -> list[ServiceResult]:
        raise ConnectionError("down")

    moment = utcnow()
    for n in range(outbox.MAX_ATTEMPTS):
        report = outbox.deliver(database.sessions, broken, lambda r: True, now=moment,
                                tell_office=lambda m, reason: told.append(reason))
        assert (report.failed if n < outbox.MAX_ATTEMPTS - 1 else report.dead) == [mid]
        assert outbox.deliver(database.sessions, broken, lambda r: True, now=moment).failed == []  # backing off
        moment += timedelta(days=2)
    assert told == ["多次发送失败"]
    assert _statuses(database) == Counter({"dead": 1})
