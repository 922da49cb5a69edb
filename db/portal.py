"""What the portal reads and the link ledger it keeps: links issued and revoked, submissions, extension
requests, a bureau's own history, who may download a file.

Links are signed by core.links; this module keeps the part that must be shared by every process:
a bureau's link generation (the number of its revocations), so one revocation ends every earlier
link and session of the bureau at once. The ledger never stores a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.events import Facts
from core.links import Grant, sign
from core.plan import Plan
from core.serialize import ACTION_ZH
from db import repo
from db.models import (
    AuditEntry,
    CaseRow,
    CheckInFile,
    CheckInRow,
    EvidenceFile,
    ExtensionRow,
    IndicatorValueFile,
    IndicatorValueRow,
    PortalGrant,
    RecordFile,
    utcnow,
)
from db.refusals import INVALID, Refusal

__all__ = [
    "MAX_LINK_DAYS",
    "PortalLink",
    "bureau_history",
    "current_generation",
    "extension_rows",
    "facts_mark",
    "file_name",
    "file_uploaders",
    "handed_in",
    "issue_link",
    "link_states",
    "load_facts",
    "revoke_links",
    "step_submissions",
]

MAX_LINK_DAYS = 366


@dataclass(frozen=True, slots=True)
class PortalLink:
    """A link just issued: whose, where, until when. ``url`` and ``token`` are secrets."""

    bureau: str
    url: str
    expires: datetime
    token: str

    def __repr__(self) -> str:
        return f"PortalLink(bureau={self.bureau!r}, expires={self.expires.isoformat()!r})"


def current_generation(*, session: Session, plan_id: str, bureau: str) -> int:
    """The bureau's link generation: how many times its links were revoked."""
    return session.scalar(select(func.count()).select_from(PortalGrant).where(
        PortalGrant.plan_id == plan_id, PortalGrant.bureau == bureau, PortalGrant.kind == "revoked")) or 0


def issue_link(sessions: sessionmaker[Session], *, plan_id: str, bureau: str, days: int, key: str, base_url: str,
               actor: str, now: datetime | None = None) -> PortalLink:
    """Sign a link for the bureau valid ``days`` days, and note in the ledger that one was issued (not the link).

    Raises:
        Refusal: ``days`` is outside 1..366 (exit 2).
    """
    if not 1 <= days <= MAX_LINK_DAYS:
        raise Refusal(INVALID, f"链接有效天数应为 1-{MAX_LINK_DAYS}", f"--days must be 1..{MAX_LINK_DAYS}")
    moment = now or utcnow()
    expires = (moment + timedelta(days=days)).replace(microsecond=0)
    with sessions.begin() as session:
        generation = current_generation(session=session, plan_id=plan_id, bureau=bureau)
        session.add(PortalGrant(plan_id=plan_id, bureau=bureau, kind="issued", generation=generation,
                                expires_at=expires, at=moment, actor=actor))
    token = sign(key, Grant(plan_id, bureau, generation, expires))
    return PortalLink(bureau, f"{base_url.rstrip('/')}/b/{token}", expires, token)


def revoke_links(sessions: sessionmaker[Session], *, plan_id: str, bureau: str, actor: str) -> int:
    """End every link and session of the bureau issued so far; returns the new generation."""
    with sessions.begin() as session:
        generation = current_generation(session=session, plan_id=plan_id, bureau=bureau) + 1
        session.add(PortalGrant(plan_id=plan_id, bureau=bureau, kind="revoked", generation=generation, expires_at=None,
                                at=utcnow(), actor=actor))
        repo.add_audit(session=session, actor=actor, action="link_revoke", plan_id=plan_id, entity="link",
                       entity_id=bureau, after={"bureau": bureau, "generation": generation})
    return generation


