"""``liangshan tick`` and ``liangshan serve``: the commands that run Prefect (and import it)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import err, fail, out, plan_path
from cli.context import Context
from cli.exits import Exit

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
    plan: Annotated[str | None, typer.Option("--plan", help="计划 id 或文件 / plan id or file.")] = None,
    all_plans: Annotated[bool, typer.Option("--all", help="每个计划提交一次重算到工作池 / one reconcile per plan, "
                                            "through the deployments (needs PREFECT_API_URL).")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="与 --all 同用：等待全部运行结束 / with --all: wait for the runs.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=0, help="--wait 最长等待秒数 / seconds to wait at most.")] = 1800,
    # At least 40 s: runs beat every 30 s (flows.deployments.HEARTBEAT_SECONDS), so less would bury live runs.
    stale_after: Annotated[int, typer.Option("--stale-after", min=40, help="运行中但超过这么多秒（至少 40）没有心跳即视为"
                                             "已停止 / seconds without a heartbeat before a run is dead.")] = 180,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示今天将发送的通知，不运行、不发送 / preview only.")] = False,
) -> None:
    """运行一次重算：按计划和报送记录更新 Prefect 中的看板与闸门 / run the reconcile flow once.

    退出码 exit: 0 按期；1 有逾期步骤（或 --all 中有计划未完成）；2 输入有误；4 运行本身失败或崩溃。
    """
    from cli.common import parse_day

    day = parse_day(as_of, "--as-of") if as_of else None
    if all_plans:
        if plan or dry_run:
            fail("--all 不能与 --plan 或 --dry-run 同用 / --all takes neither --plan nor --dry-run")
        _tick_all(day, wait, timeout, stale_after, as_json)
        return
    if wait:
        fail("--wait 只与 --all 同用 / --wait goes with --all")
    if dry_run:
        _dry_run(day, plan, as_json)
        return
    plan_path(plan)  # an unknown id is refused here, before Prefect starts
    _prefect_env()
    if not os.environ.get("PREFECT_API_URL"):
        err.print("使用 Prefect 临时 API（未设置 PREFECT_API_URL），启动需要十几秒 / using Prefect's ephemeral API",
                  markup=False, style="dim")
    from flows.reconcile import reconcile

    _quiet_lost_database()
    with _server_refusal():
        state = reconcile(as_of=day, plan=plan, return_state=True)
    report = state.result(raise_on_failure=False)
    if not isinstance(report, dict):
        if _lost_database(report):
            err.print(f"重算运行失败：{report} / the reconcile run failed", markup=False, style="red")
        else:
            err.print(f"重算运行失败 / the reconcile run failed: {state.name}: {state.message}", markup=False, style="red")
        raise typer.Exit(int(Exit.RUN_FAILED))
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
    raise typer.Exit(int(Exit.FINDING) if report.get("overdue") else 0)


@contextmanager
def _server_refusal() -> Iterator[None]:
    """A Prefect server that refuses the credentials (HTTP 401/403) ends the command with one line saying what to
    set, exit 3 — never a traceback, and never exit 1, which means a late plan."""
    from prefect.exceptions import PrefectHTTPStatusError

    try:
        yield
    except PrefectHTTPStatusError as exc:
        status = exc.response.status_code
        if status not in (401, 403):
            raise
        fail(f"Prefect 服务器拒绝了请求（HTTP {status}）：请设置正确的 PREFECT_API_AUTH_STRING（用户名:密码），"
             f"与服务器的 PREFECT_SERVER_API_AUTH_STRING 相同 / the Prefect server refused the credentials: "
             "set PREFECT_API_AUTH_STRING", Exit.FORBIDDEN)


def _lost_database(exc: object) -> bool:
    """Whether a run's exception is the facts database being unreachable (tasks.snapshot.DatabaseUnavailable)."""
    from tasks.snapshot import DatabaseUnavailable

    return isinstance(exc, DatabaseUnavailable)


class _WithoutDatabaseTraceback(logging.Formatter):
    """The console's formatter, except that a record carrying an unreachable database prints its message
    without the traceback: the message says it all, and the command ends with one clear line. The run's logs
    on the Prefect API (formatted by their own handler) keep the traceback."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        if not (record.exc_info and _lost_database(record.exc_info[1])):
            return self.inner.format(record)
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text = saved


def _quiet_lost_database() -> None:
    """Put :class:`_WithoutDatabaseTraceback` on Prefect's console handlers (after Prefect set up its logging)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger))]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler) and not isinstance(handler.formatter, _WithoutDatabaseTraceback):
                handler.setFormatter(_WithoutDatabaseTraceback(handler.formatter or logging.Formatter()))


