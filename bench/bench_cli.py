"""CLI start-to-exit benchmarks (issue 4): `liangshan checkin` and `liangshan status` on SQLite.

Also measures where the time goes (interpreter, the CLI's own imports, SQLAlchemy's import), so a
number over its bound comes with its reason. Exits 1 on a bound exceeded only with BENCH_STRICT=1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import best_of, verdict

BIN = Path(sys.executable).parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LIANGSHAN_HOME": str(Path(tmp) / "home")}
        env.pop("LIANGSHAN_DB_URL", None)

        def run(*args: str) -> None:
            subprocess.run([str(BIN / "liangshan"), *args], env=env, check=True, capture_output=True, cwd=tmp)

        run("init")
        run("checkin", "mobilize.work-plan", "--by", "eco", "--at", "2024-04-08")
        evidence = Path(tmp) / "evidence.txt"
        counter = iter(range(1000))

        def checkin() -> None:
            evidence.write_text(f"报告 {next(counter)}", encoding="utf-8")  # a new file: a real new row each time
            run("checkin", "mobilize.leading-group", "--by", "gov", "--file", str(evidence))

        ok = verdict("liangshan checkin (process start to exit, SQLite)", best_of(checkin, 5), 0.5)
        ok &= verdict("liangshan status --json (process start to exit, SQLite)",
                      best_of(lambda: run("status", "--as-of", "2024-04-23", "--json"), 5), 0.5)

    def python(code: str) -> None:
        subprocess.run([sys.executable, "-c", code], check=True)

    print("where the time goes (best of 5, each in a fresh interpreter):")
    for label, code in [("interpreter start", "pass"), ("import cli.main (typer, rich, core)", "import cli.main"),
                        ("import sqlalchemy.orm", "import sqlalchemy.orm"), ("import prefect", "import prefect")]:
        print(f"  {label:<40} {best_of(lambda c=code: python(c), 5) * 1000:7.0f} ms")
    return 0 if ok or not os.environ.get("BENCH_STRICT") else 1


if __name__ == "__main__":
    sys.exit(main())
