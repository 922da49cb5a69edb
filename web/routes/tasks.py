"""交办事项 in the portal: the office records a meeting's decision (or a leader's 批示) and withdraws one.

Bureaus never reach these: CSRF first, then the office's role (403, nothing written). A bureau
sees its tasks as items of its own page, like steps, because the portal's plan merges them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from web.auth import Who, check_csrf, current
from web.portal import PortalError, portal_of
from web.routes.common import back, call
from web.uploads import Form, read_form

__all__ = ["router"]

router = APIRouter()


def _office(who: Who, form: Form) -> None:
    check_csrf(who, form.get("csrf"))
    if not who.is_office:
        raise PortalError(403, "只有领导小组办公室可以交办或撤销交办事项；未保存任何内容", "only the office assigns tasks")


@router.post("/tasks")
async def add(request: Request) -> Response:
    """The office's form: title, lead and other owners, due (a date or the plan's words), source, review."""
    from db.tasks import TaskRequest, add_task

    who = await run_in_threadpool(current, request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        _office(who, form)
        owners = tuple(dict.fromkeys(o for o in (form.get("lead"), *form.getlist("owners")) if o))
        instruction = form.get("source") == "批示"
        req = TaskRequest(form.get("title"), owners, form.get("due"), None if instruction else form.get("meeting"),
                          "批示" if instruction else None, form.get("ref"), form.get("deliverable") or "落实情况",
                          form.get("review") == "1", by=who.bureau)
        await call(lambda: add_task(portal.sessions, portal.file_plan, who.actor, req))
    return back(who, None, "task")


@router.post("/tasks/{task_id}/close")
async def close(request: Request, task_id: str) -> Response:
    """The office withdraws a task, with a reason: it leaves every board."""
    from db.tasks import close_task

    who = await run_in_threadpool(current, request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        _office(who, form)
        await call(lambda: close_task(portal.sessions, portal.file_plan, who.actor, task_id[:50], form.get("reason"),
                                      who.bureau))
    return back(who, None, "task_closed")
