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
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import free_port, stop, wait_healthy

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
DAYS = 5
YEARS = 5


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.db*"))


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

        day, sizes = date(2025, 1, 6), []
        for _ in range(DAYS):
            liangshan("tick", "--as-of", day.isoformat())  # type: ignore[operator]
            sizes.append(size())
            day += timedelta(days=1)
        per_day = (sizes[-1] - sizes[0]) / (DAYS - 1)
        print(f"PostgreSQL: growth per daily reconcile (one plan)     {per_day / 1e6:7.2f} MB")
        print(f"PostgreSQL: five years without pruning, one plan      {per_day * 365 * YEARS / 1e9:7.2f} GB")
        print(f"PostgreSQL: kept window 180 days, one plan            {per_day * 187 / 1e9:7.2f} GB")
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
        day, sizes = date(2025, 1, 6), []
        for _ in range(DAYS):
            liangshan("tick", "--as-of", day.isoformat())
            sizes.append(_size(tmp / "prefect"))
            print(f"after the reconcile of {day}: Prefect database {sizes[-1] / 1e6:7.1f} MB")
            day += timedelta(days=1)
        per_day = (sizes[-1] - sizes[0]) / (DAYS - 1)
        print(f"growth per daily reconcile (one plan)                 {per_day / 1e6:7.2f} MB")
        print(f"five years without pruning, one plan                  {per_day * 365 * YEARS / 1e9:7.2f} GB")
        print(f"kept window 180 days (maintenance weekly), one plan   {per_day * 187 / 1e9:7.2f} GB")
        code = ("from flows.maintenance import prune; print(prune(keep_days=0))")
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, cwd=ROOT)
        print(f"pruned everything ended: {done.stdout.strip() or done.stderr[-500:]}")
        print(f"file after pruning (SQLite keeps its pages for reuse)  {_size(tmp / 'prefect') / 1e6:7.1f} MB")
        _postgres(env, liangshan)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
