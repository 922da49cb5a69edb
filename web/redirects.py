"""Redirects never point off the portal: no ``Location`` is built from the request's Host header.

Starlette answers ``/history/`` with 307 to ``http://<Host>/history``, the host being whatever the client
sent: a forged ``Host: evil.example`` turned the portal into an open redirect (and a cache that keys on the
path would store it). Every ``Location`` that names a host other than ``LIANGSHAN_PORTAL_URL``'s is made
relative (path and query only), which is also what the portal's own redirects write.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RelativeRedirects", "safe_location"]


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def safe_location(location: str, portal_url: str | None, also: tuple[str, ...] = ()) -> str:
    """``location`` when it is relative or on the portal's own origin (or one of ``also``: the WeCom sign-in's
    authorisation page); else its path and query alone.

    A path that starts with ``//`` (or ``/\\``, which browsers read alike) would name a host: it is
    collapsed to a single slash.
    """
    parts = urlsplit(location)
    if parts.netloc or parts.scheme:
        if portal_url and _origin(location) == _origin(portal_url):
            return location
        if any(_origin(location) == _origin(other) for other in also):
            return location
        location = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    if location.startswith(("//", "/\\")):
        location = "/" + location.lstrip("/\\")
    return location


class RelativeRedirects:
    """Rewrites every response's ``Location`` with :func:`safe_location`."""

    def __init__(self, app: ASGIApp, portal_url: str | None, also: tuple[str, ...] = ()) -> None:
        self.app = app
        self.portal_url = portal_url
        self.also = also

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def relative(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (k, safe_location(v.decode("latin-1"), self.portal_url, self.also).encode("latin-1")
                     if k.lower() == b"location" else v)
                    for k, v in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, relative)
