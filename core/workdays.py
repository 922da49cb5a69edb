"""China's working days: statutory holidays, 调休 make-up workdays, weekends.

Sources, asked in this order, and each answer names the one that gave it:

1. ``override``: announced holidays and make-up workdays the office adds to
   ``config/holidays.yaml`` (read by :mod:`config.holidays`, passed in here as data);
2. ``chinese_calendar``: the State Council's arrangements, known up to 2026;
3. ``holidays``: the ``holidays`` package's China calendar, which computes the statutory holidays
   of later years but cannot know their make-up workdays;
4. ``weekend``: Saturday and Sunday are rest days, every other day is a working day.

A year answered by source 3 or 4 is noted once in :attr:`WorkdayCalendar.notices`, because its
make-up workdays are not yet known: the answer is a best guess, never a crash.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

__all__ = ["DayInfo", "WorkdayCalendar"]

Source = Literal["override", "chinese_calendar", "holidays", "weekend"]

_CHINESE_CALENDAR_LAST_YEAR = 2026  # chinese_calendar 1.11 raises NotImplementedError after this


@dataclass(frozen=True, slots=True)
class DayInfo:
    """Whether a day is a working day, why, and which source said so."""

    day: date
    workday: bool
    source: Source
    name: str = ""


class WorkdayCalendar:
    """Working-day arithmetic over China's calendar; answers are cached per day.

    Args:
        overrides: day -> (is a working day, name), from the override file; wins over every source.
        complete_years: years whose arrangement the override file lists in full (no notice).
        use_chinese_calendar: ask ``chinese_calendar`` for the years it knows.
        use_holidays: ask the ``holidays`` package for later years.
    """

    def __init__(
        self,
        overrides: Mapping[date, tuple[bool, str]] | None = None,
        *,
        complete_years: Iterable[int] = (),
        use_chinese_calendar: bool = True,
        use_holidays: bool = True,
    ) -> None:
        self._overrides = dict(overrides or {})
        self._complete_years = set(complete_years)
        self._use_cc = use_chinese_calendar
        self._use_holidays = use_holidays
        self._cache: dict[date, DayInfo] = {}
        self._statutory: dict[int, Mapping[date, str]] = {}
        self._guessed_years: set[int] = set()
        # Cumulative working-day counts over a contiguous span, for O(log n) counting.
        self._span_start: date | None = None
        self._cumulative: list[int] = []
        self._workday_ordinals: list[int] = []

    @property
    def notices(self) -> list[str]:
        """One line naming every year whose make-up workdays are unknown (empty when none)."""
        if not self._guessed_years:
            return []
        years = "、".join(str(y) for y in sorted(self._guessed_years))
        return [
            f"{years}年的调休上班日尚未公布，按法定节假日和周末推算；公布后请补充 config/holidays.yaml / "
            f"make-up workdays of {years.replace('、', ', ')} are not known yet: add them to config/holidays.yaml"
        ]

    def explain(self, day: date) -> DayInfo:
        """Whether ``day`` is a working day, with the source and the holiday's name."""
        found = self._cache.get(day)
        if found is None:
            found = self._cache[day] = self._lookup(day)
        return found

    def is_workday(self, day: date) -> bool:
        """True when ``day`` is a working day in China."""
        return self.explain(day).workday

    def next_workday(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it (顺延)."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_workdays(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it, for negative ``n``); ``day`` for 0."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        while remaining:
            day += timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.

        ``workdays_between(due, as_of)`` is how many working days ``as_of`` is past ``due``.
        """
        if end < start:
            return -self.workdays_between(end, start)
        self._ensure_span(start, end)
        assert self._span_start is not None
        base = self._span_start.toordinal()
        return self._cumulative[end.toordinal() - base] - self._cumulative[start.toordinal() - base]

    def workdays_in(self, start: date, end: date) -> list[date]:
        """Every working day from ``start`` to ``end``, both included."""
        self._ensure_span(start, end)
        lo = bisect.bisect_left(self._workday_ordinals, start.toordinal())
        hi = bisect.bisect_right(self._workday_ordinals, end.toordinal())
        return [date.fromordinal(o) for o in self._workday_ordinals[lo:hi]]

    def _ensure_span(self, start: date, end: date) -> None:
        if self._span_start is not None:
            span_end = self._span_start + timedelta(days=len(self._cumulative) - 1)
            if self._span_start <= start and end <= span_end:
                return
            start = min(start, self._span_start)
            end = max(end, span_end)
        # Whole years at a time, so a daily replay builds the table once.
        start = date(start.year, 1, 1)
        end = date(end.year, 12, 31)
        counts, total, ordinals = [], 0, []
        day = start
        while day <= end:
            if self.is_workday(day):
                total += 1
                ordinals.append(day.toordinal())
            counts.append(total)
            day += timedelta(days=1)
        self._span_start, self._cumulative, self._workday_ordinals = start, counts, ordinals

    def _lookup(self, day: date) -> DayInfo:
        if day in self._overrides:
            workday, name = self._overrides[day]
            return DayInfo(day, workday, "override", name)
        if self._use_cc and day.year <= _CHINESE_CALENDAR_LAST_YEAR:
            info = self._from_chinese_calendar(day)
            if info is not None:
                return info
        weekend = day.weekday() >= 5
        if day.year not in self._complete_years:
            self._guessed_years.add(day.year)
        if self._use_holidays:
            statutory = self._statutory_holidays(day.year).get(day)
            if statutory:
                return DayInfo(day, False, "holidays", statutory)
        return DayInfo(day, not weekend, "weekend", "周末" if weekend else "")

    def _from_chinese_calendar(self, day: date) -> DayInfo | None:
        import chinese_calendar

        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return None
        holiday = _CC_NAMES.get(str(name), str(name)) if name else ""
        if on_holiday:
            return DayInfo(day, False, "chinese_calendar", holiday or "周末")
        return DayInfo(day, True, "chinese_calendar", f"{holiday}调休上班" if holiday else "")

    def _statutory_holidays(self, year: int) -> Mapping[date, str]:
        if year not in self._statutory:
            from core.statutory_cn import STATUTORY

            if year in STATUTORY:
                # Generated from the holidays package (scripts/gen_statutory_holidays.py): importing the
                # package itself costs ~0.3 s of start-up for every command.
                self._statutory[year] = {date(year, m, d): name for m, d, name in STATUTORY[year]}
            else:
                import holidays

                self._statutory[year] = dict(holidays.country_holidays("CN", years=[year], language="zh_CN").items())
        return self._statutory[year]


# chinese_calendar names holidays in English; the office reads Chinese.
_CC_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
