"""`liangshan indicator` on both databases: record, import, report, and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from tests.db.conftest import Database

runner = CliRunner()


def run(database: Database, *args: str) -> Result:
    return runner.invoke(app, list(args), env=database.env())


def report(database: Database, year: int) -> dict[str, dict[str, object]]:
    result = run(database, "indicator", "report", "--year", str(year), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["year"] == year
    return {r["id"]: r for r in doc["indicators"]}


def test_record_and_report(database: Database, tmp_path: Path) -> None:
    """地表水 92 is met; re-reported as 88 it is not; 品牌 'yes' needs evidence."""
    assert run(database, "indicator", "record", "2b", "--year", "2025", "--value", "92", "--by", "eco",
               "--source", "2025年环境质量公报").exit_code == 0
    got = report(database, 2025)["2b"]
    assert (got["verdict"], got["value"], got["target_text"]) == ("met", 92.0, ">90%")
    assert set(got) >= {"id", "title", "target_text", "value", "unit", "previous", "verdict", "reason", "owners"}
    assert run(database, "indicator", "record", "2b", "--year", "2025", "--value", "88", "--by", "eco").exit_code == 0
    assert report(database, 2025)["2b"]["reason"] == "88%，未达到目标 >90%"
    assert run(database, "indicator", "record", "8a", "--year", "2025", "--value", "是", "--by", "media").exit_code == 0
    assert report(database, 2025)["8a"]["verdict"] == "no_data"
    proof = tmp_path / "品牌证书.pdf"
    proof.write_text("证书", encoding="utf-8")
    assert run(database, "indicator", "record", "8a", "--year", "2025", "--value", "yes", "--by", "media",
               "--file", str(proof)).exit_code == 0
    assert report(database, 2025)["8a"]["verdict"] == "met"
    human = run(database, "indicator", "report", "--year", "2025")
    assert "地表水水质达到或优于Ⅲ类水比例" in human.stdout and "未达标" in human.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["2b", "--year", "2025", "--value", "120", "--by", "eco"], "不在 0-100 之间"),
        (["4c", "--year", "2025", "--value", "120", "--by", "resources", "--unit", "公顷"], "单位是“平方公里”"),
        (["2b", "--year", "2031", "--value", "92", "--by", "eco"], "不在计划年度 2023-2029 内"),
        (["2d", "--year", "2025", "--value", "92", "--by", "eco"], "附件1中没有指标“2d”"),
    ],
)
def test_refusals_exit_2(database: Database, args: list[str], words: str) -> None:
    """A percentage outside 0-100, a wrong unit, a year outside the plan, an unknown id."""
    result = run(database, "indicator", "record", *args)
    assert result.exit_code == 2
    assert words in result.stderr


def test_a_bureau_that_does_not_own_the_indicator_is_refused_exit_3(database: Database) -> None:
    """Like a check-in by a non-owner: well formed, refused by the rules, nothing written."""
    result = run(database, "indicator", "record", "2b", "--year", "2025", "--value", "92", "--by", "water")
    assert result.exit_code == 3
    assert "不是指标 2b" in result.stderr
    assert report(database, 2025)["2b"]["verdict"] == "no_data"


def test_import_baselines_and_years(database: Database, tmp_path: Path) -> None:
    """Importing baselines and past years judges 不减少 against the baseline and 稳定提高 against last year."""
    values = tmp_path / "values.yaml"
    values.write_text("""
values:
  - {indicator: 4c, year: 2023, value: 120.5, by: resources, source: 2023年生态保护红线评估}
  - {indicator: 4c, year: 2024, value: 120.5, by: resources}
  - {indicator: 2c, year: 2023, value: 80, by: eco}
  - {indicator: 2c, year: 2024, value: 79, by: eco}
  - {indicator: "1", year: 2024, value: 83, target: 80, by: eco}
""", encoding="utf-8")
    result = run(database, "indicator", "import", str(values))
    assert result.exit_code == 0, result.output
    got = report(database, 2024)
    assert got["4c"]["verdict"] == "met"
    assert (got["2c"]["verdict"], got["2c"]["previous"]) == ("not_met", 80.0)
    assert got["1"]["verdict"] == "met"


def test_import_is_all_or_nothing(database: Database, tmp_path: Path) -> None:
    """One bad value refuses the whole file: nothing is recorded."""
    values = tmp_path / "values.yaml"
    values.write_text("values:\n  - {indicator: 2b, year: 2024, value: 95, by: eco}\n"
                      "  - {indicator: 2b, year: 2025, value: 195, by: eco}\n", encoding="utf-8")
    assert run(database, "indicator", "import", str(values)).exit_code == 2
    assert report(database, 2024)["2b"]["verdict"] == "no_data"
