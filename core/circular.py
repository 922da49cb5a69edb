"""情况通报 for the leaders: the totals, every bureau ranked by on-time rate, what is overdue, what falls due next month.

The ranking is core.performance's (its module docstring states what counts as on time, late and
overdue); this module only chooses the sentences and rows.
"""

from __future__ import annotations

from datetime import date

from core.documents import DocumentFacts
from core.meeting import overdue_steps, owners_zh
from core.outline import Block, Outline, Para, Table, day_zh, numbered
from core.performance import BureauScore, bureau_performance
from core.reports import progress
from core.rows import overdue_table
from core.serialize import STATUS_ZH
from core.status import Board, StepStatus

__all__ = ["RANKING_HEADER", "circular_outline", "due_next_month", "next_month", "ranking_rows", "step_totals"]

RANKING_HEADER = ("名次", "单位", "应完成", "按期完成", "逾期完成", "当前逾期", "按期完成率", "平均逾期工作日")


def next_month(day: date) -> tuple[int, int]:
    """The calendar month after ``day``'s, as (year, month)."""
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def due_next_month(board: Board) -> list[StepStatus]:
    """Steps not yet done whose (effective) due falls in the calendar month after the board's day, soonest first."""
    year, month = next_month(board.as_of)
    return sorted((st for st in board.steps.values()
                   if st.status != "done" and (st.due.year, st.due.month) == (year, month)), key=lambda s: (s.due, s.id))


def ranking_rows(scores: list[BureauScore]) -> tuple[tuple[str, ...], ...]:
    """One row per bureau under RANKING_HEADER; a bureau with nothing owed yet has no rate (—)."""
    return tuple((str(s.rank), s.name, str(s.owed), str(s.on_time), str(s.late), str(s.overdue),
                  "—" if s.on_time_rate is None else f"{100 * s.on_time_rate:.1f}%",
                  f"{s.avg_late_workdays:.1f}")
                 for s in scores)


def circular_outline(doc: DocumentFacts) -> Outline:
    """The circular as of the facts' day."""
    plan, board = doc.plan, doc.board
    scores = bureau_performance(plan, board)
    late = overdue_steps(board)
    blocks: list[Block] = [Para(_opening(doc, scores))]
    blocks += [numbered(1, "各单位完成情况"),
               Para("按按期完成率由高到低排列，完成率相同的按平均逾期工作日由少到多排列。应完成指截止日期（含经同意延期后的截止日期）"
                    "已到的工作，按期完成指在截止日期当天或之前完成，当前逾期指已过截止日期仍未完成；一项工作有多个责任单位的，"
                    "分别计入各单位。"),
               Table(RANKING_HEADER, ranking_rows(scores), (1.1, 4.1, 1.5, 1.7, 1.7, 1.7, 2.0, 1.8))]
    blocks.append(numbered(2, "逾期事项"))
    if late:
        blocks += [Para(f"截至{day_zh(doc.as_of)}，共{len(late)}项工作逾期，按逾期工作日由多到少排列。"), overdue_table(plan, late)]
    else:
        blocks.append(Para("目前没有逾期事项。"))
    year, month = next_month(doc.as_of)
    soon = due_next_month(board)
    blocks.append(numbered(3, f"下月到期事项（{year}年{month}月）"))
    if soon:
        rows = tuple((day_zh(st.due), plan.steps[st.id].title, owners_zh(plan, st.id), STATUS_ZH[st.status]) for st in soon)
        blocks += [Para(f"{year}年{month}月共有{len(soon)}项工作到期，请责任单位提前谋划、按期报送。"),
                   Table(("截止日期", "事项", "责任单位", "当前状态"), rows, (2.8, 5.6, 5.2, 2.0))]
    else:
        blocks.append(Para(f"{year}年{month}月没有到期事项。"))
    blocks += [numbered(4, "工作要求"),
               Para("请逾期单位对照逾期事项抓紧办理、尽快报送，确需延期的通过报送入口提交延期申请；"
                    "请各责任单位对照下月到期事项提前安排，确保按期完成。")]
    return Outline("鄠邑区“两山”基地建设工作情况通报", tuple(blocks), doc.as_of, f"（截至{day_zh(doc.as_of)}）")


def _opening(doc: DocumentFacts, scores: list[BureauScore]) -> str:
    """The totals in one paragraph: the phases' progress, steps owed and how they went, the bureaus behind."""
    t = step_totals(doc.board)
    owed = sum(t.values())
    rate = f"，按期完成率{100 * t['on_time'] / owed:.1f}%" if owed else ""
    text = (f"截至{day_zh(doc.as_of)}，“两山”基地建设五个阶段的工作完成{progress(doc.board):g}%。"
            f"已到截止日期的工作共{owed}项，其中按期完成{t['on_time']}项、逾期完成{t['late']}项、当前逾期{t['overdue']}项{rate}。")
    behind = [s.name for s in scores if s.overdue]
    if behind:
        text += "当前有逾期事项的单位：" + "、".join(behind) + "。"
    return text + "现将各单位完成情况通报如下。"


def step_totals(board: Board) -> dict[str, int]:
    """Step instances owed by the board's day, each counted once: on_time, late, overdue.

    The same rules as core.performance (which counts a shared step once per bureau): a step done
    early but not yet due is not owed yet; a step due today still has today.
    """
    totals = {"on_time": 0, "late": 0, "overdue": 0}
    for st in board.steps.values():
        if st.done_on is not None and st.due <= board.as_of:
            totals["late" if st.done_on > st.due else "on_time"] += 1
        elif st.done_on is None and st.due < board.as_of:
            totals["overdue"] += 1
    return totals
