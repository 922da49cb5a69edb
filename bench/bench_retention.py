"""How fast Prefect's database grows with daily reconciles, and the five-year projection (issue 14).

Runs `liangshan tick` for consecutive working days on the sample history, first against Prefect's
embedded server with its SQLite database in a scratch PREFECT_HOME (the file with its WAL measured after
each day), then against a real `prefect server` whose database is PostgreSQL (a scratch database on
127.0.0.1:5432, measured with pg_database_size). The weekly maintenance with a kept window of 0 days
shows what pruning gives back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _util import free_port, stop, wait_healthy

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
DAYS = 5
YEARS = 5
SETTLE = 5.0


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.db*"))


# What the office reads and what it does not, grouped the way the bytes are written: a table with its indexes.
_GROUPS = {"events": ("events", "event_resources"), "logs": ("log",), "task runs": ("task_run",),
           "task run states": ("task_run_state",), "flow runs": ("flow_run",), "flow run states": ("flow_run_state",),
           "artifacts": ("artifact", "artifact_collection")}


def _group(table: str) -> str:
    for name, tables in _GROUPS.items():
        if table in tables:
            return name
    return "other"


def _sqlite_tables(folder: Path) -> dict[str, tuple[int, int]]:
    """Bytes (table with its indexes, from SQLite's dbstat) and rows per table of the Prefect database."""
    import sqlite3

    conn = sqlite3.connect(folder / "prefect.db")
    try:
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"))
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            sizes[table] = sizes.get(table, 0) + int(size)
        return {t: (b, int(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]))
                for t, b in sizes.items() if t in owner and not t.startswith("sqlite_")}
    finally:
        conn.close()


def _pg_tables(engine: object) -> dict[str, tuple[int, int]]:
    """Bytes (pg_total_relation_size: heap, indexes, TOAST) and rows per table of the Prefect database."""
    from sqlalchemy import text

    sql = text("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
               " WHERE c.relkind = 'r' AND n.nspname = 'public'")
    with engine.connect() as conn:  # type: ignore[attr-defined]
        sizes = dict(conn.execute(sql).all())
        return {t: (int(b), int(conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one())) for t, b in sizes.items()}


def _breakdown(label: str, before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], days: int,
               ) -> dict[str, float]:
    """Per reconcile: bytes and rows added, by group of tables, largest first; the bytes per group."""
    grown: dict[str, list[float]] = {}
    for table, (size, rows) in after.items():
        size0, rows0 = before.get(table, (0, 0))
        if size != size0 or rows != rows0:
            group = grown.setdefault(_group(table), [0.0, 0.0, 0.0])
            group[0] += (size - size0) / days
            group[1] += (rows - rows0) / days
            group[2] += rows
    total = sum(g[0] for g in grown.values())
    print(f"{label}: where a reconcile's bytes go (per day, tables with their indexes)")
    for name, (size, rows, _) in sorted(grown.items(), key=lambda kv: -kv[1][0]):
        print(f"  {name:<18} {size / 1e3:9.1f} kB  {rows:8.1f} rows")
    print(f"  {'total':<18} {total / 1e3:9.1f} kB")
    return {name: size for name, (size, _, _) in grown.items()}


def _events_retention_days() -> float:
    """PREFECT_SERVER_EVENTS_RETENTION_PERIOD as deploy/env.example sets it for the server, in days."""
    for line in (ROOT / "deploy" / "env.example").read_text(encoding="utf-8").splitlines():
        if line.startswith("PREFECT_SERVER_EVENTS_RETENTION_PERIOD="):
            return int(line.split("=", 1)[1]) / 86400
    return 7.0  # Prefect's default


def _summary(label: str, per_day: float, grown: dict[str, float]) -> None:
    """Growth per day, what stays once the events are past their retention, and the kept window per plan."""
    from flows.maintenance import KEEP_DAYS

    events = grown.get("events", 0.0)
    stays = sum(grown.values()) - events
    keep = _events_retention_days()
    kept = KEEP_DAYS * stays + keep * events
    print(f"{label}: growth per daily reconcile, events included (file)   {per_day / 1e6:7.2f} MB")
    print(f"{label}: what a day leaves once its events pass {keep:g} days      {stays / 1e6:7.2f} MB")
    print(f"{label}: kept {KEEP_DAYS} days of runs + {keep:g} of events, one plan      {kept / 1e9:7.3f} GB"
          f"  = {kept / KEEP_DAYS / 1e6:.2f} MB per plan per day of the window")
    print(f"{label}: five years, runs never pruned (events are), one plan {(stays * 365 * YEARS + keep * events) / 1e9:7.2f} GB")


