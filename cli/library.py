"""``liangshan case`` and ``liangshan project``: typical cases (附件2) and the project library (项目库)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from cli.common import fail, out, parse_when, read_rows
from cli.context import Context, actor, exit_refused

case_app = typer.Typer(help="典型案例（附件2）/ typical cases.", no_args_is_help=True)
project_app = typer.Typer(help="项目库 / the project library.", no_args_is_help=True)

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")]
FilesOpt = Annotated[list[Path] | None, typer.Option("--file", help="图片或材料，可重复 / files.")]


def _this_year() -> int:
    return datetime.now(ZoneInfo("Asia/Shanghai")).year


@case_app.command("add")
def case_add(
    theme: Annotated[str, typer.Option("--theme", help="主题编号 1-8 / theme.")],
    by: Annotated[str, typer.Option("--by", help="素材提供单位 id / bureau.")],
    title: Annotated[str, typer.Option("--title", help="案例标题 / title.")],
    summary: Annotated[str, typer.Option("--summary", help="简介 / summary.")] = "",
    year: Annotated[int | None, typer.Option("--year", help="年度，默认今年 / year.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="报送日期 YYYY-MM-DD，默认现在 / when contributed.")] = None,
    file: FilesOpt = None,
    plan_file: PlanOpt = None,
) -> None:
    """报送典型案例（建议图文并茂）/ add a typical case."""
    from db.library import CaseRequest, add_case
    from db.records import Refusal

    ctx = Context.ready(plan_file)
    request = CaseRequest(theme, by, title, year or _this_year(), summary, tuple(file or ()), parse_when(at, "--at"))
    try:
        after = add_case(ctx.sessions, ctx.plan, ctx.home, actor(), request)
    except Refusal as exc:
        exit_refused(exc)
    if after.get("existing"):
        out.print(f"已有相同案例，未重复登记 already recorded: 主题 {after['theme']} 《{after['title']}》（{after['year']}）",
                  markup=False)
        return
    out.print(f"已登记案例 recorded: 主题 {after['theme']} 《{after['title']}》（{after['year']}），附件 {len(after['files'])} 个",
              markup=False)


@case_app.command("import")
def case_import(
    cases_file: Annotated[Path, typer.Argument(help="YAML：cases: [{theme, by, title, year, summary, at, files}]")],
    plan_file: PlanOpt = None,
) -> None:
    """导入典型案例（全部成功或全部不写入）/ import cases, all or nothing."""
    from db.library import CaseRequest, add_cases
    from db.records import Refusal

    ctx = Context.ready(plan_file)
    requests = []
    for n, row in enumerate(read_rows(cases_file, "cases"), start=1):
        try:
            files = tuple(cases_file.resolve().parent / f for f in row.get("files") or ())
            requests.append(CaseRequest(str(row["theme"]), str(row["by"]), str(row["title"]), int(row["year"]),
                                        str(row.get("summary", "")), files,
                                        parse_when(row.get("at"), f"{cases_file}: 第 {n} 个案例 at")))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            fail(f"{cases_file}: 第 {n} 个案例有误（{exc}）：需要 theme、by、title、year / case #{n} is malformed")
    try:
        written = add_cases(ctx.sessions, ctx.plan, ctx.home, actor(), requests)
    except Refusal as exc:
        exit_refused(exc)
    again = sum(bool(w.get("existing")) for w in written)
    out.print(f"已导入 {len(written) - again} 个案例" + (f"，{again} 个此前已导入，未重复登记" if again else "")
              + f" / {len(written) - again} cases imported" + (f", {again} already there" if again else ""), markup=False)


@case_app.command("list")
def case_list(
    theme: Annotated[str | None, typer.Option("--theme", help="只看某主题 / theme.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="只看某年度 / year.")] = None,
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """案例清单，及按主题、单位、年度的数量 / cases, with counts per theme and bureau by year."""
    from db.library import case_counts, list_cases

    ctx = Context.ready(plan_file)
    with ctx.sessions() as session:
        cases = list_cases(session=session, plan_id=ctx.plan.id, theme=theme, year=year)
    counts = case_counts(cases)
    if as_json:
        typer.echo(json.dumps({"cases": cases, **counts}, ensure_ascii=False, indent=2))
        return
    titles = {t.id: t.title for t in ctx.plan.case_themes}
    table = Table(title=f"典型案例（{len(cases)} 个）")
    for column in ("年度", "主题", "单位", "标题", "附件"):
        table.add_column(column, overflow="fold")
    for c in cases:
        table.add_row(str(c["year"]), f"{c['theme']} {titles[c['theme']]}", ctx.plan.bureau_name(c["bureau"]), c["title"],
                      str(len(c["files"])))
    out.print(table)
    for row in counts["by_theme"]:
        out.print(f"{row['year']} 年 主题 {row['theme']}：{row['count']} 个", markup=False)


def _project(code: str, name: str | None, by: str | None, year: int | None, planned: float | None, actual: float | None,
             source: str | None, status: str | None, files: list[Path] | None, plan_file: str | None, create: bool) -> None:
    from db.library import PROJECT_STATUS, ProjectRequest, save_project
    from db.records import Refusal

    ctx = Context.ready(plan_file)
    request = ProjectRequest(code, name, by, year, planned, actual, source, status, tuple(files or ()))
    try:
        after = save_project(ctx.sessions, ctx.plan, ctx.home, actor(), request, create)
    except Refusal as exc:
        exit_refused(exc)
    out.print(f"{'已添加' if create else '已更新'} {after['code']}《{after['name']}》：计划 {after['planned']:g} 万元，"
              f"实际 {after['actual']:g} 万元，{PROJECT_STATUS[after['status']]}", markup=False)


Code = Annotated[str, typer.Argument(help="项目编号 / project code.")]
Name = Annotated[str | None, typer.Option("--name", help="项目名称 / name.")]
By = Annotated[str | None, typer.Option("--by", help="责任单位 id / owner.")]
Year = Annotated[int | None, typer.Option("--year", help="年度 / year.")]
Planned = Annotated[float | None, typer.Option("--planned", help="计划投资（万元）/ planned, 10k yuan.")]
Actual = Annotated[float | None, typer.Option("--actual", help="实际投资（万元）/ actual, 10k yuan.")]
Source = Annotated[str | None, typer.Option("--source", help="资金来源 / funding source.")]
Status = Annotated[str | None, typer.Option("--status", help="planned | in_progress | completed | cancelled")]


@project_app.command("add")
def project_add(code: Code, name: Name = None, by: By = None, year: Year = None, planned: Planned = None,
                actual: Actual = None, source: Source = None, status: Status = None, file: FilesOpt = None,
                plan_file: PlanOpt = None) -> None:
    """添加项目：名称、责任单位、年度、计划投资 / add a project."""
    _project(code, name, by, year, planned, actual, source, status, file, plan_file, create=True)


@project_app.command("update")
def project_update(code: Code, name: Name = None, by: By = None, year: Year = None, planned: Planned = None,
                   actual: Actual = None, source: Source = None, status: Status = None, file: FilesOpt = None,
                   plan_file: PlanOpt = None) -> None:
    """更新项目：实际投资、状态、材料 / update a project."""
    _project(code, name, by, year, planned, actual, source, status, file, plan_file, create=False)


@project_app.command("list")
def project_list(
    year: Annotated[int | None, typer.Option("--year", help="只看某年度 / year.")] = None,
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """项目清单及按年度、单位的投资合计（万元）/ projects with totals by year and bureau."""
    from db.library import PROJECT_STATUS, list_projects, project_totals

    ctx = Context.ready(plan_file)
    with ctx.sessions() as session:
        projects: list[dict[str, Any]] = list_projects(session=session, plan_id=ctx.plan.id, year=year)
    totals = project_totals(projects)
    if as_json:
        typer.echo(json.dumps({"projects": projects, **totals}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"项目库（{len(projects)} 个，单位：万元）")
    for column in ("编号", "名称", "单位", "年度", "计划投资", "实际投资", "资金来源", "状态"):
        table.add_column(column, overflow="fold")
    for p in projects:
        table.add_row(p["code"], p["name"], ctx.plan.bureau_name(p["bureau"]), str(p["year"]), f"{p['planned']:g}",
                      f"{p['actual']:g}", p["funding_source"], PROJECT_STATUS[p["status"]])
    out.print(table)
    for row in totals["by_year"]:
        out.print(f"{row['year']} 年合计：计划 {row['planned']:g} 万元，实际 {row['actual']:g} 万元", markup=False)
