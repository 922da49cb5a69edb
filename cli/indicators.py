"""``liangshan indicator``: the twenty indicators of 附件1, their yearly values and verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import fail, out, parse_when, read_rows
from cli.context import Context, actor, exit_refused

app = typer.Typer(help="指标（附件1）：报送数值、导入、评价 / indicators: record, import, report.", no_args_is_help=True)

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file.")]
_VERDICT_ZH = {"met": "达标", "not_met": "未达标", "no_data": "无数据"}


def _value(text: str, flag: bool) -> float:
    from core.indicators import parse_flag

    if flag:
        value = parse_flag(text)
        if value is None:
            fail(f"数值“{text}”应为 是/否（yes/no，1/0）/ a yes/no value")
        return value
    try:
        return float(text.rstrip("%"))
    except ValueError:
        fail(f"数值“{text}”不是数字 / {text!r} is not a number")


@app.command("record")
def record(
    indicator: Annotated[str, typer.Argument(help="指标编号，如 2b / indicator id.")],
    year: Annotated[int, typer.Option("--year", help="年度 / year.")],
    value: Annotated[str, typer.Option("--value", help="数值；获得、建立实施类填 是/否 / value.")],
    by: Annotated[str, typer.Option("--by", help="报送单位 id / reporting bureau.")],
    source: Annotated[str, typer.Option("--source", help="数据来源文件 / source document.")] = "",
    file: Annotated[list[Path] | None, typer.Option("--file", help="证明材料，可重复 / evidence.")] = None,
    target: Annotated[float | None, typer.Option("--target", help="上级下达的当年考核目标 / assigned target.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="单位，应与指标一致 / unit.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="报送日期 YYYY-MM-DD，默认现在 / when reported.")] = None,
    plan_file: PlanOpt = None,
) -> None:
    """报送某指标某年度的数值 / record an indicator's value for a year."""
    from db.indicators import ValueRequest, record_value
    from db.records import Refusal

    ctx = Context.ready(plan_file)
    spec = next((i for i in ctx.plan.indicators if i.id == indicator), None)
    flag = spec is not None and spec.rule.kind in ("achieved", "established")
    request = ValueRequest(indicator, year, _value(value, flag), by, unit, source, tuple(file or ()), target,
                           parse_when(at, "--at"))
    try:
        after = record_value(ctx.sessions, ctx.plan, ctx.home, actor(), request)
    except Refusal as exc:
        exit_refused(exc)
    out.print(f"已记录 recorded: 指标 {after['indicator']} {after['year']} 年 = {after['value']:g}{after['unit']}", markup=False)


@app.command("import")
def import_values(
    values_file: Annotated[Path, typer.Argument(
        help="YAML：values: [{indicator, year, value, by, source, target, files, at}]")],
    plan_file: PlanOpt = None,
) -> None:
    """导入基准值和往年数值（全部成功或全部不写入）/ import baselines and past years, all or nothing."""
    from core.indicators import parse_flag
    from db.indicators import ValueRequest, record_values
    from db.records import Refusal

    ctx = Context.ready(plan_file)
    kinds = {i.id: i.rule.kind for i in ctx.plan.indicators}
    requests = []
    for n, row in enumerate(read_rows(values_file, "values"), start=1):
        try:
            ind = str(row["indicator"])
            raw = str(row["value"])
            value = parse_flag(raw) if kinds.get(ind) in ("achieved", "established") else float(raw.rstrip("%"))
            if value is None:
                raise ValueError(raw)
            files = tuple(values_file.resolve().parent / f for f in row.get("files") or ())
            requests.append(ValueRequest(ind, int(row["year"]), value, str(row["by"]), row.get("unit"),
                                         str(row.get("source", "")), files,
                                         float(row["target"]) if row.get("target") is not None else None,
                                         parse_when(row.get("at"), f"{values_file}: 第 {n} 条 at")))
        except (KeyError, TypeError, ValueError) as exc:
            fail(f"{values_file}: 第 {n} 条数值有误（{exc}）：需要 indicator、year、value、by / value #{n} is malformed")
    try:
        written = record_values(ctx.sessions, ctx.plan, ctx.home, actor(), requests)
    except Refusal as exc:
        exit_refused(exc)
    out.print(f"已导入 {len(written)} 个数值 / {len(written)} values imported", markup=False)


def report_document(ctx: Context, year: int | None) -> dict[str, Any]:
    """The report's JSON contract: year, per indicator value, previous, verdict and reason; project investment."""
    from core.indicators import judge
    from db.indicators import values_by_indicator
    from db.library import list_projects, project_totals

    with ctx.sessions() as session:
        values = values_by_indicator(session=session, plan_id=ctx.plan.id)
        projects = list_projects(session=session, plan_id=ctx.plan.id)
    recorded_years = sorted({y for per in values.values() for y in per})
    chosen = year if year is not None else (recorded_years[-1] if recorded_years else None)
    rows = []
    for ind in ctx.plan.indicators:
        per = values.get(ind.id, {})
        verdict = judge(ind, chosen, per) if chosen is not None else None
        rows.append({
            "id": ind.id, "title": ind.title, "target_text": ind.target_text, "unit": ind.unit,
            "value": verdict.value if verdict else None, "previous": verdict.previous if verdict else None,
            "verdict": verdict.verdict if verdict else "no_data",
            "reason": verdict.reason if verdict else "尚无任何年度数值", "owners": list(ind.owners),
        })
    # The project library's investment of the year, beside indicator 10 (生态环保投入占GDP比重).
    invested = next((t for t in project_totals(projects)["by_year"] if t["year"] == chosen), None)
    return {"year": chosen, "indicators": rows, "project_investment": invested}


@app.command("report")
def report(
    year: Annotated[int | None, typer.Option("--year", help="年度，默认最近有数值的年度 / year.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False,
    plan_file: PlanOpt = None,
) -> None:
    """指标评价：每项指标的数值、上一年、是否达标及原因 / verdict per indicator."""
    ctx = Context.ready(plan_file)
    doc = report_document(ctx, year)
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"指标评价（{doc['year'] or '无数据'} 年度）")
    for column in ("编号", "指标", "目标值", "数值", "上一年", "评价", "原因"):
        table.add_column(column, overflow="fold")
    for r in doc["indicators"]:
        table.add_row(r["id"], r["title"], r["target_text"], "" if r["value"] is None else f"{r['value']:g}",
                      "" if r["previous"] is None else f"{r['previous']:g}", _VERDICT_ZH[r["verdict"]], r["reason"])
    out.print(table)
    if doc["project_investment"]:
        money = doc["project_investment"]
        out.print(f"指标10参考：项目库 {doc['year']} 年计划投资 {money['planned']:g} 万元，实际投资 {money['actual']:g} 万元",
                  markup=False)
