"""PostgreSQL gone: `liangshan tick`, `status` and `checkin` say so in one clear message naming the database
(never its password), exit with a code that says what happened, print no traceback and write nothing; once
the database is back, the next tick sends the day's reminders, each once.

Exit codes: `tick` 4 (the run failed, cli/exits.py); the other commands 2, the code they already use when
`Context.require_schema` cannot reach the database ("nothing was written; fix the setting and run again")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from db.models import CheckInRow, OutboxMessage
from db.records import CheckInRequest
from tests.db.conftest import Database
from tests.faults.conftest import migrated, pg_schema_url, tree, with_password
from tests.sinks import HttpSink, http_sink

BIN = Path(sys.executable).parent
PASSWORD = "Zq7-LIANGSHAN-DBPASS-2718"  # in every URL below; must never be printed
DOWN = with_password("postgresql+psycopg://postgres@127.0.0.1:1/test", PASSWORD)  # nobody listens on port 1
SHOWN = "postgresql+psycopg://postgres:***@127.0.0.1:1/test"  # how the commands name it
DAY = "2024-04-23"
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture(name="good")
def fixture_good(tmp_path: Path) -> Iterator[Database]:
    """A working PostgreSQL schema (its URL with the password) and a home holding one archived file."""
    for url in pg_schema_url(PASSWORD):
        database = migrated(url, tmp_path / "home")
        doc = tmp_path / "工作方案.pdf"
        doc.write_bytes(b"%PDF-1.4\n% work plan\n")
        database.recorder().checkin(CheckInRequest("mobilize.work-plan", "eco", ("work-plan",), (doc,),
                                                   at=datetime(2024, 4, 22, 10, tzinfo=BEIJING)))
        yield database
        database.engine.dispose()


def channels(path: Path) -> Path:
    """A WeCom bot for every bureau of the plan (the office and the leaders among them): key ``KEY-<id>``."""
    plan = load_plan(DEFAULT_PLAN)
    lines = ["urls:"] + [f"  - wecom://KEY-{b}:\n      - tag: {b}" for b in plan.bureaus]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def environment(database: Database, url: str, tmp_path: Path, sink: HttpSink) -> dict[str, str]:
    env = {**os.environ, **database.env(), "LIANGSHAN_DB_URL": url, "PREFECT_HOME": str(tmp_path / "prefect"),
           "LIANGSHAN_NOTIFY_CONFIG": str(channels(tmp_path / "channels.yaml")),
           "LIANGSHAN_WECOM_API_BASE": sink.base, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    for name in ("PREFECT_API_URL", "LIANGSHAN_PORTAL_URL", "LIANGSHAN_SECRET_KEY"):
        env.pop(name, None)  # the ephemeral API, and messages without portal links
    return env


def liangshan(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "liangshan"), *args], env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def on_disk(home: Path) -> dict[str, tuple[int, str]]:
    """The home's files (evidence archive, reports, spool), less the compiled-plan cache a command may refresh."""
    return {k: v for k, v in tree(home).items() if not k.startswith("cache/")}


def clean(result: subprocess.CompletedProcess[str]) -> None:
    """No traceback and no password in what the command printed."""
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, stream[-3000:]
        assert PASSWORD not in stream


@pytest.mark.slow
@pytest.mark.postgres
def test_tick_on_a_lost_database_fails_cleanly_and_the_next_tick_catches_up(good: Database, tmp_path: Path) -> None:
    """Tick with PostgreSQL down: exit 4, "无法连接数据库 <url with ***>" on stderr, no traceback, no message
    sent, the home (evidence archive) unchanged. Tick again with it back: each of the day's messages once."""
    home = good.home
    before = on_disk(home)
    with http_sink() as sink:
        down = liangshan(environment(good, DOWN, tmp_path, sink), "tick", "--as-of", DAY)
        assert down.returncode == 4, down.stderr[-3000:]
        clean(down)
        last = down.stderr.strip().splitlines()
        assert any(line.startswith(f"重算运行失败：无法连接数据库 {SHOWN}：") for line in last), down.stderr[-2000:]
        assert sink.wecom == [] and sink.calls == []
        assert on_disk(home) == before  # nothing half-written: the evidence archive and the home as they were

        up_env = environment(good, good.url, tmp_path, sink)
        preview = liangshan(up_env, "tick", "--dry-run", "--as-of", DAY, "--json")
        assert preview.returncode == 0, preview.stderr
        expected = Counter(m["recipient"] for m in json.loads(preview.stdout)["messages"])
        assert expected and max(expected.values()) == 1  # one message per recipient a day
        up = liangshan(up_env, "tick", "--as-of", DAY)
        assert up.returncode in (0, 1), up.stderr[-3000:]  # 1: the plan has overdue steps, the run is fine
        clean(up)
        received = Counter(m["key"].removeprefix("KEY-") for m in sink.wecom)
    assert received == expected
    with good.sessions() as s:
        statuses = Counter(s.scalars(select(OutboxMessage.status)))
        assert s.scalar(select(func.count()).select_from(CheckInRow)) == 1  # the check-in before, untouched
    assert statuses == {"sent": sum(expected.values())}


@pytest.mark.postgres
@pytest.mark.parametrize("command", [
    pytest.param(["status", "--as-of", DAY], id="status"),
    pytest.param(["checkin", "mobilize.leading-group", "--by", "gov", "--file", "{doc}"], id="checkin"),
    pytest.param(["history", "--json"], id="history"),
    pytest.param(["verify"], id="verify"),
])
def test_commands_on_a_lost_database_say_so_and_exit_2(good: Database, tmp_path: Path, command: list[str]) -> None:
    """status, checkin (with a file), history, verify with PostgreSQL down: exit 2, the database named with
    its password masked, Chinese first, no traceback, nothing written or archived."""
    doc = tmp_path / "领导小组通知.pdf"
    doc.write_bytes(b"%PDF-1.4\n% notice\n")
    before = on_disk(good.home)
    with http_sink() as sink:
        result = liangshan(environment(good, DOWN, tmp_path, sink), *[a.replace("{doc}", str(doc)) for a in command])
    clean(result)
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    assert result.stderr.startswith(f"无法连接数据库 {SHOWN}："), result.stderr[-2000:]
    assert on_disk(good.home) == before
    with good.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CheckInRow)) == 1
