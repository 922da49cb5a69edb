"""The period words of the plan, read the way the office reads them."""

from __future__ import annotations

import re
from datetime import date

import pytest

from core.periods import PeriodError, parse_window


@pytest.mark.parametrize(
    ("phrase", "start", "due"),
    [
        # every window the seed states
        ("2024年4月初-4月中旬", date(2024, 4, 1), date(2024, 4, 20)),
        ("2024年4月-5月上旬", date(2024, 4, 1), date(2024, 5, 10)),
        ("2024年5月-9月", date(2024, 5, 1), date(2024, 9, 30)),
        ("2024年5月上旬", date(2024, 5, 1), date(2024, 5, 10)),
        ("2024年5月中下旬", date(2024, 5, 11), date(2024, 5, 31)),
        ("2024年6月-9月", date(2024, 6, 1), date(2024, 9, 30)),
        ("2024年10月-2028年12月", date(2024, 10, 1), date(2028, 12, 31)),
        ("2029年1月-12月", date(2029, 1, 1), date(2029, 12, 31)),
        # the rest of the convention
        ("2024年2月下旬", date(2024, 2, 21), date(2024, 2, 29)),
        ("2025年2月底", date(2025, 2, 21), date(2025, 2, 28)),
        ("2025年3月末", date(2025, 3, 21), date(2025, 3, 31)),
        ("2025年6月上半月", date(2025, 6, 1), date(2025, 6, 15)),
        ("2025年6月下半月", date(2025, 6, 16), date(2025, 6, 30)),
        ("2025年上半年", date(2025, 1, 1), date(2025, 6, 30)),
        ("2025年下半年", date(2025, 7, 1), date(2025, 12, 31)),
        ("2025年年底", date(2025, 12, 21), date(2025, 12, 31)),
        ("2025年第三季度", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025年十二月中旬", date(2025, 12, 11), date(2025, 12, 20)),
        ("2025年4月8日", date(2025, 4, 8), date(2025, 4, 8)),
        ("2029年", date(2029, 1, 1), date(2029, 12, 31)),
        # ranges: the end inherits year and month, and rolls over a year end
        ("2024年4月初-中旬", date(2024, 4, 1), date(2024, 4, 20)),
        ("2024年12月-1月", date(2024, 12, 1), date(2025, 1, 31)),
        ("2024年11月中旬-2月上旬", date(2024, 11, 11), date(2025, 2, 10)),
        ("2024年4月初至4月中旬", date(2024, 4, 1), date(2024, 4, 20)),
        # an explicit year in the end starts it afresh: the start's month is not inherited
        ("2026年7月-2028年底", date(2026, 7, 1), date(2028, 12, 31)),
        ("2026年7月-2028年年底", date(2026, 7, 1), date(2028, 12, 31)),
        ("2026年7月-2028年末", date(2026, 7, 1), date(2028, 12, 31)),
        ("2026年7月-2028年初", date(2026, 7, 1), date(2028, 1, 10)),
        ("2026年7月-2028年中", date(2026, 7, 1), date(2028, 6, 30)),
        ("2026年3月下旬-2028年底", date(2026, 3, 21), date(2028, 12, 31)),
        ("2024年10月-2025年上半年", date(2024, 10, 1), date(2025, 6, 30)),
        ("2024年10月-2025年下半年", date(2024, 10, 1), date(2025, 12, 31)),
        ("2024年11月-2025年第一季度", date(2024, 11, 1), date(2025, 3, 31)),
        ("2024年11月-2025年一季度", date(2024, 11, 1), date(2025, 3, 31)),
        ("2024年7月-2025年", date(2024, 7, 1), date(2025, 12, 31)),
        ("2024年7月-2025年3月", date(2024, 7, 1), date(2025, 3, 31)),
        ("2024年7月至2025年底", date(2024, 7, 1), date(2025, 12, 31)),
        ("2024年7月-2024年底", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024年底", date(2024, 12, 21), date(2024, 12, 31)),
        ("2024年初", date(2024, 1, 1), date(2024, 1, 10)),
        # without a year the end still inherits the start's month (today's behaviour)
        ("2024年7月-底", date(2024, 7, 1), date(2024, 7, 31)),
        ("2024年7月初-下旬", date(2024, 7, 1), date(2024, 7, 31)),
        ("2024年7月-年底", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024年7月-下半年", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024年 4月初 — 4月中旬", date(2024, 4, 1), date(2024, 4, 20)),
        # ISO forms
        ("2024-04-08", date(2024, 4, 8), date(2024, 4, 8)),
        ("2024-04-01..2024-04-20", date(2024, 4, 1), date(2024, 4, 20)),
        ("2024-04-01-2024-04-20", date(2024, 4, 1), date(2024, 4, 20)),
    ],
)
def test_window_words(phrase: str, start: date, due: date) -> None:
    """Each phrase becomes the days the convention gives it."""
    window = parse_window(phrase)
    assert (window.start, window.due) == (start, due)


def test_phrase_without_year_takes_the_default_year() -> None:
    """`5月上旬` in a 2024 phase means 2024-05-01..10."""
    window = parse_window("5月上旬", default_year=2024)
    assert (window.start, window.due) == (date(2024, 5, 1), date(2024, 5, 10))


@pytest.mark.parametrize(
    ("phrase", "words"),
    [
        ("2024年5月前后", "无法识别"),
        ("5月上旬", "没有写年份"),
        ("2024年13月", "不在1-12"),
        ("2025年2月30日", "不是有效日期"),
        ("2025年中旬", "没有写月份"),
        ("2024年5月-", "缺少起点或终点"),
        ("2025年3月-2024年5月", "早于起点"),
        ("2024年11月-2025年中旬", "没有写月份"),
        ("2024年11月8日-2025年20日", "没有写月份"),
        ("2026年7月-2025年底", "早于起点"),
        ("", "无法识别"),
    ],
)
def test_bad_words_are_refused_with_a_reason(phrase: str, words: str) -> None:
    """A phrase that is not a period names what is wrong."""
    with pytest.raises(PeriodError, match=words):
        parse_window(phrase)


def test_every_period_in_the_seed_parses(seed_text: str) -> None:
    """Every dated phrase in the office's document reads as a window, and the phases nest."""
    phrases = re.findall(r"（(\d{4}年[^）]*)）", seed_text)
    assert len(phrases) >= 8, phrases
    for phrase in phrases:
        window = parse_window(phrase)
        assert window.start.year >= 2024
