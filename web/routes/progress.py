"""进展报送 in the portal: the cards of a bureau's owed progress reports, and the form that answers one.

The form posts text, 完成进度, 存在问题, 下步打算 and files for one step and period. The order is the
other actions' (session 401, size 413, CSRF 403, ownership 403), then :func:`db.progress.report_progress`,
whose refusals map to 400 (text over 5,000 characters, an unknown period) and 403 (a closed step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from core.events import Facts
from core.plan import Plan
from core.progress import MAX_TEXT, STATUS_ZH, Owed, on_time_rate, owed_reports
from core.status import Board
from core.workdays import WorkdayCalendar
from web.auth import check_csrf, current
from web.portal import Portal, PortalError, portal_of
from web.routes.common import acting_for, back, call
from web.uploads import read_form

__all__ = ["ProgressCard", "bureau_reporting", "cards_context", "progress_cards", "router"]

router = APIRouter()


@dataclass(frozen=True, slots=True)
class ProgressCard:
    """One owed report as the bureau's page shows it (and the latest version, once one is in)."""

    step: str
    title: str
    period: str
    period_words: str
    due: date
    status: str
    status_zh: str
    light: str
    versions: int
    latest_text: str = ""
    latest_percent: int | None = None


_LIGHT = {"overdue": "red", "late": "yellow", "owed": "yellow", "received": "green"}


def progress_cards(plan: Plan, calendar: WorkdayCalendar, board: Board, facts: Facts, bureau: str,
                   today: date) -> list[ProgressCard]:
    """The bureau's reports still to write (overdue first), then this period's received ones (to update)."""
    done_on = {sid: st.done_on for sid, st in board.steps.items()}
    owed = owed_reports(plan, calendar, facts.progress, today, done_on, bureau=bureau)
    current = max((o.period for o in owed), default=None)
    shown = [o for o in owed if o.status in ("overdue", "owed") or o.period == current]
    shown.sort(key=lambda o: ({"overdue": 0, "owed": 1}.get(o.status, 2), o.due, o.step))
    return [_card(plan, o) for o in shown]


def _card(plan: Plan, o: Owed) -> ProgressCard:
    latest = o.latest
    return ProgressCard(o.step, plan.steps[o.step].title, o.period.id, o.period.words, o.due, o.status,
                        STATUS_ZH[o.status], _LIGHT[o.status], o.versions,
                        latest.text if latest else "", latest.percent if latest else None)


@router.post("/steps/{step_id}/progress")
async def report(request: Request, step_id: str) -> Response:
    """报送进展: a report on one of the bureau's long steps for a period."""
    from db.progress import ProgressRequest, report_progress

    who = await run_in_threadpool(current, request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        check_csrf(who, form.get("csrf"))
        behalf = acting_for(portal, who, form.get("on_behalf_of"))
        bureau = behalf or who.bureau
        step = portal.plan.steps.get(step_id)
        if step is None:
            raise PortalError(400, f"计划中没有步骤“{step_id[:100]}”；未保存任何内容", "no such step")
        if bureau not in step.owners:
            raise PortalError(403, "该步骤不是本单位的任务，无需报送进展；未保存任何内容", f"{bureau} does not own {step_id}")
        text = form.get("text")
        if len(text) > MAX_TEXT:  # before any upload is read
            raise PortalError(400, f"进展内容最多 {MAX_TEXT} 字（现有 {len(text)} 字）；未保存任何内容", "text too long")
        percent = _percent(form.get("percent"))
        files = await form.uploads()
        req = ProgressRequest(step_id, bureau, text, percent, form.get("problems"), form.get("next"), files,
                              period=form.get("period") or None)
        await call(lambda: report_progress(portal.sessions, portal.plan, portal.calendar, portal.home, who.actor, req))
    return back(who, behalf, "progress")


def _percent(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 3) or int(text) > 100:
        raise PortalError(400, "完成进度应为 0-100 的整数；未保存任何内容", "percent must be 0-100")
    return int(text)


def bureau_reporting(portal: Portal, board: Board, facts: Facts) -> dict[str, dict[str, Any]]:
    """Per bureau, for the office's bureau view: progress reports overdue now, and the on-time rate so far."""
    if portal.plan.progress is None:
        return {}
    done_on = {sid: st.done_on for sid, st in board.steps.items()}
    owed = owed_reports(portal.plan, portal.calendar, facts.progress, portal.today(), done_on)
    out: dict[str, dict[str, Any]] = {}
    for bureau, (on_time, due) in on_time_rate(owed).items():
        overdue = sum(1 for o in owed if o.bureau == bureau and o.status == "overdue")
        out[bureau] = {"overdue": overdue, "rate": f"{100 * on_time / due:.0f}%"}
    return out


def cards_context(portal: Portal, board: Board, facts: Facts, bureau: str) -> dict[str, Any]:
    """What bureau.html needs for its progress section."""
    if portal.plan.progress is None:
        return {"progress_cards": [], "progress_max": MAX_TEXT}
    return {"progress_cards": progress_cards(portal.plan, portal.calendar, board, facts, bureau, portal.today()),
            "progress_max": MAX_TEXT}
