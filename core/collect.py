"""Collecting steps: indicator values and typical cases close plan steps without a check-in.

A step with ``collect: indicators`` (e.g. ``indicators.2026``) has one deliverable per row of
附件1; a recorded value of that indicator for that year counts as its check-in, made by the
reporting bureau when the value happened. A step with ``collect: cases`` (e.g. ``cases.3.2026``)
has one deliverable, ``case``, checked in by the first case of its theme in its year. The engine
then treats them like any other step: windows, lights, the ladder and the board need no exception.

:class:`Value` and :class:`Case` are those records as an events file states them; the rules a
value or a case must meet (the same for ``indicator record``, ``case add``, an events file and
``import``) are :func:`value_problems` and :func:`case_problems`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from core.events import SHANGHAI, CheckIn, EventProblem
from core.plan import Plan
from core.visible import hidden_character

__all__ = ["CASE_TITLE_MAX", "Case", "Collected", "Contribution", "Value", "case_problems", "collected", "collected_events",
           "contribution_problems", "plan_years", "value_problems"]


@dataclass(frozen=True, slots=True)
class Collected:
    """A record that fills a collecting step: an indicator value or a typical case."""

    kind: Literal["indicators", "cases"]
    key: str
    year: int
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Value:
    """A bureau reported an indicator's value for a year (附件1), as ``indicator record`` records it."""

    indicator: str
    year: int
    value: float
    by: str
    at: datetime
    unit: str | None = None
    source: str = ""
    day: date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", self.at.astimezone(SHANGHAI).date())

    @property
    def type(self) -> Literal["value"]:
        """The record's type as written in an events file."""
        return "value"


@dataclass(frozen=True, slots=True)
class Case:
    """A bureau contributed a typical case under a theme (附件2), as ``case add`` records it."""

    theme: str
    title: str
    by: str
    at: datetime
    year: int
    text: str = ""
    day: date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", self.at.astimezone(SHANGHAI).date())

    @property
    def type(self) -> Literal["case"]:
        """The record's type as written in an events file."""
        return "case"


Contribution = Value | Case


def plan_years(plan: Plan) -> range:
    """Years a value may be recorded for: the baseline year before the plan starts, to its last year."""
    first = min(p.window.start.year for p in plan.phases)
    last = max(p.window.due.year for p in plan.phases)
    return range(first - 1, last + 1)


def value_problems(plan: Plan, indicator_id: str, year: int, value: float, by: str,
                   unit: str | None = None) -> list[EventProblem]:
    """Why the plan refuses this indicator value, most basic first; empty when it may be recorded.

    An unknown indicator (named with the closest ids) is the only problem reported, as nothing else
    can be judged without it; a bureau that does not own the indicator is ``forbidden``.
    """
    indicator = next((i for i in plan.indicators if i.id == indicator_id), None)
    if indicator is None:
        ids = [i.id for i in plan.indicators]
        near = difflib.get_close_matches(indicator_id, ids, n=3, cutoff=0.3)
        hint = f"；是否想写 / did you mean: {', '.join(near)}" if near else f"；可选：{', '.join(ids)}"
        return [EventProblem("indicator", f"附件1中没有指标“{indicator_id}”{hint}", f"no indicator {indicator_id!r}")]
    problems: list[EventProblem] = []
    years = plan_years(plan)
    if year not in years:
        problems.append(EventProblem("year", f"年份 {year} 不在计划年度 {years.start}-{years.stop - 1} 内（含基准年）",
                                     f"year {year} is outside the plan ({years.start}-{years.stop - 1})"))
    if by not in indicator.owners and by != "office":
        names = "、".join(plan.bureau_name(b) for b in indicator.owners)
        zh = f"“{plan.bureau_name(by)}”不是指标 {indicator.id}（{indicator.title}）的责任单位（{names}）"
        problems.append(EventProblem("by", zh, f"{by!r} does not own indicator {indicator.id}", "forbidden"))
    given = indicator.unit if unit is None else unit
    if given != indicator.unit:
        problems.append(EventProblem("unit", f"指标 {indicator.id} 的单位是“{indicator.unit or '是/否'}”，不是“{given}”",
                                     f"indicator {indicator.id} is recorded in {indicator.unit!r}, not {given!r}"))
    elif indicator.unit == "%" and not 0 <= value <= 100:
        problems.append(EventProblem("value", f"百分比 {value:g} 不在 0-100 之间", f"percentage {value:g} is outside 0-100"))
    if indicator.rule.kind in ("achieved", "established") and value not in (0.0, 1.0):
        problems.append(EventProblem("value", "该指标只能填 是/否（yes/no，1/0）", "this indicator takes yes or no"))
    return problems


