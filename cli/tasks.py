"""``liangshan task``: 交办事项 — what a dispatch meeting (or a leader's 批示) decides, tracked to 销号 like a step."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from cli.common import fail, out
from cli.context import Context, actor, exit_refused
from cli.facts import _parse_at as parse_at

app = typer.Typer(help="交办事项：会议议定事项、领导批示，像步骤一样跟踪到销号 / assigned tasks.", no_args_is_help=True)

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")]


@app.command("add")
def add(
    title: Annotated[str, typer.Option("--title", help="事项内容 / what is to be done.")],
    owners: Annotated[str, typer.Option("--owners", help="责任单位 id，逗号分隔，牵头单位在前 / owners, lead first.")] = "",
    due: Annotated[str, typer.Option("--due", help="完成时限：2027-01-29 或计划用语如 2027年1月底 / due.")] = "",
    meeting: Annotated[str | None, typer.Option("--meeting", help="议定该事项的调度会议步骤，如 meetings.2026q4.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="批示：领导批示（须给 --ref）/ 批示 for a leader's.")] = None,
    ref: Annotated[str, typer.Option("--ref", help="批示文号 / the instruction's reference.")] = "",
    deliverable: Annotated[str, typer.Option("--deliverable", help="成果名称，默认“落实情况” / deliverable title.")] = "落实情况",
    review: Annotated[bool, typer.Option("--review", help="报送后须办公室审核 / the office reviews the hand-in.")] = False,
    at: Annotated[str | None, typer.Option("--at", help="交办时间，默认现在 / when decided.")] = None,
    by: Annotated[str, typer.Option("--by", help="交办单位，只能是 office / only the office.")] = "office",
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """登记交办事项，打印其编号（task.N）/ record a task; prints its id."""
    from db.refusals import Refusal
    from db.tasks import TaskRequest, add_task

    ctx = Context.ready(plan_file)
    if not due.strip():
        fail("请给出完成时限 --due（如 2027-01-29 或 2027年1月底）/ --due is required")
    request = TaskRequest(title, tuple(o for o in owners.replace("，", ",").split(",")), due, meeting, source, ref,
                          deliverable, review, parse_at(at), by)
    try:
        row = add_task(ctx.sessions, ctx.file_plan, actor(), request)
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps(row, ensure_ascii=False, indent=2))
        return
    typer.echo(row["id"])
    lead = ctx.file_plan.bureau_name(row["lead"])
    out.print(f"已交办 recorded: {row['id']}《{row['title']}》牵头 {lead}，{row['due']} 前完成", markup=False)


@app.command("list")
def list_tasks(as_json: JsonOpt = False, plan_file: PlanOpt = None) -> None:
    """交办事项清单（含已撤销）/ every task, withdrawn ones marked."""
    from db.tasks import due_shown, task_rows

    ctx = Context.ready(plan_file)
    with ctx.sessions() as session:
        rows = task_rows(session=session, plan_id=ctx.file_plan.id)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{ctx.file_plan.title}：交办事项（{len(rows)} 项）")
    for column in ("编号", "事项", "责任单位", "完成时限", "来源", "状态"):
        table.add_column(column, overflow="fold")
    for r in rows:
        source = f"领导批示（{r['ref']}）" if r["source"] == "批示" else r["source"]
        state = f"已撤销：{r['close_reason']}" if r["closed"] else "跟踪中"
        table.add_row(r["id"], r["title"], "、".join(ctx.file_plan.bureau_name(o) for o in r["owners"]), due_shown(r),
                      source, state)
    out.print(table)


@app.command("close")
def close(
    task: Annotated[str, typer.Argument(help="交办事项编号，如 task.3 / task id.")],
    reason: Annotated[str, typer.Option("--reason", help="撤销原因 / why it is withdrawn.")] = "",
    at: Annotated[str | None, typer.Option("--at", help="撤销时间，默认现在 / when.")] = None,
    by: Annotated[str, typer.Option("--by", help="只能是 office / only the office.")] = "office",
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """办公室撤销交办事项（写明原因）：它离开看板，记录保留 / the office withdraws a task."""
    from db.refusals import Refusal
    from db.tasks import close_task

    ctx = Context.ready(plan_file)
    try:
        row = close_task(ctx.sessions, ctx.file_plan, actor(), task, reason, by, parse_at(at))
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps(row, ensure_ascii=False, indent=2))
        return
    out.print(f"已撤销 withdrawn: {row['id']}《{row['title']}》：{row['close_reason']}", markup=False)
