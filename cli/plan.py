"""``liangshan plan``: validate and show the plan file."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.tree import Tree

from cli.common import fail, load_plan_or_exit, out, plan_path, print_problems
from config.loader import check_plan
from core.plan import COLLECT_ZH, COMPLETION_ZH, Plan
from core.serialize import plan_document

app = typer.Typer(help="计划文件：校验与查看 / the plan file: validate and show.", no_args_is_help=True)

PathArg = Annotated[
    str | None,
    typer.Argument(help="计划文件或计划 id；默认 LIANGSHAN_PLAN，否则计划文件夹中唯一的计划 / the plan file or id."),
]


@app.command("validate")
def validate(path: PathArg = None) -> None:
    """校验计划文件，列出全部错误和警告（有错误时退出码 2）/ validate a plan file."""
    file = plan_path(path)
    plan, problems = check_plan(file)
    print_problems(problems)
    if plan is None:
        count = sum(p.severity == "error" for p in problems)
        fail(f"计划无效：{count} 处错误 / plan invalid: {count} error(s)")
    warnings = len(problems)
    out.print(
        f"计划有效 / plan is valid: {plan.title}（{file}）\n"
        f"{len(plan.phases)} 个阶段、{len(plan.tracks)} 项常态化工作、{len(plan.steps)} 个步骤、{len(plan.indicators)} 项指标、"
        f"{len(plan.case_themes)} 个案例主题、{len(plan.assumptions)} 处假设、{warnings} 条警告"
    )


@app.command("show")
def show(
    path: PathArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False,
) -> None:
    """显示计划：阶段、步骤、时间窗口和责任单位 / show phases, steps, windows and owners."""
    plan = load_plan_or_exit(path)
    if as_json:
        typer.echo(json.dumps(plan_document(plan), ensure_ascii=False, indent=2))
        return
    out.print(_tree(plan))
    since = plan.settings.tracking_since
    out.print(f"\n跟踪起始 tracking since: {since}（此前的事项不再提醒或督办）" if since else
              "\n跟踪起始 tracking since: 计划开始（未设置 tracking.since）", markup=False)
    if plan.progress is not None:
        out.print(f"\n进展报送 progress reports: {plan.progress.words()}", markup=False)
    if plan.assumptions:
        out.print(f"\n[bold]假设 / assumptions[/bold]（原文未写明、由本计划文件假定的 {len(plan.assumptions)} 处）")
        for a in plan.assumptions:
            out.print(f"  ※ {a.where}：{a.note}", markup=False)


def _names(plan: Plan, ids: tuple[str, ...]) -> str:
    return "、".join(plan.bureau_name(b) for b in ids)


def _tree(plan: Plan) -> Tree:
    root = Tree(f"[bold]{plan.title}[/bold]")
    for phase in plan.groups:
        branch = root.add(
            f"[bold cyan]{phase.title}[/bold cyan] [dim]{phase.id}[/dim]  "
            f"{phase.window.start:%Y-%m-%d} 至 {phase.window.due:%Y-%m-%d}"
        )
        for sid in phase.step_ids:
            step = plan.steps[sid]
            node = branch.add(
                f"{step.title} [dim]{step.id}[/dim]  {step.window.start:%Y-%m-%d} 至 {step.window.due:%Y-%m-%d}"
                + ("  [magenta]需审核[/magenta]" if step.review else "")
            )
            node.add(f"责任单位：{_names(plan, step.owners)}")
            if len(step.owners) > 1 and not step.collected:
                node.add(f"完成方式 completion: {step.completion}（{COMPLETION_ZH[step.completion]}）")
            if step.collected:
                node.add(f"自动完成：录入{COLLECT_ZH[step.collect]}（{len(step.deliverables)} 项）")
            else:
                node.add("成果：" + "；".join(d.title for d in step.deliverables))
            if step.depends_on:
                node.add("前置：" + "、".join(step.depends_on))
    return root
