"""``liangshan status`` and ``liangshan simulate``: the board as of a day, and the five-year dry run."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import err, fail, out, parse_day, print_problems, today
from cli.context import Context
from core.events import Fact, Facts
from core.indicators import IndicatorValue
from core.joint import waiting_text
from core.plan import Plan, Step
from core.reports import shown_steps, step_marks
from core.serialize import LIGHT_EMOJI, STATUS_ZH, board_document
from core.simulate import Transition, replay
from core.status import Board, Engine, StepStatus
from core.tasks import merge_tasks

PlanOpt = Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file (默认 LIANGSHAN_PLAN).")]
EventsOpt = Annotated[
    Path | None, typer.Option("--events", help="事件文件（YAML）；不给则读数据库 / events file; else the database.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON.")]


def load_context(plan_file: str | Path | None, events_file: Path | None, ctx: Context | None = None) -> tuple[Plan, Engine, Facts]:
    """The plan, an engine on China's calendar, and the facts (the events file, else the database)."""
    ctx = ctx or Context(plan_file)
    if events_file is not None:
        from config.errors import InvalidFile
        from config.events import load_events_and_plan  # pydantic: only when an events file is given

        try:  # the file's tasks (交办事项), not the database's, are steps of the plan it replays
            plan, events = load_events_and_plan(events_file, ctx.file_plan)
        except InvalidFile as exc:
            print_problems(exc.problems)
            fail(f"输入文件有 {len(exc.errors)} 处错误，未做任何改动 / {len(exc.errors)} error(s) in the input")
    else:
        plan = ctx.plan
        events = _database_events(ctx)
    return plan, Engine(plan, ctx.calendar), Facts(events)


def _database_events(ctx: Context) -> list[Fact]:
    if not ctx.schema_ready():
        err.print("提示 notice: 数据库尚未初始化（liangshan init），看板按没有任何报送记录显示 / "
                  "no database yet: the board shows no facts", markup=False, style="yellow")
        return []
    from db.repo import load_all_events

    with ctx.sessions() as session:
        return load_all_events(session=session, plan=ctx.plan)


def status(
    as_of: Annotated[str | None, typer.Option("--as-of", help="日期 YYYY-MM-DD，默认今天（北京时间）/ default today.")] = None,
    events: EventsOpt = None,
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
    all_plans: Annotated[
        bool, typer.Option("--all", help="每个计划一行：灯、完成比例、逾期、下一个截止、预计完成 / one row per plan.")
    ] = False,
) -> None:
    """看板：每个步骤的状态、红黄绿灯、受阻原因和预计完成日期 / the board as of a day."""
    if all_plans:
        if plan_file is not None or events is not None:
            fail("--all 不能与 --plan 或 --events 同用 / --all takes neither --plan nor --events")
        from cli.plans import status_all

        status_all(as_of, as_json)
        return
    ctx = Context(plan_file)
    if events is None and (cached := _cached_facts(ctx, as_of)) is not None:
        plan, engine, facts, day, library = cached
    elif events is None:
        mark = _fact_mark(ctx)  # before the facts are read: a write in between only makes the entry older
        plan = ctx.plan
        tasks = _tasks(ctx) if mark is not None else ([], [])
        found = _database_events(ctx)
        engine, facts = Engine(plan, ctx.calendar), Facts(found)
        day = parse_day(as_of, "--as-of") if as_of else today(plan)
        library = library_for(ctx, day.year)
        if mark is not None:
            from db import factcache

            factcache.store(ctx.home / "cache", mark, _plan_key(ctx.file_plan), day.year, (tasks, found, library))
    else:
        plan, engine, facts = load_context(plan_file, events, ctx)
        day = parse_day(as_of, "--as-of") if as_of else today(plan)
        library = None
    board = engine.board(facts, day)
    _notices(engine)
    if as_json:
        doc = board_document(plan, board)
        if library is not None:
            doc["library"] = library
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    out.print(render_board(plan, board))
    out.print(summary_line(plan, board))
    if library is not None:
        from core.reports import library_line

        out.print(library_line(library), markup=False)


_CACHE_FORMAT = 2  # what status keeps in an entry: ((tasks, closings), facts, library); a change gets new keys


