"""Repository functions: every query and insert of the facts, each with a keyword-only session."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from core.collect import Collected, collected_events
from core.events import Ack, CheckIn, Event, Extension, Fact, ProgressReport, Review
from core.plan import Plan
from db.evidence import StoredFile
from db.models import (
    AckRow,
    AuditEntry,
    CaseRow,
    CheckInFile,
    CheckInRow,
    EvidenceFile,
    ExtensionRow,
    IndicatorValueRow,
    PlanVersion,
    ProgressReportRow,
    ReviewRow,
    utcnow,
)

__all__ = [
    "ack_dict",
    "add_audit",
    "add_evidence",
    "attach_files",
    "audit_mark",
    "audit_since",
    "extension_dict",
    "fact_steps",
    "find_ack",
    "history",
    "latest_plan_version",
    "load_all_events",
    "load_events",
    "lock_deliverable",
    "lock_extension",
    "next_version",
    "pending_extension",
    "plan_step_ids",
    "plan_version_dict",
    "return_rounds",
    "row_dict",
]


def latest_plan_version(*, session: Session, plan_id: str) -> PlanVersion | None:
    """The plan version most recently loaded, i.e. the one in force."""
    return session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.id.desc()).limit(1)
    ).first()


def fact_steps(*, session: Session, plan_id: str) -> dict[str, set[str]]:
    """Step id -> deliverable ids that have check-ins or reviews recorded."""
    found: dict[str, set[str]] = defaultdict(set)
    for model in (CheckInRow, ReviewRow):
        rows = session.execute(
            select(model.step_id, model.deliverable_id).where(model.plan_id == plan_id).distinct()
        )
        for step_id, deliverable_id in rows:
            found[step_id].add(deliverable_id)
    return dict(found)


def load_events(*, session: Session, plan_id: str) -> list[Event]:
    """Every recorded check-in and review as engine events (rows of one act become one event)."""
    events: list[Event] = []
    checkins: dict[str, list[CheckInRow]] = defaultdict(list)
    for row in session.scalars(select(CheckInRow).where(CheckInRow.plan_id == plan_id).order_by(CheckInRow.id)):
        checkins[row.submission].append(row)
    for rows in checkins.values():
        first = rows[0]
        events.append(CheckIn(first.step_id, first.bureau, first.happened_at, tuple(r.deliverable_id for r in rows),
                              first.note, first.on_behalf_of))
    reviews: dict[str, list[ReviewRow]] = defaultdict(list)
    for rev in session.scalars(select(ReviewRow).where(ReviewRow.plan_id == plan_id).order_by(ReviewRow.id)):
        reviews[rev.submission].append(rev)
    for revs in reviews.values():
        first_rev = revs[0]
        events.append(Review(first_rev.step_id, first_rev.reviewer, first_rev.happened_at,
                             "accept" if first_rev.decision == "accept" else "return",
                             tuple(r.deliverable_id for r in revs), first_rev.reason, first_rev.resubmit_by))
    return events


def load_all_events(*, session: Session, plan: Plan) -> list[Fact]:
    """Every fact the engine reads: check-ins and reviews, the check-ins that indicator values and cases
    amount to, acknowledgements (签收), approved extensions (延期) and progress reports (进展报送)."""
    records = [Collected("indicators", row.indicator_id, row.year, row.bureau, row.happened_at)
               for row in session.scalars(select(IndicatorValueRow).where(IndicatorValueRow.plan_id == plan.id))]
    records += [Collected("cases", row.theme_id, row.year, row.bureau, row.happened_at)
                for row in session.scalars(select(CaseRow).where(CaseRow.plan_id == plan.id))]
    acks: list[Fact] = [Ack(a.step_id, a.acted_by, a.happened_at, a.bureau if a.acted_by != a.bureau else None)
                        for a in session.scalars(select(AckRow).where(AckRow.plan_id == plan.id))]
    approved = session.scalars(select(ExtensionRow).where(ExtensionRow.plan_id == plan.id,
                                                          ExtensionRow.status == "approved").order_by(ExtensionRow.id))
    extensions: list[Fact] = [Extension(e.step_id, e.bureau, e.decided_at or e.requested_at, e.decided_to or e.requested_to,
                                        e.reason) for e in approved]
    progress: list[Fact] = [
        ProgressReport(r.step_id, r.bureau, r.happened_at, r.period, r.text, r.percent, r.problems, r.next_steps)
        for r in session.scalars(select(ProgressReportRow).where(ProgressReportRow.plan_id == plan.id)
                                 .order_by(ProgressReportRow.id))]
    return [*load_events(session=session, plan_id=plan.id), *collected_events(plan, records), *acks, *extensions,
            *progress]


def find_ack(*, session: Session, plan_id: str, step_id: str, bureau: str) -> AckRow | None:
    """The bureau's 签收 of the step, if it has one."""
    return session.scalars(select(AckRow).where(AckRow.plan_id == plan_id, AckRow.step_id == step_id,
                                                AckRow.bureau == bureau)).first()


def ack_dict(row: AckRow) -> dict[str, Any]:
    """An acknowledgement as JSON-ready data."""
    return {"step_id": row.step_id, "bureau": row.bureau, "acted_by": row.acted_by,
            "happened_at": row.happened_at.astimezone(UTC).isoformat()}


def pending_extension(*, session: Session, plan_id: str, step_id: str, bureau: str) -> ExtensionRow | None:
    """The bureau's extension request for the step that still waits (for the office, or for its lead), if any."""
    return session.scalars(select(ExtensionRow).where(
        ExtensionRow.plan_id == plan_id, ExtensionRow.step_id == step_id, ExtensionRow.bureau == bureau,
        ExtensionRow.status.in_(("pending", "to_lead")))).first()


