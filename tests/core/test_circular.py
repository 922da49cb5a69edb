"""情况通报: the ranking, the totals and next month's due dates, as the office would check them by hand."""

from __future__ import annotations

from datetime import date

import pytest

from core.circular import (
    GROUP_OVERDUE_FROM,
    RANKING_HEADER,
    circular_outline,
    due_soon,
    issue_number,
    next_month,
    ranking_rows,
    step_totals,
)
from core.documents import DocumentFacts
from core.events import Extension
from core.outline import Heading, Para, Table, day_zh
from core.performance import bureau_performance
from core.plan import Plan
from tests.docfacts import at, document_facts, known_history

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
    assert table.header[:len(RANKING_HEADER)] == RANKING_HEADER  # and 进展按时报送率 (tests/core/test_progress_docs.py)
    assert [row[1] for row in table.rows] == EXPECTED_ORDER
    # Equal on both measures: one rank, 并列; nothing owed yet: no rank.
    assert [row[0] for row in table.rows] == ["并列1"] * 7 + ["8"] + ["并列9"] * 2 + ["并列11"] * 2 + ["并列13"] * 4 + ["—"] * 4


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


def test_due_soon_when_nothing_falls_due(doc: DocumentFacts) -> None:
    """From 2025-01-06 to the end of February nothing of the phases falls due; the section says so with the span."""
    assert due_soon(doc.board) == []
    outline = circular_outline(doc)
    assert "三、近期到期事项（至2025年2月28日）" in outline.headings()
    assert Para("2025年1月6日至2025年2月28日没有到期事项。") in outline.blocks


def test_due_soon_lists_owners(huyi: Plan) -> None:
    """On 2025-02-20 the first quarter's meeting, the 2025 work plan and the 2024 values fall due in March."""
    doc = document_facts(huyi, as_of=date(2025, 2, 20))
    table = circular_outline(doc).tables()[2]
    assert table.header == ("截止日期", "事项", "责任单位", "当前状态")
    titles = [row[1] for row in table.rows]
    assert titles[:3] == ["制定2025年度工作计划", "收集2024年度指标数值", "2025年第一季度调度会议"]
    assert all(row[0] == "2025年3月31日" for row in table.rows)
    assert table.rows[0][2] == "“两山”基地建设工作领导小组办公室"


def test_due_soon_covers_the_rest_of_this_month(huyi: Plan) -> None:
    """On 2026-12-02 the items due 12-31 are near; the section runs to the end of January and counts them as this month's."""
    doc = document_facts(huyi, as_of=date(2026, 12, 2))
    outline = circular_outline(doc)
    assert "三、近期到期事项（至2027年1月31日）" in outline.headings()
    soon = due_soon(doc.board)
    assert soon and {st.due for st in soon} >= {date(2026, 12, 31)}
    assert not any("2027年1月没有到期事项" in b.text for b in outline.blocks if isinstance(b, Para))
    said = next(b.text for b in outline.blocks if isinstance(b, Para) and "项工作到期" in b.text)
    in_december = sum(1 for st in soon if st.due.month == 12)
    assert f"共有{len(soon)}项工作到期（本月{in_december}项、下月{len(soon) - in_december}项）" in said


def test_many_overdue_items_are_grouped_by_lead_bureau_with_counts(huyi: Plan) -> None:
    """On 2029-06-30, with nothing recorded after 2025, more than ten items are overdue: one list per lead bureau,
    its heading giving the count; the counts add up to the total and every item is listed once."""
    doc = document_facts(huyi, as_of=date(2029, 6, 30))
    outline = circular_outline(doc)
    red = [st for st in doc.board.steps.values() if st.light == "red"]
    assert len(red) > GROUP_OVERDUE_FROM
    groups = [b.text for b in outline.blocks if isinstance(b, Heading) and b.level == 2]
    counts = [int(text.rsplit("逾期", 1)[1].rstrip("项）")) for text in groups]
    assert len(groups) > 1 and sum(counts) == len(red) and counts == sorted(counts, reverse=True)
    start = outline.blocks.index(next(b for b in outline.blocks if isinstance(b, Heading) and b.text == "二、逾期事项"))
    end = outline.blocks.index(next(b for b in outline.blocks if isinstance(b, Heading) and b.text.startswith("三、")))
    listed = [row[1] for b in outline.blocks[start:end] if isinstance(b, Table) for row in b.rows]
    assert len(listed) == len(red)
    assert f"共{len(red)}项工作逾期，涉及{len(groups)}个牵头单位" in next(
        b.text for b in outline.blocks[start:end] if isinstance(b, Para) and b.text.startswith("截至"))


