"""Commands that record and read facts: init, db, checkin, review, history, import, verify."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import err, fail, out, print_problems
from cli.context import Context, actor, exit_refused
from cli.exits import Exit

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file (默认 LIANGSHAN_PLAN).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")]

db_app = typer.Typer(help="数据库迁移 / database migrations.", no_args_is_help=True)


def _parse_at(text: str | None) -> Any:
    if text is None:
        return None
    from config.events import parse_moment

    try:
        return parse_moment(text)
    except ValueError:
        fail(f"--at “{text}” 不是日期或时间，应写成 2024-04-08 或 2024-04-08T10:30 / --at is not a date or date-time")


def init(plan_file: PlanOpt = None) -> None:
    """初始化：数据库迁移到最新版本，并载入计划文件夹中的每个计划（或 --plan 给出的一个；重复运行不会改变任何内容）
    / migrate and load every plan of the folder, or the one given."""
    from cli.plans import plans_to_load
    from db import migrate
    from db.engine import redact_url
    from db.plans import load_plan_version
    from db.records import Refusal

    ctx = Context(plan_file)
    plans = [ctx.file_plan] if plan_file is not None else plans_to_load(ctx)
    _check_private(ctx)
    before = migrate.current(ctx.engine)
    migrate.upgrade(ctx.engine)
    after = migrate.current(ctx.engine)
    moved = f"{before or '空'} → {after}" if before != after else f"{after}（已是最新 up to date）"
    out.print(f"数据库 database: {redact_url(ctx.url)}  迁移 migration: {moved}", markup=False)
    for plan in plans:
        text = Path(plan.source).read_text(encoding="utf-8")
        try:
            load = load_plan_version(ctx.sessions, plan, text, actor())
        except Refusal as exc:
            exit_refused(exc)
        state = "已载入新版本 loaded" if load.changed else "未改变 unchanged"
        out.print(f"计划 plan: {plan.id} {plan.title}  {state}（{load.content_hash[:12]}）", markup=False)


def _check_private(ctx: Context) -> None:
    """Create the home and its reports folder private (0700); say so when an existing one is more open."""
    from config.store import make_private_dir, too_open

    existed = ctx.home.exists()
    make_private_dir(ctx.home)
    make_private_dir(ctx.home / "reports")
    places = [ctx.home, ctx.home / "reports"]
    if ctx.url.startswith("sqlite"):
        places.append(Path(ctx.url.split("///", 1)[1]))
    for place in places:
        mode = too_open(place)
        if mode is not None:
            fix = f"chmod {'600' if place.is_file() else '700'} {place}"
            err.print(f"注意：{place} 的权限为 {mode}，服务器上的其他账号可以读取（通讯录、证明材料、报告）；"
                      f"建议运行 {fix} / {place} is mode {mode}: other accounts can read it; run `{fix}`",
                      markup=False, style="yellow")
        elif place == ctx.home and not existed:
            out.print(f"数据目录 home: {place}（权限 0700，仅服务账号可读 / private to this account）", markup=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """迁移到最新版本 / migrate to the newest revision."""
    from db import migrate

    ctx = Context()
    before = migrate.current(ctx.engine)
    migrate.upgrade(ctx.engine)
    out.print(f"{before or '空'} → {migrate.current(ctx.engine)}")


@db_app.command("current")
def db_current() -> None:
    """显示数据库当前版本和代码的最新版本 / show the database's revision and the code's head."""
    from db import migrate

    ctx = Context()
    current, head = migrate.current(ctx.engine), migrate.head()
    lag = "" if current == head else "  需要迁移 needs upgrade"
    out.print(f"数据库 current: {current or '空 (none)'}   代码 head: {head}{lag}")
    if current != head:
        raise typer.Exit(int(Exit.FINDING))


def checkin(
    step: Annotated[str, typer.Argument(help="步骤 id，如 mobilize.work-plan / step id.")],
    by: Annotated[str, typer.Option("--by", help="报送单位 id / the bureau checking in.")],
    deliverable: Annotated[list[str] | None, typer.Option("--deliverable", help="成果 id，可重复；默认全部 / deliverable.")] = None,
    file: Annotated[list[Path] | None, typer.Option("--file", help="附件，可重复 / evidence file (repeatable).")] = None,
    note: Annotated[str, typer.Option("--note", help="说明 / note.")] = "",
    at: Annotated[str | None, typer.Option("--at", help="实际报送时间，默认现在（北京时间）/ when it happened.")] = None,
    on_behalf_of: Annotated[
        str | None, typer.Option("--on-behalf-of", help="办公室代报的责任单位 / owner the office records for.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="前置未完成时强制登记（仅办公室）/ record although blocked.")] = False,
    reason: Annotated[str, typer.Option("--reason", help="强制登记的原因 / why it is forced.")] = "",
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """报送成果：记录某单位报送某步骤的成果及附件 / check in a step's deliverables with evidence."""
    from db.records import CheckInRequest, Refusal

    ctx = Context(plan_file)
    request = CheckInRequest(step, by, tuple(deliverable or ()), tuple(file or ()), note, _parse_at(at), on_behalf_of,
                             force, reason)
    try:
        outcome = ctx.recorder().checkin(request)
    except Refusal as exc:
        exit_refused(exc)
    rows = outcome.created + outcome.existing
    if not as_json and rows and all(r.get("contribution") for r in rows):
        out.print(contribution_line(ctx.plan, step, rows, again=not outcome.created), markup=False)
        return
    _report(outcome, as_json, "报送")


