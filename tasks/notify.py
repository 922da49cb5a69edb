"""Notify the bureaus: what the ladder says today, through the outbox, to their channels."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task

from core.events import Fact, Facts
from core.ladder import Notice, notices_for_day
from core.messages import PORTAL_LINK_DAYS, PORTAL_LINK_MARK, Draft, compose, fill_portal_link, gets_portal_link
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar
from tasks.notifier import AppriseNotifier, Notifier, redact
from tasks.runonce import ONCE
from tasks.snapshot import Snapshot

__all__ = ["NotifyReport", "PortalLinker", "digest_attachments", "drafts_for_day", "notifier_from_settings",
           "notify_bureaus", "portal_configured", "portal_sender", "run_notifications", "with_digest_attachments"]


@dataclass
class NotifyReport:
    """What a notification pass did."""

    enabled: bool
    queued: int = 0
    sent: int = 0
    failed: int = 0
    no_channel: int = 0


def portal_configured() -> bool:
    """Whether messages carry portal links: LIANGSHAN_PORTAL_URL and LIANGSHAN_SECRET_KEY are both set."""
    from config.settings import get_settings

    settings = get_settings()
    return bool(settings.portal_url and settings.portal_key())


def drafts_for_day(plan: Plan, engine: Engine, facts: Facts, day: date,
                   keep: Callable[[list[Notice]], list[Notice]] | None = None,
                   portal: bool | None = None) -> list[Draft]:
    """The messages the ladder sends on ``day``; ``keep`` may drop facts already said.

    With the portal configured (``portal`` None: read from the settings), a bureau's items carry the
    portal link's mark, filled in per recipient only when the message is sent.
    """
    from config.templates import render

    notices = notices_for_day(plan, engine, facts, day)
    return compose(plan, engine.board(facts, day), keep(notices) if keep else notices, day, render,
                   portal=portal_configured() if portal is None else portal)


def digest_attachments(home: Path, plan_id: str, day: date) -> tuple[str, ...]:
    """The documents the office's weekly digest carries: those of the 领导看板, the ledger and the Gantt chart that exist in
    the newest reports folder not after ``day``, as paths relative to ``home``; none when no folder was written."""
    from reports.folder import ATTACH_TO_DIGEST, latest_folder, plan_reports

    folder = latest_folder(plan_reports(home, plan_id), day)
    if folder is None:
        return ()
    return tuple((folder / name).relative_to(home).as_posix() for name in ATTACH_TO_DIGEST
                 if (folder / name).is_file() and not (folder / name).is_symlink())


def with_digest_attachments(drafts: list[Draft], home: Path, plan_id: str, day: date) -> list[Draft]:
    """``drafts`` with the office's digest (the office's message of a day with the ``digest`` rung) carrying
    the documents of :func:`digest_attachments`, and a line in its body naming them."""
    out = []
    for draft in drafts:
        if draft.recipient == "office" and "digest" in draft.rungs:
            files = digest_attachments(home, plan_id, day)
            if files:
                names = "、".join(Path(f).name for f in files)
                folder = Path(files[0]).parent.name
                draft = replace(draft, attachments=files, body=f"{draft.body}\n\n> 附件：{names}（{folder} 生成）")
        out.append(draft)
    return out


Send = Callable[..., list[Any]]  # (recipient, subject, body[, attachments]) -> results


@dataclass
class PortalLinker:
    """Issues each recipient's fresh portal link as its message goes out, and remembers the tokens only in
    memory, to mask them wherever an error might carry them. Links are never stored, logged or returned."""

    plan: Plan
    sessions: Any
    key: str | None = field(repr=False)
    base_url: str | None
    days: int = PORTAL_LINK_DAYS
    _tokens: list[str] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def secrets(self) -> list[str]:
        """The tokens issued so far (for ``redact``)."""
        with self._lock:
            return list(self._tokens)

    def fill(self, recipient: str, body: str) -> str:
        """``body`` with its link marks replaced: the recipient's own new link, or a hint where it gets none."""
        if PORTAL_LINK_MARK not in body:
            return body
        if not (self.key and self.base_url and gets_portal_link(self.plan, recipient)):
            return fill_portal_link(body, None)  # the leading group, or the portal is no longer configured
        from db.portal import issue_link

        link = issue_link(self.sessions, plan_id=self.plan.id, bureau=recipient, days=self.days, key=self.key,
                          base_url=self.base_url, actor="notify", now=datetime.now(UTC))
        with self._lock:
            self._tokens.append(link.token)
        return fill_portal_link(body, link.url)

    def wrap(self, send: Send, secrets: list[str] | None = None) -> Send:
        """``send`` with each body's marks filled for its recipient; an exception leaves with its text redacted."""

        def send_with_link(recipient: str, subject: str, body: str, attachments: Sequence[Path] = ()) -> list[Any]:
            try:
                if attachments:
                    return send(recipient, subject, self.fill(recipient, body), attachments)
                return send(recipient, subject, self.fill(recipient, body))
            except Exception as exc:
                # The body (and so the link) may be in the exception's text: mask it before anyone records it.
                exc.args = (redact(str(exc), [*(secrets or []), *self.secrets]),)
                raise exc.with_traceback(None) from None

        return send_with_link


