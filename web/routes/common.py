"""What the routes share: reading the board, mapping refusals to HTTP, redirects with a flash, reconcile."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlencode

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from core.status import Board, Engine
from web.auth import Who
from web.portal import Portal, PortalError

if TYPE_CHECKING:
    from core.events import Facts

__all__ = ["FLASH", "acting_for", "back", "blocked_error", "call", "parse_day", "read_board", "refused"]

log = logging.getLogger("liangshan.web")
_BOARD_LOCK = threading.Lock()
T = TypeVar("T")

# Messages after a redirect, by fixed code: the query never carries text of its own.
FLASH = {
    "checkin": "已报送",
    "urged": "已催办（消息已发出或已入发件箱）",
    "again": "该材料此前已报送过，未重复登记",
    "ack": "已签收",
    "extension": "已提交延期申请",
    "extension_lead": "延期申请已交牵头单位（由牵头单位向办公室申请整个步骤延期）",
    "contribution": "配合材料已报送牵头单位（由牵头单位汇总报送后步骤完成）",
    "review": "已审核",
    "decided": "已处理延期申请",
    "value": "已录入指标数值",
    "case": "已添加典型案例",
    "progress": "已报送工作进展",
    "task": "已登记交办事项",
    "task_closed": "已撤销交办事项",
}


def read_board(portal: Portal) -> tuple[Facts, Board]:
    """Every fact of the plan and the board as of today (Beijing).

    Reading every fact is most of a page's cost, and on a deadline day twenty bureaus read the same facts
    many times between two writes: the portal keeps the last board and reads the facts again only when
    the audit trail (every fact's writer appends to it, and it is never edited) has grown, or the day changed.
    """
    from db.portal import facts_mark, load_facts

    today = portal.today()
    with portal.reading() as session:
        key = (facts_mark(session=session, plan_id=portal.plan.id), today)
        kept = portal.last_board
        if kept is not None and kept[0] == key:
            return kept[1], kept[2]
        # One request reads the facts again; the others that arrive meanwhile wait for it and share its board.
        with _BOARD_LOCK:
            kept = portal.last_board
            if kept is not None and kept[0] == key:
                return kept[1], kept[2]
            facts = load_facts(session=session, plan=portal.plan)
            board = Engine(portal.plan, portal.calendar).board(facts, today)
            portal.last_board = (key, facts, board)  # one tuple: a thread reading it sees the old one or the new one
    return facts, board


def refused(exc: Exception) -> PortalError:
    """A Recorder refusal as HTTP: 507 the archive cannot be written, 400 bad input, 409 blocked by an unfinished
    upstream step, 403 otherwise."""
    from db.records import Refusal

    assert isinstance(exc, Refusal)
    if exc.kind == "storage":  # the server's disk, not the bureau's file: say so, and try again later
        return PortalError(507, f"{exc.zh}；请稍后重试，并告知区两山办；未保存任何内容", exc.en)
    if exc.code == 2:
        return PortalError(400, f"{exc.zh}；未保存任何内容", exc.en)
    if getattr(exc, "kind", "") == "blocked" or "前置步骤尚未完成" in exc.zh:
        return PortalError(409, f"{exc.zh.split('；办公室可用')[0]}；未保存任何内容", exc.en)
    return PortalError(403, f"{exc.zh}；未保存任何内容", exc.en)


async def call(fn: Callable[[], T]) -> T:
    """Run a recording call off the event loop; a Refusal becomes the matching PortalError."""
    from db.records import Refusal

    try:
        return await run_in_threadpool(fn)
    except Refusal as exc:
        raise refused(exc) from None


def blocked_error(portal: Portal, step_id: str, unfinished: tuple[str, ...]) -> PortalError:
    """409 naming the unfinished upstream steps and their owners (checked before any file is archived)."""
    plan = portal.plan
    names = "、".join(f"{plan.steps[s].title}（{s}，{'、'.join(plan.bureau_name(b) for b in plan.steps[s].owners)}）"
                     for s in unfinished)
    return PortalError(409, f"步骤“{plan.steps[step_id].title}”的前置步骤尚未完成：{names}；未保存任何内容",
                       f"{step_id} is blocked by unfinished steps: {', '.join(unfinished)}")


def acting_for(portal: Portal, who: Who, sent: str) -> str | None:
    """The bureau the office acts for (``on_behalf_of``), or None; a bureau never acts for another.

    Raises:
        PortalError: 400 for an unknown bureau.
    """
    if not who.is_office or not sent or sent == who.bureau:
        return None
    if sent not in portal.plan.bureaus:
        raise PortalError(400, f"未知的单位“{sent[:50]}”", "unknown bureau")
    return sent


def parse_day(text: str, what: str, required: bool = True) -> date | None:
    """A date from a form field (YYYY-MM-DD).

    Raises:
        PortalError: 400 when it is missing (and required) or not a date.
    """
    if not text:
        if required:
            raise PortalError(400, f"请填写{what}（年-月-日）", f"{what}: a date is required")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PortalError(400, f"{what}不是有效日期（应为 年-月-日，如 2026-12-31）", f"{what}: not a date") from None


class _Reconciler:
    """Ask Prefect for a plan's reconcile a few seconds after an action, one for every burst of actions.

    Fifty uploads in a minute want one reconcile, not fifty; yet every action must be followed by a
    reconcile that starts after it. So the first action of a burst arms a timer; actions before it
    fires ride along; an action after it fires arms the next one. Each plan has its own timer.
    """

    def __init__(self, delay_seconds: float) -> None:
        self.delay = delay_seconds
        self._lock = threading.Lock()
        self._timers: dict[str, threading.Timer] = {}

    def request(self, plan_id: str) -> None:
        """A reconcile of the plan is wanted: arm its timer unless one is already waiting."""
        with self._lock:
            if plan_id not in self._timers:
                timer = threading.Timer(self.delay, self._fire, args=(plan_id,))
                timer.daemon = True
                self._timers[plan_id] = timer
                timer.start()

    def _fire(self, plan_id: str) -> None:
        with self._lock:
            self._timers.pop(plan_id, None)
        try:
            from tasks.records import trigger_reconcile

            trigger_reconcile(plan_id)
        except Exception as exc:  # the fact is recorded; a missed reconcile is caught up by the daily run
            log.warning("未能触发重算 / could not trigger a reconcile: %s", type(exc).__name__)


_RECONCILER = _Reconciler(delay_seconds=3.0)


def back(who: Who, for_bureau: str | None, code: str) -> RedirectResponse:
    """303 to the page the form came from, with a fixed flash code; a reconcile follows when Prefect is there."""
    query = {"bureau": for_bureau, "ok": code} if who.is_office and for_bureau else {"ok": code}
    # Only with a Prefect API configured: the portal never starts Prefect's ephemeral server itself.
    task = BackgroundTask(_RECONCILER.request, who.grant.plan_id) if os.environ.get("PREFECT_API_URL") else None
    return RedirectResponse(f"/?{urlencode(query)}", status_code=303, background=task)
