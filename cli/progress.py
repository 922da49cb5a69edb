"""``liangshan progress``: 进展报送 — report progress on a long step, and list what is owed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from cli.common import fail, out, parse_day, today
from cli.context import Context, actor, exit_refused
from cli.facts import _parse_at
from core.progress import STATUS_ZH

app = typer.Typer(help="进展报送：长期步骤按周期报送工作进展 / progress reports on the long steps.", no_args_is_help=True)

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file (默认 LIANGSHAN_PLAN).")]


@app.command("report")
def report(
    step: Annotated[str, typer.Argument(help="步骤 id，如 build.pathways / step id.")],
    by: Annotated[str, typer.Option("--by", help="报送单位 id / the reporting bureau.")],
    text: Annotated[str, typer.Option("--text", help="工作进展（至少 20 字，最多 5000 字）/ what was done.")],
    percent: Annotated[int | None, typer.Option("--percent", help="完成进度 0-100 / percent complete.")] = None,
    problems: Annotated[str, typer.Option("--problems", help="存在问题 / problems.")] = "",
    next_steps: Annotated[str, typer.Option("--next", help="下步打算 / next steps.")] = "",
    file: Annotated[list[Path] | None, typer.Option("--file", help="附件，可重复 / a file (repeatable).")] = None,
    at: Annotated[str | None, typer.Option("--at", help="报送时间，默认现在（北京时间）/ when it happened.")] = None,
    period: Annotated[str | None, typer.Option("--period", help="周期，如 2026q4；默认报送时间所在周期 / period.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False,
    plan_file: PlanOpt = None,
) -> None:
    """报送进展：某单位报送某长期步骤本周期的工作进展 / report a step's progress for a period."""
    from db.progress import ProgressRequest, report_progress
    from db.refusals import Refusal

    ctx = Context(plan_file)
    plan = ctx.plan
    ctx.require_schema()
    request = ProgressRequest(step, by, text, percent, problems, next_steps, tuple(file or ()), _parse_at(at), period)
    try:
        row = report_progress(ctx.sessions, plan, ctx.calendar, ctx.home, actor(), request)
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps(row, ensure_ascii=False))
        return
    if row.get("existing"):
        out.print(f"已有相同的进展报送，未重复登记 / already recorded: {step} {by} {row['period']}", markup=False)
        return
    version = f"（第 {row['version']} 版）" if row["version"] > 1 else ""
    out.print(f"已报送进展 / progress recorded: {step} {plan.bureau_name(by)} {row['period']}{version}", markup=False)


@app.command("list")
def list_reports(
    period: Annotated[str | None, typer.Option("--period", help="只看某周期，如 2026q4 / one period.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="日期 YYYY-MM-DD，默认今天 / default today.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="只看某单位 / one bureau.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False,
    plan_file: PlanOpt = None,
) -> None:
    """应报进展：截至某日每个长期步骤、每个单位、每个周期的报送情况 / the progress reports owed and their status."""
    from db.progress import list_owed
    from db.refusals import Refusal

    ctx = Context(plan_file)
    plan = ctx.plan
    day = parse_day(as_of, "--as-of") if as_of else today(plan)
    if by is not None and by not in plan.bureaus:
        fail(f"--by：未知的单位“{by}” / unknown bureau {by!r}")
    ctx.require_schema()
    try:
        rows = list_owed(ctx.sessions, plan, ctx.calendar, day, period=period, bureau=by)
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    if plan.progress is None:
        out.print("本计划未设置进展报送 / the plan asks for no progress reports")
        return
    table = Table(title=f"截至 {day} 的进展报送 / progress reports as of {day}")
    for column in ("周期 period", "步骤 step", "单位 bureau", "截止 due", "状态 status", "报送时间 received"):
        table.add_column(column)
    zone = ZoneInfo(plan.settings.timezone)
    for r in rows:
        received = r.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if r.received_at else ""
        table.add_row(r.period.words, r.step, plan.bureau_name(r.bureau), r.due.isoformat(),
                      STATUS_ZH[r.status], received)
    out.print(table)
    if not rows:
        out.print("没有应报送的进展 / nothing owed")