_VACUUM = ("import asyncio\n"
           "from prefect.server.database import provide_database_interface\n"
           "from prefect.server.services.db_vacuum import vacuum_old_events\n"
           "asyncio.run(vacuum_old_events(db=provide_database_interface()))\n")


def _vacuum_events(env: dict[str, str]) -> None:
    """Run the Prefect server's own event vacuum as if the retention had passed for every event (PT0S)."""
    done = subprocess.run([sys.executable, "-c", _VACUUM], env={**env, "PREFECT_SERVER_EVENTS_RETENTION_PERIOD": "PT0S"},
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]


def _rows(label: str, tables: dict[str, tuple[int, int]]) -> None:
    groups: dict[str, int] = {}
    for table, (_, rows) in tables.items():
        groups[_group(table)] = groups.get(_group(table), 0) + rows
    print(f"{label}: rows left  " + ", ".join(f"{name} {rows}" for name, rows in sorted(groups.items()) if name != "other"))


def _postgres(env: dict[str, str], liangshan: object) -> None:
    """The same days against `prefect server` on PostgreSQL: growth per reconcile from pg_database_size."""
    import uuid

    from sqlalchemy import create_engine, text

    admin_url = os.environ.get("LIANGSHAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"bench_growth_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    server_env = {**env, "PREFECT_API_DATABASE_CONNECTION_URL": admin_url.rsplit("/", 1)[0].replace("+psycopg", "+asyncpg")
                  + f"/{name}"}
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_healthy(api)
        env["PREFECT_API_URL"] = api

        def size() -> int:
            with admin.connect() as conn:
                return int(conn.execute(text("SELECT pg_database_size(:n)"), {"n": name}).scalar_one())

        prefect_db = create_engine(admin_url.rsplit("/", 1)[0] + f"/{name}")
        day, sizes, tables = date(2025, 1, 6), [], []
        for _ in range(DAYS):
            liangshan("tick", "--as-of", day.isoformat())  # type: ignore[operator]
            time.sleep(SETTLE)  # the server writes events a few seconds after the run
            sizes.append(size())
            tables.append(_pg_tables(prefect_db))
            day += timedelta(days=1)
        per_day = (sizes[-1] - sizes[0]) / (DAYS - 1)
        _summary("PostgreSQL", per_day, _breakdown("PostgreSQL", tables[0], tables[-1], DAYS - 1))
        _vacuum_events(server_env)
        _rows("PostgreSQL, after the server's event vacuum (retention passed)", _pg_tables(prefect_db))
        code = "from flows.maintenance import prune; print(prune(keep_days=0))"
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, cwd=ROOT)
        print(f"PostgreSQL: pruned everything ended: {done.stdout.strip() or done.stderr[-500:]}")
        _rows("PostgreSQL, after maintenance's prune", _pg_tables(prefect_db))
        prefect_db.dispose()
    finally:
        env.pop("PREFECT_API_URL", None)
        stop(server)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect"), "LIANGSHAN_HOME": str(tmp / "home"),
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90"}
        for key in ("PREFECT_API_URL", "LIANGSHAN_DB_URL", "LIANGSHAN_PLAN", "LIANGSHAN_PLANS", "LIANGSHAN_NOTIFY_CONFIG"):
            env.pop(key, None)

        def liangshan(*args: str) -> None:
            done = subprocess.run([str(BIN / "liangshan"), *args], env=env, capture_output=True, text=True, check=False)
            assert done.returncode in (0, 1), done.stderr[-2000:]

        liangshan("init")
        liangshan("import", str(ROOT / "config" / "examples" / "huyi-sample-events.yaml"))
        day, sizes, tables = date(2025, 1, 6), [], []
        for _ in range(DAYS):
            liangshan("tick", "--as-of", day.isoformat())
            sizes.append(_size(tmp / "prefect"))
            tables.append(_sqlite_tables(tmp / "prefect"))
            print(f"after the reconcile of {day}: Prefect database {sizes[-1] / 1e6:7.1f} MB")
            day += timedelta(days=1)
        per_day = (sizes[-1] - sizes[0]) / (DAYS - 1)
        _summary("SQLite", per_day, _breakdown("SQLite", tables[0], tables[-1], DAYS - 1))
        _vacuum_events(env)
        _rows("SQLite, after the server's event vacuum (retention passed)", _sqlite_tables(tmp / "prefect"))
        code = ("from flows.maintenance import prune; print(prune(keep_days=0))")
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, cwd=ROOT)
        print(f"SQLite: pruned everything ended: {done.stdout.strip() or done.stderr[-500:]}")
        _rows("SQLite, after maintenance's prune", _sqlite_tables(tmp / "prefect"))
        print(f"file after pruning (SQLite keeps its pages for reuse)  {_size(tmp / 'prefect') / 1e6:7.1f} MB")
        _postgres(env, liangshan)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
