"""Many plans without a database: the folder, `--plan ID`, `liangshan plans` and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.plans import PlanChoiceError, choose_plan, folder_plans
from config.settings import DEFAULT_PLAN, Settings

runner = CliRunner()

OTHER_ID = "huyi-eco-civilization"
OTHER_TITLE = "鄠邑区生态文明建设示范区创建规划"


def two_plans(folder: Path) -> Path:
    """A folder with a copy of the Huyi plan and a second plan made from it (another id and title)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    (folder / "huyi.yaml").write_text(text, encoding="utf-8")
    other = text.replace("id: huyi-two-mountains", f"id: {OTHER_ID}", 1)
    other = other.replace("title: 鄠邑区“绿水青山就是金山银山”实践创新基地建设工作方案", f"title: {OTHER_TITLE}", 1)
    (folder / "eco.yaml").write_text(other, encoding="utf-8")
    return folder


def test_ids_read_without_compiling(tmp_path: Path) -> None:
    """Each file's id and title come from its plan: block; files are listed by name."""
    entries = folder_plans(two_plans(tmp_path / "plans"))
    huyi = ("huyi.yaml", "huyi-two-mountains", "鄠邑区“绿水青山就是金山银山”实践创新基地建设工作方案")
    assert [(e.path.name, e.id, e.title) for e in entries] == [("eco.yaml", OTHER_ID, OTHER_TITLE), huyi]


def test_choose_plan(tmp_path: Path) -> None:
    """A file as today, an id of the folder, LIANGSHAN_PLAN first; otherwise refusals naming the ids."""
    folder = two_plans(tmp_path / "plans")
    many = Settings(plans=folder)
    assert choose_plan(OTHER_ID, many) == folder / "eco.yaml"
    assert choose_plan(str(DEFAULT_PLAN), many) == DEFAULT_PLAN
    assert choose_plan("missing.yaml", many) == Path("missing.yaml")  # loading reports the missing file
    assert choose_plan(None, Settings(plan=DEFAULT_PLAN, plan_set=True, plans=folder)) == DEFAULT_PLAN
    with pytest.raises(PlanChoiceError) as several:
        choose_plan(None, many)
    assert "--plan ID" in several.value.zh and OTHER_ID in several.value.zh and "huyi-two-mountains" in several.value.zh
    with pytest.raises(PlanChoiceError) as unknown:
        choose_plan("huyi-two-mountain", many)
    assert "没有计划“huyi-two-mountain”" in unknown.value.zh and "最接近 closest：huyi-two-mountains" in unknown.value.zh
    (folder / "eco.yaml").unlink()
    assert choose_plan(None, many) == folder / "huyi.yaml"
    with pytest.raises(PlanChoiceError, match="没有计划文件"):
        choose_plan(None, Settings(plans=tmp_path / "empty"))


def test_plans_lists_both(tmp_path: Path) -> None:
    """`plans --json` lists every plan with its file, step count and phases; no database: in_database null."""
    env = {"LIANGSHAN_PLANS": str(two_plans(tmp_path / "plans")), "LIANGSHAN_HOME": str(tmp_path / "home")}
    result = runner.invoke(app, ["plans", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["plans"]
    assert [r["id"] for r in rows] == [OTHER_ID, "huyi-two-mountains"]
    assert rows[0]["title"] == OTHER_TITLE and rows[0]["steps"] == rows[1]["steps"] > 50
    assert rows[0]["phases"][0] == {"id": "mobilize", "title": "动员部署阶段"} and rows[0]["in_database"] is None
    table = runner.invoke(app, ["plans"], env=env)
    assert table.exit_code == 0 and "计划 id" in table.stdout and OTHER_TITLE in table.stdout


def test_plan_by_id_and_refusals(tmp_path: Path) -> None:
    """`--plan ID` chooses a plan; none with two plans exits 2 listing the ids; an unknown id names the closest."""
    env = {"LIANGSHAN_PLANS": str(two_plans(tmp_path / "plans")), "LIANGSHAN_HOME": str(tmp_path / "home")}
    chosen = runner.invoke(app, ["status", "--json", "--plan", OTHER_ID, "--as-of", "2024-04-10"], env=env)
    assert chosen.exit_code == 0, chosen.output
    assert json.loads(chosen.stdout)["plan"] == {"id": OTHER_ID, "title": OTHER_TITLE}
    shown = runner.invoke(app, ["plan", "show", "--json", OTHER_ID], env=env)
    assert shown.exit_code == 0 and json.loads(shown.stdout)["plan"]["id"] == OTHER_ID
    unchosen = runner.invoke(app, ["status", "--as-of", "2024-04-10"], env=env)
    assert unchosen.exit_code == 2 and "--plan ID" in unchosen.stderr
    assert OTHER_ID in unchosen.stderr and "huyi-two-mountains" in unchosen.stderr
    unknown = runner.invoke(app, ["checkin", "mobilize.work-plan", "--by", "eco", "--plan", "huyi-eco-civilisation"],
                            env=env)
    assert unknown.exit_code == 2 and "没有计划“huyi-eco-civilisation”" in unknown.stderr and OTHER_ID in unknown.stderr
    mixed = runner.invoke(app, ["status", "--all", "--plan", OTHER_ID], env=env)
    assert mixed.exit_code == 2 and "--all" in mixed.stderr
