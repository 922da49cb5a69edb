"""JSON documents of the plan: the ``plan show --json`` contract, shared by every consumer."""

from __future__ import annotations

from typing import Any

from core.plan import Plan

__all__ = ["plan_document"]


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data, recurring steps expanded, dates as ISO ``YYYY-MM-DD``.

    The keys are a contract for other tools: ``plan``, ``bureaus``, ``phases`` (each with its
    ``steps``), ``indicators``, ``case_themes``; ``guarantees`` and ``assumptions`` follow.
    """
    return {
        "plan": {"id": plan.id, "title": plan.title, "content_hash": plan.content_hash},
        "bureaus": [{"id": b.id, "name": b.name} for b in plan.bureaus.values()],
        "phases": [
            {
                "id": phase.id,
                "title": phase.title,
                "start": phase.window.start.isoformat(),
                "due": phase.window.due.isoformat(),
                "steps": [_step(plan, sid) for sid in phase.step_ids],
            }
            for phase in plan.phases
        ],
        "indicators": [
            {
                "id": ind.id,
                "group": ind.group,
                "goal": ind.goal,
                "area": ind.area,
                "title": ind.title,
                "target_text": ind.target_text,
                "rule": ind.rule.as_dict(),
                "unit": ind.unit,
                "owners": list(ind.owners),
            }
            for ind in plan.indicators
        ],
        "case_themes": [
            {"id": t.id, "title": t.title, "text": t.text, "owners": list(t.owners)} for t in plan.case_themes
        ],
        "guarantees": [
            {"id": g.id, "title": g.title, "owners": list(g.owners), "cadence": g.cadence}
            for g in plan.guarantees
        ],
        "assumptions": [{"where": a.where, "note": a.note} for a in plan.assumptions],
    }


def _step(plan: Plan, step_id: str) -> dict[str, Any]:
    step = plan.steps[step_id]
    return {
        "id": step.id,
        "title": step.title,
        "start": step.window.start.isoformat(),
        "due": step.window.due.isoformat(),
        "owners": list(step.owners),
        "deliverables": [{"id": d.id, "title": d.title} for d in step.deliverables],
        "depends_on": list(step.depends_on),
        "review": step.review,
    }
