"""Delivering a message to a bureau's channels: apprise behind a narrow interface, and a recording fake."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

__all__ = ["CHANNELS_MAX_BYTES", "AppriseNotifier", "Notifier", "RecordingNotifier", "Sent", "ServiceResult", "check_channels",
           "redact", "takes_files"]

# Anything that looks like a credential inside a URL: user:password@, key=..., a bot key path.
_SECRET_PATTERNS = [
    (re.compile(r"(://)[^/@\s:]+:[^/@\s]+(@)"), r"\1****\2"),  # user:password@host
    (re.compile(r"(?i)([?&](?:key|token|pass|password|secret)=)[^&\s]+"), r"\1****"),
    (re.compile(r"(?i)(wecom(?:bot)?://)[^/?\s]+"), r"\1****"),
    # A portal link's token (``<portal>/b/<payload>.<signature>``): whoever holds it acts as the bureau.
    (re.compile(r"(/b/)[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), r"\1****"),
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret, and anything shaped like a credential in a URL, masked."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "****")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class _RedactingFilter(logging.Filter):
    """Masks secrets in apprise's own log records: many of its plugins log the whole payload at debug
    level, and a payload holds the message body (with a portal link) and the URL (with a bot key)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        masked = redact(text, self.secrets)
        if masked != text:
            record.msg, record.args = masked, ()
        return True


_LOG_FILTER = _RedactingFilter()
_LOG_FILTER_LOCK = threading.Lock()


def _guard_apprise_logs(secrets: Iterable[str]) -> None:
    """Put the redacting filter on apprise's logger and on urllib3's request log (once) and teach it ``secrets``.

    urllib3 logs each request line at debug level, and a WeCom bot's key is in the URL (``send?key=...``).
    """
    with _LOG_FILTER_LOCK:
        _LOG_FILTER.secrets.update(s for s in secrets if len(s) >= 4)
        for name in ("apprise", "urllib3.connectionpool"):
            logger = logging.getLogger(name)
            if _LOG_FILTER not in logger.filters:
                logger.addFilter(_LOG_FILTER)


@dataclass(frozen=True, slots=True)
class ServiceResult:
    """What one channel said: its redacted URL and whether it took the message."""

    service: str
    ok: bool


class Notifier(Protocol):
    """Sends one message to one recipient's channels."""

    def channels(self, recipient: str) -> list[str]:
        """The recipient's channels, redacted; empty when the recipient has none."""

    def send(self, recipient: str, subject: str, body: str, attachments: Sequence[Path] = ()) -> list[ServiceResult]:
        """Send to every channel of the recipient; one result per channel.

        ``attachments`` (existing files) go to the channels that can carry files; the others get the body only.
        """


class AppriseNotifier:
    """Channels from an apprise YAML config, tagged by recipient: a bureau id (and office, leaders).

    A channel tagged ``eco`` is 生态环境局's in every plan; one tagged ``<plan id>:eco`` only in that plan, for
    an installation whose plans have bureaus of the same id that are not the same office (the city following
    each district's plan). A notifier made with ``plan_id`` sends to both kinds; without, to plain tags only.

    Raises:
        InvalidFile: the config is refused by :func:`check_channels`.
    """

    def __init__(self, config: Path, plan_id: str | None = None) -> None:
        from tasks.wecom import register

        register()
        check_channels(config)  # before apprise reads it: apprise's own YAML reading has no guards
        self.config = config
        self.plan_id = plan_id
        self.secrets = _secrets_in(config)
        _guard_apprise_logs(self.secrets)

    def tags(self, recipient: str) -> list[str]:
        """The tags whose channels reach ``recipient`` (apprise takes any of a list)."""
        return [recipient, f"{self.plan_id}:{recipient}"] if self.plan_id else [recipient]

    def _apprise(self) -> object:
        import apprise

        # A fresh Apprise per message: its plugins pause ~5.5 s between two sends through one
        # instance, which would serialise twenty bureaus for minutes.
        app = apprise.Apprise()
        cfg = apprise.AppriseConfig()
        cfg.add(str(self.config))
        app.add(cfg)
        return app

    def channels(self, recipient: str) -> list[str]:
        app = self._apprise()
        return [redact(s.url(privacy=True), self.secrets) for s in app.find(tag=self.tags(recipient))]  # type: ignore[attr-defined]

    def send(self, recipient: str, subject: str, body: str, attachments: Sequence[Path] = ()) -> list[ServiceResult]:
        import apprise

        app = self._apprise()
        services = list(app.find(tag=self.tags(recipient)))  # type: ignore[attr-defined]
        results = []
        for service in services:
            extra: dict[str, object] = {}
            if attachments and takes_files(service):
                extra["attach"] = apprise.AppriseAttachment([str(p) for p in attachments])
            ok = bool(service.notify(body=body, title=subject, notify_type=apprise.NotifyType.INFO,
                                     body_format=apprise.NotifyFormat.MARKDOWN, **extra))
            results.append(ServiceResult(redact(service.url(privacy=True), self.secrets), ok))
        return results


