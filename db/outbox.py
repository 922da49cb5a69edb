"""The notification outbox: store every message before sending, send each fact once, retry failures.

A message row is written (with one item row per fact, each fact's dedupe key unique) before any
delivery is tried; a crash after that leaves it pending for the next run, never lost. A fact whose
key is already in the outbox is never written again, so repeated runs and restarts say nothing twice.
Failures are retried with back-off on later runs; after ``MAX_ATTEMPTS`` the office is told.

Each message is sent at most once, except one in flight when its process dies. Right before it is sent,
a message is *claimed* in its own committed transaction: one ``UPDATE ... WHERE id = ? AND status IN
('pending', 'failed') AND next_attempt_at <= now`` that sets ``status = 'pending'`` and pushes
``next_attempt_at`` to ``now + LEASE``, and counts only if it changed exactly that row. On PostgreSQL the
second of two such updates waits for the first's row lock and then finds the row no longer due; on SQLite
writers are serialised (``BEGIN IMMEDIATE``); so two deliveries running at once (the daily run and a
``liangshan notify retry``) never both take a message. As soon as its send is answered, the message is
marked sent (or failed, with its back-off) in a commit of its own, before the worker takes the next one.

The claim is a lease, not a lock held by a live process: a process killed mid-send leaves its messages in
flight ``pending`` with ``next_attempt_at`` at the lease's end, and any run after that takes them again
(so only those, at most ``_PARALLEL`` of them, may arrive twice). A run right after a crash does *not*
free them: it cannot tell a dead process's claim from one still sending, and freeing a live claim is a
duplicate for sure. ``LEASE`` is far longer than one message can take (a WeCom bot's markdown, files and
@mention, each waiting at most a minute for the bot's 20-a-minute window plus apprise's timeouts), and the
daily run comes a day later. A result that comes back after its lease ended and another run took the
message again never undoes that run's work: a message once sent stays sent, and a late failure is
recorded without touching the new claim.

A message may carry files (the office's weekly digest: the ledger and the Gantt chart), stored as
paths relative to LIANGSHAN_HOME. Each try resolves them again, keeps only files inside
``home/reports``, and sends a file that is gone without it, saying so in the body.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from core.ladder import Notice
from core.messages import Draft
from db.models import DeliveryAttempt, OutboxItem, OutboxMessage, utcnow

__all__ = ["LEASE", "MAX_ATTEMPTS", "MISSING_ATTACHMENT", "DeliveryReport", "Sender", "attachment_paths", "deliver", "enqueue",
           "known_keys", "list_messages", "relative_attachment", "retry", "unsent"]

MAX_ATTEMPTS = 5
_BACKOFF = timedelta(minutes=10)
_PARALLEL = 8  # bureaus are sent to in parallel; each bot keeps its own WeCom rate window
LEASE = timedelta(minutes=10)  # how long a claimed message is left to the run that claimed it (see above)
MISSING_ATTACHMENT = "附件未生成"  # said in the body for a stored attachment whose file is gone at send time


class Sender(Protocol):
    """What ``deliver`` sends with: a notifier's ``send`` (through ``tasks.notify.portal_sender``).

    ``attachments`` is passed only when a message has files to send, so a plain
    ``send(recipient, subject, body)`` still delivers every message without them.
    """

    def __call__(self, recipient: str, subject: str, body: str, attachments: Sequence[Path] = ...) -> list[Any]: ...


@dataclass
class DeliveryReport:
    """What one delivery pass did, by message id."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    no_channel: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    busy: list[int] = field(default_factory=list)  # due, but claimed (or sent) by another delivery first


def known_keys(*, session: Session) -> set[str]:
    """Every dedupe key already in the outbox (facts said, or queued to be said)."""
    return set(session.scalars(select(OutboxItem.dedupe_key)))


def unsent(*, session: Session, notices: list[Notice]) -> list[Notice]:
    """The notices whose facts have not been put in the outbox yet."""
    keys = [n.dedupe_key for n in notices]
    known: set[str] = set()
    for chunk in range(0, len(keys), 500):
        known |= set(session.scalars(select(OutboxItem.dedupe_key).where(OutboxItem.dedupe_key.in_(keys[chunk:chunk + 500]))))
    return [n for n in notices if n.dedupe_key not in known]