def link_states(*, session: Session, plan: Plan) -> list[dict[str, Any]]:
    """Per bureau of the plan: the last link issued (when, until when), the last revocation, and whether a link
    of the current generation is still valid."""
    now = utcnow()
    rows = list(session.scalars(select(PortalGrant).where(PortalGrant.plan_id == plan.id).order_by(PortalGrant.id)))
    out = []
    for bureau in plan.bureaus:
        mine = [r for r in rows if r.bureau == bureau]
        generation = sum(r.kind == "revoked" for r in mine)
        issued = [r for r in mine if r.kind == "issued"]
        revoked = [r for r in mine if r.kind == "revoked"]
        last = issued[-1] if issued else None
        active = [r for r in issued if r.generation == generation and r.expires_at and r.expires_at > now]
        out.append({
            "bureau": bureau, "name": plan.bureau_name(bureau), "generation": generation,
            "issued_at": last.at if last else None,
            "expires_at": max(r.expires_at for r in active if r.expires_at) if active else (last.expires_at if last else None),
            "revoked_at": revoked[-1].at if revoked else None,
            "active": bool(active),
        })
    return out


def file_uploaders(*, session: Session, plan_id: str, sha256: str) -> set[str]:
    """Bureaus that attached this file to a check-in (and the bureau the office acted for), a value or a case."""
    found: set[str] = set()
    for bureau, behalf in session.execute(
            select(CheckInRow.bureau, CheckInRow.on_behalf_of).join(CheckInFile, CheckInFile.checkin_id == CheckInRow.id)
            .where(CheckInRow.plan_id == plan_id, CheckInFile.sha256 == sha256)):
        found.add(bureau)
        if behalf:
            found.add(behalf)
    found.update(session.scalars(
        select(IndicatorValueRow.bureau).join(IndicatorValueFile, IndicatorValueFile.value_id == IndicatorValueRow.id)
        .where(IndicatorValueRow.plan_id == plan_id, IndicatorValueFile.sha256 == sha256)))
    found.update(session.scalars(
        select(CaseRow.bureau).join(RecordFile, (RecordFile.record_id == CaseRow.id) & (RecordFile.kind == "case"))
        .where(CaseRow.plan_id == plan_id, RecordFile.sha256 == sha256)))
    return found


def file_name(*, session: Session, plan_id: str, sha256: str) -> str | None:
    """The name a file was handed in under (the first, when several acts attached it), for a download."""
    queries = [
        select(CheckInFile.original_name).join(CheckInRow, CheckInFile.checkin_id == CheckInRow.id)
        .where(CheckInRow.plan_id == plan_id, CheckInFile.sha256 == sha256).order_by(CheckInFile.id),
        select(IndicatorValueFile.original_name).join(IndicatorValueRow, IndicatorValueFile.value_id == IndicatorValueRow.id)
        .where(IndicatorValueRow.plan_id == plan_id, IndicatorValueFile.sha256 == sha256).order_by(IndicatorValueFile.id),
        select(RecordFile.original_name).join(CaseRow, (RecordFile.record_id == CaseRow.id) & (RecordFile.kind == "case"))
        .where(CaseRow.plan_id == plan_id, RecordFile.sha256 == sha256).order_by(RecordFile.id),
    ]
    for query in queries:
        name = session.scalars(query.limit(1)).first()
        if name is not None:
            return name
    return None


def facts_mark(*, session: Session, plan_id: str) -> tuple[int, int]:
    """(entries, newest id) of the plan's audit trail: it changes whenever any fact of the plan is written.

    The trail is append-only, so the count catches an entry that commits after a newer id is visible
    (PostgreSQL's sequences do not promise commit order).
    """
    count, newest = session.execute(select(func.count(AuditEntry.id), func.max(AuditEntry.id))
                                    .where(AuditEntry.plan_id == plan_id)).one()
    return int(count), int(newest or 0)


def load_facts(*, session: Session, plan: Plan) -> Facts:
    """Every fact of the plan, ready for the engine."""
    return Facts(repo.load_all_events(session=session, plan=plan))


def extension_rows(*, session: Session, plan_id: str, bureau: str | None = None,
                   status: str | None = None) -> list[dict[str, Any]]:
    """Extension requests, newest first, optionally of one bureau or in one status."""
    query = select(ExtensionRow).where(ExtensionRow.plan_id == plan_id).order_by(ExtensionRow.id.desc())
    if bureau is not None:
        query = query.where(ExtensionRow.bureau == bureau)
    if status is not None:
        query = query.where(ExtensionRow.status == status)
    return [repo.extension_dict(row) for row in session.scalars(query)]


