"""Typical cases and the project library on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from cli.main import app
from tests.db.conftest import Database

runner = CliRunner()


def run(database: Database, *args: str) -> Result:
    return runner.invoke(app, list(args), env=database.env())


def test_cases_with_pictures_and_counts(database: Database, tmp_path: Path) -> None:
    """Cases are recorded with their pictures and counted per theme and bureau by year."""
    photo = tmp_path / "秦岭.jpg"
    photo.write_bytes(b"\xff\xd8\xff picture")
    ok = run(database, "case", "add", "--theme", "3", "--by", "qinling", "--title", "秦岭北麓生态修复", "--year", "2025",
             "--file", str(photo))
    assert ok.exit_code == 0, ok.output
    assert run(database, "case", "add", "--theme", "3", "--by", "qinling", "--title", "林长制", "--year", "2025").exit_code == 0
    assert run(database, "case", "add", "--theme", "6", "--by", "water", "--title", "美丽河湖", "--year", "2026").exit_code == 0
    doc = json.loads(run(database, "case", "list", "--json").stdout)
    assert [c["title"] for c in doc["cases"]] == ["秦岭北麓生态修复", "林长制", "美丽河湖"]
    assert doc["cases"][0]["files"] == ["秦岭.jpg"]
    assert {"year": 2025, "theme": "3", "count": 2} in doc["by_theme"]
    assert {"year": 2026, "bureau": "water", "count": 1} in doc["by_bureau"]
    only = json.loads(run(database, "case", "list", "--theme", "6", "--json").stdout)
    assert [c["title"] for c in only["cases"]] == ["美丽河湖"]
    bad = run(database, "case", "add", "--theme", "9", "--by", "qinling", "--title", "x")
    assert bad.exit_code == 2 and "附件2中没有主题“9”" in bad.stderr


def test_project_library_totals(database: Database) -> None:
    """Projects with planned and actual investment; totals by year and bureau; shown beside indicator 10."""
    assert run(database, "project", "add", "P2025-01", "--name", "涝峪河生态修复", "--by", "water", "--year", "2025",
               "--planned", "1200", "--source", "中央生态环保资金").exit_code == 0
    assert run(database, "project", "add", "P2025-02", "--name", "秦岭生态监测站", "--by", "qinling", "--year", "2025",
               "--planned", "300.5").exit_code == 0
    updated = run(database, "project", "update", "P2025-01", "--actual", "800", "--status", "in_progress")
    assert updated.exit_code == 0 and "在建" in updated.stdout
    again = run(database, "project", "add", "P2025-01", "--name", "x", "--by", "water", "--year", "2025", "--planned", "1")
    assert again.exit_code == 2 and "已存在" in again.stderr
    negative = run(database, "project", "update", "P2025-02", "--actual", "-5")
    assert negative.exit_code == 2
    doc = json.loads(run(database, "project", "list", "--json").stdout)
    assert doc["by_year"] == [{"year": 2025, "planned": 1500.5, "actual": 800.0}]
    assert {"year": 2025, "bureau": "water", "planned": 1200.0, "actual": 800.0} in doc["by_bureau"]
    assert run(database, "indicator", "record", "10", "--year", "2025", "--value", "3.4", "--by", "finance").exit_code == 0
    report = json.loads(run(database, "indicator", "report", "--year", "2025", "--json").stdout)
    assert report["project_investment"] == {"year": 2025, "planned": 1500.5, "actual": 800.0}
    trail = json.loads(run(database, "history", "--json").stdout)
    update = next(e for e in trail if e["action"] == "project_update")
    assert (update["before"]["actual"], update["after"]["actual"]) == (0.0, 800.0)


def test_cases_projects_and_indicators_on_the_board(database: Database) -> None:
    """`status` shows the year's cases per theme (none: yellow), project investment and indicator verdicts."""
    assert run(database, "case", "add", "--theme", "3", "--by", "qinling", "--title", "秦岭北麓生态修复",
               "--year", "2025").exit_code == 0
    assert run(database, "project", "add", "P1", "--name", "河道治理", "--by", "water", "--year", "2025",
               "--planned", "500").exit_code == 0
    assert run(database, "indicator", "record", "2b", "--year", "2025", "--value", "92", "--by", "eco").exit_code == 0
    doc = json.loads(run(database, "status", "--as-of", "2025-06-30", "--json").stdout)
    library = doc["library"]
    themes = {c["theme"]: (c["count"], c["light"]) for c in library["cases"]}
    assert themes["3"] == (1, "green") and themes["6"] == (0, "yellow")
    assert library["projects"] == {"year": 2025, "planned": 500.0, "actual": 0.0}
    assert library["indicators"] == {"year": 2025, "met": 1, "not_met": 0, "no_data": 19}
    board = run(database, "status", "--as-of", "2025-06-30")
    assert "典型案例（2025年）：共 1 个，🟡 主题 1、2、4、5、6、7、8 尚无案例" in board.stdout
    assert "项目库（2025年）：计划投资 500 万元" in board.stdout
