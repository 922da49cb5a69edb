"""Reporting periods (month, quarter, half-year): their ids, words and days, read both ways."""

from __future__ import annotations

from datetime import date

import pytest

from core.periods import PeriodError, ReportPeriod, parse_period_id, parse_window, period_of, periods_between


@pytest.mark.parametrize(
    ("text", "ident", "words", "first", "last"),
    [
        ("2026m03", "2026m03", "2026年3月", date(2026, 3, 1), date(2026, 3, 31)),
        ("2026m3", "2026m03", "2026年3月", date(2026, 3, 1), date(2026, 3, 31)),
        ("2024m02", "2024m02", "2024年2月", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026m12", "2026m12", "2026年12月", date(2026, 12, 1), date(2026, 12, 31)),
        ("2026q1", "2026q1", "2026年第一季度", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026Q4", "2026q4", "2026年第四季度", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026h1", "2026h1", "2026年上半年", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026h2", "2026h2", "2026年下半年", date(2026, 7, 1), date(2026, 12, 31)),
    ],
)
def test_period_id_words_and_days(text: str, ident: str, words: str, first: date, last: date) -> None:
    """An id reads to its days; it prints back in its canonical form and in Chinese."""
    period = parse_period_id(text)
    assert period.id == ident
    assert str(period) == ident
    assert period.words == words
    assert (period.window.start, period.window.due) == (first, last)


@pytest.mark.parametrize("words", ["2026年3月", "2026年第四季度", "2026年下半年"])
def test_words_are_the_plans_own(words: str) -> None:
    """The Chinese words of a period read, as a window, to the same days as the period."""
    kinds = {"2026年3月": "2026m03", "2026年第四季度": "2026q4", "2026年下半年": "2026h2"}
    assert parse_window(words) == parse_period_id(kinds[words]).window


@pytest.mark.parametrize("text", ["2026m13", "2026m0", "2026q5", "2026q0", "2026h3", "2026w1", "26q4", "q4", ""])
def test_bad_period_ids_are_refused(text: str) -> None:
    """No 13th month, 5th quarter, 3rd half or other letters: the message says what is accepted."""
    with pytest.raises(PeriodError) as info:
        parse_period_id(text)
    assert "/" in str(info.value)


@pytest.mark.parametrize(
    ("day", "kind", "ident"),
    [
        (date(2026, 3, 31), "month", "2026m03"),
        (date(2026, 3, 31), "quarter", "2026q1"),
        (date(2026, 4, 1), "quarter", "2026q2"),
        (date(2026, 6, 30), "half", "2026h1"),
        (date(2026, 7, 1), "half", "2026h2"),
    ],
)
def test_period_of_a_day(day: date, kind: str, ident: str) -> None:
    """A day belongs to exactly one period of each kind."""
    assert period_of(day, kind).id == ident  # type: ignore[arg-type]


def test_periods_between_cross_a_year() -> None:
    """Every period touching the span, in order, across the year end."""
    got = [p.id for p in periods_between(date(2026, 11, 15), date(2027, 2, 1), "month")]
    assert got == ["2026m11", "2026m12", "2027m01", "2027m02"]
    assert [p.id for p in periods_between(date(2024, 10, 1), date(2025, 12, 31), "quarter")] == [
        "2024q4", "2025q1", "2025q2", "2025q3", "2025q4"]
    assert periods_between(date(2026, 2, 1), date(2026, 1, 1), "half") == []


def test_periods_sort_in_time() -> None:
    """Periods of one kind order by time (a later year after an earlier one's last)."""
    assert ReportPeriod(2026, "quarter", 4) < ReportPeriod(2027, "quarter", 1)
    assert ReportPeriod(2026, "quarter", 4).next() == ReportPeriod(2027, "quarter", 1)
