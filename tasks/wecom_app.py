"""Reminders to people through the WeCom application: a textcard with a 去报送 button, batched per bureau.

Wraps the channels notifier: a bureau with people who have a WeCom userid gets one textcard to its 经办人
(an urgent message — 逾期 and 督办 — to its 分管领导 too), whose button opens the portal's WeCom sign-in,
so the person acts as themself; a bureau without, and the office and the leading group, get their channels
as before. The outbox still sends each message once and retries a failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from config.wecom import WeComApp
from core.messages import Draft
from core.plan import Plan
from tasks.notifier import Notifier, ServiceResult
from tasks.wecom_api import WeComClient, WeComError

__all__ = ["WeComAppNotifier", "card_text", "with_people_problems", "with_wecom_app"]

_TITLE_BYTES = 128
_DESCRIPTION_BYTES = 512
_NOT_PEOPLE = frozenset({"office", "leaders"})  # the office's digest carries files; the leading group reads the board
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"[*#>`_]+")


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit - 3].decode("utf-8", "ignore") + "…"


def card_text(subject: str, body: str) -> tuple[str, str]:
    """(title, description) of a textcard: the subject, and the body as plain lines, each cut to WeCom's limits.

    Links are dropped (the button carries the way in) so no link token lands in a card.
    """
    lines = []
    for raw in body.splitlines():
        line = _MARKS.sub("", _LINK.sub(r"\1", raw)).strip()
        if line and "点此报送" not in line:
            lines.append(line)
    description = "\n".join(lines[1:] if len(lines) > 1 else lines)
    return _cut(subject, _TITLE_BYTES), _cut(description, _DESCRIPTION_BYTES)


class WeComAppNotifier:
    """A bureau's people by textcard where they have userids; everyone else through ``inner`` (may be None)."""

    def __init__(self, inner: Notifier | None, plan: Plan, sessions: Any, app: WeComApp, portal_url: str) -> None:
        self.inner = inner
        self.plan = plan
        self.sessions = sessions
        self.client = WeComClient(app)
        self.entry = f"{portal_url.rstrip('/')}/auth/wecom"
        self.secrets = list(getattr(inner, "secrets", []))

    def _userids(self, recipient: str, urgent: bool) -> list[str]:
        if recipient in _NOT_PEOPLE:
            return []
        from db.people import wecom_userids

        with self.sessions() as session:
            return wecom_userids(session=session, plan_id=self.plan.id, bureau=recipient, leaders_too=urgent)

    def channels(self, recipient: str) -> list[str]:
        """``wecom-app://<agent>`` for a bureau with people on WeCom, else the inner notifier's channels."""
        if self._userids(recipient, urgent=True):
            return [f"wecom-app://{self.client.app.agent_id}"]
        return self.inner.channels(recipient) if self.inner is not None else []

    def send(self, recipient: str, subject: str, body: str, attachments: Sequence[Path] = ()) -> list[ServiceResult]:
        """One textcard to the bureau's people (batched ``touser``), or the inner notifier's channels."""
        urgent = "督办/逾期" in subject  # the subject template's word for a message with 逾期 or 督办 items
        userids = self._userids(recipient, urgent)
        if not userids:
            if self.inner is None:
                return []
            return self.inner.send(recipient, subject, body, attachments) if attachments else \
                self.inner.send(recipient, subject, body)
        title, description = card_text(subject, body)
        service = f"wecom-app://{self.client.app.agent_id}（{len(userids)} 人）"
        try:
            delivery = self.client.send_textcard(userids, title, description, self.entry)
        except WeComError as exc:
            return [ServiceResult(f"{service} errcode {exc.errcode}", False)]
        from db.people import record_wecom_problems

        record_wecom_problems(self.sessions, plan_id=self.plan.id, sent_to=userids, problems=delivery.problems)
        return [ServiceResult(service, True)]


PROBLEM_ZH = {"invaliduser": "账号无效", "unlicenseduser": "未获应用许可"}


def with_people_problems(drafts: list[Draft], plan: Plan, sessions: Any) -> list[Draft]:
    """``drafts`` with the office's weekly digest naming the people WeCom refused (账号无效, 未获应用许可), so the
    office can correct the contact list; names and bureaus only."""
    if not any(d.recipient == "office" and "digest" in d.rungs for d in drafts):
        return drafts
    from db.people import wecom_problems

    with sessions() as session:
        problems = wecom_problems(session=session, plan_id=plan.id)
    if not problems:
        return drafts
    named = "、".join(f"{name}（{plan.bureau_name(bureau)}·{PROBLEM_ZH.get(p, p)}）" for name, bureau, p in problems)
    line = f"\n\n> 企业微信未送达的人员（请核对通讯录或应用可见范围）：{named}"
    return [replace(d, body=d.body + line) if d.recipient == "office" and "digest" in d.rungs else d for d in drafts]


def with_wecom_app(inner: Notifier | None, plan: Plan, sessions: Any) -> Notifier | None:
    """``inner`` wrapped by the WeCom application when it and the portal's URL are configured, else ``inner``."""
    from config.settings import get_settings
    from config.wecom import wecom_app

    app, portal = wecom_app(), get_settings().portal_url
    if app is None or not portal:
        return inner
    return WeComAppNotifier(inner, plan, sessions, app, portal)
