"""领导看板: the board's numbers on one page, and what changed since the week before."""

from __future__ import annotations

from datetime import date

from core.dashboard import dashboard, dashboard_lines
from core.meeting import overdue_steps
from core.plan import Plan
from tests.docfacts import document_facts


def test_numbers_agree_with_the_board(huyi: Plan) -> None:
    """2025-01-06: theme 5's and theme 8's 2024 cases are overdue (24 working days), the rest as the board says."""
    doc = document_facts(huyi)
    d = dashboard(doc)
    board = doc.board
    assert (d.done, d.total) == (sum(st.status == "done" for st in board.steps.values()), 90)
    assert d.red == len(overdue_steps(board)) == 2
    assert [(i.title, i.bureau, i.workdays) for i in d.most_late] == [
        (huyi.steps[st.id].title, huyi.bureau_name(huyi.steps[st.id].lead), st.overdue_workdays)
        for st in overdue_steps(board)]
    assert d.most_late[0].workdays == 24
    assert (d.indicator_year, d.met, d.not_met, d.no_data) == (2024, 1, 1, 18)
    lines = dashboard_lines(d)
    assert lines["progress"] == f"已完成{d.done}/90项（{d.percent:.0f}%）"
    assert lines["values"] == "2024年指标：达标1项、未达标1项、无数据18项"


def test_what_changed_since_last_week(huyi: Plan) -> None:
    """2024's cases were due 2024-12-02: on 12-03 five themes turned red; themes 1 (11-28) and 4 (12-02) were done in
    the week, theme 3 (11-20) before it. A week later nothing more turned red; themes 2, 6 and 7 came in."""
    d = dashboard(document_facts(huyi, as_of=date(2024, 12, 3)))
    case = "征集2024年典型案例："
    assert d.newly_red == tuple(case + t for t in ("生态保护修复与环境治理", "生态旅游与康养", "水资源与美丽河湖",
                                                   "产业生态化与绿色园区", "生态惠民富民"))
    assert d.newly_done == (case + "“双碳”与生态产品价值实现", case + "绿色生态农业与乡村振兴")
    week_later = dashboard(document_facts(huyi, as_of=date(2024, 12, 10)))
    assert week_later.newly_red == ()
    assert week_later.newly_done == tuple(case + t for t in ("生态保护修复与环境治理", "水资源与美丽河湖", "产业生态化与绿色园区"))
    lines = dashboard_lines(d)
    assert lines["newly_red"] == f"本周新增逾期：{case}生态保护修复与环境治理、{case}生态旅游与康养、{case}水资源与美丽河湖等5项"


def test_forecast_slip_in_words(huyi: Plan) -> None:
    d = dashboard(document_facts(huyi))
    assert dashboard_lines(d)["forecast"].startswith("预计")
    late = d.__class__(**{**{f: getattr(d, f) for f in d.__slots__}, "late_days": 344})  # type: ignore[attr-defined]
    assert "晚344天" in dashboard_lines(late)["forecast"]