def portal_sender(plan: Plan, sessions: Any, notifier: Notifier) -> tuple[Send, PortalLinker]:
    """The notifier's ``send`` for ``outbox.deliver``, filling each message's portal link for its recipient.

    Every path that delivers the outbox (the daily run, ``liangshan notify retry``) must send through
    this, or a stored mark would go out as is.
    """
    from config.settings import get_settings

    settings = get_settings()
    linker = PortalLinker(plan, sessions, settings.portal_key(), settings.portal_url)
    return linker.wrap(notifier.send, list(getattr(notifier, "secrets", []))), linker


def notifier_from_settings(plan_id: str | None = None) -> Notifier | None:
    """The apprise notifier on LIANGSHAN_NOTIFY_CONFIG for ``plan_id``'s messages (its channels tagged by bureau
    id, or by ``<plan id>:<bureau id>``), or None when notifications are not configured.

    Raises:
        InvalidFile: the channels file is refused before apprise reads it (see ``check_channels``).
    """
    from config.settings import get_settings

    path = get_settings().notify_config
    return AppriseNotifier(path, plan_id) if path is not None else None


def run_notifications(plan: Plan, calendar: WorkdayCalendar, events: Sequence[Fact], day: date,
                      notifier: Notifier | None, sessions: Any, home: Path | None = None) -> NotifyReport:
    """Queue today's new facts in the outbox, then deliver everything that is due.

    With the WeCom application configured, a bureau's people with a WeCom userid get a textcard instead of the
    bureau's channels (:mod:`tasks.wecom_app`); ``notifier`` may then be None (no channels file).

    The office's weekly digest carries the ledger and the Gantt chart of the newest reports folder under
    ``home`` (default: LIANGSHAN_HOME).
    """
    from config.settings import get_settings
    from db import outbox
    from tasks.wecom_app import with_wecom_app

    wrapped = with_wecom_app(notifier, plan, sessions)
    if wrapped is None:
        return NotifyReport(False)
    notifier = wrapped
    home = home if home is not None else get_settings().home
    with sessions() as session:
        drafts = drafts_for_day(plan, Engine(plan, calendar), Facts(events), day,
                                keep=lambda notices: outbox.unsent(session=session, notices=notices))
    from tasks.wecom_app import with_people_problems

    drafts = with_people_problems(with_digest_attachments(drafts, home, plan.id, day), plan, sessions)
    queued = outbox.enqueue(sessions, plan.id, day, drafts)

    def tell_office(message: Any, reason: str) -> None:
        notice = Notice("office", "delivery", None, f"{plan.id}|delivery|{message.id}|{reason}")
        body = (f"### 通知未送达：{plan.bureau_name(message.recipient)}\n> {reason}（第 {message.attempts + 1} 次）。"
                f"主题：{message.subject}。请检查该单位的通知渠道，或运行 liangshan notify retry。")
        outbox.enqueue(sessions, plan.id, day, [Draft("office", f"【两山基地】通知未送达：{plan.bureau_name(message.recipient)}",
                                                      body, (notice.dedupe_key,), (), True)])

    send, _ = portal_sender(plan, sessions, notifier)
    report = outbox.deliver(sessions, send, lambda r: bool(notifier.channels(r)), tell_office=tell_office, home=home,
                            plan_id=plan.id)
    return NotifyReport(True, len(queued), len(report.sent), len(report.failed) + len(report.dead), len(report.no_channel))


@task(name="notify_bureaus", task_run_name="通知责任单位", **ONCE)
def notify_bureaus(snap: Snapshot) -> dict[str, Any]:
    """Working days only: queue what the ladder says and deliver the outbox."""
    logger = get_run_logger()
    if not snap.workday:
        logger.info("非工作日：不发送通知")
        return {"enabled": False, "reason": "非工作日"}
    from config.errors import InvalidFile

    try:
        notifier = notifier_from_settings(snap.plan.id)
    except InvalidFile as exc:
        for problem in exc.problems:
            logger.error("%s", problem)
        raise RuntimeError("通知渠道文件有错误，未发送任何通知 / the channels file is refused; nothing was sent") from None
    from config.wecom import wecom_app

    if notifier is None and wecom_app() is None:
        logger.info("未设置 LIANGSHAN_NOTIFY_CONFIG：不发送通知")
        return {"enabled": False, "reason": "未配置通知渠道"}
    from config.settings import get_settings
    from db.engine import database_url, make_engine, make_sessionmaker

    engine = make_engine(database_url(get_settings()))
    try:
        assert snap.calendar is not None
        report = run_notifications(snap.plan, snap.calendar, snap.events, snap.board.as_of, notifier,
                                   make_sessionmaker(engine))
    except Exception as exc:
        logger.error("通知失败：%s", redact(str(exc), getattr(notifier, "secrets", [])))
        raise RuntimeError("通知失败（详情已脱敏记录在日志中）") from None
    finally:
        engine.dispose()
    logger.info("通知：新入发件箱 %s，发送成功 %s，失败 %s，无渠道 %s", report.queued, report.sent, report.failed,
                report.no_channel)
    return report.__dict__
