"""情况通报: the ranking, the totals and next month's due dates, as the office would check them by hand."""

from __future__ import annotations

from datetime import date

import pytest

from core.circular import RANKING_HEADER, circular_outline, due_next_month, next_month, ranking_rows, step_totals
from core.documents import DocumentFacts
from core.outline import Para, Table
from core.performance import bureau_performance
from core.plan import Plan
from tests.docfacts import document_facts

# The order tests/docfacts.py's history gives (see its table), best first.
EXPECTED_ORDER = [
    # 100% on time; equal, so in the plan's order of bureaus
    "“两山”基地建设工作领导小组办公室", "鄠邑区人民政府", "区农业农村局", "区秦岭保护局", "区发改委", "区乡村振兴局",
    "技术支撑单位",
    "市生态环境局鄠邑分局",  # 10 of 11 on time (theme 2 was late)
    "市资源规划局鄠邑分局", "区投资工信局",  # 0%, 2 working days late
    "区水务局", "区河湖中心",  # 0%, 5 working days late
    "区文化旅游局", "区卫生健康局", "区民政局", "各街道（景区管理局）",  # 0%, still overdue (24 working days)
    "区财政局", "区融媒体中心", "区城管执法局", "区气象局",  # nothing owed yet
]


@pytest.fixture(name="doc", scope="module")
def fixture_doc(huyi: Plan) -> DocumentFacts:
    return document_facts(huyi)


def test_bureaus_ranked_by_on_time_rate(doc: DocumentFacts) -> None:
    """The ranking table lists every bureau but the leading group, best on-time rate first."""
    table = circular_outline(doc).tables()[0]
    assert table.header == RANKING_HEADER
    assert [row[1] for row in table.rows] == EXPECTED_ORDER
    assert [row[0] for row in table.rows] == [str(n) for n in range(1, 21)]


def test_ranking_row_of_a_bureau(doc: DocumentFacts) -> None:
    """A row reads across as counts, a rate in percent and the average working days late; no rate when nothing is owed."""
    rows = {row[1]: row for row in ranking_rows(bureau_performance(doc.plan, doc.board))}
    assert rows["市生态环境局鄠邑分局"] == ("8", "市生态环境局鄠邑分局", "11", "10", "1", "0", "90.9%", "2.0")
    assert rows["各街道（景区管理局）"][2:] == ("1", "0", "0", "1", "0.0%", "24.0")
    assert rows["区气象局"][2:] == ("0", "0", "0", "0", "—", "0.0")


def test_opening_paragraph_gives_the_totals(doc: DocumentFacts) -> None:
    """Each step counted once: 8 cases + the phases' and meetings' steps; the bureaus behind are named."""
    totals = step_totals(doc.board)
    assert totals == {"on_time": 15, "late": 3, "overdue": 2}
    opening = circular_outline(doc).blocks[0]
    assert isinstance(opening, Para)
    assert "已到截止日期的工作共20项，其中按期完成15项、逾期完成3项、当前逾期2项，按期完成率75.0%" in opening.text
    assert "当前有逾期事项的单位：区文化旅游局、区卫生健康局、区民政局、各街道（景区管理局）。" in opening.text


def test_overdue_list_with_owners_and_working_days(doc: DocumentFacts) -> None:
    """The two missing themes, with their bureaus and 24 working days late."""
    overdue = circular_outline(doc).tables()[1]
    assert overdue.header == ("序号", "事项", "责任单位", "截止日期", "逾期工作日")
    assert [(row[2], row[3], row[4]) for row in overdue.rows] == [
        ("区文化旅游局、区民政局、区卫生健康局", "2024年12月2日", "24"),
        ("各街道（景区管理局）", "2024年12月2日", "24"),
    ]


@pytest.mark.parametrize(("day", "month"), [(date(2025, 1, 6), (2025, 2)), (date(2024, 12, 31), (2025, 1)),
                                            (date(2025, 11, 1), (2025, 12))])
def test_next_month_is_the_calendar_month_after(day: date, month: tuple[int, int]) -> None:
    assert next_month(day) == month


def test_due_next_month(doc: DocumentFacts) -> None:
    """In February 2025 nothing of the phases falls due; the section says so with the month named."""
    assert due_next_month(doc.board) == []
    outline = circular_outline(doc)
    assert "三、下月到期事项（2025年2月）" in outline.headings()
    assert Para("2025年2月没有到期事项。") in outline.blocks


def test_due_next_month_lists_owners(huyi: Plan) -> None:
    """On 2025-02-20 the first quarter's meeting, the 2025 work plan and the 2024 values fall due in March."""
    doc = document_facts(huyi, as_of=date(2025, 2, 20))
    table = circular_outline(doc).tables()[2]
    assert table.header == ("截止日期", "事项", "责任单位", "当前状态")
    titles = [row[1] for row in table.rows]
    assert titles[:3] == ["制定2025年度工作计划", "收集2024年度指标数值", "2025年第一季度调度会议"]
    assert all(row[0] == "2025年3月31日" for row in table.rows)
    assert table.rows[0][2] == "“两山”基地建设工作领导小组办公室"


def test_circular_sections(doc: DocumentFacts) -> None:
    outline = circular_outline(doc)
    assert outline.title == "鄠邑区“两山”基地建设工作情况通报"
    assert outline.headings() == ["一、各单位完成情况", "二、逾期事项", "三、下月到期事项（2025年2月）", "四、工作要求"]
    assert all(isinstance(t, Table) for t in outline.tables())
