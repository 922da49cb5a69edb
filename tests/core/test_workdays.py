"""China's working days, on real days the office knows."""

from __future__ import annotations

from datetime import date

import pytest

from core.workdays import WorkdayCalendar


@pytest.fixture(name="cal")
def fixture_cal() -> WorkdayCalendar:
    """The calendar with no overrides."""
    return WorkdayCalendar()


@pytest.mark.parametrize(
    ("day", "workday", "source"),
    [
        (date(2024, 2, 4), True, "chinese_calendar"),  # Sunday, Spring Festival make-up workday
        (date(2025, 1, 26), True, "chinese_calendar"),  # Sunday, make-up workday
        (date(2024, 10, 1), False, "chinese_calendar"),
        (date(2026, 10, 1), False, "chinese_calendar"),
        (date(2027, 10, 1), False, "holidays"),  # past chinese_calendar: statutory holiday
        (date(2024, 4, 20), False, "chinese_calendar"),  # a plain Saturday
        (date(2024, 4, 22), True, "chinese_calendar"),
        (date(2027, 10, 9), False, "weekend"),  # Saturday of a year nobody has announced
        (date(2027, 10, 8), True, "weekend"),
    ],
)
def test_real_days(cal: WorkdayCalendar, day: date, workday: bool, source: str) -> None:
    """Each day is a working day or not, and says which source decided."""
    info = cal.explain(day)
    assert (info.workday, info.source) == (workday, source)
    assert cal.is_workday(day) is workday


def test_holiday_names_are_chinese(cal: WorkdayCalendar) -> None:
    """The board can say why a day is off, in Chinese."""
    assert cal.explain(date(2024, 10, 1)).name == "国庆节"
    assert cal.explain(date(2024, 2, 4)).name == "春节调休上班"
    assert cal.explain(date(2027, 10, 1)).name == "国庆节"


def test_override_wins_over_every_source() -> None:
    """An announced arrangement in the override file decides, even against chinese_calendar."""
    cal = WorkdayCalendar({date(2027, 9, 26): (True, "国庆节调休上班"), date(2024, 4, 22): (False, "测试")},
                          complete_years=[2027])
    assert cal.explain(date(2027, 9, 26)).workday and cal.explain(date(2027, 9, 26)).source == "override"
    assert not cal.is_workday(date(2024, 4, 22))


def test_unknown_years_give_one_notice_and_no_crash(cal: WorkdayCalendar) -> None:
    """Years after 2026 are computed, and the user is told once that make-up days are unknown."""
    assert cal.notices == []
    for day in (date(2027, 1, 4), date(2027, 6, 1), date(2028, 3, 1)):
        cal.is_workday(day)
    (notice,) = cal.notices
    assert "2027、2028年的调休上班日尚未公布" in notice


def test_complete_years_give_no_notice() -> None:
    """A year the override file lists in full is not guessed."""
    cal = WorkdayCalendar(complete_years=[2027])
    cal.is_workday(date(2027, 5, 5))
    assert cal.notices == []


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 4, 19), 1, date(2024, 4, 22)),  # Friday + 1 -> Monday
        (date(2024, 9, 30), 1, date(2024, 10, 8)),  # over the National Day week
        (date(2024, 10, 8), -1, date(2024, 9, 30)),
        (date(2024, 2, 2), 1, date(2024, 2, 4)),  # the make-up Sunday counts
        (date(2024, 4, 22), 0, date(2024, 4, 22)),
        (date(2024, 4, 22), -5, date(2024, 4, 15)),
    ],
)
def test_add_workdays(cal: WorkdayCalendar, start: date, n: int, expected: date) -> None:
    """Adding working days skips rest days and counts make-up days."""
    assert cal.add_workdays(start, n) == expected


def test_workdays_between(cal: WorkdayCalendar) -> None:
    """Counting runs after the first day up to the last; reversed spans count negative."""
    assert cal.workdays_between(date(2024, 4, 22), date(2024, 4, 23)) == 1
    assert cal.workdays_between(date(2024, 9, 30), date(2024, 10, 8)) == 1
    assert cal.workdays_between(date(2024, 4, 23), date(2024, 4, 22)) == -1
    assert cal.workdays_between(date(2024, 1, 1), date(2024, 12, 31)) == 251  # 2024 had 251 working days
    assert cal.workdays_in(date(2024, 4, 19), date(2024, 4, 22)) == [date(2024, 4, 19), date(2024, 4, 22)]


def test_next_workday_rolls_forward(cal: WorkdayCalendar) -> None:
    """A due date on Saturday 2024-04-20 moves to Monday 04-22; 2024-10-01 to 10-08."""
    assert cal.next_workday(date(2024, 4, 20)) == date(2024, 4, 22)
    assert cal.next_workday(date(2024, 10, 1)) == date(2024, 10, 8)
    assert cal.next_workday(date(2024, 4, 22)) == date(2024, 4, 22)


def test_generated_statutory_table_matches_the_holidays_package() -> None:
    """The shipped table of later years' holidays is what the holidays package computes today."""
    import holidays

    from core.statutory_cn import FIRST_YEAR, LAST_YEAR, STATUTORY

    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        expected = {(d.month, d.day, name) for d, name in
                    holidays.country_holidays("CN", years=[year], language="zh_CN").items() if d.year == year}
        assert set(STATUTORY[year]) == expected, f"{year}: run scripts/gen_statutory_holidays.py"


def test_years_past_the_table_still_work() -> None:
    """2041 is asked of the holidays package directly: National Day is still a holiday."""
    assert not WorkdayCalendar().is_workday(date(2041, 10, 1))
