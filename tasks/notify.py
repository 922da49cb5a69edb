"""Notify the bureaus: what the ladder says today, through the outbox, to their channels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from prefect import get_run_logger, task

from core.events import Event, Facts
from core.ladder import Notice, notices_for_day
from core.messages import Draft, compose
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar
from tasks.notifier import AppriseNotifier, Notifier, redact
from tasks.snapshot import Snapshot

__all__ = ["NotifyReport", "drafts_for_day", "notifier_from_settings", "notify_bureaus", "run_notifications"]


@dataclass
class NotifyReport:
    """What a notification pass did."""

    enabled: bool
    queued: int = 0
    sent: int = 0
    failed: int = 0
    no_channel: int = 0


def drafts_for_day(plan: Plan, engine: Engine, facts: Facts, day: date,
                   keep: Callable[[list[Notice]], list[Notice]] | None = None) -> list[Draft]:
    """The messages the ladder sends on ``day``; ``keep`` may drop facts already said."""
    from config.templates import render

    notices = notices_for_day(plan, engine, facts, day)
    return compose(plan, engine.board(facts, day), keep(notices) if keep else notices, day, render)


def notifier_from_settings() -> Notifier | None:
    """The apprise notifier on LIANGSHAN_NOTIFY_CONFIG, or None when notifications are not configured."""
    from config.settings import get_settings

    path = get_settings().notify_config
    return AppriseNotifier(path) if path is not None else None


def run_notifications(plan: Plan, calendar: WorkdayCalendar, events: list[Event] | tuple[Event, ...], day: date,
                      notifier: Notifier, sessions: Any) -> NotifyReport:
    """Queue today's new facts in the outbox, then deliver everything that is due."""
    from db import outbox

    with sessions() as session:
        drafts = drafts_for_day(plan, Engine(plan, calendar), Facts(events), day,
                                keep=lambda notices: outbox.unsent(session=session, notices=notices))
    queued = outbox.enqueue(sessions, plan.id, day, drafts)

    def tell_office(message: Any, reason: str) -> None:
        notice = Notice("office", "delivery", None, f"{plan.id}|delivery|{message.id}|{reason}")
        body = (f"### 通知未送达：{plan.bureau_name(message.recipient)}\n> {reason}（第 {message.attempts + 1} 次）。"
                f"主题：{message.subject}。请检查该单位的通知渠道，或运行 liangshan notify retry。")
        outbox.enqueue(sessions, plan.id, day, [Draft("office", f"【两山基地】通知未送达：{plan.bureau_name(message.recipient)}",
                                                      body, (notice.dedupe_key,), (), True)])

    report = outbox.deliver(sessions, notifier.send, lambda r: bool(notifier.channels(r)), tell_office=tell_office)
    return NotifyReport(True, len(queued), len(report.sent), len(report.failed) + len(report.dead), len(report.no_channel))


@task(name="notify_bureaus", task_run_name="通知责任单位")
def notify_bureaus(snap: Snapshot) -> dict[str, Any]:
    """Working days only: queue what the ladder says and deliver the outbox."""
    logger = get_run_logger()
    if not snap.workday:
        logger.info("非工作日：不发送通知")
        return {"enabled": False, "reason": "非工作日"}
    notifier = notifier_from_settings()
    if notifier is None:
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
