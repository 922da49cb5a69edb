"""Reads for joint steps (牵头/配合): the contributions a lead sees, who may download them, requests forwarded to a lead.

Whether a check-in row is a contribution is the plan's rule (core.joint), applied to the row as
it is: the rows themselves never change meaning in the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import CheckIn
from core.joint import is_contribution
from core.plan import Plan, Step
from db.models import CheckInFile, CheckInRow, EvidenceFile, ExtensionRow

__all__ = ["contribution_rows", "forwarded_extensions", "joint_steps_led_by", "lead_readers"]


def joint_steps_led_by(plan: Plan, bureau: str | None) -> list[str]:
    """Steps completed by their lead that have 配合单位, led by ``bureau`` (every such step when None), in plan order."""
    return [sid for group in plan.groups for sid in group.step_ids
            if _joint(plan.steps[sid]) and (bureau is None or plan.steps[sid].lead == bureau)]


def _joint(step: Step) -> bool:
    return step.completion == "lead" and len(step.owners) > 1 and not step.collected


def _is_contribution(plan: Plan, row: CheckInRow) -> bool:
    step = plan.steps.get(row.step_id)
    return step is not None and is_contribution(step, CheckIn(row.step_id, row.bureau, row.happened_at, (),
                                                              on_behalf_of=row.on_behalf_of))


def contribution_rows(*, session: Session, plan: Plan, step_ids: Iterable[str],
                      limit: int = 200) -> dict[str, list[dict[str, Any]]]:
    """Step id -> its contributions (配合材料), newest first: one per hand-in, with bureau, deliverables, day, note, files."""
    wanted = [s for s in step_ids if s in plan.steps]
    found: dict[str, list[dict[str, Any]]] = {sid: [] for sid in wanted}
    if not wanted:
        return found
    rows = session.scalars(select(CheckInRow).where(CheckInRow.plan_id == plan.id, CheckInRow.step_id.in_(wanted))
                           .order_by(CheckInRow.id.desc()))
    contributions = [r for r in rows if _is_contribution(plan, r)][:limit]
    hashes = {f.sha256 for r in contributions for f in r.files}
    sizes: dict[str, int] = {}
    if hashes:
        found_sizes = session.execute(select(EvidenceFile.sha256, EvidenceFile.size).where(EvidenceFile.sha256.in_(hashes)))
        sizes = {sha: size for sha, size in found_sizes}
    deliverables = {sid: {d.id: d.title for d in plan.steps[sid].deliverables} for sid in wanted}
    acts: dict[str, dict[str, Any]] = {}  # one entry per hand-in: its rows share a submission and its files
    for row in contributions:
        title = deliverables[row.step_id].get(row.deliverable_id, row.deliverable_id)
        act = acts.get(row.submission)
        if act is not None:
            act["deliverable_ids"].insert(0, row.deliverable_id)
            act["deliverable"] = f"{title}、{act['deliverable']}"
            continue
        bureau = row.on_behalf_of or row.bureau
        acts[row.submission] = act = {
            "bureau": bureau, "bureau_name": plan.bureau_name(bureau), "by": row.bureau,
            "deliverable_ids": [row.deliverable_id], "deliverable": title,
            "at": row.happened_at.astimezone(UTC), "note": row.note,
            "files": [{"sha256": f.sha256, "name": f.original_name, "size": sizes.get(f.sha256, 0)} for f in row.files],
        }
        found[row.step_id].append(act)
    return found


def lead_readers(*, session: Session, plan: Plan, sha256: str) -> set[str]:
    """The leads that may download this file because it came to them as a contribution."""
    rows = session.scalars(select(CheckInRow).join(CheckInFile, CheckInFile.checkin_id == CheckInRow.id)
                           .where(CheckInRow.plan_id == plan.id, CheckInFile.sha256 == sha256))
    return {plan.steps[r.step_id].lead for r in rows if _is_contribution(plan, r)}


def forwarded_extensions(*, session: Session, plan: Plan, lead: str) -> list[dict[str, Any]]:
    """Extension requests of 配合单位 on steps ``lead`` leads, newest first: the lead asks the office for the whole step."""
    steps = joint_steps_led_by(plan, lead)
    if not steps:
        return []
    rows = session.scalars(select(ExtensionRow).where(ExtensionRow.plan_id == plan.id, ExtensionRow.status == "to_lead",
                                                      ExtensionRow.step_id.in_(steps)).order_by(ExtensionRow.id.desc()))
    return [{"id": r.id, "step_id": r.step_id, "bureau": r.bureau, "bureau_name": plan.bureau_name(r.bureau),
             "requested_to": r.requested_to.isoformat(), "reason": r.reason} for r in rows]
