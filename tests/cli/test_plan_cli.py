"""`liangshan plan`: what the office and other tools see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def test_show_json_contract() -> None:
    """The JSON has the contracted keys, ISO dates and expanded recurring steps."""
    result = runner.invoke(app, ["plan", "show", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= {"plan", "bureaus", "phases", "indicators", "case_themes"}
    assert set(doc["plan"]) >= {"id", "title"}
    assert doc["plan"]["id"] == "huyi-two-mountains"
    assert all(set(b) == {"id", "name"} for b in doc["bureaus"])
    phase = doc["phases"][0]
    assert {k: phase[k] for k in ("id", "title", "start", "due")} == {
        "id": "mobilize", "title": "动员部署阶段", "start": "2024-04-01", "due": "2024-04-20"}
    step = phase["steps"][0]
    assert set(step) >= {"id", "title", "start", "due", "owners", "deliverables", "depends_on"}
    assert step["deliverables"][0] == {"id": "work-plan", "title": "《鄠邑区“绿水青山就是金山银山”实践创新基地建设工作方案》"}
    build_ids = [s["id"] for p in doc["phases"] if p["id"] == "build" for s in p["steps"]]
    assert "build.annual-plan.2025" in build_ids and "build.annual-plan" not in build_ids
    assert len(doc["indicators"]) == 20
    assert set(doc["indicators"][0]) >= {"id", "group", "title", "target_text", "rule", "owners"}
    assert doc["indicators"][2]["rule"] == {"kind": "threshold", "op": ">", "value": 90}
    assert [t["id"] for t in doc["case_themes"]] == [str(i) for i in range(1, 9)]
    assert set(doc["case_themes"][0]) >= {"id", "title", "owners"}


def test_show_tree_in_chinese() -> None:
    """The human view is a Chinese tree of phases and steps with owners and the assumptions."""
    result = runner.invoke(app, ["plan", "show"])
    assert result.exit_code == 0
    for words in ("动员部署阶段", "研究制定工作方案", "2024-05-11 至 2024-05-31", "责任单位：鄠邑区人民政府", "假设"):
        assert words in result.stdout


def test_validate_ok() -> None:
    """The shipped plan validates with no warnings."""
    result = runner.invoke(app, ["plan", "validate"])
    assert result.exit_code == 0
    assert "计划有效" in result.stdout and "0 条警告" in result.stdout


def test_plan_path_from_environment(tmp_path: Path) -> None:
    """LIANGSHAN_PLAN chooses the plan file when no path is given."""
    result = runner.invoke(app, ["plan", "validate"], env={"LIANGSHAN_PLAN": str(tmp_path / "missing.yaml")})
    assert result.exit_code == 2
    assert "missing.yaml:1:1" in result.stderr


def test_broken_plan_exits_2_with_file_and_line(huyi_text: str, tmp_path: Path) -> None:
    """The installed command refuses a broken plan: exit 2, file:line on stderr, nothing on stdout."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(huyi_text.replace("owners: [qinling]\n  - id: 4b", "owners: [qinlin]\n  - id: 4b"), encoding="utf-8")
    line = broken.read_text(encoding="utf-8").split("\n").index("    owners: [qinlin]") + 1
    cmd = Path(sys.executable).parent / "liangshan"
    for args in (["plan", "validate", str(broken)], ["plan", "show", "--json", str(broken)]):
        proc = subprocess.run([str(cmd), *args], capture_output=True, text=True, check=False)
        assert proc.returncode == 2
        assert f"{broken}:{line}:" in proc.stderr
        assert "未知的责任单位“qinlin”" in proc.stderr and "qinling" in proc.stderr
        assert proc.stdout == ""


def test_show_says_who_completes_each_joint_step_and_why() -> None:
    """`plan show` prints each joint step's completion rule; the JSON has it for every step; the choice is an assumption."""
    doc = json.loads(runner.invoke(app, ["plan", "show", "--json"]).stdout)
    steps = {s["id"]: s for group in doc["phases"] + doc["tracks"] for s in group["steps"]}
    assert steps["build.pathways"]["completion"] == "lead"
    assert steps["indicators.2024"]["completion"] == "any"  # a collecting step: each value names its bureau
    assert {s["completion"] for s in steps.values()} == {"lead", "any"}  # the Huyi plan has no `each` step
    shown = runner.invoke(app, ["plan", "show"], env={"COLUMNS": "300"})
    assert "完成方式 completion: lead（牵头单位汇总报送后完成，配合单位报送配合材料）" in shown.stdout
    assert "settings.completion" in shown.stdout and "steps.build.pathways.completion" in shown.stdout


def test_show_prints_the_progress_rule_and_its_assumptions() -> None:
    """The Huyi plan asks every long step's owners for a report each quarter; the rule and why are shown."""
    result = runner.invoke(app, ["plan", "show"])
    assert result.exit_code == 0, result.output
    assert "进展报送 progress reports: 每季度报送一次：时间窗口超过 180 天" in result.stdout
    assert "周期结束前 10 个工作日" in result.stdout
    for key in ("progress.every", "progress.due_workdays_before_end", "progress.min_window_days"):
        assert f"※ {key}：" in result.stdout
    doc = json.loads(runner.invoke(app, ["plan", "show", "--json"]).stdout)
    assert {k: doc["progress"][k] for k in ("every", "due_workdays_before_end", "min_window_days")} == {
        "every": "quarter", "due_workdays_before_end": 10, "min_window_days": 180}


def test_progress_rule_refuses_an_unknown_period(tmp_path: Path) -> None:
    """progress.every: week is refused with the file and line of the field."""
    text = Path("config/plans/huyi.yaml").read_text(encoding="utf-8")
    old = "  every: quarter                # 每季度\n"
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, "  every: week\n"), encoding="utf-8")
    result = runner.invoke(app, ["plan", "validate", str(path)])
    assert result.exit_code == 2
    assert f"plan.yaml:{line}:" in result.stderr and "progress.every" in result.stderr
