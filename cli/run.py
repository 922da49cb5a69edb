"""``liangshan tick`` and ``liangshan serve``: the commands that run Prefect (and import it)."""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

import typer

from cli.common import err, out
from cli.context import Context

# Prefect's defaults that this machine and an office server need before prefect is imported:
# no analytics calls to the internet, and a patient start for the embedded API on 2 cores.
_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def _prefect_env() -> None:
    for key, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def tick(
    as_of: Annotated[str | None, typer.Option("--as-of", help="日期 YYYY-MM-DD，默认今天（北京时间）/ default today.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示今天将发送的通知，不运行、不发送 / preview only.")] = False,
) -> None:
    """运行一次重算：按计划和报送记录更新 Prefect 中的看板与闸门 / run the reconcile flow once."""
    from cli.board import parse_day

    day = parse_day(as_of, "--as-of") if as_of else None
    if dry_run:
        _dry_run(day, as_json)
        return
    _prefect_env()
    if not os.environ.get("PREFECT_API_URL"):
        err.print("使用 Prefect 临时 API（未设置 PREFECT_API_URL），启动需要十几秒 / using Prefect's ephemeral API",
                  markup=False, style="dim")
    from flows.reconcile import reconcile

    state = reconcile(as_of=day, return_state=True)
    report = state.result(raise_on_failure=False)
    if not isinstance(report, dict):
        err.print(f"重算失败 / reconcile crashed: {state.message}", markup=False, style="red")
        raise typer.Exit(1)
    doc = {"flow_run_id": str(state.state_details.flow_run_id), "state": state.name, **report}
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        out.print(f"重算完成 reconcile: {state.name}（flow run {doc['flow_run_id']}），截至 {report['as_of']}", markup=False)
        gates = report["gates"]
        if gates["kept"]:
            out.print(f"待报送闸门 gates: 新建 {len(gates['created'])}，关闭 {len(gates['cancelled'])}，"
                      f"待报送 {len(gates['live'])}", markup=False)
        else:
            out.print("未保留待报送闸门：闸门只在 liangshan serve 或 worker 提供部署时存在 / kept no gates "
                      "(no served gate deployment)", markup=False)
        documents = report.get("documents") or {}
        if documents.get("written"):
            out.print(f"已生成台账和报告 documents: {documents['folder']}/（{len(documents['files'])} 个文件："
                      f"{'、'.join(documents['files'])}）", markup=False)
    raise typer.Exit(1 if state.is_failed() else 0)


def _dry_run(day: Any, as_json: bool) -> None:
    """What today's run would send, from the database's facts, leaving out what the outbox already holds."""
    from cli.board import load_context, today
    from cli.notify import message_dict, print_preview
    from tasks.notify import drafts_for_day

    plan, engine, facts = load_context(None, None)
    when = day or today(plan)
    skip: set[str] = set()
    ctx = Context()
    if ctx.schema_ready():
        from sqlalchemy import select

        from db.models import OutboxItem

        with ctx.sessions() as session:
            skip = set(session.scalars(select(OutboxItem.dedupe_key)))
    messages = [message_dict(when, d) for d in
                drafts_for_day(plan, engine, facts, when, keep=lambda ns: [n for n in ns if n.dedupe_key not in skip])]
    if as_json:
        typer.echo(json.dumps({"as_of": when.isoformat(), "dry_run": True, "messages": messages},
                              ensure_ascii=False, indent=2))
        return
    if not engine.calendar.is_workday(when):
        out.print(f"{when} 不是工作日：不发送通知 / not a working day: nothing is sent", markup=False)
    print_preview(messages, with_body=True)


def serve() -> None:
    """服务全部部署：每天 09:00（北京时间）重算，以及报送、审核、闸门 / serve every deployment."""
    _prefect_env()
    from flows.deployments import DAILY_CRON, TIMEZONE, serve_all

    out.print("部署 deployments: reconcile/reconcile（" + f"{DAILY_CRON} {TIMEZONE}" + "）、gate/gate、checkin/checkin、"
              "review/review", markup=False)
    serve_all()
