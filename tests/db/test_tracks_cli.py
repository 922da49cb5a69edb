"""Tracks on both databases: values close indicators.<year>, cases close a theme's year, meetings get a pack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from cli.main import app
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from tests.db.conftest import Database

runner = CliRunner()
PLAN = load_plan(DEFAULT_PLAN)


def run(database: Database, *args: str) -> Result:
    return runner.invoke(app, list(args), env=database.env())


def board(database: Database, *args: str) -> dict[str, Any]:
    result = run(database, "status", "--json", *args)
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def steps(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in doc["steps"]}


def write_values(path: Path, year: int, at: str, skip: tuple[str, ...] = ()) -> Path:
    rows = []
    for ind in PLAN.indicators:
        if ind.id in skip:
            continue
        value = "yes" if ind.rule.kind in ("achieved", "established") else "50"
        rows.append(f'  - {{indicator: "{ind.id}", year: {year}, value: "{value}", by: {ind.owners[0]}, at: {at}}}')
    path.write_text("values:\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_recording_a_years_values_closes_its_collection(database: Database, tmp_path: Path) -> None:
    """19 values leave indicators.2025 open naming the 20th; the 20th closes it on the day it happened."""
    partial = write_values(tmp_path / "v19.yaml", 2025, "2026-02-02", skip=("10",))
    assert run(database, "indicator", "import", str(partial)).exit_code == 0
    open_step = steps(board(database, "--as-of", "2026-02-10"))["indicators.2025"]
    assert (open_step["status"], open_step["missing"], open_step["track"]) == ("open", ["10"], "indicators")
    last = run(database, "indicator", "record", "10", "--year", "2025", "--value", "3.2", "--by", "finance",
               "--at", "2026-02-06")
    assert last.exit_code == 0, last.output
    done = steps(board(database, "--as-of", "2026-02-10"))["indicators.2025"]
    assert (done["status"], done["done_on"], done["light"]) == ("done", "2026-02-06", "green")
    report = run(database, "indicator", "report", "--year", "2025", "--json")
    verdicts = {r["id"]: (r["verdict"], r["reason"]) for r in json.loads(report.stdout)["indicators"]}
    assert verdicts["10"] == ("met", "3.2%，达到目标 >3%")
    assert verdicts["2b"] == ("not_met", "50%，未达到目标 >90%")


def test_collected_steps_take_no_check_in(database: Database) -> None:
    """`checkin indicators.2025` is refused (exit 3) and says which command closes it; nothing is written."""
    result = run(database, "checkin", "indicators.2025", "--by", "eco")
    assert result.exit_code == 3
    assert "liangshan indicator record" in result.stderr
    assert steps(board(database))["indicators.2025"]["done_on"] is None


def test_a_case_closes_its_themes_year(database: Database) -> None:
    """A case of theme 3 turns cases.3.<year> done; theme 4 without one stays yellow until it is due."""
    doc = board(database, "--as-of", "2026-05-06")
    assert steps(doc)["cases.3.2026"]["light"] == "yellow"
    added = run(database, "case", "add", "--theme", "3", "--by", "qinling", "--title", "秦岭林长制护林", "--year", "2026")
    assert added.exit_code == 0, added.output
    doc = board(database)
    assert steps(doc)["cases.3.2026"]["status"] == "done"
    assert steps(doc)["cases.4.2026"]["status"] != "done"
    assert {t["id"] for t in doc["tracks"]} == {"indicators", "cases", "meetings"}
    assert doc["library"]["cases"][2]["count"] == 1


def test_meetings_are_steps_with_a_pack(database: Database, tmp_path: Path) -> None:
    """Minutes close a meeting; the pack for the quarter's meeting is written whole to a file."""
    checked = run(database, "checkin", "meetings.2026q2", "--by", "office", "--at", "2026-05-20")
    assert checked.exit_code == 0, checked.output
    doc = board(database, "--as-of", "2026-05-21")
    assert steps(doc)["meetings.2026q2"]["status"] == "done"
    assert steps(doc)["meetings.2026q1"]["status"] == "overdue"
    assert run(database, "project", "add", "XM-001", "--name", "涝河生态修复", "--by", "water", "--year", "2026",
               "--planned", "800", "--actual", "200").exit_code == 0
    pack = tmp_path / "pack.md"
    result = run(database, "meeting", "pack", "--as-of", "2026-08-03", "--out", str(pack))
    assert result.exit_code == 0, result.output
    text = pack.read_text(encoding="utf-8")
    assert text.startswith("# 2026年第三季度调度会议：会议材料")
    assert "2026年第一季度调度会议（meetings.2026q1）：逾期" in text
    assert "计划投资 800 万元，实际完成 200 万元（完成 25.0%）" in text
    bad = run(database, "meeting", "pack", "build.annual-plan.2026")
    assert bad.exit_code == 2 and "不是调度会议步骤" in bad.stderr


def test_cases_keep_the_day_they_were_contributed(database: Database, tmp_path: Path) -> None:
    """A case entered late with --at closes its theme's year on that day; an import is all or nothing."""
    added = run(database, "case", "add", "--theme", "6", "--by", "water", "--title", "涝河治理", "--year", "2025",
                "--at", "2025-10-15")
    assert added.exit_code == 0, added.output
    done = steps(board(database, "--as-of", "2025-12-31"))["cases.6.2025"]
    assert (done["status"], done["done_on"], done["late"]) == ("done", "2025-10-15", False)
    bad = tmp_path / "cases.yaml"
    bad.write_text('cases:\n  - {theme: "1", by: ndrc, year: 2025, title: 碳汇交易, at: 2025-09-01}\n'
                   '  - {theme: "9", by: eco, year: 2025, title: 不存在的主题}\n', encoding="utf-8")
    refused = run(database, "case", "import", str(bad))
    assert refused.exit_code == 2 and "第 2 个案例" in refused.stderr and "没有主题“9”" in refused.stderr
    listed = json.loads(run(database, "case", "list", "--json").stdout)["cases"]
    assert [c["title"] for c in listed] == ["涝河治理"]  # the good first row was not written either
    future = run(database, "case", "add", "--theme", "1", "--by", "ndrc", "--title", "未来", "--at", "2999-01-01")
    assert future.exit_code == 2 and "在未来" in future.stderr


def test_importing_the_same_cases_twice_records_them_once(database: Database) -> None:
    """`make run` twice, or an office re-running its import: cases with the same theme, bureau, title and day
    are recorded once; the second run says so."""
    from config.settings import DEFAULT_PLAN

    sample = DEFAULT_PLAN.parent.parent / "examples" / "huyi-sample-cases.yaml"
    first = run(database, "case", "import", str(sample))
    assert first.exit_code == 0, first.output
    count = len(json.loads(run(database, "case", "list", "--json").stdout)["cases"])
    again = run(database, "case", "import", str(sample))
    assert again.exit_code == 0 and "此前已导入，未重复登记" in again.stdout
    assert len(json.loads(run(database, "case", "list", "--json").stdout)["cases"]) == count
