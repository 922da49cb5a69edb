"""``liangshan meeting pack``: the material for a dispatch meeting (调度会议), from the board and the records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.board import library_for, load_context
from cli.common import fail, out, parse_day, today
from cli.context import Context

app = typer.Typer(help="调度会议 / dispatch meetings.", no_args_is_help=True)


@app.command("pack")
def pack(
    meeting: Annotated[str | None, typer.Argument(
        help="会议步骤 id，如 meetings.2026q4；默认当前待召开的会议 / meeting step.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="日期 YYYY-MM-DD，默认今天 / default today.")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="写入 Markdown 文件 / write to a file.")] = None,
    plan_file: Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file.")] = None,
) -> None:
    """生成调度会议材料：进展、逾期、待报指标、典型案例、项目库 / the meeting pack in Markdown."""
    from core.followup import latest_notes
    from core.meeting import current_meeting, meeting_ids, meeting_pack

    ctx = Context(plan_file)
    plan, engine, facts = load_context(plan_file, None, ctx)
    day = parse_day(as_of, "--as-of") if as_of else today(plan)
    board = engine.board(facts, day)
    meetings = meeting_ids(plan)
    if meeting is None:
        meeting = current_meeting(plan, board)
        if meeting is None:
            fail("计划中没有待召开的调度会议 / the plan has no meeting left")
    elif meeting not in meetings:
        near = ", ".join(meetings[:3]) + (" …" if len(meetings) > 3 else "")
        fail(f"“{meeting}”不是调度会议步骤，可选如：{near} / not a meeting step (e.g. {near})")
    assert meeting is not None
    values = {}
    if ctx.schema_ready():
        from db.indicators import values_by_indicator

        with ctx.sessions() as session:
            values = values_by_indicator(session=session, plan_id=plan.id)
    text = meeting_pack(plan, board, meeting, values, library_for(ctx, day.year, values), latest_notes(plan, facts, day))
    if plan.progress is not None:
        from core.documents import DocumentFacts
        from core.progress_docs import pack_markdown

        # 各单位工作进展 and 需协调解决的问题 follow the pack's own sections (一 to 七), as in the Word pack
        doc = DocumentFacts(plan, engine, facts, day, board, values)
        text += "\n" + "\n".join(pack_markdown(doc, 8)).rstrip() + "\n"
    if out_file is None:
        typer.echo(text, nl=False)
        return
    tmp = out_file.with_name(out_file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out_file)  # never a half-written pack
    out.print(f"已生成会议材料 written: {out_file}", markup=False)
