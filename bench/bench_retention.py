"""How fast Prefect's database grows with daily reconciles, and the five-year projection (issue 14).

Runs `liangshan tick` for consecutive working days on the sample history, against Prefect's embedded
server with its SQLite database in a scratch PREFECT_HOME, and measures the database file (with its WAL)
after each day. Then the weekly maintenance with a kept window of 0 days shows what pruning gives back.
PostgreSQL stores the same rows; its size per row is of the same order (see README for the projection).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
DAYS = 5
YEARS = 5


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.db*"))


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
