"""Signed portal links and sessions: who someone is, for how long, checked without a database read.

A token names a bureau of a plan, the bureau's link generation and an expiry, and carries an
HMAC-SHA256 over them with the installation's secret key. A revocation bumps the generation
(stored by db/), so every earlier token of that bureau stops working at once: the caller compares
``Grant.generation`` with the current one. Links and sessions are signed for different purposes,
so a session cookie cannot be replayed as a link, nor a link as a cookie.

Pure: the key, the clock and the generation are all parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

__all__ = ["MIN_KEY_LENGTH", "Grant", "LinkError", "csrf_token", "sign", "verify"]

Purpose = Literal["link", "session"]
MIN_KEY_LENGTH = 32  # characters of LIANGSHAN_SECRET_KEY; `python -c "import secrets; print(secrets.token_urlsafe(48))"`
_VERSION = "1"
_PERSON_VERSION = "2"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


class LinkError(Exception):
    """A token that does not verify; ``reason`` is one of ``malformed``, ``signature``, ``expired``."""

    def __init__(self, reason: Literal["malformed", "signature", "expired"]) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Grant:
    """What a valid token says: a bureau (or ``office``) of a plan, its link generation, until when; and, for a
    person's own link (``person`` > 0), whom, with the generation of that person's links."""

    plan_id: str
    bureau: str
    generation: int
    expires: datetime
    person: int = 0
    person_generation: int = 0

    @property
    def is_office(self) -> bool:
        """The leading-group office sees everything and decides reviews and extensions."""
        return self.bureau == "office"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, purpose: Purpose, payload: bytes) -> bytes:
    return hmac.new(key.encode(), purpose.encode() + b"\x1f" + payload, hashlib.sha256).digest()


def sign(key: str, grant: Grant, purpose: Purpose = "link") -> str:
    """The token for ``grant``: ``<payload>.<signature>``, both base64url, safe in a URL path and a cookie.

    Raises:
        ValueError: an id that a token cannot carry (ids are letters, digits, ``-`` and ``_``).
    """
    if not (_ID.match(grant.plan_id) and _ID.match(grant.bureau)):
        raise ValueError("plan and bureau ids must be letters, digits, '-' or '_'")
    expires = int(grant.expires.timestamp())
    fields = [_VERSION, grant.plan_id, grant.bureau, str(grant.generation), str(expires)]
    if grant.person:
        # A person's token says so in its version, so a bureau's token can never be read as a person's.
        fields = [_PERSON_VERSION, *fields[1:], str(grant.person), str(grant.person_generation)]
    payload = "|".join(fields).encode()
    return f"{_b64(payload)}.{_b64(_mac(key, purpose, payload))}"


def verify(key: str, token: str, now: datetime, purpose: Purpose = "link") -> Grant:
    """The grant a token carries, when its signature holds and it has not expired.

    The signature is compared in constant time before anything in the payload is trusted.

    Raises:
        LinkError: the token is malformed, its signature is wrong (tampered, another key or purpose),
            or it has expired.
    """
    head, _, tail = token.partition(".")
    try:
        payload, mac = _unb64(head), _unb64(tail)
    except (ValueError, UnicodeError) as exc:
        raise LinkError("malformed") from exc
    # Only the canonical encoding counts: one token, one spelling (no second form that verifies too).
    if not head or not tail or len(token) > 400 or _b64(payload) != head or _b64(mac) != tail:
        raise LinkError("malformed")
    if not hmac.compare_digest(mac, _mac(key, purpose, payload)):
        raise LinkError("signature")
    try:
        version, plan_id, bureau, generation, expires, *person = payload.decode().split("|")
        if (version, len(person)) not in ((_VERSION, 0), (_PERSON_VERSION, 2)):
            raise ValueError(version)
        who, who_generation = (int(person[0]), int(person[1])) if person else (0, 0)
        if person and who <= 0:
            raise ValueError(who)
        grant = Grant(plan_id, bureau, int(generation), datetime.fromtimestamp(int(expires), UTC), who, who_generation)
    except ValueError as exc:
        raise LinkError("malformed") from exc
    if now >= grant.expires:
        raise LinkError("expired")
    return grant


def csrf_token(key: str, session_token: str) -> str:
    """The form token bound to one session: a page's forms carry it, a POST must send it back."""
    return _b64(hmac.new(key.encode(), b"csrf\x1f" + session_token.encode(), hashlib.sha256).digest())
