"""A broken plan is refused with the file, line and column of the fault and what would fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import InvalidFile
from config.loader import check_plan, load_plan


def _break(text: str, old: str, new: str, tmp_path: Path) -> tuple[Path, int]:
    """Write a copy of the plan with one edit; return its path and the first line it changes."""
    assert text.count(old) == 1, f"anchor must be unique: {old!r}"
    first = text[: text.index(old)].count("\n") + 1
    changed = next(i for i, (a, b) in enumerate(zip(old.split("\n"), new.split("\n"), strict=False)) if a != b)
    line = first + changed
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line


CASES = [
    pytest.param(
        "        completion: lead\n",
        "        completion: leader\n",
        "取值不在可选范围内",
        id="unknown-completion",
    ),
    pytest.param(
        "        collect: indicators\n",
        "        collect: indicators\n        completion: each\n",
        "只能是 any",
        id="completion-on-a-collecting-step",
    ),
    pytest.param(
        "      - id: mobilize.commission\n",
        "      - id: mobilize.leading-group\n",
        "重复的步骤 id“mobilize.leading-group”",
        id="duplicate-step-id",
    ),
    pytest.param(
        "depends_on: [mobilize.commission]",
        "depends_on: [mobilize.comission]",
        "依赖的步骤“mobilize.comission”不存在",
        id="missing-dependency",
    ),
    pytest.param(
        "window: 2024年5月上旬",
        "window: 2024年10月上旬",
        "超出所属阶段的窗口 2024-05-01..2024-09-30",
        id="window-outside-phase",
    ),
    pytest.param(
        "window: 2024年5月上旬",
        "window: {start: 2024-05-10, due: 2024-05-01}",
        "早于开始日",
        id="window-ends-before-start",
    ),
    pytest.param(
        "window: 2024年5月中下旬",
        "window: 2024年5月前后",
        "无法识别的时间段“2024年5月前后”",
        id="unparseable-window",
    ),
    pytest.param(
        "rule: {kind: steady_increase}\n    unit: 种",
        "rule: {kind: steady_rise}\n    unit: 种",
        "未知的指标规则“steady_rise”",
        id="unknown-indicator-rule",
    ),
    pytest.param(
        "        review: true\n        deliverables:\n          - {id: implementation-plan-draft",
        "        reviw: true\n        deliverables:\n          - {id: implementation-plan-draft",
        "未知字段“reviw”",
        id="unknown-field",
    ),
    pytest.param(
        "  - {id: water, name: 区水务局}\n",
        "  - {id: water, name: 区水务局}\n  - {id: water, name: 区水务局二}\n",
        "重复的责任单位 id“water”",
        id="duplicate-bureau",
    ),
    pytest.param(
        '        theme: "3"\n',
        '        theme: "33"\n',
        "未知的案例主题“33”",
        id="case-collection-unknown-theme",
    ),
    pytest.param(
        "        collect: indicators\n",
        "        collect: indicators\n        owners: [eco]\n",
        "collect: indicators 的步骤由指标表生成 owners，不能另写",
        id="indicator-collection-with-owners",
    ),
    pytest.param(
        "        collect: indicators\n        repeat: {every: year, from: 2024, to: 2028}\n",
        "        collect: indicators\n        repeat: {every: quarter, from: 2024, to: 2028}\n",
        "collect: indicators 的步骤必须按年重复",
        id="indicator-collection-by-quarter",
    ),
    pytest.param(
        "        collect: indicators\n",
        "        collect: indicator\n",
        "取值不在可选范围内",
        id="unknown-collect",
    ),
    pytest.param(
        "        repeat: {every: quarter, from: 2024, from_quarter: 2, to: 2029}\n",
        "        repeat: {every: quarter, from: 2024, from_quarter: 2, to: 2029}\n"
        "        instances: {2024q1: {window: 2024年3月}}\n",
        "2024q1 不在重复范围内",
        id="quarter-instance-outside-repeat",
    ),
]


@pytest.mark.parametrize(("old", "new", "words"), CASES)
def test_refusal_names_line_and_fault(huyi_text: str, tmp_path: Path, old: str, new: str, words: str) -> None:
    """Each kind of fault gets its own message, pinned to the edited line."""
    path, line = _break(huyi_text, old, new, tmp_path)
    plan, problems = check_plan(path)
    assert plan is None
    errors = [p for p in problems if p.severity == "error"]
    matching = [p for p in errors if words in p.zh]
    assert matching, "\n".join(str(p) for p in errors)
    assert matching[0].line == line, str(matching[0])
    assert str(matching[0]).startswith(f"{path}:{line}:")
    assert matching[0].en and matching[0].fix


def test_unknown_bureau_suggests_the_closest(huyi_text: str, tmp_path: Path) -> None:
    """An owner that is not a bureau is named, with the likely intended id."""
    path, line = _break(
        huyi_text, "owners: [gov, eco]\n        depends_on: [mobilize.work-plan]",
        "owners: [gvo, eco]\n        depends_on: [mobilize.work-plan]", tmp_path,
    )
    with pytest.raises(InvalidFile) as info:
        load_plan(path)
    (problem,) = info.value.errors
    assert problem.line == line
    assert "未知的责任单位“gvo”" in problem.zh
    assert "gov" in problem.fix
    assert problem.path == "phases[0].steps[1].owners[0]"


def test_cycle_names_every_step_of_it(huyi_text: str, tmp_path: Path) -> None:
    """work-plan -> commission -> survey -> work-plan is refused, naming the three steps."""
    path, _ = _break(
        huyi_text, "        owners: [eco]\n        deliverables:\n          - {id: work-plan,",
        "        owners: [eco]\n        depends_on: [draft.survey]\n        deliverables:\n"
        "          - {id: work-plan,", tmp_path,
    )
    _, problems = check_plan(path)
    (cycle,) = [p for p in problems if "成环" in p.zh]
    for step in ("mobilize.work-plan", "mobilize.commission", "draft.survey"):
        assert step in cycle.zh
    assert "draft.survey → mobilize.work-plan" in cycle.zh  # arrows read upstream first


def test_due_before_upstream_is_a_warning_not_an_error(huyi_text: str, tmp_path: Path) -> None:
    """Publishing due before its draft can be due loads, with a warning on the step."""
    old = "        depends_on: [draft.compile]\n        deliverables:\n          - {id: consultation"
    path, _ = _break(huyi_text, old, "        window: 2024年4月初-4月中旬\n" + old, tmp_path)
    plan, problems = check_plan(path)
    assert plan is not None
    (warning,) = problems
    assert warning.severity == "warning"
    assert "draft.publish" in warning.zh and "draft.compile" in warning.zh


def test_yaml_syntax_error_names_the_line(huyi_text: str, tmp_path: Path) -> None:
    """Malformed YAML is reported at its line, not as a traceback."""
    path, line = _break(huyi_text, "  - {id: rivers, name: 区河湖中心}", "  - {id: rivers, name: 区河湖中心", tmp_path)
    _, problems = check_plan(path)
    (problem,) = problems
    assert "YAML" in problem.zh
    assert line <= problem.line <= line + 1


def test_repeated_key_is_refused(huyi_text: str, tmp_path: Path) -> None:
    """A key written twice in one mapping is an error (YAML would silently keep the last)."""
    path, line = _break(huyi_text, "  due_soon_workdays: 5\n  roll", "  due_soon_workdays: 5\n  due_soon_workdays: 3\n  roll",
                        tmp_path)
    _, problems = check_plan(path)
    (problem,) = problems
    assert "重复的键" in problem.zh
    assert problem.line == line


def test_missing_file(tmp_path: Path) -> None:
    """A plan path that does not exist says so."""
    _, problems = check_plan(tmp_path / "nope.yaml")
    (problem,) = problems
    assert "无法读取计划文件" in problem.zh


def test_every_error_is_reported_at_once(huyi_text: str, tmp_path: Path) -> None:
    """Two faults in one file give two messages, so the office fixes both in one pass."""
    text = huyi_text.replace("depends_on: [mobilize.commission]", "depends_on: [mobilize.nope]")
    text = text.replace("window: 2024年5月中下旬", "window: 2024年5月前后")
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = check_plan(path)
    assert len([p for p in problems if p.severity == "error"]) == 2


def test_compiled_plan_cache_follows_the_file(huyi_text: str, tmp_path: Path) -> None:
    """The cache returns the same plan for the same file, and a fresh one (or the errors) after an edit."""
    from config.loader import load_plan_cached

    path = tmp_path / "plan.yaml"
    path.write_text(huyi_text, encoding="utf-8")
    cache = tmp_path / "cache"
    first, _ = load_plan_cached(path, cache)
    again, _ = load_plan_cached(path, cache)
    assert first is not None and again == first and len(list(cache.iterdir())) == 1
    path.write_text(huyi_text.replace("title: 颁布实施", "title: 颁布实施《实施方案》"), encoding="utf-8")
    edited, _ = load_plan_cached(path, cache)
    assert edited is not None and edited.steps["draft.publish"].title == "颁布实施《实施方案》"
    path.write_text(huyi_text.replace("owners: [gov, eco]\n        depends_on: [mobilize.work-plan]",
                                      "owners: [gvo, eco]\n        depends_on: [mobilize.work-plan]"), encoding="utf-8")
    broken, problems = load_plan_cached(path, cache)
    assert broken is None and "未知的责任单位“gvo”" in problems[0].zh


def test_check_in_step_without_owners(huyi_text: str, tmp_path: Path) -> None:
    """A meeting (a check-in step) with no owners is refused at the step, saying what to add."""
    path, _ = _break(huyi_text, "        owners: [office]\n        deliverables:\n          - {id: minutes,",
                     "        deliverables:\n          - {id: minutes,", tmp_path)
    _, problems = check_plan(path)
    (problem,) = [p for p in problems if p.severity == "error"]
    assert problem.path == "tracks[2].steps[0].owners" and "报送类步骤必须写 owners" in problem.zh
    assert huyi_text.split("\n")[problem.line - 1].strip() == "- id: meetings"
