"""`wecom://KEY`: WeChat Work (企业微信) group bots for apprise, as the office needs them.

apprise's stock `wecombot://` sends plain text and counts WeCom's refusals (HTTP 200 with an
``errcode``, e.g. 93000 invalid key, 45009 too many calls) as success; and apprise 2.0 gives the
``wecom://`` scheme to PushPlus. This plugin takes the scheme back and:

* sends markdown, cut cleanly at 4096 bytes with a line pointing to the board;
* treats any ``errcode`` other than 0, and any HTTP error, as a failure;
* @mentions people by mobile number with a follow-up text message (markdown cannot mention);
* sends each apprise attachment after the markdown as a file message: ``upload_media`` (multipart,
  field ``media``) for a ``media_id``, then ``msgtype: file``, the errcode checked on both;
* keeps to WeCom's limit of 20 messages a minute per bot, instead of apprise's fixed throttle;
* reaches ``LIANGSHAN_WECOM_API_BASE`` (default the real API), so tests use a local server.

In an apprise YAML config, options are YAML keys (a query string on a custom scheme breaks YAML
configs): ``- wecom://KEY: [{tag: eco, mentions: "13800000000,13900000000"}]``.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from json import dumps
from typing import Any

import requests
from apprise.common import NotifyFormat, NotifyType
from apprise.manager_plugins import NotificationManager
from apprise.plugins.wecombot import NotifyWeComBot

from core.messages import WECOM_LIMIT, fit

__all__ = ["DEFAULT_API_BASE", "NotifyWeCom", "register"]

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
PER_MINUTE = 20

_sent: dict[str, deque[float]] = {}
_lock = threading.Lock()


def _wait_for_slot(key: str) -> None:
    """Block until this bot has sent fewer than 20 messages in the last minute."""
    while True:
        with _lock:
            window = _sent.setdefault(key, deque())
            now = time.monotonic()
            while window and now - window[0] >= 60:
                window.popleft()
            if len(window) < PER_MINUTE:
                window.append(now)
                return
            wait = 60 - (now - window[0])
        time.sleep(max(wait, 0.05))


class NotifyWeCom(NotifyWeComBot):  # type: ignore[misc]
    """WeChat Work group bot: markdown, errcode-aware, rate-limited, with @mentions."""

    service_name = "企业微信群机器人 (liangshan)"
    secure_protocol = "wecom"
    notify_format = NotifyFormat.MARKDOWN
    body_maxlen = WECOM_LIMIT
    request_rate_per_sec = 0  # our own per-bot window below replaces apprise's fixed pause
    attachment_support = True  # files go out as upload_media + msgtype file, after the markdown

    template_args = dict(  # noqa: RUF012 (apprise's plugin API: a plain class dict)
        NotifyWeComBot.template_args,
        mentions={"name": "Mobile numbers to @mention", "type": "string"},
    )

    def __init__(self, key: str, mentions: str | None = None, **kwargs: Any) -> None:
        super().__init__(key=key, **kwargs)
        self.mentions = [m.strip() for m in (mentions or "").replace(";", ",").split(",") if m.strip()]
        base = os.environ.get("LIANGSHAN_WECOM_API_BASE", DEFAULT_API_BASE).rstrip("/")
        self.api_url = f"{base}/cgi-bin/webhook/send?key={self.key}"
        self.upload_url = f"{base}/cgi-bin/webhook/upload_media?key={self.key}&type=file"

    def url(self, privacy: bool = False, *args: Any, **kwargs: Any) -> str:
        params = self.url_parameters(privacy=privacy, *args, **kwargs)  # noqa: B026
        if self.mentions:
            params["mentions"] = ",".join(self.mentions)
        return f"{self.secure_protocol}://{self.pprint(self.key, privacy, safe='')}/?{self.urlencode(params)}"

    def _attachment_send_index(self, total: int) -> int:
        # When apprise splits a long body, the files follow its last piece.
        return max(total - 1, 0)

    def send(self, body: str, title: str = "", notify_type: NotifyType = NotifyType.INFO, attach: Any = None,
             **kwargs: Any) -> bool:
        content = fit(f"**{title}**\n\n{body}" if title else body)
        if not self._post({"msgtype": "markdown", "markdown": {"content": content}}):
            return False
        for attachment in attach or ():
            media_id = self._upload(attachment)
            if media_id is None or not self._post({"msgtype": "file", "file": {"media_id": media_id}}):
                return False
        if self.mentions:
            return self._post({"msgtype": "text", "text": {"content": "请查收上面的提醒。",
                                                             "mentioned_mobile_list": self.mentions}})
        return True

    def _upload(self, attachment: Any) -> str | None:
        """Upload one file to the bot (``upload_media``): its ``media_id``, or None when it failed."""
        if not attachment:
            self.logger.warning("WeCom bot: attachment could not be read")
            return None
        name = attachment.name or "file.dat"
        _wait_for_slot(self.key)  # every call to the bot API takes a slot of its window
        try:
            with attachment.open() as handle:
                response = requests.post(self.upload_url, files={"media": (name, handle, attachment.mimetype)},
                                         timeout=self.request_timeout, verify=self.verify_certificate)
        except (requests.RequestException, OSError) as exc:
            self.logger.warning("WeCom bot: upload failed (%s)", type(exc).__name__)
            return None
        answer = self._answer(response, "upload")
        media_id = answer.get("media_id") if answer is not None else None
        if answer is not None and not media_id:
            self.logger.warning("WeCom bot: upload answered without media_id")
        return str(media_id) if media_id else None

    def _post(self, payload: dict[str, Any]) -> bool:
        _wait_for_slot(self.key)
        try:
            response = requests.post(self.api_url, data=dumps(payload).encode("utf-8"),
                                     headers={"Content-Type": "application/json; charset=utf-8"},
                                     timeout=self.request_timeout, verify=self.verify_certificate)
        except requests.RequestException as exc:
            self.logger.warning("WeCom bot: connection failed (%s)", type(exc).__name__)
            return False
        return self._answer(response, "send") is not None

    def _answer(self, response: requests.Response, call: str) -> dict[str, Any] | None:
        """WeCom's JSON answer when it took the call; None (logged, without the key) when it did not."""
        if response.status_code != 200:
            self.logger.warning("WeCom bot %s: HTTP %s", call, response.status_code)
            return None
        try:
            answer = response.json()
        except ValueError:
            self.logger.warning("WeCom bot %s: answer is not JSON", call)
            return None
        if not isinstance(answer, dict):
            self.logger.warning("WeCom bot %s: answer is not a JSON object", call)
            return None
        if answer.get("errcode", 0) != 0:
            # HTTP 200 with an error code is a refusal (93000 bad key, 45009 rate limit, ...).
            self.logger.warning("WeCom bot %s: errcode %s %s", call, answer.get("errcode"), answer.get("errmsg", ""))
            return None
        return answer

    @staticmethod
    def parse_url(url: str) -> dict[str, Any] | None:
        results: dict[str, Any] | None = NotifyWeComBot.parse_url(url)
        if results and "mentions" in results["qsd"]:
            results["mentions"] = NotifyWeComBot.unquote(results["qsd"]["mentions"])
        return results


def register() -> None:
    """Make ``wecom://`` mean this plugin (apprise gives the scheme to PushPlus by default)."""
    manager = NotificationManager()
    current = manager["wecom"] if "wecom" in manager else None  # noqa: SIM401 (the manager has no .get)
    if current is not NotifyWeCom:
        manager.add(NotifyWeCom, schemas=("wecom",), force=True)