_ACTION_ZH = {"submitted": "已提交", "done_before": "今天已完成，未重复提交", "in_progress": "运行中，未重复提交",
              "not_deployed": "未部署（liangshan deploy --pool 或 liangshan serve）"}


def _tick_all(day: Any, wait: bool, timeout: float, stale_after: int, as_json: bool) -> None:
    """One reconcile per plan through the plans' deployments; with --wait, follow them to their end."""
    from datetime import timedelta

    from cli.common import today
    from cli.plans import plans_to_load
    from core.runs import tick_outcome

    if not os.environ.get("PREFECT_API_URL"):
        fail("tick --all 需要 Prefect 服务器：请设置 PREFECT_API_URL，并先用 liangshan deploy --pool 或 liangshan serve "
             "提供各计划的部署 / tick --all needs a Prefect server (PREFECT_API_URL) with the plans deployed")
    plans = plans_to_load(Context())
    when = day or today(plans[0])
    _prefect_env()
    from flows.runs import submit_all, wait_all

    with _server_refusal():
        ticks = submit_all(plans, when, timedelta(seconds=stale_after))
        finished = wait_all(ticks, timeout) if wait else True
    rows = [t.as_dict() for t in ticks]
    code, verdict = tick_outcome(rows, waited=wait, finished=finished)
    if as_json:
        typer.echo(json.dumps({"as_of": when.isoformat(), "waited": wait, "finished": finished, "plans": rows,
                               "verdict": verdict}, ensure_ascii=False, indent=2))
    else:
        table = Table(title=f"全部计划的重算 reconcile of every plan：截至 {when}（{len(rows)} 个）")
        for column in ("计划", "处理", "运行状态", "flow run", "已判定停止的运行"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(f"{escape(r['title'])}\n[dim]{escape(r['plan'])}[/dim]", _ACTION_ZH[r["action"]],
                          escape(r["state"] or ""), r["flow_run_id"] or "", "\n".join(r["crashed"]))
        out.print(table)
        out.print(verdict, markup=False)
    raise typer.Exit(code)


def _dry_run(day: Any, plan_choice: str | None, as_json: bool) -> None:
    """What today's run would send, from the database's facts, leaving out what the outbox already holds."""
    from cli.board import load_context
    from cli.common import today
    from cli.notify import message_dict, print_preview
    from tasks.notify import drafts_for_day

    plan, engine, facts = load_context(plan_choice, None)
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
    """服务每个计划的全部部署：每天 09:00（计划所在时区）重算，以及报送、审核、闸门 / serve every plan's deployments."""
    from cli.plans import plans_to_load

    plans = plans_to_load(Context())
    _prefect_env()
    from flows.deployments import DAILY_CRON, serve_all

    for p in plans:
        out.print(f"部署 deployments（{p.title}）: reconcile/{p.id}（{DAILY_CRON} {p.settings.timezone}）、gate/{p.id}、"
                  f"checkin/{p.id}、review/{p.id}", markup=False)
    with _server_refusal():
        serve_all(plans)


def deploy(
    pool: Annotated[str, typer.Option("--pool", help="Prefect 进程工作池名称（不存在则创建）/ process work pool name.")],
) -> None:
    """在 Prefect 服务器上为每个计划注册部署（工作池），任意多个 worker 共同运行 / register every plan's deployments on a work pool.

    之后在每台运行机器上：prefect worker start --pool NAME（同一代码路径、同样的 LIANGSHAN_* 环境）。
    """
    from cli.plans import plans_to_load

    if not os.environ.get("PREFECT_API_URL"):
        fail("deploy 需要 Prefect 服务器：请设置 PREFECT_API_URL / deploy needs a Prefect server (PREFECT_API_URL)")
    if not pool.strip():
        fail("--pool 不能为空 / --pool must name a work pool")
    plans = plans_to_load(Context())
    _prefect_env()
    from flows.deployments import deploy_to_pool

    with _server_refusal():
        names = deploy_to_pool(plans, pool)
    out.print(f"已在工作池 {pool} 注册 {len(names)} 个部署（{len(plans)} 个计划）/ registered {len(names)} deployments:",
              markup=False)
    for name in names:
        out.print(f"  {name}", markup=False)
    out.print(f"在每台运行机器上启动 worker / start workers: prefect worker start --pool {pool}", markup=False)
