"""一键催办 on the office's page: a button on an overdue item reminds its owners now, once per item per day."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from web.auth import check_csrf, current
from web.portal import Portal, PortalError, portal_of
from web.routes.common import read_board
from web.uploads import read_form

__all__ = ["router"]

router = APIRouter()


def _urge(portal: Portal, step_id: str, note: str, actor: str) -> list[str]:
    from core.urge import UrgeProblem, urge_drafts
    from db.records import Refusal
    from db.urge import record_urge

    if step_id not in portal.plan.steps:
        raise PortalError(400, f"计划中没有步骤“{step_id[:100]}”", "no such step")
    _, board = read_board(portal)
    day = portal.today()
    linked = bool(portal.settings.portal_url)
    try:
        drafts = urge_drafts(portal.plan, board, step_id, day, note, portal=linked)
        return record_urge(portal.sessions, plan_id=portal.plan.id, step_id=step_id, day=day, drafts=drafts, note=note,
                           actor=actor)
    except UrgeProblem as exc:
        raise PortalError(409, f"{exc.zh}；未发送任何消息", exc.en) from None
    except Refusal as exc:
        raise PortalError(409, f"{exc.zh}；未发送任何消息", exc.en) from None


def _deliver(portal: Portal) -> None:
    """Send what is due now, where channels or the WeCom app are configured (else the next run sends it)."""
    from config.wecom import wecom_app

    if portal.settings.notify_config is None and wecom_app() is None:
        return
    from db import outbox
    from tasks.notify import notifier_from_settings, portal_sender
    from tasks.wecom_app import with_wecom_app

    notifier = with_wecom_app(notifier_from_settings(portal.plan.id), portal.plan, portal.sessions)
    if notifier is None:
        return
    send, _ = portal_sender(portal.plan, portal.sessions, notifier)
    outbox.deliver(portal.sessions, send, lambda r: bool(notifier.channels(r)), plan_id=portal.plan.id)


@router.post("/steps/{step_id}/urge")
async def urge(request: Request, step_id: str) -> Response:
    """The office urges the step's owners: 303 back to the office's page (409 when already urged today)."""
    who = await run_in_threadpool(current, request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        check_csrf(who, form.get("csrf"))
        if not who.is_office:
            raise PortalError(403, "只有领导小组办公室可以催办；未发送任何消息", "only the office may urge")
        note = (form.get("note") or "")[:500]
        await run_in_threadpool(_urge, portal, step_id, note, who.actor)
    return RedirectResponse("/?ok=urged", status_code=303, background=BackgroundTask(_deliver, portal))
