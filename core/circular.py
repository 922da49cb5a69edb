"""情况通报 for the leaders: the totals, every bureau ranked by on-time rate, what is overdue, what falls due soon.

The ranking is core.performance's (its module docstring states what counts as on time, late and
overdue); this module only chooses the sentences and rows. Bureaus equal on both measures share a
rank (并列). The circular is weekly (the reconcile writes it into each week's folder), so its number
is the week of the year: 第N期, the same however often it is written that week.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta

from core.documents import DocumentFacts
from core.meeting import overdue_steps, owners_zh
from core.outline import Block, Masthead, Outline, Para, Table, day_zh, numbered
from core.performance import BureauScore, bureau_performance, shared_ranks
from core.plan import Plan
from core.progress_docs import progress_rates
from core.reports import progress
from core.rows import due_zh, overdue_table
from core.serialize import STATUS_ZH
from core.status import Board, StepStatus

__all__ = ["GROUP_OVERDUE_FROM", "PROGRESS_COLUMN", "RANKING_HEADER", "circular_outline", "due_soon", "forecast_sentence",
           "issue_number", "issuer", "next_month", "ranking_rows", "since_last", "soon_until", "step_totals"]

# With more overdue items than this, the list is grouped by lead bureau, each with its count.
GROUP_OVERDUE_FROM = 10

RANKING_HEADER = ("名次", "单位", "应完成", "按期完成", "逾期完成", "当前逾期", "按期完成率", "平均逾期工作日")
PROGRESS_COLUMN = "进展按时报送率"


def next_month(day: date) -> tuple[int, int]:
    """The calendar month after ``day``'s, as (year, month)."""
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def soon_until(day: date) -> date:
    """The last day 近期到期事项 covers: the end of the month after ``day``'s."""
    year, month = next_month(day)
    return date(year, month, calendar.monthrange(year, month)[1])


def due_soon(board: Board) -> list[StepStatus]:
    """Steps not yet done whose (effective) due falls from the board's day to the end of next month, soonest first.

    The rest of this month counts: on 12-02 an item due 12-31 is as near as one due in January.
    """
    until = soon_until(board.as_of)
    return sorted((st for st in board.steps.values()
                   if st.status != "done" and board.as_of <= st.due <= until), key=lambda s: (s.due, s.id))


def issue_number(day: date) -> int:
    """第N期: the week of ``day``'s year, week 1 holding 1 January (weeks start on Monday)."""
    first_monday = date(day.year, 1, 1) - timedelta(days=date(day.year, 1, 1).weekday())
    return (day - first_monday).days // 7 + 1


def ranking_rows(scores: list[BureauScore], progress: Mapping[str, str] | None = None) -> tuple[tuple[str, ...], ...]:
    """One row per bureau under RANKING_HEADER; a bureau with nothing owed yet has no rank nor rate (—).

    With ``progress`` (bureau -> its 按时报送率 of progress reports), a last column under PROGRESS_COLUMN.
    """
    return tuple((rank, s.name, str(s.owed), str(s.on_time), str(s.late), str(s.overdue),
                  "—" if s.on_time_rate is None else f"{100 * s.on_time_rate:.1f}%",
                  f"{s.avg_late_workdays:.1f}", *(() if progress is None else (progress.get(s.bureau, "—"),)))
                 for rank, s in zip(shared_ranks(scores), scores, strict=True))


def circular_outline(doc: DocumentFacts) -> Outline:
    """The circular as of the facts' day, under its 红头 (see :class:`core.outline.Masthead`)."""
    plan, board = doc.plan, doc.board
    scores = bureau_performance(plan, board)
    blocks: list[Block] = [Para(_opening(doc, scores))]
    blocks += [numbered(1, "各单位完成情况"),
               Para("各单位按“按期完成率”由高到低排列，完成率相同的按平均逾期工作日由少到多排列，两项都相同的并列同一名次；"
                    "尚无应完成工作的单位不排名次。应完成指截止日期（含经同意延期后的截止日期）"
                    "已到的工作，按期完成指在截止日期当天或之前完成，当前逾期指已过截止日期仍未完成；一项工作有多个责任单位的，"
                    "分别计入各单位。进展按时报送率指截止日期已到的工作进展中按时报送的比例（无须报送进展的单位为—）。"),
               _ranking_table(doc, scores)]
    blocks.append(numbered(2, "逾期事项"))
    blocks.append(Para(since_last(doc)))
    blocks += _overdue_blocks(doc)
    blocks += _soon_blocks(doc)
    blocks += [numbered(4, "工作要求"),
               Para("请逾期单位对照逾期事项抓紧办理、尽快报送，确需延期的通过报送入口提交延期申请；"
                    "请各责任单位对照近期到期事项提前安排，确保按期完成。")]
    copy_to = plan.bureau_name("leaders") if "leaders" in plan.bureaus else ""
    head = Masthead(issuer(plan), f"{doc.as_of.year}年第{issue_number(doc.as_of)}期", copy_to)
    return Outline("鄠邑区“两山”基地建设工作情况通报", tuple(blocks), doc.as_of, f"（截至{day_zh(doc.as_of)}）", head)


def issuer(plan: Plan) -> str:
    """The issuing office as its 红头 and sign-off name it: the office, after the plan's place
    (鄠邑区“两山”基地建设工作领导小组办公室 for a plan titled 鄠邑区“绿水青山…”…)."""
    office = plan.bureau_name("office") if "office" in plan.bureaus else plan.short_title or plan.title
    place = plan.title.split("“", 1)[0]
    return place + office if place.endswith(("区", "县", "市")) and not office.startswith(place) else office


