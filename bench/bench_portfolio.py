"""`liangshan status --all` for 50 plans of the Huyi plan's size (issue 13; goal ≤ 1 s), and where the time goes.

The plans are the Huyi plan under 50 ids, in one folder, loaded by `liangshan init` into one SQLite
database with the sample history imported for each. Exits 1 on a bound exceeded only with BENCH_STRICT=1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import best_of, verdict

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
PLANS = 50


def _folder(folder: Path) -> list[str]:
    folder.mkdir()
    source = (ROOT / "config" / "plans" / "huyi.yaml").read_text(encoding="utf-8")
    ids = []
    for n in range(1, PLANS + 1):
        pid = f"bench{n:02d}"
        (folder / f"{pid}.yaml").write_text(source.replace("id: huyi-two-mountains", f"id: {pid}", 1), encoding="utf-8")
        ids.append(pid)
    return ids


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LIANGSHAN_HOME": str(Path(tmp) / "home"), "LIANGSHAN_PLANS": str(Path(tmp) / "plans")}
        env.pop("LIANGSHAN_DB_URL", None)
        env.pop("LIANGSHAN_PLAN", None)
        ids = _folder(Path(tmp) / "plans")

        def run(*args: str) -> None:
            subprocess.run([str(BIN / "liangshan"), *args], env=env, check=True, capture_output=True, cwd=tmp)

        start = time.perf_counter()
        run("init")
        print(f"liangshan init of {PLANS} plans: {time.perf_counter() - start:.1f} s")
        for pid in ids:
            run("import", "--plan", pid, str(ROOT / "config" / "examples" / "huyi-sample-events.yaml"))
        ok = verdict(f"liangshan status --all --json, {PLANS} plans (process start to exit)",
                     best_of(lambda: run("status", "--all", "--as-of", "2026-11-30", "--json"), 5), 1.0)
        os.environ.update(env)
        from cli.context import Context
        from cli.plans import plans_to_load
        from core.events import Facts
        from core.status import Engine
        from db.repo import load_all_events

        ctx = Context()
        plans = plans_to_load(ctx)
        compile_s = best_of(lambda: plans_to_load(Context()), 3)

        def load_facts() -> dict[str, list[object]]:
            with ctx.sessions() as session:
                return {p.id: load_all_events(session=session, plan=p) for p in plans}

        facts = load_facts()
        from datetime import date

        day = date(2026, 11, 30)
        print("where the time goes (in process, best of 3):")
        print(f"  {'plans from the compile cache':<40} {compile_s * 1000:7.0f} ms")
        print(f"  {'facts of every plan from SQLite':<40} {best_of(load_facts, 3) * 1000:7.0f} ms")
        print(f"  {'boards (the engine, one day)':<40} "
              f"{best_of(lambda: [Engine(p, ctx.calendar).board(Facts(facts[p.id]), day) for p in plans], 3) * 1000:7.0f} ms")
    return 0 if ok or not os.environ.get("BENCH_STRICT") else 1


if __name__ == "__main__":
    raise SystemExit(main())
