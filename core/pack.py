"""调度会议材料 as a document: the sections of ``meeting pack`` (core.meeting), as tables and figures.

The same selections as the Markdown pack (core.meeting's overdue_steps, upcoming_steps,
values_owed, latest_verdicts), laid out for a leader's folder: real tables instead of bullets, the
Gantt chart under the progress and the indicator chart under the verdicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from core.documents import DocumentFacts
from core.followup import FOLLOW_UP_TITLE, follow_ups, latest_notes
from core.meeting import LOOK_AHEAD_DAYS, latest_verdicts, overdue_steps, owners_zh, upcoming_steps, values_owed
from core.outline import LIGHT_ZH, Block, Figure, Heading, Outline, Para, Table, day_zh, numbered
from core.progress_docs import pack_blocks
from core.projects import investment, investment_by_year, money
from core.rows import case_table, overdue_table, verdict_table
from core.serialize import STATUS_ZH

__all__ = ["pack_outline"]


def pack_outline(doc: DocumentFacts, meeting: str, progress: Mapping[str, str] | None = None) -> Outline:
    """The pack for ``meeting`` (a step with ``pack: true``) as of the facts' day.

    It opens with the previous meeting's tasks (core.followup); ``progress`` (task step id -> the latest
    进展报送) is shown beside each, else the note of its latest check-in.
    """
    plan, board = doc.plan, doc.board
    step, st = plan.steps[meeting], board.steps[meeting]
    blocks: list[Block] = [Para(f"截至{day_zh(doc.as_of)}，{step.title}时间窗口为{day_zh(step.window.start)}至"
                                f"{day_zh(st.due)}，当前状态：{STATUS_ZH[st.status]}。")]
    blocks += _follow_ups(doc, meeting, {**latest_notes(plan, doc.facts, doc.as_of), **(progress or {})})
    blocks += _progress(doc)
    blocks += _overdue(doc)
    blocks += _upcoming(doc)
    blocks += _values_owed(doc)
    blocks += _verdicts(doc)
    blocks += _cases(doc)
    blocks += _projects(doc)
    blocks += pack_blocks(doc, 8)
    return Outline(f"{step.title}材料", tuple(blocks), doc.as_of, f"（截至{day_zh(doc.as_of)}）")


def _follow_ups(doc: DocumentFacts, meeting: str, progress: Mapping[str, str]) -> list[Block]:
    rows = follow_ups(doc.plan, doc.board, meeting, progress)
    if not rows:
        return []
    done = sum(r.state == "已办结" for r in rows)
    late = sum(r.state == "逾期" for r in rows)
    return [Heading(FOLLOW_UP_TITLE, 1),
            Para(f"上次会议议定事项{len(rows)}项，已办结{done}项，逾期{late}项，办理中{len(rows) - done - late}项。"),
            Table(("事项", "责任单位", "完成时限", "状态", "最新进展"),
                  tuple((f"{r.title}（{r.step}）", r.owners, day_zh(r.due), r.state, r.progress or "—") for r in rows),
                  (4.4, 3.6, 2.6, 1.6, 4.4))]


def _progress(doc: DocumentFacts) -> list[Block]:
    plan, board = doc.plan, doc.board
    rows = []
    for group in plan.groups:
        ph = board.group(group.id)
        kind = "阶段" if group in plan.phases else "常态化工作"
        rows.append((group.title, kind, LIGHT_ZH[ph.light], STATUS_ZH[ph.status], f"{ph.done}/{ph.total}"))
    blocks: list[Block] = [numbered(1, "总体进展"),
                           Table(("阶段／常态化工作", "类别", "灯", "状态", "完成"), tuple(rows), (4.8, 2.8, 2.4, 2.8, 2.8))]
    if board.end is not None:
        end = board.end
        tail = f"，推迟{end.late_days}天" if end.late_days else "，按期"
        blocks.append(Para(f"最后一步“{plan.steps[end.step].title}”截止{day_zh(end.due)}，预计{day_zh(end.forecast_due)}完成{tail}。"))
    blocks.append(Figure("gantt", "图1　工作进度甘特图"))
    return blocks


def _overdue(doc: DocumentFacts) -> list[Block]:
    late = overdue_steps(doc.board)
    if not late:
        return [numbered(2, "逾期事项"), Para("无逾期事项。")]
    return [numbered(2, "逾期事项"), Para(f"共{len(late)}项事项逾期，按逾期工作日由多到少排列。"), overdue_table(doc.plan, late)]


def _upcoming(doc: DocumentFacts) -> list[Block]:
    plan = doc.plan
    soon = upcoming_steps(doc.board, LOOK_AHEAD_DAYS)
    head = numbered(3, f"{LOOK_AHEAD_DAYS}天内到期事项")
    if not soon:
        return [head, Para(f"{LOOK_AHEAD_DAYS}天内没有到期事项。")]
    rows = tuple((day_zh(st.due), plan.steps[st.id].title, STATUS_ZH[st.status], owners_zh(plan, st.id)) for st in soon)
    return [head, Table(("截止日期", "事项", "状态", "责任单位"), rows, (2.8, 5.4, 2.2, 5.2))]


def _values_owed(doc: DocumentFacts) -> list[Block]:
    plan = doc.plan
    titles = {ind.id: ind.title for ind in plan.indicators}
    owed = values_owed(plan, doc.board)
    head = numbered(4, "尚未报送的指标数值")
    if not owed:
        return [head, Para("无尚未报送的指标数值。")]
    blocks: list[Block] = [head]
    # One table for every open year: a bureau owing the same indicator for two years is one row, not two.
    by_bureau: dict[str, dict[str, list[int]]] = {}
    for item in owed:
        st = item.status
        blocks.append(Para(f"{plan.steps[item.step].title}（截止{day_zh(st.due)}）：尚缺{len(st.missing)}项。"))
        year = plan.steps[item.step].year or st.due.year
        for b, ids in item.by_bureau.items():
            for i in ids:
                by_bureau.setdefault(b, {}).setdefault(i, []).append(year)
    rows = tuple((plan.bureau_name(b), "；".join(f"{titles[i]}（{'、'.join(map(str, ys))}年）" for i, ys in per.items()))
                 for b, per in by_bureau.items())
    blocks.append(Table(("单位", "尚缺指标（年度）"), rows, (4.2, 11.4)))
    return blocks


def _verdicts(doc: DocumentFacts) -> list[Block]:
    year, verdicts = latest_verdicts(doc.plan, doc.values)
    if year is None:  # the chart still shows the twenty indicators, each waiting for its first value
        return [numbered(5, "指标达标情况"), Para("尚无指标数值。"), Figure("indicators", "图2　指标完成情况")]
    counts = Counter(v.verdict for v in verdicts)
    return [numbered(5, f"指标达标情况（{year}年）"),
            Para(f"{year}年达标{counts['met']}项，未达标{counts['not_met']}项，无数据{counts['no_data']}项。"),
            verdict_table(doc.plan, year, doc.values),
            Figure("indicators", "图2　指标完成情况")]


def _cases(doc: DocumentFacts) -> list[Block]:
    year = doc.as_of.year
    cases = [c for c in doc.cases if c["year"] == year]
    missing = len({t.id for t in doc.plan.case_themes} - {c["theme"] for c in cases})
    tail = f"，{missing}个主题尚无案例" if missing else ""
    return [numbered(6, f"典型案例（{year}年）"), Para(f"{year}年共征集典型案例{len(cases)}个{tail}。"),
            case_table(doc.plan, cases)]


def _projects(doc: DocumentFacts) -> list[Block]:
    year = doc.as_of.year
    if not doc.projects:  # nothing recorded is not "0 projects, 0 invested": say the library is empty
        return [numbered(7, "项目库"), Para("项目库尚未录入，暂无项目和投资数据。")]
    now = investment(doc.projects, year)
    share = f"（完成{now.share}）" if now.planned else ""
    blocks: list[Block] = [numbered(7, f"项目库（{year}年）"),
                           Para(f"{year}年项目{now.count}个，计划投资{money(now.planned)}万元，实际完成{money(now.actual)}万元{share}。")]
    per_year = investment_by_year(doc.projects)
    if per_year:
        rows = tuple((f"{y}年", str(v.count), money(v.planned), money(v.actual), v.share) for y, v in per_year.items())
        header = ("年度", "项目数", "计划投资（万元）", "实际完成（万元）", "完成比例")
        blocks.append(Table(header, rows, (2.4, 2.0, 4.0, 4.0, 3.2)))
    return blocks
