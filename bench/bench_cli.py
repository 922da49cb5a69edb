"""CLI start-to-exit benchmarks (issues 4 and 22): `liangshan checkin` and `liangshan status` on SQLite.

Wall time against the bounds of issue 4, and the CPU (user + system of the child process, from
resource.getrusage(RUSAGE_CHILDREN) deltas) of `liangshan status --json` against `prefect version`, the
bound of issue 22 (≤ 0.25×). CPU rather than wall time, and the best of 5, because the machine is shared:
what other processes take shows in the wall clock, much less in the process's own CPU. Then where the
CPU of a status goes, each part measured in a fresh interpreter (the difference of two commands), so a
ratio over its bound comes with its reason. Exits 1 on a bound exceeded only with BENCH_STRICT=1.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import best_of, ratio_verdict, verdict

BIN = Path(sys.executable).parent
RATIO_BOUND = 0.25


def cpu(fn: Callable[[], object], repeat: int = 5) -> float:
    """The least CPU (user + system seconds of the children) of ``repeat`` runs of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        fn()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LIANGSHAN_HOME": str(Path(tmp) / "home")}
        env.pop("LIANGSHAN_DB_URL", None)
        cache = Path(tmp) / "home" / "cache"

        def run(*args: str) -> None:
            subprocess.run([str(BIN / "liangshan"), *args], env=env, check=True, capture_output=True, cwd=tmp)

        def python(code: str) -> None:
            subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, cwd=tmp)

        run("init")
        run("checkin", "mobilize.work-plan", "--by", "eco", "--at", "2024-04-08")
        evidence = Path(tmp) / "evidence.txt"
        counter = iter(range(1000))

        def checkin() -> None:
            evidence.write_text(f"报告 {next(counter)}", encoding="utf-8")  # a new file: a real new row each time
            run("checkin", "mobilize.leading-group", "--by", "gov", "--file", str(evidence))

        def status() -> None:
            run("status", "--as-of", "2024-04-23", "--json")

        def status_after_a_write() -> None:
            for cached in cache.glob("facts-*"):  # what the next status pays after any write
                cached.unlink()
            status()

        ok = verdict("liangshan checkin (process start to exit, SQLite)", best_of(checkin, 5), 0.5)
        ok &= verdict("liangshan status --json (process start to exit, SQLite)", best_of(status, 5), 0.5)

        status_cpu = cpu(status)
        prefect_cpu = cpu(lambda: subprocess.run([str(BIN / "prefect"), "version"], check=True, capture_output=True))
        print(f"CPU (user+sys, best of 5): liangshan status --json {status_cpu * 1000:.0f} ms, "
              f"prefect version {prefect_cpu * 1000:.0f} ms")
        ok &= ratio_verdict("CPU of liangshan status --json / prefect version", status_cpu / prefect_cpu, RATIO_BOUND)

        plan = "import cli.main\nfrom cli.context import Context\nctx = Context(None)\nctx.file_plan\n"
        facts = plan + ("from cli.board import _cached_facts\nassert _cached_facts(ctx, '2024-04-23') is not None\n")
        parts = {
            "interpreter": cpu(lambda: python("pass")),
            "typer, rich": cpu(lambda: python("import typer, rich.console, rich.table")),
            "cli.main": cpu(lambda: python("import cli.main")),
            "plan": cpu(lambda: python(plan)),
            "facts": cpu(lambda: python(facts)),
            "sqlalchemy": cpu(lambda: python("import sqlalchemy.orm, db.models")),
        }
        miss = cpu(status_after_a_write)
        print("where the CPU of `liangshan status --json` goes (best of 5, each a fresh interpreter):")
        rows = [
            ("interpreter start", parts["interpreter"]),
            ("typer and rich", parts["typer, rich"] - parts["interpreter"]),
            ("the CLI's own modules (cli.main, core, config)", parts["cli.main"] - parts["typer, rich"]),
            ("the plan from its compile cache (no YAML parsed)", parts["plan"] - parts["cli.main"]),
            ("the facts from the fact cache, and the calendar", parts["facts"] - parts["plan"]),
            ("the board, its JSON, typer's parsing", status_cpu - parts["facts"]),
        ]
        for label, seconds in rows:  # each a difference of two best-of-5: below ~50 ms it is within the noise
            print(f"  {label:<56} {seconds * 1000:7.0f} ms" if seconds > 0 else f"  {label:<56}      ≈0 ms (within the noise)")
        print(f"  {'= a status with nothing written since the last one':<56} {status_cpu * 1000:7.0f} ms")
        print(f"  {'a status after a write (SQLAlchemy, the models, the reads)':<56} {miss * 1000:7.0f} ms"
              f"   ({miss / prefect_cpu:.2f}× prefect version)")
        print(f"  {'  of which importing SQLAlchemy and mapping the models':<56} "
              f"{(parts['sqlalchemy'] - parts['interpreter']) * 1000:7.0f} ms")
        print(f"  (machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    return 0 if ok or not os.environ.get("BENCH_STRICT") else 1


if __name__ == "__main__":
    sys.exit(main())