CASE_TITLE_MAX = 500  # the database column's width (PostgreSQL refuses a longer title)


def case_problems(plan: Plan, theme_id: str, by: str, title: str, year: int) -> list[EventProblem]:
    """Why the plan refuses this typical case, most basic first; empty when it may be recorded.

    An unknown theme is the only problem reported; a bureau that does not provide material for the
    theme is ``forbidden``.
    """
    theme = next((t for t in plan.case_themes if t.id == theme_id), None)
    if theme is None:
        ids = [t.id for t in plan.case_themes]
        near = difflib.get_close_matches(theme_id, ids, n=3, cutoff=0.5)
        hint = f"；是否想写 / did you mean: {', '.join(near)}" if near else f"；可选：1-{len(ids)}"
        return [EventProblem("theme", f"附件2中没有主题“{theme_id}”{hint}", f"no case theme {theme_id!r}")]
    problems: list[EventProblem] = []
    if by not in plan.bureaus:
        problems.append(EventProblem("by", f"未知的单位“{by}”", f"unknown bureau {by!r}"))
    elif by != "office" and by not in theme.owners:
        names = "、".join(plan.bureau_name(b) for b in theme.owners)
        zh = f"“{plan.bureau_name(by)}”不是主题 {theme.id}（{theme.title}）的素材提供单位（{names}）"
        problems.append(EventProblem("by", zh, f"{by!r} does not provide cases for theme {theme.id}", "forbidden"))
    years = plan_years(plan)
    if year not in years:
        problems.append(EventProblem("year", f"年份 {year} 不在计划年度 {years.start}-{years.stop - 1} 内",
                                     f"year {year} is outside the plan"))
    if not title.strip():
        problems.append(EventProblem("title", "案例必须有标题（--title）", "a case needs a title"))
    elif (hidden := hidden_character(title)) is not None:
        problems.append(EventProblem("title", f"案例标题含有控制字符或不可见的格式字符（{hidden}），请删除后重新填写",
                                     f"a case title must not contain a control or format character ({hidden})"))
    elif len(title.strip()) > CASE_TITLE_MAX:
        problems.append(EventProblem("title", f"案例标题超过 {CASE_TITLE_MAX} 字，请精简（正文写在简介中）",
                                     f"a case title is at most {CASE_TITLE_MAX} characters"))
    return problems


def contribution_problems(plan: Plan, item: Contribution, today: date | None = None) -> list[EventProblem]:
    """Every reason the plan refuses a value or a case; ``today`` given, one dated after it is refused too."""
    if isinstance(item, Value):
        problems = value_problems(plan, item.indicator, item.year, item.value, item.by, item.unit)
    else:
        problems = case_problems(plan, item.theme, item.by, item.title, item.year)
    if today is not None and item.day > today:
        problems.append(EventProblem("at", f"日期 {item.day} 在未来", f"{item.day} is in the future"))
    return problems


def collected(item: Contribution) -> Collected:
    """The record a value or a case is for the collecting steps."""
    if isinstance(item, Value):
        return Collected("indicators", item.indicator, item.year, item.by, item.at)
    return Collected("cases", item.theme, item.year, item.by, item.at)


def collected_events(plan: Plan, records: Iterable[Collected | Contribution]) -> list[CheckIn]:
    """The check-ins the records amount to; records no step collects (e.g. baselines) are left out."""
    by_slot: dict[tuple[str, str | None, int], str] = {}
    for step in plan.steps.values():
        if step.collected and step.year is not None:
            by_slot[(step.collect, step.theme, step.year)] = step.id
    out: list[CheckIn] = []
    for item in records:
        rec = item if isinstance(item, Collected) else collected(item)
        theme = rec.key if rec.kind == "cases" else None
        sid = by_slot.get((rec.kind, theme, rec.year))
        if sid is None:
            continue
        deliverable = rec.key if rec.kind == "indicators" else "case"
        if deliverable in {d.id for d in plan.steps[sid].deliverables}:
            out.append(CheckIn(sid, rec.by, rec.at, (deliverable,), note="collected"))
    return out
