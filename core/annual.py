"""年度工作总结素材 for one year: what was done, the values against targets, cases, projects, meetings, extensions.

Material, not the summary itself: the office writes the summary from these tables. Steps are read
from the board at the year's end (or the facts' day, when earlier), so a later return of a
deliverable does not rewrite the year; meetings use the facts' day, so minutes handed in after the
31st of December still show their date.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from core.documents import DocumentFacts
from core.events import CheckIn, Extension
from core.indicators import judge
from core.meeting import owners_zh
from core.outline import Block, Outline, Para, Table, day_zh, numbered
from core.projects import PROJECT_STATUS_ZH, investment, money
from core.rows import case_table, outcome, step_table, verdict_table

__all__ = ["annual_outline", "meeting_rows", "minutes_day"]


def annual_outline(doc: DocumentFacts, year: int) -> Outline:
    """The material for ``year``'s summary, as of the facts' day."""
    blocks: list[Block] = [Para(f"本材料汇总{year}年“两山”基地建设工作的完成情况、指标数值、典型案例、项目库、调度会议和延期事项，"
                                f"数据截至{day_zh(doc.as_of)}，供编写年度工作总结使用。")]
    blocks += _steps(doc, year)
    blocks += _values(doc, year)
    blocks += _cases(doc, year)
    blocks += _projects(doc, year)
    blocks += _meetings(doc, year)
    blocks += _extensions(doc, year)
    return Outline(f"{year}年度“两山”基地建设工作总结素材", tuple(blocks), doc.as_of, f"（数据截至{day_zh(doc.as_of)}）")


def _steps(doc: DocumentFacts, year: int) -> list[Block]:
    plan = doc.plan
    board = doc.board_on(min(doc.as_of, date(year, 12, 31)))
    order = {sid: n for n, sid in enumerate(sid for g in plan.groups for sid in g.step_ids)}
    done = sorted((st for st in board.steps.values() if st.done_on and st.done_on.year == year),
                  key=lambda st: (st.done_on, order[st.id]))
    missed = sorted((st for st in board.steps.values() if st.status != "done" and st.due.year == year and st.due < board.as_of),
                    key=lambda st: (st.due, order[st.id]))
    late = sum(st.late for st in done)
    blocks: list[Block] = [numbered(1, "年度工作完成情况"),
                           Para(f"{year}年共完成{len(done)}项工作，其中按期完成{len(done) - late}项、逾期完成{late}项；"
                                f"年内到期尚未完成{len(missed)}项。")]
    if done:
        blocks += [numbered(1, "已完成的工作", 2), step_table(plan, board, [st.id for st in done], group=True)]
    if missed:
        blocks += [numbered(2 if done else 1, "年内到期尚未完成的工作", 2),
                   step_table(plan, board, [st.id for st in missed], group=True)]
    return blocks


def _values(doc: DocumentFacts, year: int) -> list[Block]:
    counts = Counter(judge(ind, year, doc.values.get(ind.id, {})).verdict for ind in doc.plan.indicators)
    return [numbered(2, f"指标完成情况（{year}年）"),
            Para(f"附件1所列{len(doc.plan.indicators)}项指标中，{year}年达标{counts['met']}项，未达标{counts['not_met']}项，"
                 f"无数据{counts['no_data']}项。"),
            verdict_table(doc.plan, year, doc.values)]


def _cases(doc: DocumentFacts, year: int) -> list[Block]:
    cases = [c for c in doc.cases if c["year"] == year]
    themes = len({c["theme"] for c in cases})
    return [numbered(3, f"典型案例（{year}年）"),
            Para(f"{year}年共征集典型案例{len(cases)}个，覆盖附件2所列{len(doc.plan.case_themes)}个主题中的{themes}个。"),
            case_table(doc.plan, cases)]


def _projects(doc: DocumentFacts, year: int) -> list[Block]:
    projects = sorted((p for p in doc.projects if p["year"] == year), key=lambda p: p["code"])
    total = investment(projects)
    head = numbered(4, f"项目库建设（{year}年）")
    if not projects:
        return [head, Para(f"项目库中尚无{year}年的项目。")]
    share = f"，完成{total.share}" if total.planned else ""
    rows = [(p["code"], p["name"], doc.plan.bureau_name(p["bureau"]), money(p["planned"]), money(p["actual"] or 0.0),
             PROJECT_STATUS_ZH.get(p["status"], p["status"])) for p in projects]
    rows.append(("合计", f"{total.count}个（不含已取消）", "", money(total.planned), money(total.actual), ""))
    return [head,
            Para(f"{year}年项目库共有项目{total.count}个（不含已取消的项目），计划投资{money(total.planned)}万元，"
                 f"实际完成{money(total.actual)}万元{share}。"),
            Table(("项目编号", "项目名称", "责任单位", "计划投资（万元）", "实际完成（万元）", "状态"), tuple(rows),
                  (2.2, 4.6, 3.2, 2.1, 2.1, 1.4))]


def minutes_day(doc: DocumentFacts, step_id: str) -> date | None:
    """When a meeting's minutes were handed in: its done day, else the day of its last check-in (None: not yet)."""
    st = doc.board.steps[step_id]
    if st.done_on is not None:
        return st.done_on
    days = [e.day for e in doc.facts.upto(step_id, doc.as_of) if isinstance(e, CheckIn)]
    return days[-1] if days else None


def meeting_rows(doc: DocumentFacts, step_ids: list[str]) -> tuple[tuple[str, ...], ...]:
    """会议, 时间窗口, 纪要报送日期, 情况 for each meeting step."""
    rows = []
    for sid in step_ids:
        step, st = doc.plan.steps[sid], doc.board.steps[sid]
        held = minutes_day(doc, sid)
        rows.append((step.title, f"{day_zh(step.window.start)}至{day_zh(st.due)}", day_zh(held) if held else "尚未报送",
                     outcome(st)))
    return tuple(rows)


def _meetings(doc: DocumentFacts, year: int) -> list[Block]:
    meetings = [sid for sid, s in doc.plan.steps.items() if s.pack and s.year == year]
    meetings.sort(key=lambda sid: doc.plan.steps[sid].window.start)
    held = sum(minutes_day(doc, sid) is not None for sid in meetings)
    head = numbered(5, "调度会议召开情况")
    if not meetings:
        return [head, Para(f"计划中没有{year}年的调度会议。")]
    return [head,
            Para(f"{year}年计划召开调度会议{len(meetings)}次，已报送会议纪要{held}次。"),
            Table(("会议", "时间窗口", "纪要报送日期", "情况"), meeting_rows(doc, meetings), (4.0, 5.2, 2.8, 3.6))]


def _extensions(doc: DocumentFacts, year: int) -> list[Block]:
    plan = doc.plan
    granted = [f for f in doc.facts.every if isinstance(f, Extension) and f.day.year == year and f.day <= doc.as_of]
    head = numbered(6, "延期事项")
    if not granted:
        return [head, Para(f"{year}年没有同意延期的事项。")]
    rows = tuple((plan.steps[e.step].title, owners_zh(plan, e.step), plan.bureau_name(e.by), day_zh(e.day),
                  day_zh(plan.steps[e.step].window.due), day_zh(e.to), e.reason) for e in granted)
    return [head, Para(f"{year}年领导小组办公室同意延期{len(granted)}项。"),
            Table(("事项", "责任单位", "申请单位", "同意日期", "原定截止", "延期至", "原因"), rows,
                  (3.0, 2.4, 2.0, 2.0, 2.0, 2.0, 2.2))]
