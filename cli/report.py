"""``liangshan report KIND``: the documents the office hands to its leaders, as xlsx, docx and pictures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import fail, out, parse_day, today
from cli.context import Context

if TYPE_CHECKING:
    from core.documents import DocumentFacts

__all__ = ["KINDS", "report"]

# kind -> (Chinese name, the suffixes its file may have)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dashboard": ("领导看板", (".png", ".docx")),
    "ledger": ("台账", (".xlsx",)),
    "gantt": ("甘特图", (".png", ".svg")),
    "indicators": ("指标完成情况图", (".png",)),
    "pack": ("调度会议材料", (".docx",)),
    "circular": ("情况通报", (".docx",)),
    "annual": ("年度工作总结素材", (".docx",)),
    "self-assessment": ("自评估报告初稿", (".docx",)),
}
_KINDS_ZH = "、".join(f"{k}（{v[0]}）" for k, v in KINDS.items())


def report(
    kind: Annotated[str, typer.Argument(
        help="dashboard、ledger、gantt、indicators、pack、circular、annual、self-assessment，或 all")],
    meeting: Annotated[str | None, typer.Argument(help="pack 时：会议步骤，如 meetings.2026q4；默认本季度的会议")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="输出文件（all 时写入 LIANGSHAN_HOME/reports/日期/）")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="日期 YYYY-MM-DD，默认今天（北京时间）")] = None,
    year: Annotated[int | None, typer.Option("--year", help="annual 时：年度，默认今年")] = None,
    plan_file: Annotated[str | None, typer.Option("--plan", help="计划文件 / plan file.")] = None,
    paper: Annotated[str, typer.Option("--paper", help="ledger 时：打印纸张 A4 或 A3（横向），默认 A4")] = "A4",
) -> None:
    """生成报告：领导看板（png、docx）、台账（xlsx）、甘特图、指标图、调度会议材料、情况通报、年度总结素材、自评估报告初稿（docx）
    / write a document for the leaders; `all` writes every one into LIANGSHAN_HOME/reports/<date>/."""
    if kind != "all" and kind not in KINDS:
        fail(f"未知的报告类型“{kind}”；可选：{_KINDS_ZH}，或 all / unknown kind")
    if kind != "all":
        _check_out(kind, out_file)
    if meeting is not None and kind != "pack":
        fail(f"只有 pack 接受会议步骤，{kind} 不接受“{meeting}” / only pack takes a meeting")
    if paper.upper() not in ("A4", "A3"):
        fail(f"--paper {paper}：只能是 A4 或 A3 / --paper is A4 or A3")
    if paper.upper() != "A4" and kind != "ledger":
        fail("--paper 只用于 ledger（台账）/ --paper is for ledger only")
    if year is not None and kind != "annual":
        fail("--year 只用于 annual（年度工作总结素材）/ --year is for annual only")
    ctx = Context.ready(plan_file)
    plan = ctx.plan
    day = parse_day(as_of, "--as-of") if as_of else today(plan)
    if year is not None:
        from db.indicators import plan_years

        years = plan_years(plan)
        if year not in years:
            fail(f"--year {year} 不在计划年度 {years.start}-{years.stop - 1} 内 / outside the plan's years")
    from db.documents import load_document_facts

    with ctx.sessions() as session:
        doc = load_document_facts(session=session, plan=plan, calendar=ctx.calendar, as_of=day)
    if kind == "all":
        from reports.bundle import write_all

        folder, written = write_all(doc, ctx.home)
        for path in written.files:
            out.print(f"已生成 written: {path}", markup=False)
        out.print(f"共 {len(written.files)} 个文件，在 {folder} / {len(written.files)} files", markup=False)
        return
    assert out_file is not None
    if kind == "pack":
        meeting = _meeting(doc, meeting)
    from reports.bundle import write_kind

    written_to = write_kind(doc, kind, out_file, year=year, meeting=meeting, paper=paper.upper())
    out.print(f"已生成{KINDS[kind][0]} written: {written_to}", markup=False)


def _check_out(kind: str, out_file: Path | None) -> None:
    """Exit 2 unless ``--out`` names a file of the kind's type in a folder that exists."""
    name, suffixes = KINDS[kind]
    if out_file is None:
        fail(f"请用 --out 指定输出文件（{name}：{'、'.join(suffixes)}）/ --out is required")
    if out_file.suffix.lower() not in suffixes:
        fail(f"--out {out_file}：{name}应为 {'、'.join(suffixes)} 文件 / {kind} writes {', '.join(suffixes)}")
    if not out_file.parent.is_dir():
        fail(f"--out {out_file}：目录 {out_file.parent} 不存在 / the folder does not exist")


def _meeting(doc: DocumentFacts, meeting: str | None) -> str:
    """The meeting the pack is for: the one named (checked), else the quarter's."""
    from core.meeting import current_meeting, meeting_ids

    plan, board = doc.plan, doc.board
    meetings = meeting_ids(plan)
    if meeting is None:
        found = current_meeting(plan, board)
        if found is None:
            fail("计划中没有待召开的调度会议 / the plan has no meeting left")
        return found
    if meeting not in meetings:
        near = ", ".join(meetings[:3]) + (" …" if len(meetings) > 3 else "")
        fail(f"“{meeting}”不是调度会议步骤，可选如：{near} / not a meeting step (e.g. {near})")
    return meeting