def _overdue_blocks(doc: DocumentFacts) -> list[Block]:
    """The overdue list; with more than GROUP_OVERDUE_FROM items, one list per lead bureau with its count."""
    plan, late = doc.plan, overdue_steps(doc.board)
    if not late:
        return [Para("目前没有逾期事项。")]
    opening = f"截至{day_zh(doc.as_of)}，共{len(late)}项工作逾期"
    if len(late) <= GROUP_OVERDUE_FROM:
        return [Para(f"{opening}，按逾期工作日由多到少排列。"), overdue_table(plan, late)]
    by_lead: dict[str, list[StepStatus]] = {}
    for st in late:
        by_lead.setdefault(plan.steps[st.id].lead, []).append(st)
    groups = sorted(by_lead.items(), key=lambda kv: (-len(kv[1]), -max(s.overdue_workdays for s in kv[1])))
    counts = "、".join(f"{plan.bureau_name(b)}{len(items)}项" for b, items in groups)
    blocks: list[Block] = [Para(f"{opening}，涉及{len(groups)}个牵头单位：{counts}。以下按牵头单位分列，"
                                "各单位内按逾期工作日由多到少排列。")]
    for n, (bureau, items) in enumerate(groups, start=1):
        blocks += [numbered(n, f"{plan.bureau_name(bureau)}（逾期{len(items)}项）", level=2), overdue_table(plan, items)]
    return blocks


def since_last(doc: DocumentFacts) -> str:
    """What changed since the previous circular (a week before, the number before this one): 新增逾期 — red now, not
    then — and 已销号 — red then, done now."""
    plan, board = doc.plan, doc.board
    before_day = doc.as_of - timedelta(days=7)
    before = doc.board_on(before_day)
    red_now = {st.id for st in overdue_steps(board)}
    red_then = {st.id for st in overdue_steps(before)}
    new = [sid for sid in plan.steps if sid in red_now - red_then]
    cleared = [sid for sid in plan.steps if sid in red_then and board.steps[sid].status == "done"]

    def named(ids: list[str]) -> str:
        shown = "、".join(f"“{plan.steps[s].title}”" for s in ids[:5])
        return shown + ("等" if len(ids) > 5 else "")

    last = f"与上期（{before_day.year}年第{issue_number(before_day)}期，截至{day_zh(before_day)}）相比，"
    parts = [f"新增逾期{len(new)}项" + (f"：{named(new)}" if new else ""),
             f"已销号{len(cleared)}项" + (f"：{named(cleared)}" if cleared else "")]
    return last + "；".join(parts) + "。"


def forecast_sentence(board: Board, plan: Plan) -> str:
    """The plan's end as forecast: 预计完成 against the plan's date, and how many days late."""
    end = board.end
    if end is None:
        return ""
    title = plan.steps[end.step].title
    if end.late_days:
        return (f"按当前进度，最后一项工作“{title}”预计{day_zh(end.forecast_due)}完成，比计划（{day_zh(end.due)}）"
                f"晚{end.late_days}天。")
    return f"按当前进度，最后一项工作“{title}”预计按计划于{day_zh(end.forecast_due)}完成。"


def _soon_blocks(doc: DocumentFacts) -> list[Block]:
    """近期到期事项: the rest of this month and the whole of the next."""
    plan, board = doc.plan, doc.board
    until = soon_until(doc.as_of)
    soon = due_soon(board)
    span = f"{day_zh(doc.as_of)}至{day_zh(until)}"
    blocks: list[Block] = [numbered(3, f"近期到期事项（至{day_zh(until)}）")]
    if not soon:
        return [*blocks, Para(f"{span}没有到期事项。")]
    this_month = sum(1 for st in soon if (st.due.year, st.due.month) == (doc.as_of.year, doc.as_of.month))
    rows = tuple((due_zh(st), plan.steps[st.id].title, owners_zh(plan, st.id), STATUS_ZH[st.status]) for st in soon)
    return [*blocks, Para(f"{span}共有{len(soon)}项工作到期（本月{this_month}项、下月{len(soon) - this_month}项），"
                          "请责任单位提前谋划、按期报送。"),
            Table(("截止日期", "事项", "责任单位", "当前状态"), rows, (4.0, 4.8, 4.6, 2.2))]


def _ranking_table(doc: DocumentFacts, scores: list[BureauScore]) -> Table:
    """The ranking; with the plan's progress reports, their 按时报送率 beside the steps' (core.progress_docs)."""
    if doc.plan.progress is None:
        return Table(RANKING_HEADER, ranking_rows(scores), (1.7, 3.7, 1.5, 1.7, 1.7, 1.7, 1.9, 1.7))
    return Table((*RANKING_HEADER, PROGRESS_COLUMN), ranking_rows(scores, progress_rates(doc)),
                 (1.5, 3.3, 1.3, 1.5, 1.5, 1.5, 1.7, 1.6, 1.7))


def _opening(doc: DocumentFacts, scores: list[BureauScore]) -> str:
    """The totals in one paragraph: the phases' progress, steps owed and how they went, the bureaus behind."""
    t = step_totals(doc.board)
    owed = sum(t.values())
    rate = f"，按期完成率{100 * t['on_time'] / owed:.1f}%" if owed else ""
    text = (f"截至{day_zh(doc.as_of)}，“两山”基地建设五个阶段的工作完成{progress(doc.board):g}%。"
            f"已到截止日期的工作共{owed}项，其中按期完成{t['on_time']}项、逾期完成{t['late']}项、当前逾期{t['overdue']}项{rate}。")
    text += forecast_sentence(doc.board, doc.plan)
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
