"""The WeCom application (企业微信自建应用), optional: who the app is, and where its API and sign-in live.

Configured by ``LIANGSHAN_WECOM_CORP_ID``, ``LIANGSHAN_WECOM_AGENT_ID`` and ``LIANGSHAN_WECOM_SECRET`` (the app's
Secret: a credential, held in :class:`~config.settings.Secret` so it never shows in a repr, a log or a traceback);
``LIANGSHAN_WECOM_API_BASE`` and ``LIANGSHAN_WECOM_OAUTH_BASE`` point both at a local server in tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from config.settings import Secret

__all__ = ["DEFAULT_API_BASE", "DEFAULT_OAUTH_BASE", "WeComApp", "wecom_app"]

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
DEFAULT_OAUTH_BASE = "https://open.weixin.qq.com"


@dataclass(frozen=True, slots=True)
class WeComApp:
    """The app's identity; ``secret`` is never printed."""

    corp_id: str
    agent_id: str
    secret: Secret = field(repr=False)
    api_base: str = DEFAULT_API_BASE
    oauth_base: str = DEFAULT_OAUTH_BASE


def wecom_app(environ: dict[str, str] | None = None) -> WeComApp | None:
    """The configured app, or None when any of the corp id, the agent id and the secret is not set."""
    env = os.environ if environ is None else environ
    corp, agent, secret = (env.get(name, "").strip() for name in
                           ("LIANGSHAN_WECOM_CORP_ID", "LIANGSHAN_WECOM_AGENT_ID", "LIANGSHAN_WECOM_SECRET"))
    if not (corp and agent and secret):
        return None
    return WeComApp(corp, agent, Secret(secret),
                    (env.get("LIANGSHAN_WECOM_API_BASE", "").strip() or DEFAULT_API_BASE).rstrip("/"),
                    (env.get("LIANGSHAN_WECOM_OAUTH_BASE", "").strip() or DEFAULT_OAUTH_BASE).rstrip("/"))
