"""A fake WeCom application API on 127.0.0.1, over real HTTP: gettoken, message/send, auth/getuserinfo, and the
web authorisation page (``/connect/oauth2/authorize``) that sends the browser back with a code.

What it answers can be steered: ``expire_tokens()`` makes every issued token expired (errcode 42001) so the
next call must fetch a new one; ``send_errcodes`` is a queue of errcodes for the next sends; ``invalid`` and
``unlicensed`` list userids message/send reports back; ``signed_in`` is who the authorisation page says the
browser's member is (its code works once). ``secret`` is the app's secret it accepts; with ``forward`` (a base
URL), the group bots' ``/cgi-bin/webhook/*`` calls go on to that server (both share LIANGSHAN_WECOM_API_BASE).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from tests.sinks import serving

CORP_ID = "ww0123456789abcdef"
AGENT_ID = "1000002"
SECRET = "FAKE-APP-SECRET-do-not-print-0123456789abcdef"


@dataclass
class FakeWeCom:
    """The fake's state: calls made, messages taken, and how it will answer."""

    port: int = 0
    expires_in: int = 7200
    fetches: int = 0
    tokens: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)
    send_errcodes: list[int] = field(default_factory=list)
    invalid: set[str] = field(default_factory=set)
    unlicensed: set[str] = field(default_factory=set)
    codes: dict[str, str] = field(default_factory=dict)
    signed_in: str = ""
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    secret: str = SECRET
    forward: str = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The LIANGSHAN_WECOM_* settings that point the app at this fake."""
        return {"LIANGSHAN_WECOM_CORP_ID": CORP_ID, "LIANGSHAN_WECOM_AGENT_ID": AGENT_ID, "LIANGSHAN_WECOM_SECRET": self.secret,
                "LIANGSHAN_WECOM_API_BASE": self.base, "LIANGSHAN_WECOM_OAUTH_BASE": self.base}

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired (WeCom answers 42001)."""
        self.tokens.clear()


@contextmanager
def fake_wecom() -> Iterator[FakeWeCom]:
    """The fake, serving until the block ends."""
    fake = FakeWeCom()
    counter = itertools.count(1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _query(self) -> dict[str, str]:
            return {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}

        def do_GET(self) -> None:
            path, query = urlparse(self.path).path, self._query()
            with lock:
                fake.calls.append(path)
            if path == "/cgi-bin/gettoken":
                if query.get("corpid") != CORP_ID or query.get("corpsecret") != fake.secret:
                    self._answer({"errcode": 40001, "errmsg": "invalid credential"})
                    return
                with lock:
                    fake.fetches += 1
                    token = f"TOKEN{next(counter):04d}x{'y' * 20}"
                    fake.tokens.add(token)
                self._answer({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": fake.expires_in})
                return
            if path == "/cgi-bin/auth/getuserinfo":
                if query.get("access_token") not in fake.tokens:
                    self._answer({"errcode": 42001, "errmsg": "access_token expired"})
                    return
                with lock:
                    userid = fake.codes.pop(query.get("code", ""), None)
                if userid is None:
                    self._answer({"errcode": 40029, "errmsg": "invalid code"})
                    return
                self._answer({"errcode": 0, "errmsg": "ok", "userid": userid, "user_ticket": "T"})
                return
            if path == "/connect/oauth2/authorize":
                with lock:
                    fake.authorize_requests.append(query)
                    code = f"CODE{next(counter):04d}"
                    fake.codes[code] = fake.signed_in
                target = f"{query.get('redirect_uri', '')}?{urlencode({'code': code, 'state': query.get('state', '')})}"
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._answer({"errcode": 404, "errmsg": "not found"}, 404)

        def do_POST(self) -> None:
            path, query = urlparse(self.path).path, self._query()
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if fake.forward and path.startswith("/cgi-bin/webhook/"):
                self._forward(raw)
                return
            body = json.loads(raw or b"{}")
            with lock:
                fake.calls.append(path)
            if path != "/cgi-bin/message/send":
                self._answer({"errcode": 404, "errmsg": "not found"}, 404)
                return
            if query.get("access_token") not in fake.tokens:
                self._answer({"errcode": 42001, "errmsg": "access_token expired"})
                return
            with lock:
                forced = fake.send_errcodes.pop(0) if fake.send_errcodes else 0
            if forced:
                self._answer({"errcode": forced, "errmsg": "forced"})
                return
            users = [u for u in str(body.get("touser", "")).split("|") if u]
            invalid = [u for u in users if u in fake.invalid]
            unlicensed = [u for u in users if u in fake.unlicensed]
            if users and len(invalid) == len(users):
                self._answer({"errcode": 81013, "errmsg": "user & party & tag all invalid"})
                return
            with lock:
                fake.messages.append(body)
            self._answer({"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid),
                          "unlicenseduser": "|".join(unlicensed), "msgid": f"MSG{len(fake.messages)}"})

        def _forward(self, raw: bytes) -> None:
            import urllib.error
            import urllib.request

            request = urllib.request.Request(f"{fake.forward}{self.path}", data=raw, method="POST",
                                             headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status, data = answer.status, answer.read()
            except urllib.error.HTTPError as exc:
                status, data = exc.code, exc.read()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _answer(self, data: dict[str, Any], status: int = 200) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as port:
        fake.port = port
        yield fake
