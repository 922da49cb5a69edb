"""Twelve plans, one Prefect server on PostgreSQL, two process workers sharing the runs, and one of them killed.

Everything is real: `prefect server start` with its database on PostgreSQL, our facts on PostgreSQL,
`liangshan deploy --pool`, two `prefect worker start --pool`, `liangshan tick --all --wait`, and a
SIGKILL of a worker and its run processes (a machine dying) while its runs are going. Messages go to a
local WeCom-like sink, so "nothing said twice" is checked where a bureau would notice it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from tests.db.conftest import PG_ADMIN_URL
from tests.e2e.conftest import BIN, _free_port, _stop, _wait
from tests.prefect_server import start_prefect_server
from tests.sinks import http_sink

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.slow]

DISTRICTS = ["新城", "碑林", "莲湖", "灞桥", "未央", "雁塔", "阎良", "临潼", "长安", "高陵", "蓝田", "周至"]
KEY = "e2e-workers-bot-key"
AUTH = ("office", "e2e-" + uuid.uuid4().hex)  # the server asks every client for it (PREFECT_SERVER_API_AUTH_STRING)


def _plans(folder: Path) -> list[str]:
    """Twelve plans made from the Huyi plan: other ids, other titles and bureau names (the district's)."""
    folder.mkdir()
    source = DEFAULT_PLAN.read_text(encoding="utf-8")
    ids = []
    for n, district in enumerate(DISTRICTS, start=1):
        pid = f"xa{n:02d}-two-mountains"
        body = source.replace("id: huyi-two-mountains", f"id: {pid}", 1).replace("鄠邑", district)
        (folder / f"{pid}.yaml").write_text(body, encoding="utf-8")
        ids.append(pid)
    return ids


def _database(name: str) -> str:
    """A fresh PostgreSQL database on the test server; its SQLAlchemy URL (psycopg)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Province:
    api: str
    env: dict[str, str]
    tmp: Path
    plans: list[str]
    facts_url: str
    workers: dict[str, subprocess.Popen[bytes]]
    sink: Any

    def liangshan(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "liangshan"), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def start_worker(self, name: str) -> None:
        log = self.tmp / f"{name}.log"
        self.workers[name] = subprocess.Popen(
            # at most four runs at once each, as on a small machine: the runs spread over both workers
            [str(BIN / "prefect"), "worker", "start", "--pool", "e2e", "--name", name, "--type", "process", "--limit", "4"],
            env=self.env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)

    def worker_log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def runs(self) -> list[dict[str, Any]]:
        """Every reconcile run of every plan, newest state."""
        deployments = {d["id"]: d["name"]
                       for d in httpx.post(f"{self.api}/deployments/filter", json={}, auth=AUTH, timeout=10).json()}
        body = {"flows": {"name": {"any_": ["reconcile"]}}, "limit": 200}
        found = httpx.post(f"{self.api}/flow_runs/filter", json=body, auth=AUTH, timeout=10).json()
        return [{**r, "plan": deployments.get(r["deployment_id"])} for r in found if r.get("deployment_id")]


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc), so that a kill takes a worker's run processes with it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


@pytest.fixture(name="province", scope="module")
def fixture_province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    """A Prefect server on PostgreSQL, twelve plans deployed on the pool ``e2e``, two workers."""
    tmp = tmp_path_factory.mktemp("province")
    tag = uuid.uuid4().hex[:8]
    prefect_db, facts_db = f"e2e_prefect_{tag}", f"e2e_facts_{tag}"
    prefect_url = _database(prefect_db).replace("+psycopg", "+asyncpg")
    facts_url = _database(facts_db)
    ids = _plans(tmp / "plans")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    channels = tmp / "notify.yaml"
    with http_sink() as sink:
        # every district's bureaus on one bot: a message said twice anywhere shows up here twice
        bureaus = sorted(load_plan(DEFAULT_PLAN).bureaus)
        channels.write_text("urls:\n  - wecom://" + KEY + ":\n      - tag: " + ", ".join(bureaus) + "\n", encoding="utf-8")
        env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_API_URL": api,
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "INFO",
               "PREFECT_API_DATABASE_CONNECTION_URL": prefect_url,
               # the server takes only clients that present the auth string: deploy, tick and both workers do
               "PREFECT_SERVER_API_AUTH_STRING": ":".join(AUTH), "PREFECT_API_AUTH_STRING": ":".join(AUTH),
               "LIANGSHAN_PLANS": str(tmp / "plans"), "LIANGSHAN_DB_URL": facts_url, "LIANGSHAN_HOME": str(tmp / "home"),
               "LIANGSHAN_NOTIFY_CONFIG": str(channels), "LIANGSHAN_WECOM_API_BASE": sink.base}
        env.pop("LIANGSHAN_PLAN", None)
        server_log = tmp / "server.log"
        server = start_prefect_server(env, port, server_log)
        province = Province(api, env, tmp, ids, facts_url, {}, sink)
        try:
            _wait("prefect server on PostgreSQL", lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200,
                  180, server, server_log)
            for pid in ids:  # the week's documents were written on Monday: the ticks here only judge and notify
                (tmp / "home" / "reports" / pid / "2024-04-22").mkdir(parents=True)
            for args in (("init",), ("deploy", "--pool", "e2e")):
                done = province.liangshan(*args)
                assert done.returncode == 0, done.stdout + done.stderr
            province.start_worker("w1")
            province.start_worker("w2")
            yield province
        finally:
            for worker in province.workers.values():
                _stop(worker)
            _stop(server)
            for name in (prefect_db, facts_db):
                _drop(name)


def _tick(province: Province, *args: str) -> dict[str, Any]:
    done = province.liangshan("tick", "--all", "--json", *args)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: some plans have overdue steps
    return json.loads(done.stdout)


def _ran_by(province: Province, worker: str, day: str) -> set[str]:
    """The plans whose reconcile of ``day`` this worker's run processes began (their output is in its log)."""
    return set(re.findall(r"Beginning flow run '重算 (\S+)：截至 " + day, province.worker_log(worker)))


def test_two_workers_reconcile_every_plan_exactly_once(province: Province) -> None:
    """tick --all --wait: one reconcile per plan, all Completed, shared by both workers; a second tick adds none.
    A run of the first plan asked for by hand at the same moment waits for that plan's tick run (limit 1)."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    plan = province.plans[0]
    with temporary_settings({PREFECT_API_URL: province.api, PREFECT_API_AUTH_STRING: ":".join(AUTH)}):
        extra = run_deployment(f"reconcile/{plan}", parameters={"plan": plan, "as_of": "2024-04-25"}, timeout=0,
                               as_subflow=False)
    first = _tick(province, "--as-of", "2024-04-23", "--wait", "--timeout", "600")
    assert first["finished"] is True
    assert {p["plan"] for p in first["plans"]} == set(province.plans)
    assert all(p["action"] == "submitted" and p["state_type"] == "COMPLETED" for p in first["plans"]), first
    runs = [r for r in province.runs() if r["parameters"].get("as_of") == "2024-04-23"]
    assert sorted(r["plan"] for r in runs) == sorted(province.plans)  # exactly once each
    w1, w2 = _ran_by(province, "w1", "2024-04-23"), _ran_by(province, "w2", "2024-04-23")
    assert w1 and w2 and not (w1 & w2) and w1 | w2 == set(province.plans), (w1, w2)  # shared, none run twice
    deadline = time.monotonic() + 300
    while (by_hand := httpx.get(f"{province.api}/flow_runs/{extra.id}", auth=AUTH, timeout=10).json())["state_type"] != "COMPLETED":
        assert time.monotonic() < deadline and by_hand["state_type"] not in ("FAILED", "CRASHED"), by_hand["state_type"]
        time.sleep(1)
    ticked = next(r for r in runs if r["plan"] == plan)
    one, two = sorted([by_hand, ticked], key=lambda r: r["start_time"])
    assert one["end_time"] <= two["start_time"], (one["end_time"], two["start_time"])  # never both at once
    table = json.loads(httpx.get(f"{province.api}/artifacts/portfolio/latest", auth=AUTH, timeout=10).json()["data"])
    assert len(table) == len(province.plans)  # every plan in the Prefect UI's one table
    assert {row["计划"].rsplit("（", 1)[1].rstrip("）") for row in table} == set(province.plans)
    assert httpx.get(f"{province.api}/flows/filter", timeout=10).status_code == 401  # a client without it is refused
    again = _tick(province, "--as-of", "2024-04-23", "--wait")
    assert {p["action"] for p in again["plans"]} == {"done_before"}
    assert len([r for r in province.runs() if r["parameters"].get("as_of") == "2024-04-23"]) == len(province.plans)


def test_a_killed_worker_s_runs_crash_and_the_next_tick_completes_them(province: Province) -> None:
    """SIGKILL a worker with its run processes mid-tick: its runs end Crashed (said why), the next tick runs
    those plans again on the other worker, every plan ends with one Completed run, and no message went twice."""
    sent_before = Counter(json.dumps(m["payload"], sort_keys=True) for m in province.sink.wecom)
    day = "2024-04-24"
    _tick(province, "--as-of", day)
    deadline = time.monotonic() + 300
    victims: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not victims:
        mine = _ran_by(province, "w1", day)
        victims = [r for r in province.runs()
                   if r["parameters"].get("as_of") == day and r["state_type"] == "RUNNING" and r["plan"] in mine]
        time.sleep(0.5)
    assert victims, "worker w1 never ran a reconcile of the day"
    w1 = province.workers["w1"]
    for pid in [*_descendants(w1.pid), w1.pid]:
        with suppress(ProcessLookupError):  # a run process may end on its own meanwhile
            os.kill(pid, signal.SIGKILL)
    w1.wait(timeout=30)
    killed = {v["id"] for v in victims}
    time.sleep(50)  # longer than --stale-after below: the dead runs have been silent that long
    second = _tick(province, "--as-of", day, "--wait", "--timeout", "600", "--stale-after", "45")
    assert second["finished"] is True
    crashed = {c for p in second["plans"] for c in p["crashed"]}
    states = {r["id"]: r for r in province.runs() if r["parameters"].get("as_of") == day}
    assert killed <= crashed or all(states[k]["state_type"] == "CRASHED" for k in killed)
    for k in killed:
        assert states[k]["state_type"] == "CRASHED"
    done = Counter(r["plan"] for r in states.values() if r["state_type"] == "COMPLETED")
    assert done == Counter(province.plans), done  # every plan reconciled once for the day, the crashed ones again
    assert all(p["state_type"] == "COMPLETED" for p in second["plans"])
    # nothing said twice: every message the sink holds for the day went once (bar one in flight at the kill)
    sent = Counter(json.dumps(m["payload"], sort_keys=True) for m in province.sink.wecom)
    twice = {m: n for m, n in (sent - sent_before).items() if n + sent_before.get(m, 0) > 1}
    assert len(twice) <= len(killed), twice
    facts = create_engine(province.facts_url)
    with facts.connect() as conn:
        keys = conn.execute(text("SELECT dedupe_key, count(*) FROM outbox_items GROUP BY dedupe_key HAVING count(*) > 1"))
        assert keys.fetchall() == []
    facts.dispose()
