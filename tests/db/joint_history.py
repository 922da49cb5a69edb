"""A history in which everything before the building phase was handed in by each step's lead, in 2024."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.events import SHANGHAI, CheckIn, Fact, Review
from core.plan import Plan
from db.records import ImportItem, Recorder

PATHWAYS = "build.pathways"  # 13 owners, eco leads


def upstream_done(plan: Plan) -> list[Fact]:
    """Every step of the first three phases handed in (and accepted) by its lead, in plan order, in 2024."""
    moment = datetime(2024, 9, 2, 9, tzinfo=SHANGHAI)
    out: list[Fact] = []
    for sid in plan.topo_order:
        step = plan.steps[sid]
        if step.phase not in ("mobilize", "draft", "apply"):
            continue
        moment += timedelta(hours=1)
        out.append(CheckIn(sid, step.lead, moment, tuple(d.id for d in step.deliverables)))
        if step.review:
            moment += timedelta(minutes=10)
            out.append(Review(sid, "office", moment, "accept", tuple(d.id for d in step.deliverables)))
    return out


def record_upstream(recorder: Recorder) -> None:
    """Write that history into the database."""
    recorder.import_events([ImportItem(e) for e in upstream_done(recorder.plan)])
