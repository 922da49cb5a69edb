"""``liangshan people``: the office's contact list (通讯录) — import the office's spreadsheet, list, remove."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.common import err, fail, out
from cli.context import Context, actor, exit_refused

app = typer.Typer(help="通讯录：导入、查看、删除各单位的经办人、分管领导等 / the contact list of people.", no_args_is_help=True)

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file (默认 LIANGSHAN_PLAN).")]
_PROBLEM_LIMIT = 50  # a wholly wrong file would print thousands; the first fifty show the pattern


@app.command("import")
def import_people(
    file: Annotated[Path, typer.Argument(help="通讯录 .xlsx 或 UTF-8 .csv；列：单位、姓名、角色、企业微信账号、手机、邮箱")],
    plan_file: PlanOpt = None,
) -> None:
    """导入通讯录：全部行无误才导入（否则一行也不导入）；同一文件重复导入不改变任何内容；按（单位，姓名）更新
    / import the contact list: all rows or none; by (bureau, name)."""
    from config.sheet import SheetError, read_sheet
    from core.people import parse_people
    from db.people import PeopleRefusal
    from db.people import import_people as store

    ctx = Context.ready(plan_file)
    plan = ctx.plan
    try:
        sheet = read_sheet(file)
    except SheetError as exc:
        fix = f"（{exc.fix}）" if exc.fix else ""
        fail(f"{file}: {exc.zh}{fix} / {exc.en}；未导入任何内容 / nothing was imported")
    people, problems = parse_people(sheet.header, sheet.rows, {b: plan.bureau_name(b) for b in plan.bureaus})
    if not problems:
        try:
            report = store(ctx.sessions, plan_id=plan.id, people=[(n, p) for (n, _), p in zip(sheet.rows, people, strict=True)],
                           actor=actor())
        except PeopleRefusal as exc:
            problems = exc.problems
    if problems:
        for problem in problems[:_PROBLEM_LIMIT]:
            err.print(f"{file}: {problem}", markup=False, style="red")
        more = f"（只列出前 {_PROBLEM_LIMIT} 处）" if len(problems) > _PROBLEM_LIMIT else ""
        fail(f"{file}: 共 {len(problems)} 处问题{more}，未导入任何内容 / {len(problems)} problem(s); nothing was imported")
    names = {b: plan.bureau_name(b) for b in plan.bureaus}
    out.print(f"通讯录 {file.name}：新增 {len(report.created)} 人，更新 {len(report.updated)} 人，未变 {report.unchanged} 人"
              f" / added {len(report.created)}, updated {len(report.updated)}, unchanged {report.unchanged}", markup=False)
    from core.people import FIELD_ZH

    for person, fields in report.updated:
        out.print(f"  更新 {person.name}（{names[person.bureau]}）：{'、'.join(FIELD_ZH[f] for f in fields)}", markup=False)
    if report.absent:
        kept = "、".join(report.absent[:20])
        out.print(f"  文件中没有的 {len(report.absent)} 人保留未动（删除用 liangshan people remove 编号）：{kept}", markup=False)


@app.command("list")
def list_people(
    bureau: Annotated[str | None, typer.Option("--bureau", help="只列出该单位 / one bureau only.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")] = False,
    plan_file: PlanOpt = None,
) -> None:
    """查看通讯录（手机号只显示前三位和后四位）/ list the contact list (mobile numbers masked)."""
    from db.people import list_people as rows_of

    ctx = Context.ready(plan_file)
    plan = ctx.plan
    if bureau is not None and bureau not in plan.bureaus:
        fail(f"未知的单位“{bureau}” / unknown bureau {bureau!r}")
    with ctx.sessions() as session:
        rows = rows_of(session=session, plan_id=plan.id, bureau=bureau)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"通讯录 contact list（{len(rows)} 人）")
    for column in ("编号", "单位", "姓名", "角色", "企业微信账号", "手机", "邮箱"):
        table.add_column(column)
    for r in rows:
        userid = r["wecom_userid"] + (f"（企业微信：{_PROBLEM_ZH.get(r['wecom_problem'], r['wecom_problem'])}）"
                                      if r["wecom_problem"] else "")
        table.add_row(str(r["id"]), plan.bureau_name(r["bureau"]), r["name"], r["role"], userid or "—", r["mobile"] or "—",
                      r["email"] or "—")
    out.print(table)


_PROBLEM_ZH = {"invaliduser": "账号无效", "unlicenseduser": "未获应用许可"}  # as tasks.wecom_app says them


@app.command("remove")
def remove(
    person_id: Annotated[int, typer.Argument(help="编号（people list 中的编号）/ the person's id.")],
    plan_file: PlanOpt = None,
) -> None:
    """从通讯录删除一人（其个人链接随即失效）/ remove a person; their links stop working."""
    from db.people import remove_person
    from db.records import Refusal

    ctx = Context.ready(plan_file)
    try:
        gone = remove_person(ctx.sessions, plan_id=ctx.plan.id, person_id=person_id, actor=actor())
    except Refusal as exc:
        exit_refused(exc)
    out.print(f"已删除 {gone['name']}（{ctx.plan.bureau_name(gone['bureau'])}·{gone['role']}） / removed", markup=False)