def _plan_key(plan: Plan) -> str:
    return f"{_CACHE_FORMAT}:{plan.id}:{plan.source}:{plan.content_hash}"


def _fact_mark(ctx: Context) -> str | None:
    """The fact cache's key for this database (None: no cache; see db.factcache)."""
    from db import factcache
    from db.schema import EXPECTED_REVISION

    return factcache.mark(ctx.url, EXPECTED_REVISION)


def _cached_facts(ctx: Context, as_of: str | None) -> tuple[Plan, Engine, Facts, date, dict[str, object] | None] | None:
    """The plan (with its tasks), engine, facts, day and library from the fact cache when the database is unchanged
    since they were kept (no SQLAlchemy imported); None otherwise, and status reads the database."""
    mark = _fact_mark(ctx)
    if mark is None:
        return None
    from db import factcache

    # The plan file keys the entry; the database's tasks (交办事项) are kept in it (the mark covers their table)
    # and merged here as Context.plan merges them, so a hit reads no database through SQLAlchemy.
    file_plan = ctx.file_plan
    day = parse_day(as_of, "--as-of") if as_of else today(file_plan)
    found = factcache.load(ctx.home / "cache", mark, _plan_key(file_plan), day.year)
    if not (isinstance(found, tuple) and len(found) == 3 and isinstance(found[0], tuple) and len(found[0]) == 2):
        return None  # no entry, or one kept by other code
    (tasks, closed), events, library = found
    plan = merge_tasks(file_plan, tasks, [c.id for c in closed]) if tasks else file_plan  # as Context.plan does
    return plan, Engine(plan, ctx.calendar), Facts(events), day, library


def _tasks(ctx: Context) -> tuple[list[Any], list[Any]]:
    """The plan's tasks (交办事项) and their closings, kept with the facts so that a hit merges them without SQLAlchemy."""
    from db.tasks import load_tasks

    with ctx.sessions() as session:
        return load_tasks(session=session, plan_id=ctx.file_plan.id)


def library_for(ctx: Context, year: int, values: Mapping[str, Mapping[int, IndicatorValue]] | None = None,
                ) -> dict[str, object] | None:
    """Cases, projects and indicator verdicts from the database, for the board (None before init)."""
    if not ctx.schema_ready():
        return None
    from core.reports import library_summary
    from db.library import library_facts

    with ctx.sessions() as session:
        cases, projects, verdicts = library_facts(session=session, plan=ctx.plan, year=year, values=values)
    return library_summary(ctx.plan, year, cases, projects, verdicts)


def simulate(
    start: Annotated[str, typer.Option("--from", help="起始日期 YYYY-MM-DD / first day.")],
    end: Annotated[str, typer.Option("--to", help="结束日期 YYYY-MM-DD / last day.")],
    events: EventsOpt = None,
    as_json: JsonOpt = False,
    plan_file: PlanOpt = None,
    notifications: Annotated[
        bool, typer.Option("--notifications", help="同时列出每个工作日将发送的通知 / and the reminders.")] = False,
) -> None:
    """逐日推演，列出每个步骤的每次状态变化 / replay day by day, listing every status change."""
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    if last < first:
        fail(f"--to {last} 早于 --from {first} / --to is before --from")
    plan, engine, facts = load_context(plan_file, events)
    initial, transitions = _replay_with_progress(engine, facts, first, last)
    _notices(engine)
    sent: list[dict[str, object]] = []
    if notifications:
        from cli.notify import preview

        sent = preview(plan, engine, list(facts.every), first, last)
    if as_json:
        doc = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "initial": [{"step": sid, "status": st} for sid, st in initial.items()],
            "transitions": [
                {"date": t.day.isoformat(), "step": t.step, "from": t.before, "to": t.after} for t in transitions
            ],
        }
        if notifications:
            doc["notifications"] = [{k: v for k, v in m.items() if k != "body"} for m in sent]
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{plan.title}：{first} 至 {last} 的状态变化（共 {len(transitions)} 次）")
    for column in ("日期", "步骤", "名称", "变化"):
        table.add_column(column)
    for t in transitions:
        table.add_row(t.day.isoformat(), t.step, plan.steps[t.step].title, f"{STATUS_ZH[t.before]} → {STATUS_ZH[t.after]}")
    out.print(table)
    if notifications:
        from cli.notify import print_preview

        print_preview(sent, with_body=False)