def step_submissions(*, session: Session, plan_id: str, step_id: str) -> list[dict[str, Any]]:
    """The step's check-ins, newest first, with their files (hash, name, size) for the review queue."""
    rows = session.scalars(select(CheckInRow).where(CheckInRow.plan_id == plan_id, CheckInRow.step_id == step_id)
                           .order_by(CheckInRow.id.desc()))
    out = []
    for row in rows:
        sizes = {f.sha256: 0 for f in row.files}
        if sizes:
            found = session.execute(select(EvidenceFile.sha256, EvidenceFile.size).where(EvidenceFile.sha256.in_(list(sizes))))
            sizes.update({sha: size for sha, size in found})
        out.append({"deliverable_id": row.deliverable_id, "bureau": row.bureau, "on_behalf_of": row.on_behalf_of,
                    "version": row.version, "note": row.note, "at": row.happened_at.astimezone(UTC),
                    "files": [{"sha256": f.sha256, "name": f.original_name, "size": sizes.get(f.sha256, 0)}
                              for f in row.files]})
    return out


def handed_in(*, session: Session, plan_id: str, step_ids: list[str], bureau: str) -> dict[str, list[dict[str, Any]]]:
    """What ``bureau`` handed in (itself, or the office for it) on each of ``step_ids``: step id -> check-ins,
    newest first, each with its deliverable, version, moment and files (name, size). Three queries in all."""
    from sqlalchemy.orm import selectinload

    out: dict[str, list[dict[str, Any]]] = {sid: [] for sid in step_ids}
    if not step_ids:
        return out
    rows = list(session.scalars(
        select(CheckInRow).options(selectinload(CheckInRow.files))
        .where(CheckInRow.plan_id == plan_id, CheckInRow.step_id.in_(step_ids),
               (CheckInRow.bureau == bureau) | (CheckInRow.on_behalf_of == bureau))
        .order_by(CheckInRow.id.desc())))
    hashes = {f.sha256 for row in rows for f in row.files}
    found = session.execute(select(EvidenceFile.sha256, EvidenceFile.size).where(EvidenceFile.sha256.in_(hashes))
                            ) if hashes else ()
    sizes = {sha: size for sha, size in found}
    for row in rows:
        out[row.step_id].append({
            "deliverable_id": row.deliverable_id, "version": row.version, "note": row.note,
            "at": row.happened_at.astimezone(UTC),
            "files": [{"sha256": f.sha256, "name": f.original_name, "size": sizes.get(f.sha256, 0)} for f in row.files]})
    return out


def bureau_history(*, session: Session, plan_id: str, bureau: str, limit: int = 200) -> list[dict[str, Any]]:
    """What concerns the bureau in the audit trail, newest first: its check-ins, reviews of them, 签收,
    extension requests and decisions, values and cases."""
    entries = list(session.scalars(select(AuditEntry).where(AuditEntry.plan_id == plan_id)
                                   .order_by(AuditEntry.id.desc())))

    def involves(entry: AuditEntry) -> bool:
        after = entry.after or {}
        return (bureau in {after.get("bureau"), after.get("on_behalf_of"), entry.actor.removeprefix("portal:")}
                or bureau in (after.get("owners") or ()))  # a task (交办事项) assigned to it

    # Reviews name the office, not the bureau: they are the bureau's when they concern a step it checked in.
    mine_steps = {e.entity_id.rsplit("/", 1)[0] for e in entries if e.entity == "checkin" and involves(e)}
    out: list[dict[str, Any]] = []
    for entry in entries:
        after = entry.after or {}
        theirs = entry.action.startswith("review_") and entry.entity_id.rsplit("/", 1)[0] in mine_steps
        if not (involves(entry) or theirs):
            continue
        out.append({"at": entry.at.astimezone(UTC), "action": entry.action,
                    "action_zh": ACTION_ZH.get(entry.action, entry.action), "entity": entry.entity,
                    "entity_id": entry.entity_id, "after": after, "actor": entry.actor,
                    "reason": after.get("reason", "")})
        if len(out) >= limit:
            break
    return out