def takes_files(service: object) -> bool:
    """Whether a channel is sent the files of a message: e-mail (as attachments) and the ``wecom://`` bots (as
    file messages). Every other channel gets the body only: apprise 2.0 hands ``attach`` to any plugin, and
    some that declare support (``json://``, ``form://``) would post the files base64-encoded to a webhook,
    while one without support fails a message that has files and no body."""
    from apprise.plugins.email import NotifyEmail

    from tasks.wecom import NotifyWeCom

    return isinstance(service, NotifyEmail | NotifyWeCom) and bool(getattr(service, "attachment_support", False))


@dataclass
class Sent:
    """A message the recording notifier took."""

    recipient: str
    subject: str
    body: str
    attachments: tuple[Path, ...] = ()


@dataclass
class RecordingNotifier:
    """Takes every message for recipients in ``channels_by_recipient`` and remembers it (dry runs, tests)."""

    channels_by_recipient: dict[str, list[str]] = field(default_factory=dict)
    everyone: bool = True
    sent: list[Sent] = field(default_factory=list)

    def channels(self, recipient: str) -> list[str]:
        return self.channels_by_recipient.get(recipient, ["dry-run://"] if self.everyone else [])

    def send(self, recipient: str, subject: str, body: str, attachments: Sequence[Path] = ()) -> list[ServiceResult]:
        self.sent.append(Sent(recipient, subject, body, tuple(attachments)))
        return [ServiceResult(c, True) for c in self.channels(recipient)]


CHANNELS_MAX_BYTES = 128 * 1024  # apprise ignores a larger config file (its max_buffer_size), sending nothing


def check_channels(config: Path) -> None:
    """Refuse a channels file apprise should not read: unreadable, over 128 KB, not UTF-8 text, not YAML, an
    alias bomb or nested too deep (see :mod:`config.safe_yaml`), empty, or without its ``urls:`` list.

    Raises:
        InvalidFile: one problem naming the file, the line where known, and the reason in Chinese and English.
    """
    import yaml

    from config.errors import FileProblem, InvalidFile
    from config.safe_yaml import UnsafeInput, guarded_load, read_text

    def refuse(zh: str, en: str, line: int = 1, column: int = 1) -> InvalidFile:
        # YAML's messages may quote a value of the file, which may hold a key: mask it as the logs are masked.
        return InvalidFile([FileProblem("error", str(config), line, column, "", redact(zh), redact(en),
                                        "参照 config/notify.example.yaml 改正 / see config/notify.example.yaml")])

    try:
        data = guarded_load(read_text(config, limit=CHANNELS_MAX_BYTES))
    except OSError as exc:
        raise refuse(f"无法读取通知渠道文件：{exc.strerror or exc}", f"cannot read the channels file: {exc}") from None
    except UnsafeInput as exc:
        raise InvalidFile([exc.problem(config)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise refuse(f"YAML 语法错误：{exc.problem or exc}", "YAML syntax error", line, column) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise refuse(f"YAML 语法错误：{exc}", "YAML syntax error") from None
    if data is None:
        raise refuse("通知渠道文件是空的", "the channels file is empty")
    if not isinstance(data, dict) or not (isinstance(data.get("urls"), list) or data.get("include")):
        raise refuse("通知渠道文件应有 urls: 渠道列表（apprise YAML）", "expected an apprise YAML file with a urls: list")


def _secrets_in(config: Path) -> list[str]:
    """Hosts-as-keys and passwords named in the config, to mask wherever they might appear."""
    try:
        text = config.read_text(encoding="utf-8")
    except OSError:
        return []
    found = re.findall(r"://([^/@\s:?'\"]+)(?::([^/@\s'\"]+))?@", text)
    keys = re.findall(r"wecom(?:bot)?://([^/?:\s'\"]+)", text)
    return [s for pair in found for s in pair if s] + keys
