"""``liangshan urge STEP``: 一键催办 — remind the step's owners now, at most once per item per day."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import fail, out, today
from cli.context import Context, actor, exit_refused

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file (默认 LIANGSHAN_PLAN).")]


def urge(
    step: Annotated[str, typer.Argument(help="步骤 id / step id.")],
    note: Annotated[str, typer.Option("--note", help="办公室说明 / a note from the office.")] = "",
    plan_file: PlanOpt = None,
) -> None:
    """一键催办：立即提醒该步骤尚欠成果的单位（有企业微信账号的经办人收到卡片，其余走单位渠道），每个事项每天一次
    / urge a step's owners now (once per item per day)."""
    from core.events import Facts
    from core.urge import UrgeProblem, urge_drafts
    from db import repo
    from db.records import Refusal
    from db.urge import record_urge

    ctx = Context.ready(plan_file)
    recorder = ctx.recorder()
    plan = ctx.plan
    day = today(plan)
    with ctx.sessions() as session:
        facts = Facts(repo.load_all_events(session=session, plan=plan))
    board = recorder.engine.board(facts, day)
    portal = bool(ctx.settings.portal_url and ctx.settings.portal_key())
    try:
        drafts = urge_drafts(plan, board, step, day, note, portal=portal)
        bureaus = record_urge(ctx.sessions, plan_id=plan.id, step_id=step, day=day, drafts=drafts, note=note, actor=actor())
    except UrgeProblem as exc:
        exit_refused(Refusal(exc.code, exc.zh, exc.en))
    except Refusal as exc:
        exit_refused(exc)
    names = "、".join(plan.bureau_name(b) for b in bureaus)
    out.print(f"已催办 {plan.steps[step].title}：{names}（已记入操作记录）/ urged", markup=False)
    sent = _deliver_now(ctx)
    out.print(sent, markup=False)


def _deliver_now(ctx: Context) -> str:
    """Send what is due now through the configured channels (and the WeCom app); say what happened."""
    from config.wecom import wecom_app

    if ctx.settings.notify_config is None and wecom_app() is None:
        return "未配置通知渠道：消息已入发件箱，配置后由下一次运行发送 / queued; no channels configured"
    from db import outbox
    from tasks.notify import notifier_from_settings, portal_sender
    from tasks.wecom_app import with_wecom_app

    try:
        notifier = with_wecom_app(notifier_from_settings(ctx.plan.id), ctx.plan, ctx.sessions)
    except Exception:  # a refused channels file: the messages wait in the outbox for `notify retry`
        fail("通知渠道文件有错误：消息已入发件箱，改正后运行 liangshan notify retry / the channels file is refused")
    if notifier is None:
        return "未配置通知渠道 / no channels"
    send, _ = portal_sender(ctx.plan, ctx.sessions, notifier)
    report = outbox.deliver(ctx.sessions, send, lambda r: bool(notifier.channels(r)), plan_id=ctx.plan.id)
    return f"发送成功 {len(report.sent)}，失败 {len(report.failed) + len(report.dead)}，无渠道 {len(report.no_channel)}"
