"""``liangshan notify``: the outbox, retries, a test message; and previews of what would be sent."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import fail, out, print_problems
from cli.context import Context
from cli.exits import Exit

app = typer.Typer(help="通知：发件箱、重发、测试 / notifications: outbox, retry, test.", no_args_is_help=True)

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file.")]

_STATUS_ZH = {"pending": "待发送", "sent": "已发送", "failed": "发送失败（将重试）", "no_channel": "无通知渠道",
              "dead": "多次失败（已告知办公室）"}


def preview(plan: Any, engine: Any, events: list[Any], first: date, last: date) -> list[dict[str, Any]]:
    """Every message the ladder would send from ``first`` to ``last``, each fact once, working days only."""
    from core.events import Facts
    from tasks.notify import drafts_for_day

    facts = Facts(events)
    said: set[str] = set()
    found = []
    day = first
    while day <= last:
        for draft in drafts_for_day(plan, engine, facts, day, keep=lambda ns: [n for n in ns if n.dedupe_key not in said]):
            said.update(draft.keys)
            found.append(message_dict(day, draft))
        day += timedelta(days=1)
    return found


def message_dict(day: date, draft: Any) -> dict[str, Any]:
    """A previewed message as printed and as JSON."""
    return {"date": day.isoformat(), "recipient": draft.recipient, "subject": draft.subject,
            "rungs": list(draft.rungs), "steps": list(draft.steps), "body": draft.body}


def print_preview(messages: list[dict[str, Any]], with_body: bool) -> None:
    """Messages as a Chinese table (or in full, with their bodies)."""
    if with_body:
        for m in messages:
            out.print(f"—— {m['date']} → {m['recipient']}：{m['subject']}\n{m['body']}\n", markup=False)
        return
    table = Table(title=f"将发送的通知（共 {len(messages)} 条）")
    for column in ("日期", "收件单位", "主题", "事项"):
        table.add_column(column)
    for m in messages:
        table.add_row(m["date"], m["recipient"], m["subject"], "、".join(m["rungs"]))
    out.print(table)


def _notifier(plan_id: str) -> Any:
    """The configured notifier for ``plan_id``'s messages; exit 2 when none is configured or its channels file is
    refused (nothing is sent).

    The file is checked before Prefect is imported (seconds on a cold start), so a refusal is said at once.
    """
    from config.errors import InvalidFile
    from config.settings import get_settings
    from tasks.notifier import check_channels

    config = get_settings().notify_config
    if config is None:
        fail("未设置 LIANGSHAN_NOTIFY_CONFIG（apprise 配置文件）/ no notification channels are configured")
    try:
        check_channels(config)
        from tasks.notify import notifier_from_settings

        notifier = notifier_from_settings(plan_id)
    except InvalidFile as exc:
        print_problems(exc.problems)
        fail("通知渠道文件（LIANGSHAN_NOTIFY_CONFIG）有错误，未发送任何通知 / the channels file is refused; nothing was sent")
    if notifier is None:
        fail("未设置 LIANGSHAN_NOTIFY_CONFIG（apprise 配置文件）/ no notification channels are configured")
    return notifier


@app.command("list")
def list_outbox(
    pending: Annotated[bool, typer.Option("--pending", help="只看待发送的 / only pending.")] = False,
    failed: Annotated[bool, typer.Option("--failed", help="只看发送失败的 / only failed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False,
    plan_file: PlanOpt = None,
) -> None:
    """发件箱：每条通知的收件单位、主题、状态和尝试次数 / the outbox."""
    from db.outbox import list_messages

    ctx = Context.ready(plan_file)
    statuses: tuple[str, ...] | None = None
    if pending or failed:
        statuses = (("pending",) if pending else ()) + (("failed", "dead", "no_channel") if failed else ())
    with ctx.sessions() as session:
        rows: list[dict[str, Any]] = [{"id": m.id, "day": m.day.isoformat(), "recipient": m.recipient, "subject": m.subject,
                 "status": m.status, "attempts": m.attempts, "last_error": m.last_error,
                 "keys": [i.dedupe_key for i in m.items]} for m in list_messages(session=session, statuses=statuses,
                                                                                plan_id=ctx.plan.id)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"发件箱 outbox（{len(rows)} 条）")
    for column in ("#", "日期", "收件单位", "主题", "状态", "次数", "原因"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["id"]), r["day"], ctx.plan.bureau_name(r["recipient"]), r["subject"],
                      _STATUS_ZH.get(r["status"], r["status"]), str(r["attempts"]), r["last_error"])
    out.print(table)


@app.command("retry")
def retry(plan_file: PlanOpt = None) -> None:
    """重发：把失败或无渠道的通知重新排队并立即发送 / retry failed messages now."""
    from db import outbox
    from tasks.notify import portal_sender

    ctx = Context.ready(plan_file)
    from tasks.wecom_app import with_wecom_app

    channels = _notifier(ctx.plan.id)
    notifier = with_wecom_app(channels, ctx.plan, ctx.sessions) or channels
    again = outbox.retry(ctx.sessions, plan_id=ctx.plan.id)
    send, _ = portal_sender(ctx.plan, ctx.sessions, notifier)  # each bureau's link is made as its message goes out
    report = outbox.deliver(ctx.sessions, send, lambda r: bool(notifier.channels(r)), plan_id=ctx.plan.id)
    out.print(f"重新排队 {again} 条；发送成功 {len(report.sent)}，失败 {len(report.failed) + len(report.dead)}，"
              f"无渠道 {len(report.no_channel)}")
    if report.failed or report.dead or report.no_channel:
        raise typer.Exit(int(Exit.FINDING))


@app.command("test")
def test(
    bureau: Annotated[str, typer.Argument(help="单位 id，如 eco / bureau id.")],
    plan_file: PlanOpt = None,
) -> None:
    """测试：向某单位的通知渠道发一条测试消息并报告每个渠道的结果 / send a test message to one bureau."""
    ctx = Context(plan_file)
    if bureau not in ctx.plan.bureaus:
        fail(f"未知的单位“{bureau}”；可选：{', '.join(ctx.plan.bureaus)} / unknown bureau")
    notifier = _notifier(ctx.plan.id)
    if not notifier.channels(bureau):
        out.print(f"{ctx.plan.bureau_name(bureau)}（{bureau}）没有配置通知渠道 / no channel", markup=False)
        raise typer.Exit(int(Exit.FINDING))
    body = f"这是发给{ctx.plan.bureau_name(bureau)}的测试消息，收到即说明渠道可用。"
    results = notifier.send(bureau, "【两山基地】通知测试", body)
    for r in results:
        out.print(f"{'成功 ok' if r.ok else '失败 failed'}  {r.service}", markup=False)
    if not results or not all(r.ok for r in results):
        raise typer.Exit(int(Exit.FINDING))
