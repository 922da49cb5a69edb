"""JSON documents: the ``plan show --json`` and ``status --json`` contracts, shared by every consumer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from core.plan import Phase, Plan
from core.status import Board, PhaseStatus

__all__ = ["ACTION_ZH", "LIGHT_EMOJI", "STATUS_ZH", "board_document", "plan_document"]

# What each audit-trail action is called in Chinese (history tables, the portal's history page).
ACTION_ZH = {
    "checkin": "报送", "checkin_forced": "强制报送", "review_accept": "审核通过", "review_return": "退回",
    "plan_load": "载入计划", "indicator_value": "指标数值", "case_add": "典型案例", "project_add": "新增项目",
    "project_update": "更新项目", "ack": "签收", "extension_request": "延期申请", "extension_approved": "同意延期",
    "extension_denied": "不同意延期", "link_revoke": "收回链接", "contribution": "报送配合材料",
    "progress_report": "进展报送",
    "task_add": "交办事项", "task_close": "撤销交办事项",
    "people_import": "导入通讯录", "people_remove": "删除通讯录人员", "person_link_revoke": "收回个人链接",
    "person_link_issue": "生成个人链接", "urge": "一键催办",
}


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data, recurring steps expanded, dates as ISO ``YYYY-MM-DD``.

    The keys are a contract for other tools: ``plan``, ``bureaus``, ``phases`` (each with its
    ``steps``), ``indicators``, ``case_themes``; ``guarantees``, ``tracks`` (same shape as
    ``phases``: the recurring work beside them), ``assumptions`` and ``progress`` (the 进展报送 rule,
    or null) follow.
    """
    return {
        "plan": {"id": plan.id, "title": plan.title, "content_hash": plan.content_hash},
        "bureaus": [{"id": b.id, "name": b.name} for b in plan.bureaus.values()],
        "phases": [_group(plan, phase) for phase in plan.phases],
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
        "tracks": [_group(plan, track) for track in plan.tracks],
        "assumptions": [{"where": a.where, "note": a.note} for a in plan.assumptions],
        "progress": None if plan.progress is None else {
            "every": plan.progress.every, "due_workdays_before_end": plan.progress.due_workdays_before_end,
            "min_window_days": plan.progress.min_window_days, "text": plan.progress.words()},
    }


def _group(plan: Plan, phase: Phase) -> dict[str, Any]:
    return {
        "id": phase.id,
        "title": phase.title,
        "start": phase.window.start.isoformat(),
        "due": phase.window.due.isoformat(),
        "steps": [_step(plan, sid) for sid in phase.step_ids],
    }


def _step(plan: Plan, step_id: str) -> dict[str, Any]:
    step = plan.steps[step_id]
    return {
        "id": step.id,
        "title": step.title,
        "start": step.window.start.isoformat(),
        "due": step.window.due.isoformat(),
        "owners": list(step.owners),
        "deliverables": [{"id": d.id, "title": d.title, **({"owners": list(d.owners)} if d.owners else {})}
                         for d in step.deliverables],
        "depends_on": list(step.depends_on),
        "review": step.review,
        "collect": step.collect,
        "completion": step.completion,
    }


STATUS_ZH = {
    "done": "已完成",
    "submitted": "待审核",
    "returned": "已退回",
    "blocked": "受阻",
    "not_open": "未开始",
    "open": "待报送",
    "due_soon": "即将到期",
    "overdue": "逾期",
    "in_progress": "进行中",
}
LIGHT_EMOJI = {"green": "🟢", "yellow": "🟡", "red": "🔴", "grey": "⚪"}


def board_document(plan: Plan, board: Board) -> dict[str, Any]:
    """The board as JSON-ready data: the ``status --json`` contract.

    ``due`` is the effective due date (an approved extension's, else the window's, moved to the
    next working day when it falls on a rest day); ``window_due`` is the plan's own; ``original_due``
    is set when an extension moved the due. ``acked_by`` lists the bureaus that acknowledged (签收).
    A step of a track has ``phase`` null and
    ``track`` set; ``tracks`` rolls them up like ``phases``.
    """
    steps = []
    phase_ids = {p.id for p in plan.phases}
    for group in plan.groups:
        for sid in group.step_ids:
            step, st = plan.steps[sid], board.steps[sid]
            in_phase = group.id in phase_ids
            steps.append({
                "id": sid,
                "phase": group.id if in_phase else None,
                "track": None if in_phase else group.id,
                "collect": step.collect,
                "title": step.title,
                "owners": list(step.owners),
                "start": step.window.start.isoformat(),
                "due": st.due.isoformat(),
                "window_due": step.window.due.isoformat(),
                "status": st.status,
                "status_zh": STATUS_ZH[st.status],
                "light": st.light,
                "blocked_by": list(st.blocked_by),
                "late": st.late,
                "overdue_workdays": st.overdue_workdays,
                "done_on": _iso(st.done_on),
                "missing": list(st.missing),
                "awaiting_review": list(st.awaiting_review),
                "returned_reason": st.returned_reason or None,
                "resubmit_by": _iso(st.resubmit_by),
                "forecast_due": _iso(st.forecast_due),
                "slack_days": st.slack_days,
                "critical": st.critical,
                "original_due": _iso(st.original_due),
                "acked_by": list(st.acked_by),
                "completion": step.completion,
                "contributors": list(st.contributors),
                "owing": list(st.owing),
            })
    end = board.end
    return {
        "as_of": board.as_of.isoformat(),
        "plan": {"id": plan.id, "title": plan.title},
        "phases": _roll_up(plan.phases, board.phases),
        "tracks": _roll_up(plan.tracks, board.tracks),
        "steps": steps,
        "end": None if end is None else {
            "step": end.step,
            "due": end.due.isoformat(),
            "forecast_due": end.forecast_due.isoformat(),
            "late_days": end.late_days,
            "pushed_by": list(end.pushed_by),
        },
    }


def _roll_up(groups: tuple[Phase, ...], statuses: Mapping[str, PhaseStatus]) -> list[dict[str, Any]]:
    return [{"id": g.id, "title": g.title, "status": st.status, "light": st.light, "done": st.done, "total": st.total}
            for g in groups for st in [statuses[g.id]]]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
