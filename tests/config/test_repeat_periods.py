"""A step may recur every month or every half-year, as it recurs every year or quarter."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.loader import check_plan

MEETINGS = (
    '        title: "{year}年第{quarter_zh}季度调度会议"\n'
    "        description: 领导小组办公室定期召开调度会议，及时掌握创建工作动态，分析存在问题，总结工作经验，"
    "统筹推进创建工作。会前生成会议材料（liangshan meeting pack）。\n"
    "        repeat: {every: quarter, from: 2024, from_quarter: 2, to: 2029}\n"
    "        pack: true\n"
    '        window: "{year}年第{quarter}季度"\n'
    "        owners: [office]\n"
    "        deliverables:\n"
    '          - {id: minutes, title: "{year}年第{quarter_zh}季度调度会议纪要"}\n'
)


def _with_meetings(huyi_text: str, tmp_path: Path, block: str) -> tuple[Path, int]:
    assert huyi_text.count(MEETINGS) == 1
    path = tmp_path / "plan.yaml"
    path.write_text(huyi_text.replace(MEETINGS, block), encoding="utf-8")
    return path, huyi_text[: huyi_text.index(MEETINGS)].count("\n") + 1


def test_monthly_repeat_makes_one_step_a_month(huyi_text: str, tmp_path: Path) -> None:
    """every: month from 2024-11 to 2025-02: four steps, ids .2024m11 .. .2025m02, {month} filled in."""
    path, _ = _with_meetings(huyi_text, tmp_path, (
        '        title: "{year}年{month}月工作动态"\n'
        "        repeat: {every: month, from: 2024, from_month: 11, to: 2025, to_month: 2}\n"
        '        window: "{year}年{month}月下旬"\n'
        "        owners: [office]\n"
        "        deliverables:\n"
        '          - {id: news, title: "{year}年{month}月工作动态"}\n'
        "        instances:\n"
        "          2025m01: {window: 2025年2月上旬}\n"
    ))
    plan, problems = check_plan(path)
    assert plan is not None, "\n".join(map(str, problems))
    ids = [s for s in plan.steps if s.startswith("meetings.")]
    assert ids == ["meetings.2024m11", "meetings.2024m12", "meetings.2025m01", "meetings.2025m02"]
    dec = plan.steps["meetings.2024m12"]
    assert dec.title == "2024年12月工作动态"
    assert dec.deliverables[0].title == "2024年12月工作动态"
    assert (str(dec.window.start), str(dec.window.due)) == ("2024-12-21", "2024-12-31")
    assert (dec.year, dec.month, dec.quarter, dec.half) == (2024, 12, None, None)
    assert str(plan.steps["meetings.2025m01"].window) == "2025-02-01..2025-02-10"


def test_half_yearly_repeat(huyi_text: str, tmp_path: Path) -> None:
    """every: half: .2025h1 and .2025h2, with {half_zh} as 上/下."""
    path, _ = _with_meetings(huyi_text, tmp_path, (
        '        title: "{year}年{half_zh}半年工作评估"\n'
        "        repeat: {every: half, from: 2025, to: 2025}\n"
        '        window: "{year}年{half_zh}半年"\n'
        "        owners: [office]\n"
        "        deliverables:\n"
        "          - {id: review, title: 半年评估}\n"
    ))
    plan, problems = check_plan(path)
    assert plan is not None, "\n".join(map(str, problems))
    h2 = plan.steps["meetings.2025h2"]
    assert h2.title == "2025年下半年工作评估"
    assert str(h2.window) == "2025-07-01..2025-12-31"
    assert h2.half == 2
    assert [s for s in plan.steps if s.startswith("meetings.")] == ["meetings.2025h1", "meetings.2025h2"]


@pytest.mark.parametrize(
    ("block", "words", "offset"),
    [
        pytest.param(
            '        title: "{year}年{month}月工作动态"\n'
            "        repeat: {every: month, from: 2025, from_month: 13, to: 2025}\n"
            "        owners: [office]\n        deliverables:\n          - {id: news, title: 动态}\n",
            "数值太大", 1, id="month-13"),
        pytest.param(
            '        title: "{year}年{quarter}季度动态"\n'
            "        repeat: {every: month, from: 2025, to: 2025}\n"
            "        owners: [office]\n        deliverables:\n          - {id: news, title: 动态}\n",
            "无法替换占位符", -1, id="quarter-placeholder-in-monthly-step"),
        pytest.param(
            '        title: "{year}年{month}月工作动态"\n'
            "        repeat: {every: month, from: 2025, to: 2025}\n"
            "        owners: [office]\n        deliverables:\n          - {id: news, title: 动态}\n"
            "        instances:\n          2025q1: {window: 2025年3月}\n",
            "2025q1 不在重复范围内", 6, id="quarter-instance-in-monthly-step"),
        pytest.param(
            '        title: "{year}年工作"\n'
            "        repeat: {every: week, from: 2025, to: 2025}\n"
            "        owners: [office]\n        deliverables:\n          - {id: news, title: 动态}\n",
            "取值不在可选范围内", 1, id="unknown-every"),
    ],
)
def test_bad_repeat_names_its_line(huyi_text: str, tmp_path: Path, block: str, words: str, offset: int) -> None:
    """A bad monthly or half-yearly repeat is refused with the file, line and a fix, like a yearly one."""
    path, first = _with_meetings(huyi_text, tmp_path, block)
    plan, problems = check_plan(path)
    assert plan is None
    matching = [p for p in problems if words in p.zh]
    assert matching, "\n".join(map(str, problems))
    assert len(matching) == 1, "said once, not once per instance"
    # offset from the block's first line; -1 is the step's id line (a fault of the whole step)
    assert matching[0].line == first + offset, str(matching[0])
    assert str(matching[0]).startswith(f"{path}:")
    assert matching[0].fix
