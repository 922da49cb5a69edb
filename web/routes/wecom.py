"""企业微信网页授权: sign in with WeCom, as the person the office's contact list names, without a link.

``GET /auth/wecom`` sends the browser to WeCom's authorisation page with ``state``: a nonce, signed with the
portal's key and bound to a short-lived cookie holding the same nonce, usable once. WeCom sends the browser
back to ``/auth/wecom/callback`` with a ``code``, which the portal exchanges (``auth/getuserinfo``) for the
member's userid and opens a session for the person with that userid. A forged, expired, foreign or replayed
state is 400; a userid not on the list is 403 (with whom to call); WeCom failing is 502. A sign-in writes
nothing to the database: the session is a signed cookie, like a link's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from config.wecom import WeComApp
from core.links import Grant, sign
from web.auth import SESSION_DAYS, set_session
from web.portal import Portal, PortalError, portal_of

__all__ = ["STATE_COOKIE", "router"]

router = APIRouter()
STATE_COOKIE = "liangshan_wecom_state"
STATE_SECONDS = 600  # from leaving the portal to coming back from WeCom
NOT_LISTED = "您尚未登记，请联系区两山办"
_used: dict[str, float] = {}  # nonces already spent, until they would have expired anyway
_used_lock = threading.Lock()


def _mac(key: str, text: str) -> str:
    digest = hmac.new(key.encode(), b"wecom-state\x1f" + text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _state(key: str, nonce: str, until: int) -> str:
    return f"{nonce}.{until}.{_mac(key, f'{nonce}.{until}')}"


def _spend(request: Request, state: str, cookie: str) -> None:
    """Accept ``state`` once: signed by this portal, not expired, the same nonce as this browser's cookie."""
    bad = PortalError(400, "登录请求无效或已使用，请从企业微信重新打开报送入口", "invalid, expired or reused sign-in state")
    portal = portal_of(request)
    parts = state.split(".")
    if len(parts) != 3 or len(state) > 200 or not parts[1].isdigit():
        raise bad
    nonce, until, mac = parts
    if not hmac.compare_digest(mac, _mac(portal.key, f"{nonce}.{until}")):
        raise bad
    now = time.time()
    if int(until) < now or not cookie or not hmac.compare_digest(cookie.encode(), nonce.encode()):
        raise bad
    with _used_lock:
        for spent in [n for n, t in _used.items() if t < now]:
            del _used[spent]
        if nonce in _used:
            raise bad
        _used[nonce] = int(until)


def _app(request: Request) -> WeComApp:
    app = getattr(request.app.state, "wecom", None)
    if not isinstance(app, WeComApp) or not portal_of(request).settings.portal_url:
        raise PortalError(404, "本报送入口未启用企业微信登录，请使用办公室发给您的链接", "WeCom sign-in is not configured")
    return app


@router.get("/auth/wecom")
def start(request: Request) -> Response:
    """302 to WeCom's authorisation page, with a fresh state bound to this browser by a cookie."""
    app = _app(request)
    portal = portal_of(request)
    nonce = secrets.token_urlsafe(18)
    until = int(time.time()) + STATE_SECONDS
    callback = f"{(portal.settings.portal_url or '').rstrip('/')}/auth/wecom/callback"
    query = urlencode({"appid": app.corp_id, "redirect_uri": callback, "response_type": "code", "scope": "snsapi_base",
                       "state": _state(portal.key, nonce, until), "agentid": app.agent_id})
    response = RedirectResponse(f"{app.oauth_base}/connect/oauth2/authorize?{query}#wechat_redirect", status_code=302)
    # Lax: the cookie comes back on WeCom's top-level redirect to the callback, never on a cross-site POST.
    response.set_cookie(STATE_COOKIE, nonce, max_age=STATE_SECONDS, path="/auth/wecom", httponly=True, samesite="lax",
                        secure=portal.secure_cookies)
    return response


@router.get("/auth/wecom/callback")
def callback(request: Request, code: str = "", state: str = "") -> Response:
    """Exchange WeCom's code for the member's userid and open the session of the person with that userid."""
    from tasks.wecom_api import WeComClient, WeComError

    app = _app(request)
    _spend(request, state, request.cookies.get(STATE_COOKIE, ""))
    if not code or len(code) > 512:
        raise PortalError(400, "企业微信未给出授权码，请重新打开报送入口", "no code from WeCom")
    try:
        userid = WeComClient(app).userid_for_code(code)
    except WeComError as exc:
        raise PortalError(502, "企业微信暂时无法确认您的身份，请稍后从企业微信重新打开报送入口；未保存任何内容",
                          f"WeCom did not confirm the member (errcode {exc.errcode})") from None
    portal = portal_of(request)
    grant = _grant(portal, userid)
    response = RedirectResponse("/", status_code=303)
    set_session(portal, response, grant, sign(portal.key, grant, purpose="session"))
    response.delete_cookie(STATE_COOKIE, path="/auth/wecom")
    return response


def _grant(portal: Portal, userid: str) -> Grant:
    """The session grant of the listed person with ``userid``; 403 when nobody on the list has it."""
    from db.people import person_by_userid, session_bureau
    from db.portal import current_generation

    with portal.reading() as session:
        row = person_by_userid(session=session, plan_id=portal.plan.id, userid=userid)
        if row is None:
            contact = portal.plan.settings.office_contact or portal.plan.bureau_name("office")
            raise PortalError(403, f"{NOT_LISTED}（{contact}）", "you are not on the office's contact list")
        bureau = session_bureau(row)
        generation = current_generation(session=session, plan_id=portal.plan.id, bureau=bureau)
        now = portal.now()
        return Grant(portal.plan.id, bureau, generation, now + timedelta(days=SESSION_DAYS), row.id, row.link_generation)
