"""Indicator verdicts on values from the seed's targets (附件1)."""

from __future__ import annotations

import pytest

from core.indicators import IndicatorValue, judge, parse_flag
from core.plan import Plan


def verdict(plan: Plan, ind: str, year: int, *values: tuple[int, float] | IndicatorValue) -> tuple[str, str]:
    indicator = next(i for i in plan.indicators if i.id == ind)
    recorded = {}
    for v in values:
        item = v if isinstance(v, IndicatorValue) else IndicatorValue(v[0], v[1])
        recorded[item.year] = item
    got = judge(indicator, year, recorded)
    return got.verdict, got.reason


@pytest.mark.parametrize(
    ("ind", "year", "values", "expected"),
    [
        ("2b", 2025, [(2025, 92)], "met"),  # 地表水 >90%
        ("2b", 2025, [(2025, 88)], "not_met"),
        ("2b", 2025, [(2025, 90)], "not_met"),  # strictly above 90
        ("2a", 2025, [(2025, 100)], "met"),  # 饮用水 100%
        ("2a", 2025, [(2025, 99.5)], "not_met"),
        ("2c", 2025, [(2024, 80), (2025, 79)], "not_met"),  # 地下水 稳定提高
        ("2c", 2025, [(2024, 80), (2025, 80)], "met"),
        ("2c", 2024, [(2024, 80)], "no_data"),  # no previous year to compare with
        ("4c", 2025, [(2023, 120), (2024, 120), (2025, 120)], "met"),  # 红线面积 不减少: equal to baseline
        ("4c", 2025, [(2023, 120), (2024, 119), (2025, 119.5)], "not_met"),  # above last year, below baseline
        ("4c", 2025, [(2023, 120), (2024, 121), (2025, 120.5)], "not_met"),  # below last year
        ("10", 2026, [(2026, 3.2)], "met"),
        ("2b", 2027, [(2026, 95)], "no_data"),  # nothing reported for the year
    ],
)
def test_rules(huyi: Plan, ind: str, year: int, values: list[tuple[int, float]], expected: str) -> None:
    """Each rule of the target column on the seed's own indicators."""
    assert verdict(huyi, ind, year, *values)[0] == expected


def test_reasons_are_chinese_and_specific(huyi: Plan) -> None:
    """The reason names the value and the target."""
    assert verdict(huyi, "2b", 2025, (2025, 88)) == ("not_met", "88%，未达到目标 >90%")
    assert verdict(huyi, "2c", 2025, (2024, 80), (2025, 79)) == ("not_met", "79%，低于上一年的 80%")


def test_yes_no_indicators_need_evidence(huyi: Plan) -> None:
    """8a 品牌: 'yes' without evidence is no data; with evidence met; 'no' is not met."""
    assert verdict(huyi, "8a", 2025, IndicatorValue(2025, 1.0))[0] == "no_data"
    assert verdict(huyi, "8a", 2025, IndicatorValue(2025, 1.0, evidence=2))[0] == "met"
    assert verdict(huyi, "9a", 2025, IndicatorValue(2025, 0.0, evidence=1))[0] == "not_met"


def test_assigned_target_and_steady(huyi: Plan) -> None:
    """1 优良天数: target 80 assigned, 82 then 83 met; 83 then 82 not met; no target recorded is no data."""
    first, second = IndicatorValue(2024, 82, assigned_target=80), IndicatorValue(2025, 83, assigned_target=80)
    assert verdict(huyi, "1", 2025, first, second)[0] == "met"
    assert verdict(huyi, "1", 2025, IndicatorValue(2024, 83, assigned_target=80),
                   IndicatorValue(2025, 82, assigned_target=80))[0] == "not_met"
    assert verdict(huyi, "1", 2025, IndicatorValue(2025, 79, assigned_target=80))[0] == "not_met"
    assert verdict(huyi, "1", 2025, IndicatorValue(2025, 85))[0] == "no_data"


@pytest.mark.parametrize(("text", "value"), [("yes", 1.0), ("是", 1.0), ("1", 1.0), ("否", 0.0), ("no", 0.0), ("maybe", None)])
def test_flags(text: str, value: float | None) -> None:
    """获得 and 建立实施 take yes/no, 是/否 or 1/0."""
    assert parse_flag(text) == value
