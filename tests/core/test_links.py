"""Signed links and sessions: what verifies, and every way a token is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.links import Grant, LinkError, csrf_token, sign, verify

KEY = "k" * 48
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
GRANT = Grant("huyi-two-mountains", "eco", 0, NOW + timedelta(days=30))


def test_a_link_verifies_as_its_bureau_generation_and_expiry() -> None:
    """The grant comes back whole, to the second."""
    assert verify(KEY, sign(KEY, GRANT), NOW) == GRANT


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "signature"),       # signature bytes changed
    (lambda t: sign(KEY, Grant("huyi-two-mountains", "water", 0, GRANT.expires)).split(".")[0] + "." + t.split(".")[1],
     "signature"),                                                                       # payload swapped to another bureau
    (lambda t: t.replace(".", ""), "malformed"),
    (lambda t: "", "malformed"),
    (lambda t: t + "." * 500, "malformed"),
])
def test_tampered_tokens_are_refused(mutate, reason) -> None:  # type: ignore[no-untyped-def]
    """Any change to payload or signature fails the HMAC check (or the shape check) before anything is trusted."""
    with pytest.raises(LinkError) as refused:
        verify(KEY, mutate(sign(KEY, GRANT)), NOW)
    assert refused.value.reason == reason


def test_expired_other_key_and_other_purpose_are_refused() -> None:
    """A link past its expiry, signed with another key, or a session cookie offered as a link: all refused."""
    token = sign(KEY, GRANT)
    with pytest.raises(LinkError, match="expired"):
        verify(KEY, token, GRANT.expires)
    with pytest.raises(LinkError, match="signature"):
        verify("x" * 48, token, NOW)
    with pytest.raises(LinkError, match="signature"):
        verify(KEY, sign(KEY, GRANT, purpose="session"), NOW, purpose="link")


def test_ids_a_token_cannot_carry_are_refused_when_signing() -> None:
    """A separator inside an id would let one grant pass for another."""
    with pytest.raises(ValueError):
        sign(KEY, Grant("huyi", "eco|office", 0, GRANT.expires))


def test_csrf_token_is_bound_to_its_session() -> None:
    """Two sessions never share a form token."""
    assert csrf_token(KEY, "session-a") != csrf_token(KEY, "session-b")
    assert csrf_token(KEY, "session-a") == csrf_token(KEY, "session-a")
