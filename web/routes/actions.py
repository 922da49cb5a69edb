"""Actions: check-in, 签收, 延期申请, indicator values, cases; for the office also review and extension decisions.

Each one: the session (401), the form and its size (413), the CSRF token (403), the role and
ownership (403), then the Recorder, whose refusals map to 400 / 403 / 409. Ownership and the
upstream check come before any file is archived, so every refusal leaves nothing behind.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from core.inbox import may_act, may_add_case, may_record_value
from web.auth import Who, check_csrf, current
from web.portal import Portal, PortalError, portal_of, render
from web.routes.common import acting_for, back, blocked_error, call, parse_day, read_board
from web.uploads import Form, read_form

__all__ = ["router"]

router = APIRouter()
_NOT_YOURS = "该步骤不是本单位的任务，无权操作；未保存任何内容"
_OFFICE_ONLY = PortalError(403, "只有领导小组办公室可以进行此操作；未保存任何内容", "only the office may do this")


async def _who(request: Request) -> Who:
    return await run_in_threadpool(current, request)


def _digits(text: str, most: int) -> bool:
    """ASCII digits, at most ``most`` of them: ``str.isdigit`` takes ² and ١٢, which ``int`` refuses or reads,
    and a long run of digits overflows a database integer."""
    return text.isascii() and text.isdigit() and len(text) <= most


def _owned_step(portal: Portal, step_id: str, bureau: str) -> None:
    if step_id not in portal.plan.steps:
        raise PortalError(400, f"计划中没有步骤“{step_id[:100]}”", "no such step")
    if not may_act(portal.plan, bureau, step_id):
        raise PortalError(403, _NOT_YOURS, f"{bureau} does not own {step_id}")


def _office_only(who: Who, form: Form) -> None:
    """CSRF, then the office's role: reviews and extension decisions are the office's alone."""
    check_csrf(who, form.get("csrf"))
    if not who.is_office:
        raise _OFFICE_ONLY


def _start(portal: Portal, who: Who, form: Form) -> tuple[str, str | None]:
    """CSRF, then who acts: (``by``, ``on_behalf_of``) for the Recorder."""
    check_csrf(who, form.get("csrf"))
    behalf = acting_for(portal, who, form.get("on_behalf_of"))
    return who.bureau, behalf


@router.post("/steps/{step_id}/checkin")
async def checkin(request: Request, step_id: str) -> Response:
    """报送: files and a note for some (none: all) deliverables of the step."""
    from db.records import CheckInRequest

    who = await _who(request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        by, behalf = _start(portal, who, form)
        _owned_step(portal, step_id, behalf or by)
        if portal.plan.steps[step_id].collected:
            raise PortalError(400, "该步骤由录入指标数值或典型案例自动完成，无需报送", "a collecting step takes no check-in")
        _, board = await run_in_threadpool(read_board, portal)
        if board.steps[step_id].blocked_by:
            raise blocked_error(portal, step_id, board.steps[step_id].blocked_by)
        files = await form.uploads()
        req = CheckInRequest(step_id, by, tuple(form.getlist("deliverable")), files, form.get("note"), on_behalf_of=behalf)
        outcome = await call(lambda: portal.recorder(who.actor).checkin(req))
    if outcome.created and all(r.get("contribution") for r in outcome.created):
        return back(who, behalf, "contribution")
    return back(who, behalf, "checkin" if outcome.created else "again")


@router.post("/steps/{step_id}/ack")
async def ack(request: Request, step_id: str) -> Response:
    """签收 an opened step."""
    from db.records import AckRequest

    who = await _who(request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        by, behalf = _start(portal, who, form)
        _owned_step(portal, step_id, behalf or by)
        req = AckRequest(step_id, by, on_behalf_of=behalf)
        await call(lambda: portal.recorder(who.actor).acknowledge(req))
    return back(who, behalf, "ack")


@router.post("/steps/{step_id}/extension")
async def extension(request: Request, step_id: str) -> Response:
    """延期申请: a new due date and the reason, for the office to decide."""
    from db.records import ExtensionRequest

    who = await _who(request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        by, behalf = _start(portal, who, form)
        _owned_step(portal, step_id, behalf or by)
        to = parse_day(form.get("to"), "申请延至日期")
        assert to is not None
        req = ExtensionRequest(step_id, by, to, form.get("reason"), on_behalf_of=behalf)
        row = await call(lambda: portal.recorder(who.actor).request_extension(req))
    return back(who, behalf, "extension_lead" if row["status"] == "to_lead" else "extension")


@router.post("/steps/{step_id}/review")
async def review(request: Request, step_id: str) -> Response:
    """The office accepts or returns (with a reason and a resubmit-by date) what a step has checked in:
    the deliverables named (``deliverable``), else all that wait for review."""
    from db.records import ReviewRequest

    who = await _who(request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        _office_only(who, form)
        decision = form.get("decision")
        if decision not in ("accept", "return"):
            raise PortalError(400, "请选择审核结论：通过或退回", "decision is accept or return")
        resubmit_by = parse_day(form.get("resubmit_by"), "重新报送期限", required=False)
        # One deliverable per form on the review queue; none named: every deliverable that waits (the CLI's way).
        req = ReviewRequest(step_id, who.bureau, decision, form.get("reason"), resubmit_by,
                            tuple(form.getlist("deliverable")))
        await call(lambda: portal.recorder(who.actor).review(req))
    return back(who, None, "review")


@router.post("/extensions/{request_id}")
async def decide(request: Request, request_id: str) -> Response:
    """The office approves an extension request (with the date) or denies it (with a reason)."""
    from db.records import ExtensionDecision

    who = await _who(request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        _office_only(who, form)
        if not _digits(request_id, 9):
            raise PortalError(400, "延期申请编号有误", "bad request id")
        decision = form.get("decision")
        if decision not in ("approve", "deny"):
            raise PortalError(400, "请选择：同意或不同意", "decision is approve or deny")
        to = parse_day(form.get("to"), "延至日期", required=False)
        if decision == "approve" and form.get("confirm") != "1":
            asked = await run_in_threadpool(_confirmation, request, portal, who, int(request_id), to, form)
            if asked is not None:
                return asked
        req = ExtensionDecision(int(request_id), who.bureau, decision, to, form.get("reason"))
        await call(lambda: portal.recorder(who.actor).decide_extension(req))
    return back(who, None, "decided")


def _confirmation(request: Request, portal: Portal, who: Who, request_id: int, to: date | None, form: Form
                  ) -> Response | None:
    """The page asking the office to confirm an approval that moves the plan's end or whose date rolls to a
    working day: it shows the effective due and the end before and after; None when nothing needs confirming
    (or the request is not pending: the recorder says why)."""
    from core.extensions import preview_extension
    from core.status import Engine
    from db.portal import extension_rows

    with portal.reading() as session:
        row = next((r for r in extension_rows(session=session, plan_id=portal.plan.id, status="pending")
                    if r["id"] == request_id), None)
    if row is None:
        return None
    day = to or date.fromisoformat(row["requested_to"])
    facts, _ = read_board(portal)
    preview = preview_extension(Engine(portal.plan, portal.calendar), facts, row["step_id"], day, portal.today())
    if not preview.end_moves and preview.due_after == day:
        return None
    return render(request, "confirm_extension.html", who=who, row=row, to=day, p=preview,
                  reason=form.get("reason") or "")


_YES = {"1", "yes", "是", "true"}
_NO = {"0", "no", "否", "false"}


def _value(text: str) -> float:
    if text.lower() in _YES:
        return 1.0
    if text.lower() in _NO:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise PortalError(400, "数值应为数字（如 92.5），是/否类指标选择“是”或“否”", "value must be a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise PortalError(400, "数值应为有限的数字", "value must be finite")
    return value


@router.post("/indicators/{indicator_id}/{year}")
async def indicator_value(request: Request, indicator_id: str, year: str) -> Response:
    """A year's value of an indicator the bureau is responsible for, with optional evidence files."""
    from db.indicators import ValueRequest, record_value

    who = await _who(request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        by, behalf = _start(portal, who, form)
        bureau = behalf or by
        if not _digits(year, 4):
            raise PortalError(400, "年份有误", "bad year")
        if not may_record_value(portal.plan, bureau, indicator_id):
            known = any(i.id == indicator_id for i in portal.plan.indicators)
            raise PortalError(403 if known else 400, "该指标不由本单位负责，无权录入；未保存任何内容" if known
                              else f"附件1中没有指标“{indicator_id[:50]}”", "not this bureau's indicator")
        value = _value(form.get("value"))
        files = await form.uploads()
        req = ValueRequest(indicator_id, int(year), value, bureau, files=files)
        await call(lambda: record_value(portal.sessions, portal.plan, portal.home, who.actor, req))
    return back(who, behalf, "value")


@router.post("/cases")
async def case(request: Request) -> Response:
    """A typical case under one of the bureau's themes: title, text, optional files."""
    from db.library import CaseRequest, add_case

    who = await _who(request)
    portal = portal_of(request)
    async with read_form(request, portal.home) as form:
        by, behalf = _start(portal, who, form)
        bureau = behalf or by
        theme = form.get("theme")
        if not may_add_case(portal.plan, bureau, theme):
            known = any(t.id == theme for t in portal.plan.case_themes)
            raise PortalError(403 if known else 400, "该主题不由本单位负责；未保存任何内容" if known else "没有这个案例主题",
                              "not this bureau's theme")
        year_text = form.get("year") or str(portal.today().year)
        if not _digits(year_text, 4):
            raise PortalError(400, "年份有误", "bad year")
        files = await form.uploads()
        req = CaseRequest(theme, bureau, form.get("title"), int(year_text), summary=form.get("text"), files=files)
        await call(lambda: add_case(portal.sessions, portal.plan, portal.home, who.actor, req))
    return back(who, behalf, "case")