def enqueue(sessions: sessionmaker[Session], plan_id: str, day: date, drafts: list[Draft]) -> list[int]:
    """Store each draft (one transaction each); a draft whose facts another run stored first is skipped."""
    ids = []
    for draft in drafts:
        try:
            with sessions.begin() as session:
                message = OutboxMessage(plan_id=plan_id, recipient=draft.recipient, subject=draft.subject,
                                        body=draft.body, day=day, urgent=draft.urgent, status="pending",
                                        next_attempt_at=utcnow(),
                                        attachments=[a for a in draft.attachments if relative_attachment(a)])
                message.items = [OutboxItem(dedupe_key=k, step_id=_step_of(k)) for k in draft.keys]
                session.add(message)
                session.flush()
                ids.append(message.id)
        except IntegrityError:
            continue  # a concurrent run stored the same facts: they are said once, by that run
    return ids


def relative_attachment(path: str) -> bool:
    """Whether ``path`` may be stored as an attachment: relative, under reports/, with no way up."""
    parts = PurePosixPath(path).parts
    return (bool(parts) and not PurePosixPath(path).is_absolute() and "\\" not in path and ":" not in path
            and parts[0] == "reports" and ".." not in parts and len(parts) > 1)


def attachment_paths(home: Path, stored: Sequence[str]) -> tuple[list[Path], list[str]]:
    """The files of ``stored`` to send now, and the names of those that are gone.

    A path that does not resolve inside ``home/reports`` (absolute, ``..``, a symlink out) is dropped.
    """
    root = (home / "reports").resolve()
    found: list[Path] = []
    missing: list[str] = []
    for rel in stored:
        if not relative_attachment(rel):
            continue
        path = (home / rel).resolve()
        if not path.is_relative_to(root):
            continue
        if path.is_file():
            found.append(path)
        else:
            missing.append(PurePosixPath(rel).name)
    return found, missing


def deliver(sessions: sessionmaker[Session], send: Sender,
            has_channel: Callable[[str], bool], now: datetime | None = None,
            tell_office: Callable[[OutboxMessage, str], None] | None = None,
            home: Path | None = None, plan_id: str | None = None) -> DeliveryReport:
    """Send every message of ``plan_id`` that is due (pending, or failed and past its back-off), bureaus in
    parallel; ``plan_id`` None means every plan's (a database of one plan).

    A plan's run delivers only its own plan's messages: ``send`` fills portal links for the plan it was made
    for, and another plan's bureau must never receive this plan's link. Each message is claimed right before
    it is sent and recorded right after (a commit each); one that another delivery claimed first is left to
    it (``busy``). Attachments are resolved against ``home`` (default: LIANGSHAN_HOME from the settings).
    """
    moment = now or utcnow()
    query = _of_plan(select(OutboxMessage.id).where(OutboxMessage.status.in_(("pending", "failed")),
                                                    OutboxMessage.next_attempt_at <= moment), plan_id)
    with sessions() as session:
        due = list(session.scalars(query.order_by(OutboxMessage.id)))
    report = DeliveryReport()

    def attempt(message: OutboxMessage) -> tuple[list[Any] | None, str]:
        if not has_channel(message.recipient):
            return None, ""
        try:
            if not message.attachments:
                return send(message.recipient, message.subject, message.body), ""
            files, missing = attachment_paths(_home(home), message.attachments)
            body = message.body
            if missing:
                body += f"\n\n> {MISSING_ATTACHMENT}：{'、'.join(missing)}"
            if not files:
                return send(message.recipient, message.subject, body), ""
            return send(message.recipient, message.subject, body, files), ""
        except Exception as exc:  # a channel that crashes is a failed delivery, recorded and retried
            return [], f"{type(exc).__name__}"

    def one(message_id: int) -> str:
        message = _claim(sessions, message_id, moment)
        if message is None:
            return "busy"
        results, error = attempt(message)
        status = _record(sessions, message_id, results, error, moment, moment + LEASE)
        if status == "dead" and tell_office is not None:
            tell_office(message, "多次发送失败")
        if status == "no_channel" and tell_office is not None:
            tell_office(message, "没有配置通知渠道")
        return status

    with ThreadPoolExecutor(max_workers=_PARALLEL) as pool:
        for message_id, status in zip(due, pool.map(one, due), strict=True):
            getattr(report, status).append(message_id)
    return report


