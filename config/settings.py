"""Settings from the environment (``LIANGSHAN_*``), apart from the plan, which is data.

A plain dataclass rather than pydantic-settings: importing pydantic-settings costs ~0.25 s, and
every ``liangshan`` command reads these values before doing anything else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_HOLIDAYS", "DEFAULT_PLAN", "DEFAULT_PLANS", "Secret", "Settings", "get_settings"]

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_PLANS = CONFIG_DIR / "plans"
DEFAULT_PLAN = DEFAULT_PLANS / "huyi.yaml"
DEFAULT_HOLIDAYS = CONFIG_DIR / "holidays.yaml"


class Secret:
    """A value that never shows itself in ``repr``, logs or tracebacks (e.g. a URL with a password)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The value itself, for the one place that must use it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class Settings:
    """Where things are. Every field is read from ``LIANGSHAN_<FIELD>``."""

    plan: Path = field(default=DEFAULT_PLAN, metadata={"doc": "The plan file (LIANGSHAN_PLAN)."})
    plan_set: bool = field(default=False, metadata={"doc": "LIANGSHAN_PLAN is set: that one file is the plan."})
    plans: Path = field(default=DEFAULT_PLANS, metadata={"doc": "The folder of plans (LIANGSHAN_PLANS)."})
    home: Path = field(default=Path(".liangshan"), metadata={"doc": "SQLite file, evidence and caches (LIANGSHAN_HOME)."})
    db_url: Secret | None = field(default=None, metadata={"doc": "SQLAlchemy URL; unset: SQLite under home."})
    holidays: Path = field(default=DEFAULT_HOLIDAYS, metadata={"doc": "Announced holidays and make-up workdays."})
    notify_config: Path | None = field(default=None, metadata={"doc": "apprise YAML of the channels; unset: no sending."})
    secret_key: Secret | None = field(default=None, metadata={"doc": "Signs portal links and sessions; unset: no portal."})
    portal_url: str | None = field(default=None, metadata={"doc": "The portal's public base URL; set: messages carry links."})
    upload_max_mb: str = field(default="50", metadata={"doc": "Largest upload the portal takes, in MB (LIANGSHAN_UPLOAD_MAX_MB)."})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ``LIANGSHAN_PLAN``, ``_PLANS``, ``_HOME``, ``_DB_URL``, ``_HOLIDAYS``, ``_NOTIFY_CONFIG``, ``_SECRET_KEY``,
        ``_PORTAL_URL`` and ``_UPLOAD_MAX_MB``.
        """
        env = os.environ if environ is None else environ
        url = env.get("LIANGSHAN_DB_URL", "").strip()
        key = env.get("LIANGSHAN_SECRET_KEY", "").strip()
        portal = env.get("LIANGSHAN_PORTAL_URL", "").strip().rstrip("/")
        raw_mb = env.get("LIANGSHAN_UPLOAD_MAX_MB", "").strip() or "50"
        return cls(
            plan=Path(env.get("LIANGSHAN_PLAN") or DEFAULT_PLAN),
            plan_set=bool(env.get("LIANGSHAN_PLAN")),
            plans=Path(env.get("LIANGSHAN_PLANS") or DEFAULT_PLANS),
            home=Path(env.get("LIANGSHAN_HOME") or ".liangshan"),
            db_url=Secret(url) if url else None,
            holidays=Path(env.get("LIANGSHAN_HOLIDAYS") or DEFAULT_HOLIDAYS),
            notify_config=Path(env["LIANGSHAN_NOTIFY_CONFIG"]) if env.get("LIANGSHAN_NOTIFY_CONFIG") else None,
            secret_key=Secret(key) if key else None,
            portal_url=portal or None,
            upload_max_mb=raw_mb,
        )

    def portal_key(self) -> str | None:
        """The key that signs portal links, when one long enough is set (else None: no links anywhere)."""
        from core.links import MIN_KEY_LENGTH

        key = self.secret_key.get_secret_value() if self.secret_key else ""
        return key if len(key) >= MIN_KEY_LENGTH else None

    def upload_max_bytes(self) -> int:
        """The upload limit in bytes.

        Raises:
            ValueError: ``LIANGSHAN_UPLOAD_MAX_MB`` is not a positive whole number (the message says so in Chinese first).
        """
        raw = self.upload_max_mb
        if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
            raise ValueError(f"LIANGSHAN_UPLOAD_MAX_MB 应为 1-10000 的整数（兆字节），而不是“{raw}” / "
                             "must be a whole number of MB between 1 and 10000")
        return int(raw) * 1024 * 1024


def get_settings() -> Settings:
    """Read the settings now (never at import time: Prefect workers import modules fresh)."""
    return Settings.from_env()
