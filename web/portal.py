"""What every part of the portal shares: its state (:class:`Portal`), its refusals, and the page renderer.

Below the routes, the sign-in and the upload reader, which all import it; :mod:`web.app` only assembles
them into the app, so no route imports the module that imports the routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment

from config.settings import Settings
from core.events import SHANGHAI
from core.plan import Plan
from core.serialize import LIGHT_EMOJI, STATUS_ZH
from core.visible import without_hidden
from core.words import deliverable_title, describe_entry, person, step_title
from core.workdays import WorkdayCalendar

if TYPE_CHECKING:
    from db.access import Database
    from db.records import Recorder

__all__ = ["Portal", "PortalConfigError", "PortalError", "error_response", "portal_of", "render"]



class PortalConfigError(RuntimeError):
    """The portal cannot start: no or short secret key, bad upload limit, database not initialised."""


class PortalError(Exception):
    """A request the portal refuses: an HTTP status and a Chinese-first message for the page (or JSON)."""

    def __init__(self, status: int, zh: str, en: str = "", *, advice: str = "") -> None:
        super().__init__(f"{status}: {en or zh}")
        self.status = status
        self.zh = zh
        self.en = en
        self.advice = advice


@dataclass
class Portal:
    """What every request needs, built once at startup."""

    settings: Settings
    file_plan: Plan
    calendar: WorkdayCalendar
    home: Path
    database: Database
    key: str
    max_bytes: int
    secure_cookies: bool
    templates: Environment
    # The last board read_board made, with the (audit mark, day) it holds for.
    last_board: tuple[Any, Any, Any] | None = None
    _merged: tuple[Any, Plan] | None = None

    @property
    def plan(self) -> Plan:
        """The plan as evaluated: the plan file's steps and the open tasks (交办事项) as of this request's start."""
        return self._merged[1] if self._merged is not None else self.file_plan

    def refresh_tasks(self) -> None:
        """Merge the office's tasks again when they changed since the last look (one small read).

        Called once at the start of each request (see :func:`portal_of`); when the database does not
        answer, the last merge stands (the page that needs the database says so itself).
        """
        from db.tasks import refreshed_plan

        self._merged = refreshed_plan(self.sessions, self.file_plan, self._merged)

    @property
    def sessions(self) -> Any:
        """Sessions on the portal's database (for the db/ functions the routes call)."""
        return self.database.sessions

    def reading(self) -> Any:
        """A session for a page that only reads (no write lock on SQLite: pages never wait for uploads)."""
        return self.database.reads()

    def now(self) -> datetime:
        """The current moment (UTC); links and sessions expire against it."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Today in Beijing, never the server's UTC date."""
        return datetime.now(SHANGHAI).date()

    def recorder(self, actor: str) -> Recorder:
        """The one path that records facts, acting as ``actor`` in the audit trail."""
        from db.records import Recorder

        return Recorder(self.sessions, self.plan, self.calendar, self.home, actor)


def portal_of(request: Request) -> Portal:
    """The portal state of the app serving ``request``."""
    portal: Portal = request.app.state.portal
    if not getattr(request.state, "tasks_fresh", False):  # the first look of a request, before any session
        request.state.tasks_fresh = True
        portal.refresh_tasks()
    return portal


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``templates/`` (autoescaped), with the plan and helpers every page uses."""
    portal = portal_of(request)
    plan = portal.plan
    html = portal.templates.get_template(template).render(
        plan=plan, status_zh=STATUS_ZH, light_emoji=LIGHT_EMOJI, bureau_name=plan.bureau_name,
        step_title=lambda sid: step_title(plan, sid), deliverable_title=lambda sid, did: deliverable_title(plan, sid, did),
        describe=lambda row: describe_entry(plan, row["entity"], row["entity_id"], row["after"]),
        person=lambda actor: person(plan, actor), **context)
    return HTMLResponse(html, status_code=status)




# Fields a person types, with their labels, offered again on a refusal's page (the rest ride along hidden).
TYPED_FIELDS = {"note": "说明", "reason": "原因", "title": "案例标题", "text": "案例简介", "value": "数值",
                "to": "延至日期", "resubmit_by": "重新报送期限"}
_LONG_FIELDS = frozenset({"note", "reason", "text"})


def _kept_form(request: Request, exc: PortalError) -> dict[str, Any] | None:
    """The refused form to show again, filled with what was typed; None when there is nothing to keep.

    Only for a refusal of the content (400, 409, 507): a 401 or 403 form would be refused again.
    """
    typed: dict[str, list[str]] | None = getattr(request.state, "typed", None)
    if request.method != "POST" or not typed or exc.status not in (400, 409, 507):
        return None
    # Shown again without invisible characters: a title refused for U+202E can then be sent as it reads.
    shown = [(name, TYPED_FIELDS[name], without_hidden(values[0]), name in _LONG_FIELDS) for name, values in typed.items()
             if name in TYPED_FIELDS and values]
    hidden = [(name, value) for name, values in typed.items() if name not in TYPED_FIELDS for value in values]
    if not any(value.strip() for _, _, value, _ in shown):
        return None
    return {"action": request.url.path, "shown": shown, "hidden": hidden,
            "files": bool(getattr(request.state, "had_files", False))}


def error_response(request: Request, exc: PortalError) -> Response:
    """The refusal as a Chinese page, or as JSON under ``/api``; it never echoes secrets (messages are ours).

    A 401 page says whom to contact (the plan's ``settings.office_contact``); a refused form comes back
    filled with what was typed, so nothing has to be typed twice.
    """
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.zh, "detail": exc.en}, status_code=exc.status)
    plan = portal_of(request).plan
    contact = plan.settings.office_contact or plan.bureau_name("office")
    return render(request, "error.html", status=exc.status, error=exc, contact=contact, kept=_kept_form(request, exc))
