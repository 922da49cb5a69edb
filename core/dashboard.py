"""领导看板: one page a leader reads on a phone — how far the plan is, what is red, what changed this week.

Pure: reports.dashboard draws it as a PNG and writes it as a docx. Everything is read from the
board (and the board a week before, for what changed), so its numbers are the status command's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from core.documents import DocumentFacts
from core.indicators import judge
from core.meeting import latest_verdicts, overdue_steps
from core.outline import day_zh

__all__ = ["Dashboard", "LateItem", "dashboard", "dashboard_lines"]

WEEK = timedelta(days=7)
TOP = 5


@dataclass(frozen=True, slots=True)
class LateItem:
    """An overdue step as the board lists it: title, lead bureau, working days late, due date."""

    title: str
    bureau: str
    workdays: int
    due: date


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The page's facts."""

    plan_title: str
    as_of: date
    done: int
    total: int
    red: int
    most_late: tuple[LateItem, ...]
    forecast: date | None
    end_due: date | None
    late_days: int
    indicator_year: int | None
    met: int
    not_met: int
    no_data: int
    newly_red: tuple[str, ...]
    newly_done: tuple[str, ...]

    @property
    def percent(self) -> float:
        """Steps done, as a percentage of every step of the plan."""
        return 100.0 * self.done / self.total if self.total else 0.0


def dashboard(doc: DocumentFacts) -> Dashboard:
    """The 领导看板 as of the facts' day, compared with the board seven days before."""
    plan, board = doc.plan, doc.board
    red = overdue_steps(board)
    most = tuple(LateItem(plan.steps[st.id].title, plan.bureau_name(plan.steps[st.id].lead), st.overdue_workdays, st.due)
                 for st in red[:TOP])
    before = doc.board_on(doc.as_of - WEEK)
    newly_red = tuple(plan.steps[st.id].title for st in red if before.steps[st.id].light != "red")
    newly_done = tuple(plan.steps[sid].title for sid, st in board.steps.items()
                       if st.status == "done" and before.steps[sid].status != "done")
    year, verdicts = latest_verdicts(plan, doc.values)
    counts = Counter(v.verdict for v in verdicts) if year is not None else Counter(
        judge(ind, doc.as_of.year, {}).verdict for ind in plan.indicators)
    end = board.end
    return Dashboard(
        plan_title=plan.short_title or plan.title, as_of=doc.as_of,
        done=sum(1 for st in board.steps.values() if st.status == "done"), total=len(board.steps), red=len(red),
        most_late=most, forecast=end.forecast_due if end else None, end_due=end.due if end else None,
        late_days=end.late_days if end else 0, indicator_year=year, met=counts["met"], not_met=counts["not_met"],
        no_data=counts["no_data"], newly_red=newly_red, newly_done=newly_done)


def dashboard_lines(d: Dashboard) -> dict[str, str]:
    """The page's sentences, keyed by what they say (the PNG and the docx print the same words)."""
    if d.forecast is None:
        forecast = "计划没有最后一步的截止日期"
    elif d.late_days:
        forecast = f"预计{day_zh(d.forecast)}完成，比计划（{day_zh(d.end_due or d.forecast)}）晚{d.late_days}天"
    else:
        forecast = f"预计{day_zh(d.forecast)}按期完成"
    values = (f"{d.indicator_year}年指标：达标{d.met}项、未达标{d.not_met}项、无数据{d.no_data}项"
              if d.indicator_year is not None else f"尚无指标数值（{d.met + d.not_met + d.no_data}项待报送）")

    def listed(titles: tuple[str, ...]) -> str:
        return "、".join(titles[:3]) + (f"等{len(titles)}项" if len(titles) > 3 else "") if titles else "无"

    return {
        "progress": f"已完成{d.done}/{d.total}项（{d.percent:.0f}%）",
        "red": f"逾期{d.red}项",
        "forecast": forecast,
        "values": values,
        "newly_red": f"本周新增逾期：{listed(d.newly_red)}",
        "newly_done": f"本周完成：{listed(d.newly_done)}",
    }
