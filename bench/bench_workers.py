"""Reconcile of 20 plans through one Prefect worker and through two, on the same server (issue 13).

A real `prefect server` with its database on PostgreSQL (127.0.0.1:5432, a scratch database), the facts
on PostgreSQL too, 20 plans made from the Huyi plan, `liangshan deploy --pool`, then `liangshan tick
--all --wait` twice for different days: first with one `prefect worker start --pool`, then with two.
Prints both wall times and their ratio, and the time of one reconcile inside its run process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import free_port, stop, wait_healthy

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
PLANS = 20
ADMIN = os.environ.get("LIANGSHAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _database(name: str, drop: bool = False) -> str:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


def main() -> int:
    tag = uuid.uuid4().hex[:8]
    prefect_db, facts_db = f"bench_prefect_{tag}", f"bench_facts_{tag}"
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "plans").mkdir()
        source = (ROOT / "config" / "plans" / "huyi.yaml").read_text(encoding="utf-8")
        for n in range(1, PLANS + 1):
            (tmp / "plans" / f"p{n:02d}.yaml").write_text(source.replace("id: huyi-two-mountains", f"id: p{n:02d}", 1),
                                                           encoding="utf-8")
        api = f"http://127.0.0.1:{free_port()}/api"
        env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_API_URL": api,
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT_API_DATABASE_CONNECTION_URL": _database(prefect_db).replace("+psycopg", "+asyncpg"),
               "LIANGSHAN_PLANS": str(tmp / "plans"), "LIANGSHAN_DB_URL": _database(facts_db),
               "LIANGSHAN_HOME": str(tmp / "home")}
        for key in ("LIANGSHAN_PLAN", "LIANGSHAN_NOTIFY_CONFIG"):
            env.pop(key, None)

        def start(*args: str, log: str) -> subprocess.Popen[bytes]:
            proc = subprocess.Popen(list(args), env=env, stdout=(tmp / log).open("wb"), stderr=subprocess.STDOUT,
                                    start_new_session=True)
            procs.append(proc)
            return proc

        def liangshan(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(BIN / "liangshan"), *args], env=env, capture_output=True, text=True, check=False)

        try:
            start(str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", api.split(":")[2].split("/")[0],
                  log="server.log")
            wait_healthy(api)
            for args in (("init",), ("deploy", "--pool", "bench")):
                done = liangshan(*args)
                assert done.returncode == 0, done.stderr
            results, inside = {}, {}
            # The same total concurrency (two runs at a time: this machine has two cores) through one worker and
            # through two: the difference is what sharing the pool costs; more machines add cores, not shown here.
            for workers, limit, day in ((1, "2", "2024-04-23"), (2, "1", "2024-04-24")):
                started = [start(str(BIN / "prefect"), "worker", "start", "--pool", "bench", "--name", f"w{workers}-{i}",
                                 "--type", "process", "--limit", limit, log=f"w{workers}-{i}.log") for i in range(workers)]
                time.sleep(8)  # the workers are polling
                begin = time.perf_counter()
                done = liangshan("tick", "--all", "--as-of", day, "--wait", "--json")
                results[workers] = time.perf_counter() - begin
                report = json.loads(done.stdout)
                assert report["finished"] and all(p["state_type"] == "COMPLETED" for p in report["plans"]), done.stdout
                runs = [httpx.get(f"{api}/flow_runs/{p['flow_run_id']}", timeout=10).json() for p in report["plans"]]
                inside[workers] = sum(r["total_run_time"] for r in runs) / len(runs)
                for proc in started:
                    stop(proc)
            print(f"reconcile of {PLANS} plans, one worker (2 runs at a time)     {results[1]:7.1f} s")
            print(f"reconcile of {PLANS} plans, two workers (1 run at a time each) {results[2]:7.1f} s")
            print(f"ratio two / one                                           {results[2] / results[1]:7.2f}")
            print(f"one reconcile inside its run process (mean), one / two    {inside[1]:7.1f} s / {inside[2]:.1f} s")
            print(f"per plan, wall, one worker                                {results[1] / PLANS:7.2f} s")
        finally:
            for proc in reversed(procs):
                stop(proc)
            for name in (prefect_db, facts_db):
                _database(name, drop=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