def contribution_line(plan: Any, step_id: str, rows: list[dict[str, Any]], again: bool = False) -> str:
    """One line saying a 配合单位's hand-in went to the lead as material, and does not close the step."""
    step = plan.steps[step_id]
    files = {f["sha256"] for r in rows for f in r.get("files", ())}
    what = "、".join(dict.fromkeys(r["deliverable_id"] for r in rows))
    lead = plan.bureau_name(step.lead)
    prefix = "已有相同记录，未重复登记：" if again else ""
    return (f"{prefix}配合材料已报送牵头单位 {lead}（{step_id} / {what}，附件 {len(files)} 个）；"
            f"步骤由牵头单位汇总报送后完成 / contribution sent to the lead {step.lead}; the lead's hand-in completes the step")


def review(
    step: Annotated[str, typer.Argument(help="步骤 id / step id.")],
    by: Annotated[str, typer.Option("--by", help="审核单位，应为 office / the reviewer (office).")],
    accept: Annotated[bool, typer.Option("--accept", help="审核通过 / accept.")] = False,
    give_back: Annotated[bool, typer.Option("--return", help="退回 / return.")] = False,
    reason: Annotated[str, typer.Option("--reason", help="退回原因 / why it is returned.")] = "",
    resubmit_by: Annotated[str | None, typer.Option("--resubmit-by", help="重新报送期限 YYYY-MM-DD / resubmit by.")] = None,
    deliverable: Annotated[list[str] | None, typer.Option("--deliverable", help="成果 id；默认全部待审核的 / deliverable.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="审核时间，默认现在 / when it happened.")] = None,
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """审核：办公室通过或退回已报送的成果 / the office accepts or returns checked-in deliverables."""
    from db.records import Refusal, ReviewRequest

    if accept == give_back:
        fail("请二选一：--accept 或 --return / give exactly one of --accept and --return")
    due: date | None = None
    if resubmit_by is not None:
        try:
            due = date.fromisoformat(resubmit_by)
        except ValueError:
            fail(f"--resubmit-by “{resubmit_by}” 不是日期（YYYY-MM-DD）/ not a date")
    ctx = Context(plan_file)
    request = ReviewRequest(step, by, "accept" if accept else "return", reason, due, tuple(deliverable or ()), _parse_at(at))
    try:
        outcome = ctx.recorder().review(request)
    except Refusal as exc:
        exit_refused(exc)
    _report(outcome, as_json, "审核")


def import_events(
    events_file: Annotated[Path, typer.Argument(help="事件文件（YAML），格式同 status --events / events file.")],
    plan_file: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导入已发生的进展（按实际日期），全部成功或全部不写入 / import past progress, all or nothing.

    报送、审核、签收、延期、指标数值和典型案例 / check-ins, reviews, acks, extensions, values and cases.
    """
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from config.errors import InvalidFile
    from config.events import events_plan, load_event_rows
    from db.records import ImportItem, Outcome, Refusal

    ctx = Context(plan_file)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    try:
        rows = load_event_rows(events_file, ctx.plan, today=today)
    except InvalidFile as exc:
        print_problems(exc.problems)
        fail(f"事件文件有 {len(exc.errors)} 处错误，未导入任何内容 / nothing was imported")
    try:
        outcome = ctx.recorder(events_plan(ctx.plan, rows)).import_events(
            [ImportItem(r.event, r.files, r.line) for r in rows])
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        _report(outcome, as_json, "导入")
        return
    for row, again in [*((r, "") for r in outcome.created),
                       *((r, "（已有相同记录，未重复登记 already recorded）") for r in outcome.existing)]:
        if row.get("type") == "value":
            out.print(f"已导入 recorded: 指标 {row['indicator']} {row['year']} 年 = {row['value']:g}{row['unit']}{again}",
                      markup=False)
        elif row.get("type") == "task":
            done = (f"撤销交办事项 {row['id']}：{row['close_reason']}" if row["closed"]
                    else f"交办事项 {row['id']}《{row['title']}》")
            out.print(f"已导入 recorded: {done}{again}", markup=False)
        elif row.get("type") == "case":
            out.print(f"已导入 recorded: 案例 主题 {row['theme']}《{row['title']}》（{row['year']}）{again}", markup=False)
        elif row.get("type") == "progress":
            out.print(f"已导入 recorded: 进展 {row['step']} {row['bureau']} {row['period']}（第 {row['version']} 版）{again}",
                      markup=False)
    _report(Outcome([r for r in outcome.created if "type" not in r], [r for r in outcome.existing if "type" not in r]),
            as_json, "导入")


def history(
    step: Annotated[str | None, typer.Option("--step", help="只看某个步骤 / only this step.")] = None,
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
) -> None:
    """操作记录：谁在何时记录了什么（只增不改）/ the audit trail."""
    from core.serialize import ACTION_ZH
    from db import repo

    ctx = Context.ready(plan_file)
    with ctx.sessions() as session:
        entries = repo.history(session=session, plan_id=ctx.plan.id, step_id=step)
        rows: list[dict[str, Any]] = [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "entity": e.entity,
                 "entity_id": e.entity_id, "before": e.before, "after": e.after} for e in entries]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"操作记录 audit trail（{len(rows)} 条，北京时间）")
    for column in ("#", "录入时间", "录入人", "操作", "对象", "发生时间"):
        table.add_column(column)
    for r in rows:
        happened = (r["after"] or {}).get("happened_at")
        table.add_row(str(r["id"]), _local(r["at"]), r["actor"], ACTION_ZH.get(r["action"], r["action"]), r["entity_id"],
                      _local(happened) if happened else "")
    out.print(table)


def verify(plan_file: PlanOpt = None) -> None:
    """校验成果档案：重新计算每个文件的哈希，按步骤和单位报告缺失或被改动的文件（有问题时退出码 1）/ verify the archive."""
    from db.verify import verify_archive

    ctx = Context.ready(plan_file)
    findings, checked = verify_archive(ctx.sessions, ctx.home)
    plan = ctx.plan

    def step_text(plan_id: str, step_id: str) -> str:
        step = plan.steps.get(step_id) if plan_id == plan.id else None
        return f"{step_id}（{step.title}）" if step else (step_id if plan_id == plan.id else f"{plan_id} / {step_id}")

    def bureau_text(bureau: str, by: str) -> str:
        behalf = f"，{plan.bureau_name(by)}代报" if by != bureau else ""
        return f"{plan.bureau_name(bureau)}（{bureau}{behalf}）"

    kinds = {"indicator": "指标数值", "case": "典型案例", "project": "项目"}
    tally: dict[tuple[str, str], list[int]] = {}
    for f in findings:
        what = "缺失 missing" if f.kind == "missing" else "被改动 altered"
        out.print(f"{what}: {'、'.join(f.names) or '（无文件名）'}  sha256 {f.sha256[:12]}  {f.path}", markup=False,
                  style="red")
        for use in f.uses:
            where = (f"步骤 {step_text(use.plan_id, use.step_id)} · 成果 {use.label}" if use.step_id is not None
                     else f"{kinds[use.kind]} {use.label}")
            out.print(f"    {where} · 单位 {bureau_text(use.bureau, use.by)} · 报送时文件名 {use.original_name}",
                      markup=False)
            key = (step_text(use.plan_id, use.step_id) if use.step_id is not None else kinds[use.kind],
                   plan.bureau_name(use.bureau))
            tally.setdefault(key, [0, 0])[0 if f.kind == "missing" else 1] += 1
        if not f.uses:
            out.print("    没有记录引用此文件 / no record cites this file", markup=False)
    if tally:
        out.print("按步骤和单位 / by step and bureau:", markup=False)
    for (where, bureau), (missing, altered) in tally.items():
        out.print(f"  {where} · {bureau}：缺失 {missing} 个，被改动 {altered} 个 / missing {missing}, altered {altered}",
                  markup=False)
    out.print(f"已校验 {checked} 个文件，{len(findings)} 个有问题 / {checked} files checked, {len(findings)} problem(s)")
    if findings:
        raise typer.Exit(int(Exit.FINDING))


def _local(stamp: str) -> str:
    """An ISO timestamp as Beijing time, to the minute."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(stamp).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")




def _report(outcome: Any, as_json: bool, verb: str) -> None:
    if as_json:
        typer.echo(json.dumps({"created": outcome.created, "existing": outcome.existing}, ensure_ascii=False, indent=2))
        return
    for row in outcome.created:
        extra = f"，附件 {len(row['files'])} 个" if row.get("files") else ""
        version = f"（第 {row['version']} 版）" if "version" in row else ""
        if "decision" in row:
            version = "（审核通过）" if row["decision"] == "accept" else f"（退回：{row['reason']}）"
        out.print(f"已{verb} recorded: {row['step_id']} / {_what(row)}{version}{extra}", markup=False)
    for row in outcome.existing:
        out.print(f"已有相同记录，未重复登记 already recorded: {row['step_id']} / {_what(row)}", markup=False)


def _what(row: dict[str, Any]) -> str:
    """A check-in's or review's deliverable; an acknowledgement's (签收) or extension's bureau."""
    return str(row.get("deliverable_id") or row.get("bureau", ""))
