"""The portal's app factory: settings, plan, calendar and database built once, security headers, error pages.

It only assembles: the shared state and refusals live in :mod:`web.portal` (below everything that uses
them), the routes in :mod:`web.routes`; they parse, call db/ and core/, and render. Every response
carries the security headers below; pages are never cached (they show a bureau's own work).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.settings import Settings, get_settings
from core.links import MIN_KEY_LENGTH
from web.portal import Portal, PortalConfigError, PortalError, error_response, portal_of, render

# Portal and its errors are re-exported: callers (cli/web.py, the tests) import them from here.
__all__ = ["KEY_HELP", "Portal", "PortalConfigError", "PortalError", "create_app", "portal_of", "render"]

log = logging.getLogger("liangshan.web")

HERE = Path(__file__).resolve().parent
KEY_HELP = (
    f"报送入口需要签名密钥 LIANGSHAN_SECRET_KEY（至少 {MIN_KEY_LENGTH} 个字符）。生成一个：\n"
    '  python -c "import secrets; print(secrets.token_urlsafe(48))"\n'
    "然后：export LIANGSHAN_SECRET_KEY=<上面输出的值>\n"
    f"/ the portal needs LIANGSHAN_SECRET_KEY (at least {MIN_KEY_LENGTH} characters) to sign links and sessions"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy",
     b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
)


def _sandbox(name: bytes, value: bytes) -> bool:
    return name.lower() == b"content-security-policy" and value.strip() == b"sandbox"


class SecurityHeaders:
    """Adds the security headers to every response, and ``Cache-Control: no-store`` to all but static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A route's own ``sandbox`` policy (the office's inline view of a file) is kept beside ours.
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in dict(SECURITY_HEADERS) or _sandbox(k, v)]
                headers += list(SECURITY_HEADERS)
                if not static:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"] + [(b"cache-control", b"no-store")]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _beijing(moment: datetime) -> str:
    """A stored (UTC) moment as the office reads it: Beijing time, to the minute."""
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def _filesize(size: int) -> str:
    """A file's size as a clerk reads it: KB below a megabyte, else MB to one decimal."""
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _templates() -> Environment:
    # Autoescape everything: a bureau's note, a case text or a file name is text, never markup.
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True, lstrip_blocks=True)
    env.filters["beijing"] = _beijing
    env.filters["filesize"] = _filesize
    return env


def _build_portal(settings: Settings, plan_choice: str | None = None) -> Portal:
    """Check the settings and the database, load plan and calendar; raise PortalConfigError saying what to do.

    A portal serves one plan (``plan_choice``: an id or a file; else LIANGSHAN_PLAN or the folder's only
    plan) and takes only that plan's links: a link names its plan, and another plan's is refused.
    """
    from config.errors import InvalidFile
    from config.holidays import load_calendar
    from config.loader import load_plan
    from config.plans import PlanChoiceError, choose_plan
    from db.access import NotReady, open_ready

    key = settings.portal_key()
    if key is None:
        raise PortalConfigError(KEY_HELP)
    try:
        max_bytes = settings.upload_max_bytes()
    except ValueError as exc:
        raise PortalConfigError(str(exc)) from exc
    try:
        plan_file = choose_plan(plan_choice, settings)
    except PlanChoiceError as exc:
        raise PortalConfigError(str(exc)) from exc
    try:
        plan = load_plan(plan_file)
        calendar = load_calendar(settings.holidays)
    except InvalidFile as exc:
        raise PortalConfigError("计划文件或放假安排文件有错误，请先运行 liangshan plan validate / "
                                f"invalid plan or holiday file: {exc}") from exc
    try:
        database = open_ready(settings)
    except NotReady as exc:
        raise PortalConfigError(str(exc)) from exc
    return Portal(settings=settings, file_plan=plan, calendar=calendar, home=Path(settings.home).resolve(), database=database,
                  key=key, max_bytes=max_bytes,
                  secure_cookies=bool(settings.portal_url and settings.portal_url.startswith("https://")),
                  templates=_templates())


# The plan a multi-process `liangshan web --workers N` serves, handed to its worker processes.
PLAN_ENV = "_LIANGSHAN_WEB_PLAN"


def app_from_environment() -> FastAPI:
    """The app of one worker process of `liangshan web --workers N` (uvicorn's factory)."""
    from web.logs import mask_links_in_server_logs

    mask_links_in_server_logs()
    return create_app(plan=os.environ.get(PLAN_ENV) or None)


def create_app(settings: Settings | None = None, plan: str | None = None) -> FastAPI:
    """The portal app for ``settings`` (default: the environment's) and one plan (an id or a file; default
    LIANGSHAN_PLAN, else the folder's only plan).

    Raises:
        PortalConfigError: no secret key (or too short), a bad upload limit, an unreadable plan, or a
            database that is unreachable or not initialised; the message says what to do, in Chinese first.
    """
    from config.wecom import wecom_app
    from web.redirects import RelativeRedirects
    from web.routes import actions, pages, progress, tasks, urge, wecom
    from web.uploads import BodyLimit

    portal = _build_portal(settings or get_settings(), plan)
    app = FastAPI(title="两山 报送入口", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.state.wecom = wecom_app()  # None: the WeCom sign-in answers 404
    app.include_router(pages.router)
    app.include_router(actions.router)
    app.include_router(progress.router)
    app.include_router(tasks.router)
    app.include_router(wecom.router)
    app.include_router(urge.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(PortalError)
    async def portal_error(request: Request, exc: PortalError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        from web.uploads import too_large

        zh = {404: "页面不存在", 405: "不支持此操作", 413: too_large(portal.max_bytes)}.get(exc.status_code, "请求有误")
        return error_response(request, PortalError(exc.status_code, zh, str(exc.detail)))

    # Outermost first: the headers wrap every response, including the body limit's 413.
    app.add_middleware(BodyLimit, max_bytes=portal.max_bytes)
    app.add_middleware(RelativeRedirects, portal_url=portal.settings.portal_url,
                       also=(app.state.wecom.oauth_base,) if app.state.wecom else ())
    app.add_middleware(SecurityHeaders)
    return app