def _replay_with_progress(engine: Engine, facts: Facts, first: date, last: date) -> tuple[dict[str, str], list[Transition]]:
    if not err.is_terminal:
        return replay(engine, facts, first, last)
    from rich.progress import Progress

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("推演中 / replaying", total=(last - first).days)
        return replay(engine, facts, first, last, on_day=lambda _: progress.advance(task))


def _notices(engine: Engine) -> None:
    for notice in engine.calendar.notices:
        err.print(f"提示 notice: {notice}", markup=False, style="yellow")


def window_text(start: date, due: date) -> str:
    """``2024-04-01~04-20``; the end's year is written whenever it is not the start's."""
    return f"{start:%Y-%m-%d}~{due:%m-%d}" if due.year == start.year else f"{start:%Y-%m-%d}~{due:%Y-%m-%d}"


def render_board(plan: Plan, board: Board) -> Table:
    """The board as a Chinese table, one section per phase, then one per track (its live steps)."""
    table = Table(title=f"{plan.title}\n截至 {board.as_of} 的进展看板", show_lines=False)
    for column in ("灯", "步骤", "责任单位", "时间窗口", "状态", "说明", "预计完成"):
        table.add_column(column, overflow="fold")
    for group in plan.groups:
        ph = board.group(group.id)
        shown = shown_steps(plan, board, group.id, board.as_of)
        hidden = len(group.step_ids) - len(shown)
        table.add_section()
        table.add_row(LIGHT_EMOJI[ph.light], f"[bold]{group.title}[/bold]", "", "",
                      f"[bold]{STATUS_ZH[ph.status]}[/bold]",
                      f"{ph.done}/{ph.total} 已完成" + (f"（另有 {hidden} 项未开始或往年已完成，见 --json）" if hidden else ""),
                      "")
        for sid in shown:
            step, st = plan.steps[sid], board.steps[sid]
            owners = plan.bureau_name(step.lead) + (f" 等{len(step.owners)}家" if len(step.owners) > 1 else "")
            table.add_row(
                LIGHT_EMOJI[st.light],
                f"{step.title}\n[dim]{sid}[/dim]",
                owners,
                window_text(step.window.start, st.due),
                STATUS_ZH[st.status],
                _explain(plan, step, st),
                (st.forecast_due.isoformat() if st.forecast_due else "") + (" ★关键" if st.critical else ""),
            )
    return table


def _explain(plan: Plan, step: Step, st: StepStatus) -> str:
    parts = []
    if step.collect == "indicators" and st.missing and st.status != "not_open":
        parts.append(f"尚缺 {len(st.missing)} 项指标数值：" + "、".join(st.missing))
    if st.blocked_by:
        parts.append("等待：" + "、".join(st.blocked_by))
    joint = waiting_text(plan, step, st.status, st.contributors, st.owing)
    if joint:
        parts.append(joint)
    if st.status == "done":
        parts.append(f"{st.done_on} 完成" + (f"，逾期 {st.overdue_workdays} 个工作日" if st.late else ""))
    elif st.overdue_workdays:
        parts.append(f"逾期 {st.overdue_workdays} 个工作日")
    if st.awaiting_review and st.status != "done":
        parts.append("待办公室审核")
    if st.returned_reason:
        parts.append(f"退回：{st.returned_reason}" + (f"（{st.resubmit_by} 前重报）" if st.resubmit_by else ""))
    return "；".join(parts) + step_marks(plan, st)


def summary_line(plan: Plan, board: Board) -> str:
    """Counts per light and the end forecast, in one paragraph."""
    lights = Counter(st.light for st in board.steps.values())
    text = (f"合计 {len(board.steps)} 个步骤：🟢 {lights['green']}  🟡 {lights['yellow']}  "
            f"🔴 {lights['red']}  ⚪ {lights['grey']}")
    if board.end is not None:
        end = board.end
        text += f"\n最后一步“{plan.steps[end.step].title}”截止 {end.due}，预计 {end.forecast_due}"
        if end.pushed_by:
            text += f"，推迟 {end.late_days} 天，原因：" + "、".join(end.pushed_by)
    return text