def test_an_extended_item_shows_the_original_and_the_new_due(huyi: Plan) -> None:
    """An extension that is still owed shows 原定 → 延至, in the overdue list and among the items due soon."""
    facts = [*known_history(huyi),
             Extension("build.annual-plan.2025", "office", at("2025-03-01"), date(2025, 4, 15), "等待区政府常务会审议")]
    doc = document_facts(huyi, as_of=date(2025, 3, 5), facts=facts)
    soon = circular_outline(doc).tables()[2]
    row = next(r for r in soon.rows if r[1] == "制定2025年度工作计划")
    assert row[0] == "原定2025年3月31日 → 延至2025年4月15日"
    late = circular_outline(document_facts(huyi, as_of=date(2025, 4, 21), facts=facts)).tables()[1]
    assert ("制定2025年度工作计划", "原定2025年3月31日 → 延至2025年4月15日") in [(r[1], r[3]) for r in late.rows]


def test_no_word_stutters(doc: DocumentFacts) -> None:
    """“按按期” read as a stutter; every sentence reads once."""
    text = "".join(b.text for b in circular_outline(doc).blocks if isinstance(b, Para | Heading))
    assert "按按" not in text and "按“按期完成率”由高到低排列" in text


@pytest.mark.parametrize(("day", "number"), [(date(2026, 12, 2), "2026年第49期"), (date(2026, 12, 6), "2026年第49期"),
                                             (date(2026, 12, 7), "2026年第50期"), (date(2027, 1, 1), "2027年第1期"),
                                             (date(2027, 1, 4), "2027年第2期")])
def test_masthead_numbers_the_circular_by_week_of_the_year(huyi: Plan, day: date, number: str) -> None:
    """第N期: per year, the same all week however often it is written; the office in full, copied to the leading group."""
    head = circular_outline(document_facts(huyi, as_of=day)).masthead
    assert head is not None and head.number == number
    assert issue_number(day) == int(number.split("第")[1].rstrip("期"))
    assert head.issuer == "鄠邑区“两山”基地建设工作领导小组办公室"
    assert head.copy_to == huyi.bureau_name("leaders")


def test_circular_sections(doc: DocumentFacts) -> None:
    outline = circular_outline(doc)
    assert outline.title == "鄠邑区“两山”基地建设工作情况通报"
    assert outline.headings() == ["一、各单位完成情况", "二、逾期事项", "三、近期到期事项（至2025年2月28日）", "四、工作要求"]
    assert all(isinstance(t, Table) for t in outline.tables())


def test_opening_gives_the_forecast_in_one_sentence(huyi: Plan) -> None:
    on_time = circular_outline(document_facts(huyi)).blocks[0]
    assert isinstance(on_time, Para)
    assert "按当前进度，最后一项工作“完成国家评估”预计按计划于2029年12月31日完成。" in on_time.text
    behind = document_facts(huyi, as_of=date(2029, 6, 30))
    end = behind.board.end
    assert end is not None and end.late_days > 0
    opening = circular_outline(behind).blocks[0]
    assert isinstance(opening, Para)
    assert (f"最后一项工作“完成国家评估”预计{day_zh(end.forecast_due)}完成，比计划（{day_zh(end.due)}）"
            f"晚{end.late_days}天。") in opening.text


def test_what_changed_since_the_previous_circular(huyi: Plan) -> None:
    """On 2024-12-03 five 2024 case themes turned red since 11-26's circular; by 12-10 three of them were handed in."""
    first = circular_outline(document_facts(huyi, as_of=date(2024, 12, 3)))
    start = first.blocks.index(next(b for b in first.blocks if isinstance(b, Heading) and b.text == "二、逾期事项"))
    change = first.blocks[start + 1]
    assert isinstance(change, Para)
    assert change.text.startswith("与上期（2024年第48期，截至2024年11月26日）相比，新增逾期5项：“征集2024年典型案例：")
    assert change.text.endswith("；已销号0项。")
    later = circular_outline(document_facts(huyi, as_of=date(2024, 12, 10)))
    text = next(b.text for b in later.blocks if isinstance(b, Para) and b.text.startswith("与上期"))
    assert "新增逾期0项；已销号3项：“征集2024年典型案例：生态保护修复与环境治理”" in text
