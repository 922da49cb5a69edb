"""一键催办 stored: the urge's messages into the outbox (at most one per item per bureau per day) and the history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.messages import Draft
from db import outbox, repo
from db.models import OutboxMessage
from db.refusals import FORBIDDEN, Refusal

__all__ = ["record_urge"]


def record_urge(sessions: sessionmaker[Session], *, plan_id: str, step_id: str, day: date, drafts: list[Draft],
                note: str, actor: str) -> list[str]:
    """Queue the urge's messages and note each in the audit trail; the bureaus queued now.

    Raises:
        Refusal: every bureau of the step was already urged today (exit 3); nothing is written.
    """
    queued = outbox.enqueue(sessions, plan_id, day, drafts)
    if not queued:
        raise Refusal(FORBIDDEN, f"今天（{day.isoformat()}）已催办过该事项，每个事项每天只催办一次",
                      f"{step_id} was already urged today")
    with sessions() as session:
        bureaus = list(session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.id.in_(queued))))
    with sessions.begin() as session:
        for bureau in bureaus:
            repo.add_audit(session=session, actor=actor, action="urge", plan_id=plan_id, entity="urge",
                           entity_id=f"{step_id}/{bureau}", after={"bureau": bureau, "step": step_id, "note": note,
                                                                   "day": day.isoformat()})
    return bureaus
