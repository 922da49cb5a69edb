"""What a document for the leaders says, before any file format: headings, paragraphs, tables, figures.

The content builders (core.pack, core.circular, core.annual, core.assessment) decide which rows and
which sentences a document holds and return an :class:`Outline`; reports/ only lays it out in Word.
Numbering is part of the text (``一、`` for level 1, ``（一）`` for level 2), so every rendering of
an outline numbers it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = ["LIGHT_ZH", "PENDING", "VERDICT_ZH", "Block", "Figure", "Heading", "Masthead", "Outline", "Para", "Table", "day_zh",
           "numbered", "pending", "zh_number"]

# The mark an office reader searches for: the data cannot say this, someone must write it.
PENDING = "【待补充】"
# Words, not emoji, in documents: the official fonts have no emoji and the page may be printed in grey.
LIGHT_ZH = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "grey": "未开始"}
VERDICT_ZH = {"met": "达标", "not_met": "未达标", "no_data": "无数据"}

_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading, already numbered: level 1 (一、…) or level 2 (（一）…)."""

    text: str
    level: Literal[1, 2] = 1


@dataclass(frozen=True, slots=True)
class Para:
    """A body paragraph."""

    text: str


@dataclass(frozen=True, slots=True)
class Table:
    """A table: a header row and rows of text; ``widths`` in cm (None: equal columns)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    """A picture the writer draws from the same facts: the Gantt chart or the indicator chart."""

    kind: Literal["gantt", "indicators"]
    caption: str


Block = Heading | Para | Table | Figure


@dataclass(frozen=True, slots=True)
class Masthead:
    """The 红头 of a numbered document (GB/T 9704): the issuing office in red over its number, a red line;
    and the 版记 at the end: to whom it is copied (抄送) and who printed it on which day (印发)."""

    issuer: str
    number: str  # e.g. 2026年第49期
    copy_to: str = ""


@dataclass(frozen=True, slots=True)
class Outline:
    """A whole document: title, an optional line under it, the blocks, and the date it is signed."""

    title: str
    blocks: tuple[Block, ...]
    signed: date
    subtitle: str = ""
    masthead: Masthead | None = None

    def headings(self, level: int = 1) -> list[str]:
        """The headings of one level, in order (what a reader sees in the navigation pane)."""
        return [b.text for b in self.blocks if isinstance(b, Heading) and b.level == level]

    def tables(self) -> list[Table]:
        """Every table, in order."""
        return [b for b in self.blocks if isinstance(b, Table)]


def zh_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十 (enough for a document's sections)."""
    if not 0 < n < 100:
        raise ValueError(f"section number out of range: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def numbered(n: int, text: str, level: int = 1) -> Heading:
    """The n-th heading of a level, numbered as official documents do: 一、 / （一）."""
    if level == 1:
        return Heading(f"{zh_number(n)}、{text}", 1)
    return Heading(f"（{zh_number(n)}）{text}", 2)


def pending(what: str) -> Para:
    """A paragraph the office must write itself: 【待补充】 and what belongs there."""
    return Para(f"{PENDING}{what}")


def day_zh(day: date) -> str:
    """2026-11-28 -> 2026年11月28日 (Arabic numerals, as GB/T 9704-2012 writes dates)."""
    return f"{day.year}年{day.month}月{day.day}日"

