"""Who is asking: a signed link exchanged for a session cookie, checked again on every request, and CSRF.

A session is only as good as the bureau's link generation: a revocation (``liangshan link revoke``)
bumps it, and every session of that bureau stops at its next request. Tokens and cookies are never
logged or shown; failures say only that the link is invalid or expired.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request, Response

from core.links import Grant, LinkError, csrf_token, sign, verify
from web.portal import Portal, PortalError, portal_of

__all__ = ["COOKIE", "INVALID_LINK", "SESSION_DAYS", "Who", "check_csrf", "current", "exchange_link", "set_session"]

COOKIE = "liangshan_session"
SESSION_DAYS = 7
INVALID_LINK = "链接无效或已过期，请联系领导小组办公室获取新的链接"
_INVALID_EN = "the link is invalid or has expired: ask the leading-group office for a new one"


@dataclass(frozen=True, slots=True)
class Who:
    """The session's grant, and the token the page's forms are bound to (CSRF)."""

    grant: Grant
    csrf: str
    person_label: str = ""

    @property
    def bureau(self) -> str:
        """The bureau (or ``office``) of the session."""
        return self.grant.bureau

    @property
    def is_office(self) -> bool:
        """The office sees every bureau and decides reviews and extensions."""
        return self.grant.is_office

    @property
    def person_short(self) -> str:
        """张三·经办人 for the page's header (the page itself names the bureau); empty for a bureau's link."""
        if not self.person_label:
            return ""
        name, _, rest = self.person_label.partition("（")
        return f"{name}·{rest.rstrip('）').rsplit('·', 1)[-1]}"

    @property
    def actor(self) -> str:
        """Who the audit trail names for this session's acts: the person (张三（单位·经办人）), else the bureau's link."""
        return self.person_label or f"portal:{self.grant.bureau}"


def _invalid() -> PortalError:
    return PortalError(401, INVALID_LINK, _INVALID_EN)


def _current_generation(portal: Portal, bureau: str) -> int:
    from db.portal import current_generation

    with portal.reading() as session:
        return current_generation(session=session, plan_id=portal.plan.id, bureau=bureau)


def _person(portal: Portal, grant: Grant) -> str:
    """The person's label when their token still stands (not removed, not revoked, same bureau), else 401."""
    from db.people import person_grant

    with portal.reading() as session:
        standing = person_grant(session=session, plan_id=portal.plan.id, person_id=grant.person,
                                bureau_names={b: portal.plan.bureau_name(b) for b in portal.plan.bureaus})
    if standing is None or standing.link_generation != grant.person_generation or standing.bureau != grant.bureau:
        raise _invalid()  # removed, revoked, or moved to another bureau or role since the link was made
    return standing.label


def _check(portal: Portal, token: str, purpose: str, now: datetime) -> tuple[Grant, str]:
    try:
        grant = verify(portal.key, token, now, purpose)  # type: ignore[arg-type]
    except LinkError:
        raise _invalid() from None
    if grant.plan_id != portal.plan.id or (grant.bureau not in portal.plan.bureaus):
        raise _invalid()
    if grant.generation != _current_generation(portal, grant.bureau):
        raise _invalid()  # revoked: a newer generation was issued
    return grant, (_person(portal, grant) if grant.person else "")


def exchange_link(portal: Portal, token: str) -> tuple[Grant, str]:
    """Verify a link and sign its session: (the link's grant, the session token).

    The session lasts as long as the link, but at most :data:`SESSION_DAYS` days.

    Raises:
        PortalError: 401 for an expired, tampered, foreign-plan or revoked link.
    """
    now = portal.now()
    grant, _ = _check(portal, token, "link", now)
    session = Grant(grant.plan_id, grant.bureau, grant.generation, min(grant.expires, now + timedelta(days=SESSION_DAYS)),
                    grant.person, grant.person_generation)
    return session, sign(portal.key, session, purpose="session")


def set_session(portal: Portal, response: Response, grant: Grant, token: str) -> None:
    """Put the session token in an HttpOnly, SameSite=Lax cookie (Secure behind https)."""
    max_age = max(0, int((grant.expires - portal.now()).total_seconds()))
    response.set_cookie(COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=portal.secure_cookies)


def current(request: Request) -> Who:
    """The session of this request, checked now (signature, expiry, plan, generation).

    Raises:
        PortalError: 401 with the advice to ask the office for a new link.
    """
    portal = portal_of(request)
    token = request.cookies.get(COOKIE, "")
    if not token:
        raise _invalid()
    grant, label = _check(portal, token, "session", portal.now())
    return Who(grant, csrf_token(portal.key, token), label)


def check_csrf(who: Who, sent: object) -> None:
    """Refuse (403) a form without this session's CSRF token."""
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), who.csrf.encode()):
        raise PortalError(403, "表单已失效，请返回页面刷新后重新提交", "missing or wrong form token (csrf)")