def lock_extension(*, session: Session, plan_id: str, request_id: int) -> ExtensionRow | None:
    """The extension request, locked until the transaction ends so two decisions cannot both apply."""
    query = select(ExtensionRow).where(ExtensionRow.plan_id == plan_id, ExtensionRow.id == request_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()


def extension_dict(row: ExtensionRow) -> dict[str, Any]:
    """An extension request (and its decision) as JSON-ready data."""
    def stamp(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat() if value else None

    return {"id": row.id, "step_id": row.step_id, "bureau": row.bureau, "requested_to": row.requested_to.isoformat(),
            "reason": row.reason, "requested_at": stamp(row.requested_at), "status": row.status,
            "decided_to": row.decided_to.isoformat() if row.decided_to else None, "decision_reason": row.decision_reason,
            "decided_at": stamp(row.decided_at), "decided_by": row.decided_by}


def return_rounds(*, session: Session, plan_id: str, step_id: str, deliverable_id: str, before: datetime) -> int:
    """How many times this deliverable was returned before ``before``: each return opens a new round."""
    return session.scalar(
        select(func.count()).select_from(ReviewRow).where(
            ReviewRow.plan_id == plan_id, ReviewRow.step_id == step_id, ReviewRow.deliverable_id == deliverable_id,
            ReviewRow.decision == "return", ReviewRow.happened_at < before)
    ) or 0


def next_version(*, session: Session, plan_id: str, step_id: str, deliverable_id: str) -> int:
    """The version number a new check-in of this deliverable gets (1 for the first)."""
    count = session.scalar(
        select(func.count()).select_from(CheckInRow).where(
            CheckInRow.plan_id == plan_id, CheckInRow.step_id == step_id, CheckInRow.deliverable_id == deliverable_id)
    ) or 0
    return count + 1


def add_evidence(*, session: Session, stored: Iterable[StoredFile]) -> None:
    """Register archived files (once per hash)."""
    for file in stored:
        if session.get(EvidenceFile, file.sha256) is None:
            session.add(EvidenceFile(sha256=file.sha256, size=file.size, media_type=file.media_type))
    session.flush()


def attach_files(*, session: Session, checkin: CheckInRow, stored: Iterable[StoredFile]) -> None:
    """Link archived files to a check-in row, under their original names."""
    for file in stored:
        checkin.files.append(CheckInFile(sha256=file.sha256, original_name=file.original_name))


def add_audit(*, session: Session, actor: str, action: str, plan_id: str, entity: str, entity_id: str,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Append one entry to the audit trail."""
    session.add(AuditEntry(actor=actor, action=action, plan_id=plan_id, entity=entity, entity_id=entity_id,
                           before=before, after=after, at=utcnow()))


def audit_mark(*, session: Session) -> int:
    """The id of the newest audit entry (0 for none): every fact written after it has a larger one."""
    return session.scalar(select(func.max(AuditEntry.id))) or 0


def audit_since(*, session: Session, plan_id: str, mark: int) -> list[tuple[str, str]]:
    """(entity, entity id) of the plan's audit entries written after ``mark``, oldest first."""
    rows = session.execute(select(AuditEntry.entity, AuditEntry.entity_id)
                           .where(AuditEntry.id > mark, AuditEntry.plan_id == plan_id).order_by(AuditEntry.id))
    return [(entity, entity_id) for entity, entity_id in rows]


def history(*, session: Session, plan_id: str, step_id: str | None = None) -> list[AuditEntry]:
    """The audit trail, oldest first; only entries about one step when ``step_id`` is given."""
    query = select(AuditEntry).where(AuditEntry.plan_id == plan_id).order_by(AuditEntry.id)
    if step_id is not None:  # the step itself (a task's own entries) or its parts (step/deliverable), never task.10 for task.1
        query = query.where(or_(AuditEntry.entity_id == step_id, AuditEntry.entity_id.startswith(f"{step_id}/")))
    return list(session.scalars(query))


def row_dict(row: CheckInRow | ReviewRow) -> dict[str, Any]:
    """A check-in or review row as JSON-ready data, for the audit trail and ``--json``."""
    data: dict[str, Any] = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        if isinstance(value, datetime):
            value = value.astimezone(UTC)  # one form, whether the row was just made or read back
        data[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    if isinstance(row, CheckInRow):
        data["files"] = [{"sha256": f.sha256, "name": f.original_name} for f in row.files]
    return data


def plan_version_dict(version: PlanVersion) -> dict[str, Any]:
    """A plan version's identity for the audit trail (the YAML itself stays in its row)."""
    loaded: datetime = version.loaded_at
    return {"plan_id": version.plan_id, "content_hash": version.content_hash, "source": version.source,
            "steps": len(version.step_ids), "loaded_at": loaded.isoformat()}


def lock_deliverable(*, session: Session, plan_id: str, step_id: str, deliverable_id: str) -> None:
    """Serialise writers of one deliverable until the transaction ends, so versions do not collide.

    SQLite needs nothing: its writers already queue on ``BEGIN IMMEDIATE``. PostgreSQL takes a
    transaction-scoped advisory lock keyed by the deliverable.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = f"{plan_id}\x1f{step_id}\x1f{deliverable_id}"
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def plan_step_ids(plan: Plan) -> list[str]:
    """The step instance ids of a plan, in plan order (stored with each plan version)."""
    return [sid for group in plan.groups for sid in group.step_ids]