def _claim(sessions: sessionmaker[Session], message_id: int, moment: datetime) -> OutboxMessage | None:
    """Take the message for this run until ``moment + LEASE`` (committed), as it is now; None when it is not
    due any more: another delivery claimed or sent it first."""
    with sessions.begin() as session:
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(("pending", "failed")),
                   OutboxMessage.next_attempt_at <= moment)
            .values(status="pending", next_attempt_at=moment + LEASE)
            .execution_options(synchronize_session=False))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.get(OutboxMessage, message_id)


def _record(sessions: sessionmaker[Session], message_id: int, results: list[Any] | None, error: str,
            moment: datetime, claimed_until: datetime) -> str:
    with sessions.begin() as session:
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        assert message is not None
        message.attempts += 1
        # Ours unless the lease ended and another run took the message (its claim ends later) or sent it.
        ours = message.status == "pending" and message.next_attempt_at <= claimed_until
        if results is None:
            session.add(DeliveryAttempt(message_id=message_id, at=moment, ok=False, results=[]))
            if ours:
                message.status = "no_channel"  # kept, not dropped: it goes out once a channel is configured
                message.last_error = "没有配置通知渠道 / no channel for this recipient"
            return "no_channel"
        ok = bool(results) and all(r.ok for r in results)
        session.add(DeliveryAttempt(message_id=message_id, at=moment, ok=ok,
                                    results=[f"{r.service}: {'ok' if r.ok else 'failed'}" for r in results]))
        if ok:
            if message.status != "sent":  # sent already: a run that took it after our lease ended was first
                message.status, message.sent_at, message.last_error = "sent", moment, ""
            return "sent"
        if not ours:
            return "failed"  # recorded as an attempt; the run that holds the message now decides what follows
        message.last_error = error or "; ".join(f"{r.service}: failed" for r in results if not r.ok)
        if message.attempts >= MAX_ATTEMPTS:
            message.status = "dead"
            return "dead"
        message.status = "failed"
        message.next_attempt_at = moment + _BACKOFF * (2 ** (message.attempts - 1))
        return "failed"


def retry(sessions: sessionmaker[Session], recipients: set[str] | None = None, plan_id: str | None = None) -> int:
    """Make failed, dead and channel-less messages (of ``plan_id``, or of every plan) due again now; how many."""
    with sessions.begin() as session:
        query = _of_plan(select(OutboxMessage).where(OutboxMessage.status.in_(("failed", "dead", "no_channel"))), plan_id)
        count = 0
        for message in session.scalars(query):
            if recipients is None or message.recipient in recipients:
                message.status, message.next_attempt_at = "pending", utcnow()
                if message.attempts >= MAX_ATTEMPTS:
                    message.attempts = MAX_ATTEMPTS - 1  # one more try
                count += 1
        return count


def list_messages(*, session: Session, statuses: tuple[str, ...] | None = None,
                  plan_id: str | None = None) -> list[OutboxMessage]:
    """Outbox messages (of ``plan_id``, or of every plan), newest first, with their items."""
    query = select(OutboxMessage).options(selectinload(OutboxMessage.items)).order_by(OutboxMessage.id.desc())
    if statuses:
        query = query.where(OutboxMessage.status.in_(statuses))
    return list(session.scalars(_of_plan(query, plan_id)))


def _of_plan(query: Select[Any], plan_id: str | None) -> Select[Any]:
    """``query`` narrowed to one plan's messages (None: every plan's)."""
    return query if plan_id is None else query.where(OutboxMessage.plan_id == plan_id)


def _home(home: Path | None) -> Path:
    if home is not None:
        return home
    from config.settings import get_settings

    return get_settings().home


def _step_of(key: str) -> str | None:
    parts = key.split("|")
    return parts[1] if len(parts) > 1 and parts[1] != "digest" else None
