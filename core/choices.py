"""Choices for the Prefect UI's forms: Chinese labels with the id in brackets, and back again."""

from __future__ import annotations

import re

from core.plan import Plan

__all__ = ["bureau_labels", "checkin_step_ids", "deliverable_labels", "parse_id", "step_labels"]

_ID_IN_BRACKETS = re.compile(r"（([^（）]+)）\s*$")


def checkin_step_ids(plan: Plan) -> tuple[str, ...]:
    """Steps that close by a check-in, phases then tracks, in plan order (not the collecting ones)."""
    return tuple(sid for group in plan.groups for sid in group.step_ids if not plan.steps[sid].collected)


def step_labels(plan: Plan) -> tuple[str, ...]:
    """e.g. ``研究制定工作方案（mobilize.work-plan）``, for every step that takes a check-in, in plan order."""
    return tuple(f"{plan.steps[sid].title}（{sid}）" for sid in checkin_step_ids(plan))


def bureau_labels(plan: Plan, only: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """e.g. ``市生态环境局鄠邑分局（eco）``; all bureaus, or ``only`` these."""
    ids = only if only is not None else tuple(plan.bureaus)
    return tuple(f"{plan.bureau_name(b)}（{b}）" for b in ids)


def deliverable_labels(plan: Plan, step_id: str | None = None) -> tuple[str, ...]:
    """e.g. ``创建任务分解及责任单位清单（mobilize.work-plan/task-breakdown）``."""
    steps = [step_id] if step_id else checkin_step_ids(plan)
    return tuple(f"{d.title}（{sid}/{d.id}）" for sid in steps for d in plan.steps[sid].deliverables)


def parse_id(label: str) -> str:
    """The id in a label's brackets; a bare id is returned as it is."""
    found = _ID_IN_BRACKETS.search(label)
    return found.group(1) if found else label.strip()
