"""Many plans in one installation: ``liangshan plans`` and ``liangshan status --all``.

The plans are the files of ``LIANGSHAN_PLANS`` (default ``config/plans/``), or the one file
``LIANGSHAN_PLAN`` when it is set; facts are read per plan id from the one database.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import compile_plan, fail, out, print_problems
from cli.context import Context
from config.plans import PlanEntry, installed_plans
from core.plan import Plan
from core.serialize import LIGHT_EMOJI

__all__ = ["plans", "plans_to_load", "status_all"]


def _entries(ctx: Context) -> list[PlanEntry]:
    """The installation's plans, or exit 2 when there is none or two files declare one id."""
    entries = installed_plans(ctx.settings)
    if not entries:
        fail(f"计划文件夹 {ctx.settings.plans} 中没有计划文件（*.yaml）/ no plan file in {ctx.settings.plans}")
    twice = sorted(pid for pid, n in Counter(e.id for e in entries if e.id).items() if n > 1)
    if twice:
        files = "、".join(str(e.path) for e in entries if e.id in twice)
        fail(f"计划 id 重复：{'、'.join(twice)}（{files}）；每个计划的 id 应唯一 / duplicate plan ids: {', '.join(twice)}")
    return entries


def plans_to_load(ctx: Context) -> list[Plan]:
    """Every plan of the installation compiled, or print every problem and exit 2 (nothing loaded)."""
    compiled: list[Plan] = []
    for entry in _entries(ctx):
        plan, problems = compile_plan(entry.path)
        if plan is None:
            print_problems(problems)
            count = sum(p.severity == "error" for p in problems)
            fail(f"计划文件 {entry.path} 有 {count} 处错误，未做任何改动 / {entry.path} has {count} error(s); nothing was done")
        compiled.append(plan)
    return compiled


def _loaded_hashes(ctx: Context, ids: list[str]) -> dict[str, str] | None:
    """The content hash of each plan's version in force in the database (None before init)."""
    if not ctx.schema_ready():
        return None
    from db.repo import latest_plan_version

    hashes: dict[str, str] = {}
    with ctx.sessions() as session:
        for pid in ids:
            version = latest_plan_version(session=session, plan_id=pid)
            if version is not None:
                hashes[pid] = version.content_hash
    return hashes


def _plan_row(entry: PlanEntry, plan: Plan | None, errors: int, hashes: dict[str, str] | None) -> dict[str, Any]:
    row: dict[str, Any] = {"id": entry.id, "title": entry.title, "file": str(entry.path), "valid": plan is not None,
                           "errors": errors, "steps": None, "phases": [], "tracking_since": None, "in_database": None}
    if plan is not None:
        since = plan.settings.tracking_since
        row.update(id=plan.id, title=plan.title, steps=len(plan.steps),
                   phases=[{"id": p.id, "title": p.title} for p in plan.phases],
                   tracking_since=since.isoformat() if since else None)
        if hashes is not None:
            row["in_database"] = hashes.get(plan.id) == plan.content_hash
    return row


def plans(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False) -> None:
    """列出全部计划：id、名称、文件、步骤数、阶段、跟踪起始日，以及数据库是否已载入当前版本 / list the plans."""
    ctx = Context()
    entries = installed_plans(ctx.settings)
    compiled = [compile_plan(e.path) for e in entries]
    hashes = _loaded_hashes(ctx, [p.id for p, _ in compiled if p is not None])
    rows = [_plan_row(e, plan, sum(p.severity == "error" for p in problems), hashes)
            for e, (plan, problems) in zip(entries, compiled, strict=True)]
    if as_json:
        typer.echo(json.dumps({"folder": str(ctx.settings.plans), "plans": rows}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"计划 plans（{len(rows)} 个，{ctx.settings.plan if ctx.settings.plan_set else ctx.settings.plans}）")
    for column in ("计划 id", "名称", "文件", "步骤", "阶段", "跟踪起始", "数据库"):
        table.add_column(column, overflow="fold")
    for r in rows:
        if not r["valid"]:
            table.add_row(escape(r["id"] or "?"), escape(r["title"] or ""), escape(r["file"]), "", "",
                          "", f"[red]有 {r['errors']} 处错误（liangshan plan validate {escape(r['file'])}）[/red]")
            continue
        stored = {None: "未初始化", True: "已载入当前版本", False: "[yellow]未载入当前版本（liangshan init）[/yellow]"}
        table.add_row(escape(r["id"]), escape(r["title"]), escape(r["file"]), str(r["steps"]),
                      escape("、".join(p["title"] for p in r["phases"])),
                      r["tracking_since"] or "计划开始", stored[r["in_database"]])
    out.print(table)
    if any(not r["valid"] for r in rows):
        raise typer.Exit(2)


def status_all(as_of: str | None, as_json: bool) -> None:
    """One row per plan: lights, progress, overdue, next deadline and forecast end, from the database."""
    from cli.common import parse_day, today
    from db.portfolio import portfolio_rows

    ctx = Context()
    compiled = plans_to_load(ctx)
    day = parse_day(as_of, "--as-of") if as_of else today(compiled[0])
    ready = ctx.schema_ready()
    if ready:
        with ctx.sessions() as session:
            rows = portfolio_rows(compiled, ctx.calendar, day, session)
    else:
        rows = portfolio_rows(compiled, ctx.calendar, day, None)
    if not ready:
        from cli.common import err

        err.print("提示 notice: 数据库尚未初始化（liangshan init），看板按没有任何报送记录显示 / "
                  "no database yet: the boards show no facts", markup=False, style="yellow")
    if as_json:
        typer.echo(json.dumps({"as_of": day.isoformat(), "plans": rows}, ensure_ascii=False, indent=2))
        return
    out.print(_portfolio_table(rows, day.isoformat()))


def _portfolio_table(rows: list[dict[str, Any]], day: str) -> Table:
    table = Table(title=f"全部计划 all plans：截至 {day}（{len(rows)} 个）")
    for column in ("计划", "灯", "完成", "逾期", "下一个截止", "预计完成", "最后一步截止"):
        table.add_column(column, overflow="fold")
    for r in rows:
        lights = "  ".join(f"{LIGHT_EMOJI[k]} {n}" for k, n in r["lights"].items())
        nxt = r["next_deadline"]
        table.add_row(f"{escape(r['title'])}\n[dim]{escape(r['id'])}[/dim]", lights, f"{r['progress']}%",
                      f"[red]{r['overdue']}[/red]" if r["overdue"] else "0",
                      f"{nxt['due']} {escape(nxt['title'])}\n[dim]{nxt['step']}[/dim]" if nxt else "无",
                      r["forecast_end"] or "", r["end_due"] or "")
    return table
