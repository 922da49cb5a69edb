"""已读: a reminder about an item counts as read the first time someone of the bureau opens the item afterwards.

The bureau's page shows every open item of the bureau, so opening it opens them: each sent, unread reminder item
about a step on the page is marked with the moment and the person (or the bureau's link) — once, never again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from db.engine import read_session
from db.models import OutboxItem, OutboxMessage, utcnow

__all__ = ["mark_read", "reminder_reads"]


def _unread(plan_id: str, bureau: str, steps: list[str]) -> Any:
    return (select(OutboxItem.id).join(OutboxMessage, OutboxItem.message_id == OutboxMessage.id)
            .where(OutboxMessage.plan_id == plan_id, OutboxMessage.recipient == bureau, OutboxMessage.status == "sent",
                   OutboxItem.step_id.in_(steps), OutboxItem.read_at.is_(None)))


def mark_read(sessions: sessionmaker[Session], *, plan_id: str, bureau: str, steps: Iterable[str], actor: str,
              now: datetime | None = None) -> int:
    """Mark the bureau's sent, unread reminders about ``steps`` as read by ``actor``; how many were marked.

    Reads first and writes only when something is unread, so the page's usual visit takes no write lock.
    """
    wanted = list(dict.fromkeys(steps))
    if not wanted:
        return 0
    with read_session(sessions) as session:
        ids = list(session.scalars(_unread(plan_id, bureau, wanted)))
    if not ids:
        return 0
    with sessions.begin() as session:
        done = session.execute(update(OutboxItem).where(OutboxItem.id.in_(ids), OutboxItem.read_at.is_(None))
                               .values(read_at=now or utcnow(), read_by=actor[:100]))
    return int(getattr(done, "rowcount", 0) or 0)


def reminder_reads(*, session: Session, plan_id: str, steps: Iterable[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (step, bureau): reminders sent, the last one's time, and whether that last one was read (when, by whom)."""
    wanted = list(dict.fromkeys(steps))
    out: dict[tuple[str, str], dict[str, Any]] = {}
    if not wanted:
        return out
    rows = session.execute(
        select(OutboxItem.step_id, OutboxMessage.recipient, OutboxMessage.sent_at, OutboxItem.read_at, OutboxItem.read_by)
        .join(OutboxMessage, OutboxItem.message_id == OutboxMessage.id)
        .where(OutboxMessage.plan_id == plan_id, OutboxMessage.status == "sent", OutboxItem.step_id.in_(wanted))
        .order_by(OutboxMessage.sent_at))
    for step, bureau, sent_at, read_at, read_by in rows:
        entry = out.setdefault((str(step), bureau), {"sent": 0, "last_sent": None, "read_at": None, "read_by": None})
        entry["sent"] += 1
        entry["last_sent"] = sent_at
        entry["read_at"], entry["read_by"] = read_at, read_by
    return out
