"""`liangshan status` answers from its fact cache only while the database is unchanged (db.factcache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def _steps(env: dict[str, str], *extra: str) -> dict[str, dict[str, object]]:
    shown = runner.invoke(app, ["status", "--as-of", "2024-05-08", "--json", *extra], env=env)
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    return {s["id"]: s for s in doc["steps"]} | {"library": doc.get("library")}


def test_every_write_shows_in_the_next_status(db_url: str, tmp_path: Path) -> None:
    """A status repeated with nothing written answers the same; a check-in, a review, a case and a task (交办事项)
    written between two statuses show in the second, and a damaged cache file is only read afresh."""
    env = {"LIANGSHAN_DB_URL": db_url, "LIANGSHAN_HOME": str(tmp_path / "home")}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    first, again = _steps(env), _steps(env)
    assert first == again
    assert first["mobilize.work-plan"]["status"] == "overdue"

    done = runner.invoke(app, ["checkin", "mobilize.work-plan", "--by", "eco", "--at", "2024-04-08"], env=env)
    assert done.exit_code == 0, done.output
    assert _steps(env)["mobilize.work-plan"]["done_on"] == "2024-04-08"

    for step, by, at in (("mobilize.leading-group", "gov", "2024-04-12"), ("mobilize.commission", "eco", "2024-04-15"),
                         ("draft.survey", "tech", "2024-04-26"), ("draft.compile", "tech", "2024-05-06")):
        sent = runner.invoke(app, ["checkin", step, "--by", by, "--at", at], env=env)
        assert sent.exit_code == 0, sent.output
    assert _steps(env)["draft.compile"]["status"] != "returned"
    returned = runner.invoke(app, ["review", "draft.compile", "--by", "office", "--return", "--reason", "指标不全",
                                   "--resubmit-by", "2024-05-09", "--at", "2024-05-07"], env=env)
    assert returned.exit_code == 0, returned.output
    assert _steps(env)["draft.compile"]["status"] == "returned"

    before = _steps(env)["library"]
    added = runner.invoke(app, ["case", "add", "--theme", "1", "--by", "eco", "--title", "案例一", "--year", "2024",
                                "--at", "2024-05-01"], env=env)
    assert added.exit_code == 0, added.output
    after = _steps(env)["library"]
    assert after != before

    assert "task.1" not in _steps(env)
    made = runner.invoke(app, ["task", "add", "--title", "测试交办事项", "--owners", "water,eco", "--due", "2024-06-28",
                               "--meeting", "meetings.2024q2",
                               "--at", "2024-05-02"], env=env)
    assert made.exit_code == 0, made.output
    with_task = _steps(env)
    assert with_task["task.1"]["title"] == "测试交办事项"
    assert _steps(env) == with_task  # the next status, from the cache, merges the task too

    for cached in (tmp_path / "home" / "cache").glob("facts-*.pickle"):
        cached.write_bytes(b"not a pickle")
    assert _steps(env)["library"] == after


def test_a_repeated_status_on_sqlite_does_not_import_sqlalchemy(tmp_path: Path) -> None:
    """The second of two statuses with nothing written between them answers from the cache: no SQLAlchemy."""
    env = {**os.environ, "LIANGSHAN_HOME": str(tmp_path / "home")}
    env.pop("LIANGSHAN_DB_URL", None)
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    code = ("import sys\nfrom cli.main import app\n"
            "sys.argv = ['liangshan', 'status', '--as-of', '2024-04-23', '--json']\n"
            "try:\n    app(standalone_mode=False)\n"
            "finally:\n    print('SQLALCHEMY', 'sqlalchemy' in sys.modules, file=sys.stderr)\n")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
            for _ in range(2)]
    assert all(run.returncode == 0 for run in runs), runs[-1].stderr
    assert runs[0].stdout == runs[1].stdout
    assert "SQLALCHEMY True" in runs[0].stderr and "SQLALCHEMY False" in runs[1].stderr
