"""The WeCom application's API: an access token cached until five minutes before it expires, application
messages (textcard) and the sign-in's code exchange.

A token WeCom calls expired or invalid (errcode 40014, 42001, 42009) is fetched again once and the call
repeated; every other errcode is a failure the caller records (the outbox retries it). The app's secret and
the access token are credentials: they are taught to the redacting log filter, and an error never carries a
URL (requests puts the whole URL, query and all, into its exceptions).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from config.wecom import WeComApp
from tasks.notifier import _guard_apprise_logs

__all__ = ["EXPIRED", "Delivery", "WeComClient", "WeComError", "forget_tokens"]

EXPIRED = frozenset({40014, 42001, 42009})  # invalid / expired access token: fetch a new one, once
_MARGIN = 300  # seconds before expires_in that a token is no longer used
_TIMEOUT = 10
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()
_fetch_lock = threading.Lock()  # one fetch at a time: bureaus delivered in parallel wait for it, then share it


class WeComError(Exception):
    """A call WeCom refused (``errcode``) or that did not reach it (``errcode`` -1); the text never holds a URL."""

    def __init__(self, errcode: int, what: str) -> None:
        super().__init__(f"WeCom {what}: errcode {errcode}")
        self.errcode = errcode


@dataclass(frozen=True, slots=True)
class Delivery:
    """What message/send said: the userids it could not reach, by reason (``invaliduser``, ``unlicenseduser``)."""

    problems: dict[str, str] = field(default_factory=dict)


def forget_tokens() -> None:
    """Drop every cached token (tests; a process that changed the app's secret)."""
    with _tokens_lock:
        _tokens.clear()


@dataclass
class WeComClient:
    """Calls the app's API; ``fetches`` counts token fetches (one per run is the aim)."""

    app: WeComApp
    fetches: int = 0

    def __post_init__(self) -> None:
        _guard_apprise_logs([self.app.secret.get_secret_value()])

    @property
    def _cache_key(self) -> tuple[str, str, str]:
        digest = hashlib.sha256(self.app.secret.get_secret_value().encode()).hexdigest()
        return (self.app.api_base, self.app.corp_id, digest)

    def _get_json(self, path: str, what: str, *, params: dict[str, str], body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.app.api_base}{path}"
        try:
            if body is None:
                response = requests.get(url, params=params, timeout=_TIMEOUT)
            else:
                response = requests.post(url, params=params, json=body, timeout=_TIMEOUT)
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError):
            raise WeComError(-1, f"{what} unreachable or not JSON") from None
        if not isinstance(answer, dict):
            raise WeComError(-1, f"{what} answered no object")
        return answer

    def token(self, *, fresh: bool = False) -> str:
        """The access token: the cached one until five minutes before it expires, else a new one."""
        key = self._cache_key
        with _tokens_lock:
            cached = _tokens.get(key)
        if cached and not fresh and time.monotonic() < cached[1]:
            return cached[0]
        with _fetch_lock:
            with _tokens_lock:
                latest = _tokens.get(key)
            if latest and latest != cached and time.monotonic() < latest[1]:
                return latest[0]  # another thread fetched one while this one waited
            return self._fetch(key)

    def _fetch(self, key: tuple[str, str, str]) -> str:
        answer = self._get_json("/cgi-bin/gettoken", "gettoken",
                                params={"corpid": self.app.corp_id, "corpsecret": self.app.secret.get_secret_value()})
        self.fetches += 1
        code = int(answer.get("errcode", 0) or 0)
        token = answer.get("access_token")
        if code != 0 or not isinstance(token, str) or not token:
            raise WeComError(code or -1, "gettoken")
        _guard_apprise_logs([token])
        expires = int(answer.get("expires_in", 7200) or 7200)
        with _tokens_lock:
            _tokens[key] = (token, time.monotonic() + max(expires - _MARGIN, 0))
        return token

    def _call(self, path: str, what: str, *, params: dict[str, str] | None = None,
              body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One API call with the token; an expired token is fetched again and the call repeated, once."""
        for attempt in range(2):
            token = self.token(fresh=attempt > 0)
            answer = self._get_json(path, what, params={**(params or {}), "access_token": token}, body=body)
            code = int(answer.get("errcode", 0) or 0)
            if code in EXPIRED and attempt == 0:
                continue
            if code != 0:
                raise WeComError(code, what)
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def send_textcard(self, touser: list[str], title: str, description: str, url: str, btntxt: str = "去报送") -> Delivery:
        """Send one textcard to ``touser`` (at most 1000 userids, joined by ``|``).

        Raises:
            WeComError: WeCom refused the message (every userid invalid is errcode 81013) or could not be reached.
        """
        answer = self._call("/cgi-bin/message/send", "message/send", body={
            "touser": "|".join(touser), "msgtype": "textcard", "agentid": int(self.app.agent_id)
            if self.app.agent_id.isdigit() else self.app.agent_id,
            "textcard": {"title": title, "description": description, "url": url, "btntxt": btntxt},
        })
        problems: dict[str, str] = {}
        for reason in ("invaliduser", "unlicenseduser"):
            listed = answer.get(reason)
            names = listed.split("|") if isinstance(listed, str) else (listed if isinstance(listed, list) else [])
            problems.update({str(n): reason for n in names if n})
        return Delivery(problems)

    def userid_for_code(self, code: str) -> str:
        """The userid of the member who signed in with ``code`` (企业微信网页授权).

        Raises:
            WeComError: the code was refused, or the member is not of this corp (no ``userid``: an outsider's openid).
        """
        answer = self._call("/cgi-bin/auth/getuserinfo", "getuserinfo", params={"code": code})
        userid = answer.get("userid") or answer.get("UserId")
        if not isinstance(userid, str) or not userid:
            raise WeComError(-2, "getuserinfo gave no userid")
        return userid
