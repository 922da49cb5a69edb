"""The plan's ids in the words a reader knows: step, deliverable, indicator and theme titles, and what an
audit-trail entry did (the portal's pages never show an id such as ``theme-1/23`` or ``2b/2026``).

Pure: built from the plan and the entry's stored data only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.plan import Plan

__all__ = ["deliverable_title", "describe_entry", "person", "step_title"]


def step_title(plan: Plan, step_id: str) -> str:
    """The step's title (the id itself only for a step the plan no longer has)."""
    step = plan.steps.get(step_id)
    return step.title if step is not None else step_id


def deliverable_title(plan: Plan, step_id: str, deliverable_id: str) -> str:
    """The deliverable's title within its step; for an indicator step, the indicator's title."""
    step = plan.steps.get(step_id)
    if step is not None:
        for d in step.deliverables:
            if d.id == deliverable_id:
                return d.title
    return _indicator_title(plan, deliverable_id) or deliverable_id


def _indicator_title(plan: Plan, indicator_id: str) -> str:
    return next((i.title for i in plan.indicators if i.id == indicator_id), "")


def _theme_title(plan: Plan, theme_id: str) -> str:
    return next((t.title for t in plan.case_themes if t.id == theme_id), theme_id)


def person(plan: Plan, actor: str) -> str:
    """Who acted, as a reader names them: a bureau's name for its link, a signed-in person's name as recorded."""
    who = actor.removeprefix("portal:")
    bureau, _, name = who.partition(":")
    if bureau in plan.bureaus:
        return f"{plan.bureau_name(bureau)}{f' {name}' if name else ''}"
    return who


def _files(after: Mapping[str, Any]) -> list[str]:
    return [f["name"] if isinstance(f, Mapping) else str(f) for f in after.get("files") or ()]


def describe_entry(plan: Plan, entity: str, entity_id: str, after: Mapping[str, Any] | None) -> str:
    """One audit-trail entry in words: the titles it concerns, the value, the version and the file names."""
    after = after or {}
    head, _, tail = entity_id.partition("/")
    files = _files(after)
    if entity in ("checkin", "review"):
        text = f"{step_title(plan, head)} · {deliverable_title(plan, head, tail)}"
        if after.get("version"):
            text += f" 第 {after['version']} 版"
    elif entity == "indicator":
        value = after.get("value")
        text = f"{_indicator_title(plan, head) or head}（{tail} 年度）"
        if value is not None:
            text += f"：{value:g}{after.get('unit') or ''}" if isinstance(value, int | float) else f"：{value}"
    elif entity == "case":
        theme = str(after.get("theme") or head.removeprefix("theme-"))
        text = f"{_theme_title(plan, theme)} · {after.get('title', '')}".rstrip(" ·")
    elif entity in ("ack", "progress"):
        text = step_title(plan, head)
        if entity == "progress" and after.get("period"):
            text += f"（{after['period']}）"
    elif entity == "extension":
        text = step_title(plan, head)
        to = after.get("decided_to") or after.get("requested_to")
        if to:
            text += f"，{'延至' if after.get('decided_to') else '申请延至'} {to}"
    elif entity == "task":
        text = str(after.get("title") or step_title(plan, head))
    else:
        text = ""
    if files:
        text += "（附件：" + "、".join(files) + "）"
    return text
