"""Windows in the plan's own words: ``2024年4月初-4月中旬`` -> (2024-04-01, 2024-04-20).

Government work plans date their steps with period words rather than days. The convention
(DESIGN.md, "Windows, not points"):

=============================  =====================================
word                           days
=============================  =====================================
初, 上旬                        1-10
中旬                            11-20
下旬, 底, 末                    21 - end of month
中下旬                          11 - end of month
上中旬                          1-20
上半月 / 下半月                 1-15 / 16 - end of month
a bare month (``5月``)          the whole month
上半年 / 下半年                 Jan-Jun / Jul-Dec
第一季度 .. 第四季度 (一季度)    the quarter's three months
年初 / 年中 / 年底 (年末)         1-10 Jan / whole June / 21-31 Dec
a bare year (``2029年``)        the whole year
``4月8日``                      that day
=============================  =====================================

``2028年底`` and ``2028年初`` (``年末``) are the year's parts, never a month's: a year written
right before 初/底/末 with no month between them means 年初/年底/年末.

A range ``A-B`` (also ``A至B``, ``A—B``, ``A~B``, ``A到B``) runs from the first day of A to the
last day of B. B inherits the year it does not state from A, and A's month only when B states
no year either: an explicit year starts B afresh (``2026年7月-2028年底`` ends 2028-12-31,
``2024年11月-2028年中旬`` is refused for naming no month). B without a year rolls into the next
year where it would otherwise come before A (``2024年12月-1月`` ends 2025-01-31). A period with
no year takes ``default_year``. ISO dates (``2024-04-08``) are accepted too, alone or as either
end of a range written with ``..`` or ``至``.

This module is pure: no I/O, no third-party imports.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "PERIOD_KINDS",
    "PeriodError",
    "PeriodKind",
    "ReportPeriod",
    "Window",
    "parse_period",
    "parse_period_id",
    "parse_window",
    "period_of",
    "periods_between",
]


class PeriodError(ValueError):
    """A period phrase that cannot be read; the message says which part and what is accepted."""


@dataclass(frozen=True, slots=True)
class Window:
    """An inclusive span of days: a step may start on ``start`` and is due on ``due``."""

    start: date
    due: date

    def __post_init__(self) -> None:
        if self.due < self.start:
            raise PeriodError(
                f"窗口结束日 {self.due} 早于开始日 {self.start} / window ends before it starts"
            )

    def contains(self, other: Window) -> bool:
        """True when ``other`` lies wholly inside this window."""
        return self.start <= other.start and other.due <= self.due

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.due.isoformat()}"


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

# Parts of a month: (first day, last day or None for the month's end).
_MONTH_PARTS: dict[str, tuple[int, int | None]] = {
    "上中旬": (1, 20),
    "中下旬": (11, None),
    "上半月": (1, 15),
    "下半月": (16, None),
    "上旬": (1, 10),
    "中旬": (11, 20),
    "下旬": (21, None),
    "初": (1, 10),
    "底": (21, None),
    "末": (21, None),
}

# Parts of a year that need no month: (first month, first day, last month, last day or None).
_YEAR_PARTS: dict[str, tuple[int, int, int, int | None]] = {
    "上半年": (1, 1, 6, None),
    "下半年": (7, 1, 12, None),
    "年初": (1, 1, 1, 10),
    "年中": (6, 1, 6, None),
    "年底": (12, 21, 12, None),
    "年末": (12, 21, 12, None),
}

# 初/底/末 right after a year (no month between): the year's start or end, not a month's.
_YEAR_END_WORDS = {"初": "年初", "底": "年底", "末": "年末"}

_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_PERIOD_RE = re.compile(
    r"^(?:(?P<year>\d{4})年?)?"
    r"(?:"
    r"(?P<yearpart>上半年|下半年|年初|年中|年底|年末)"
    r"|(?:第?(?P<quarter>[一二三四1-4])季度)"
    r"|(?:(?P<month>" + _NUM + r")月)?"
    r"(?:(?P<day>" + _NUM + r")[日号]|(?P<monthpart>上中旬|中下旬|上半月|下半月|上旬|中旬|下旬|初|底|末))?"
    r")$"
)
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RANGE_SEPARATORS = ("..", "至", "到", "—", "–", "~", "～", "－", "-")

_ACCEPTED = (
    "可用 / accepted: 2024年4月初, 5月上旬, 5月中下旬, 2024年10月-2028年12月, "
    "下半年, 第一季度, 年底, 4月8日, 2024-04-08"
)


@dataclass(frozen=True, slots=True)
class _Parsed:
    """One side of a range, with what it stated so the other side can inherit."""

    year: int | None
    month: int | None
    first: date
    last: date


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 1:
        return _CN_DIGITS[text]
    if text.startswith("十"):  # 十一, 十二
        return 10 + _CN_DIGITS[text[1]]
    if text.endswith("十"):  # 二十, 三十
        return _CN_DIGITS[text[0]] * 10
    return _CN_DIGITS[text[0]] * 10 + _CN_DIGITS[text[2]]  # 二十一


def _month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _day(year: int, month: int, day: int, phrase: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise PeriodError(f"“{phrase}”不是有效日期 / not a valid date: {exc}") from exc


def _parse_one(phrase: str, year: int | None, month: int | None) -> _Parsed:
    """Parse one period; ``year``/``month`` are inherited when the phrase does not state them."""
    text = phrase.strip()
    if _ISO_RE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise PeriodError(f"“{phrase}”不是有效日期 / not a valid date: {exc}") from exc
        return _Parsed(day.year, day.month, day, day)
    m = _PERIOD_RE.match(text)
    if not text or m is None:
        raise PeriodError(f"无法识别的时间段“{phrase}” / unreadable period; {_ACCEPTED}")
    stated_year = int(m["year"]) if m["year"] else None
    y = stated_year if stated_year is not None else year
    if y is None:
        raise PeriodError(f"“{phrase}”没有写年份 / names no year: write e.g. 2024年{text}")
    if not date.min.year <= y <= date.max.year:  # 0000年, or a range's end rolled past 9999
        raise PeriodError(f"“{phrase}”的年份 {y} 不在1-9999 / year out of range")
    if stated_year is not None:
        month = None  # an explicit year starts afresh: 2026年7月-2028年底 is not July 2028
    yearpart = m["yearpart"]
    if yearpart is None and stated_year is not None and not m["month"] and m["monthpart"] in _YEAR_END_WORDS:
        yearpart = _YEAR_END_WORDS[m["monthpart"]]  # 2028年底 = 2028年年底
    if yearpart:
        m1, d1, m2, d2 = _YEAR_PARTS[yearpart]
        return _Parsed(y, m2, date(y, m1, d1), date(y, m2, d2 or _month_end(y, m2)))
    if m["quarter"]:
        q = _number(m["quarter"])
        m1, m2 = 3 * q - 2, 3 * q
        return _Parsed(y, m2, date(y, m1, 1), date(y, m2, _month_end(y, m2)))
    stated_month = _number(m["month"]) if m["month"] else None
    if stated_month is not None and not 1 <= stated_month <= 12:
        raise PeriodError(f"“{phrase}”中的月份 {stated_month} 不在1-12 / month out of range")
    mo = stated_month if stated_month is not None else month
    if mo is None and (m["day"] or m["monthpart"]):
        example = f"{m['year']}年5月{text.removeprefix(m['year']).lstrip('年')}" if m["year"] else f"5月{text}"
        raise PeriodError(f"“{phrase}”没有写月份 / names no month: write e.g. {example}")
    if m["day"]:
        assert mo is not None
        day = _day(y, mo, _number(m["day"]), phrase)
        return _Parsed(y, mo, day, day)
    if m["monthpart"]:
        assert mo is not None
        d1, d2 = _MONTH_PARTS[m["monthpart"]]
        return _Parsed(y, mo, date(y, mo, d1), date(y, mo, d2 or _month_end(y, mo)))
    if stated_month is not None:
        return _Parsed(y, stated_month, date(y, stated_month, 1), date(y, stated_month, _month_end(y, stated_month)))
    if stated_year is not None:
        return _Parsed(y, None, date(y, 1, 1), date(y, 12, 31))
    raise PeriodError(f"无法识别的时间段“{phrase}” / unreadable period; {_ACCEPTED}")


_ISO = r"\d{4}-\d{2}-\d{2}"
_DASH_RANGE_RE = re.compile(rf"^({_ISO}|[^-]+)-({_ISO}|[^-]+)$")


def _split_range(text: str) -> tuple[str, str] | None:
    """Split ``A-B`` into its two sides; None for a single period."""
    for sep in _RANGE_SEPARATORS[:-1]:
        if sep in text:
            left, _, right = text.partition(sep)
            return left, right
    if "-" not in text or _ISO_RE.match(text):
        return None
    if text.startswith("-") or text.endswith("-"):
        return (text[:-1], "") if text.endswith("-") else ("", text[1:])
    m = _DASH_RANGE_RE.match(text)
    if m is None:
        raise PeriodError(f"“{text}”的连接号用法无法识别 / cannot tell the range's two sides apart")
    return m[1], m[2]


def parse_period(phrase: str, default_year: int | None = None) -> Window:
    """Parse a single period phrase (no range) into its window.

    Args:
        phrase: e.g. ``2024年5月上旬`` or ``5月中下旬``.
        default_year: the year for a phrase that names none.

    Raises:
        PeriodError: the phrase is not a period in the accepted words.
    """
    parsed = _parse_one(phrase, default_year, None)
    return Window(parsed.first, parsed.last)


def parse_window(phrase: str, default_year: int | None = None) -> Window:
    """Parse a window written in period words or ISO dates, alone or as a range.

    Args:
        phrase: e.g. ``2024年4月初-4月中旬``, ``2024年10月-2028年12月``, ``2029年1月-12月``,
            ``2024-04-01..2024-04-20``.
        default_year: the year for a start that names none.

    Returns:
        The inclusive window from the first day of the start to the last day of the end.

    Raises:
        PeriodError: unreadable words, an impossible date, or an end before the start.
    """
    text = re.sub(r"\s+", "", phrase)
    halves = _split_range(text)
    if halves is None:
        return parse_period(text, default_year)
    left_text, right_text = halves
    if not left_text or not right_text:
        raise PeriodError(f"“{phrase}”缺少起点或终点 / range misses a side; {_ACCEPTED}")
    left = _parse_one(left_text, default_year, None)
    right = _parse_one(right_text, left.year, left.month)
    if right.last < left.first and not re.match(r"^\d{4}", right_text):
        # The end names no year and would come first: it is in the next year (12月-1月).
        right = _parse_one(right_text, (left.year or 0) + 1, left.month)
    if right.last < left.first:
        raise PeriodError(
            f"“{phrase}”的终点早于起点 / the range ends ({right.last}) before it starts ({left.first})"
        )
    return Window(left.first, right.last)


# ---------------------------------------------------------------------------------------------
# Reporting periods: a month, a quarter or a half-year, named by a short id.
#
# =========  ========  ====================  =================
# kind       id        words                 days
# =========  ========  ====================  =================
# month      2026m03   2026年3月              Mar 1 - Mar 31
# quarter    2026q4    2026年第四季度          Oct 1 - Dec 31
# half       2026h2    2026年下半年            Jul 1 - Dec 31
# =========  ========  ====================  =================
#
# The same periods name a recurring step's instances (``repeat: {every: month}`` -> ``.2026m03``).

PeriodKind = Literal["month", "quarter", "half"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "half")
_PER_YEAR = {"month": 12, "quarter": 4, "half": 2}
_LETTER: dict[str, str] = {"month": "m", "quarter": "q", "half": "h"}
_KIND_OF_LETTER: dict[str, PeriodKind] = {"m": "month", "q": "quarter", "h": "half"}
_PERIOD_ID_RE = re.compile(r"^(\d{4})([mqh])(\d{1,2})$")
_KIND_ZH = {"month": "月", "quarter": "季度", "half": "半年"}


@dataclass(frozen=True, slots=True, order=True)
class ReportPeriod:
    """One month, quarter or half-year: the ``n``-th of its kind in ``year`` (1-based)."""

    year: int
    kind: PeriodKind
    n: int

    def __post_init__(self) -> None:
        if self.kind not in _PER_YEAR:
            raise PeriodError(f"未知的周期“{self.kind}” / unknown period kind; 可选 / one of: month, quarter, half")
        if not 1 <= self.n <= _PER_YEAR[self.kind]:
            raise PeriodError(f"{self.year}年没有第 {self.n} 个{_KIND_ZH[self.kind]} / no such {self.kind}")

    @property
    def id(self) -> str:
        """``2026m03``, ``2026q4`` or ``2026h2``."""
        number = f"{self.n:02d}" if self.kind == "month" else str(self.n)
        return f"{self.year}{_LETTER[self.kind]}{number}"

    @property
    def words(self) -> str:
        """The period in Chinese: 2026年3月, 2026年第四季度, 2026年下半年."""
        if self.kind == "month":
            return f"{self.year}年{self.n}月"
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.n - 1]}季度"
        return f"{self.year}年{'上下'[self.n - 1]}半年"

    @property
    def window(self) -> Window:
        """The period's first and last day."""
        months = 12 // _PER_YEAR[self.kind]
        first_month = (self.n - 1) * months + 1
        last_month = first_month + months - 1
        return Window(date(self.year, first_month, 1), date(self.year, last_month, _month_end(self.year, last_month)))

    def next(self) -> ReportPeriod:
        """The period right after this one."""
        if self.n == _PER_YEAR[self.kind]:
            return ReportPeriod(self.year + 1, self.kind, 1)
        return ReportPeriod(self.year, self.kind, self.n + 1)

    def __str__(self) -> str:
        return self.id


def period_of(day: date, kind: PeriodKind) -> ReportPeriod:
    """The month, quarter or half-year that ``day`` falls in."""
    months = 12 // _PER_YEAR[kind]
    return ReportPeriod(day.year, kind, (day.month - 1) // months + 1)


def periods_between(start: date, end: date, kind: PeriodKind) -> list[ReportPeriod]:
    """Every period of ``kind`` that has a day within ``start``..``end``, in order (empty if end < start)."""
    out: list[ReportPeriod] = []
    if end < start:
        return out
    period = period_of(start, kind)
    while period.window.start <= end:
        out.append(period)
        period = period.next()
    return out


def parse_period_id(text: str) -> ReportPeriod:
    """Read ``2026m03`` (or ``2026m3``), ``2026q4`` or ``2026h2``.

    Raises:
        PeriodError: not such an id, or no such month, quarter or half-year.
    """
    m = _PERIOD_ID_RE.match(text.strip().lower())
    if m is None:
        raise PeriodError(f"无法识别的周期“{text}” / unreadable period id; 可用 / accepted: 2026m03, 2026q4, 2026h2")
    return ReportPeriod(int(m[1]), _KIND_OF_LETTER[m[2]], int(m[3]))
