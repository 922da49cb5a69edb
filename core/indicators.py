"""Indicator verdicts (附件1): is a year's value on target, and why, in the office's words.

Rules from the target column:

=====================  ==========================================================================
rule                   met when
=====================  ==========================================================================
threshold              the value satisfies the comparison (``>90%``, ``100%`` ...)
steady_increase        稳定提高: not below the previous year (no previous year: no data)
no_decrease            不减少: below neither the baseline (earliest year) nor the previous year
achieved               获得: "yes", shown by evidence files
established            建立实施: "yes", shown by evidence files
assigned_and_steady    完成上级规定的考核任务且保持稳定或持续提高: the year's assigned target (recorded
                       with the value) is met, and the value is not below the previous year
=====================  ==========================================================================
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from core.plan import Indicator

__all__ = ["IndicatorValue", "Verdict", "judge", "parse_flag"]

VerdictKind = Literal["met", "not_met", "no_data"]

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq}
_YES = {"yes", "y", "true", "1", "是", "有", "已获得", "已建立"}
_NO = {"no", "n", "false", "0", "否", "无", "未获得", "未建立"}


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """One year's recorded value: a number, or a yes/no for 获得 and 建立实施 (1.0 / 0.0)."""

    year: int
    value: float
    evidence: int = 0
    assigned_target: float | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The verdict of one indicator for one year, with the reason in Chinese."""

    indicator: str
    year: int
    verdict: VerdictKind
    reason: str
    value: float | None = None
    previous: float | None = None


def parse_flag(text: str) -> float | None:
    """``yes``/``是``/``1`` -> 1.0, ``no``/``否``/``0`` -> 0.0, anything else -> None."""
    word = text.strip().lower()
    if word in _YES:
        return 1.0
    if word in _NO:
        return 0.0
    return None


def _fmt(value: float, unit: str) -> str:
    number = f"{value:g}"
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}".strip()


def judge(indicator: Indicator, year: int, values: Mapping[int, IndicatorValue]) -> Verdict:
    """The verdict for ``year`` from every recorded year's values of this indicator."""
    current = values.get(year)
    if current is None:
        return Verdict(indicator.id, year, "no_data", f"{year}年尚未报送数值")
    earlier = sorted(y for y in values if y < year)
    previous = values[earlier[-1]] if earlier else None
    prev_value = previous.value if previous else None
    kind, reason = _rule(indicator, current, previous, values[earlier[0]] if earlier else None)
    return Verdict(indicator.id, year, kind, reason, current.value, prev_value)


def _rule(ind: Indicator, cur: IndicatorValue, prev: IndicatorValue | None,
          base: IndicatorValue | None) -> tuple[VerdictKind, str]:
    rule, unit = ind.rule, ind.unit
    value = _fmt(cur.value, unit)
    if rule.kind == "threshold":
        assert rule.op is not None and rule.value is not None
        target = f"{rule.op}{_fmt(rule.value, unit)}".replace(">=100%", "100%")
        if _OPS[rule.op](cur.value, rule.value):
            return "met", f"{value}，达到目标 {ind.target_text}"
        return "not_met", f"{value}，未达到目标 {target}"
    if rule.kind in ("achieved", "established"):
        word = "获得" if rule.kind == "achieved" else "建立实施"
        if cur.value < 0.5:
            return "not_met", f"尚未{word}"
        if cur.evidence == 0:
            return "no_data", f"报称已{word}，但缺少证明材料，请责任单位补报证明材料"
        return "met", f"已{word}，有 {cur.evidence} 份证明材料"
    if rule.kind == "assigned_and_steady":
        if cur.assigned_target is None:
            return "no_data", "缺少当年上级下达的考核目标值，请责任单位补报"
        if cur.value < cur.assigned_target:
            return "not_met", f"{value}，未完成上级下达的考核目标 {_fmt(cur.assigned_target, unit)}"
        if prev is not None and cur.value < prev.value:
            return "not_met", f"{value}，完成考核目标但低于上一年的 {_fmt(prev.value, unit)}"
        tail = f"，不低于上一年的 {_fmt(prev.value, unit)}" if prev else "（无上一年数据）"
        return "met", f"{value}，完成上级下达的考核目标 {_fmt(cur.assigned_target, unit)}{tail}"
    if prev is None:
        return "no_data", f"{value}；缺少上一年数据，无法判断“{ind.target_text}”"
    if rule.kind == "no_decrease" and base is not None and cur.value < base.value:
        return "not_met", f"{value}，低于基准年的 {_fmt(base.value, unit)}"
    if cur.value < prev.value:
        return "not_met", f"{value}，低于上一年的 {_fmt(prev.value, unit)}"
    return "met", f"{value}，不低于上一年的 {_fmt(prev.value, unit)}"
