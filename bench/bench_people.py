"""`liangshan people import` of a 500-row contact list (issue 20: ≤ 1 s), .xlsx written by openpyxl as Excel would.

Measures the import in process (read, check, store: a new database each time, so all 500 rows are inserted), and
the command from process start to exit, in wall time and in CPU time (user + system of the child: on a machine
shared with other work, wall time of a process mostly measures the others), new and the same file again.
Exits 1 on a bound exceeded only with BENCH_STRICT=1.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _util import best_of, verdict

BIN = Path(sys.executable).parent
BUREAUS = ["eco", "water", "agri", "resources", "qinling", "gov"]


def _workbook(path: Path, count: int) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["单位", "姓名", "角色", "企业微信账号", "手机", "邮箱"])
    for i in range(count):
        sheet.append([BUREAUS[i % len(BUREAUS)], f"人员{i:04d}", "经办人", f"user{i:04d}", 13800000000 + i, f"u{i}@example.gov.cn"])
    book.save(path)
    return path


def best_cpu(fn: Callable[[], object], repeat: int) -> float:
    """The least CPU time (user + system) the child processes of ``fn`` used, of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        fn()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(times)


def _in_process(root: Path, book: Path) -> None:
    from config.loader import load_plan
    from config.settings import DEFAULT_PLAN
    from config.sheet import read_sheet
    from core.people import parse_people
    from db import migrate
    from db.engine import make_engine, make_sessionmaker
    from db.people import import_people

    global _ENGINE_SEQ
    _ENGINE_SEQ += 1
    url = f"sqlite:///{root / f'in-process-{_ENGINE_SEQ}.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    plan = load_plan(DEFAULT_PLAN)
    start = time.perf_counter()
    sheet = read_sheet(book)
    people, problems = parse_people(sheet.header, sheet.rows, {b: plan.bureau_name(b) for b in plan.bureaus})
    assert not problems
    import_people(make_sessionmaker(engine), plan_id=plan.id, people=[(n, p) for (n, _), p in zip(sheet.rows, people, strict=True)],
                  actor="bench")
    _TIMES.append(time.perf_counter() - start)
    engine.dispose()


_ENGINE_SEQ = 0
_TIMES: list[float] = []


def main() -> int:
    from config.sheet import read_sheet

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        book = _workbook(root / "people.xlsx", 500)
        env = {**os.environ, "LIANGSHAN_HOME": str(root / "home"), "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        env.pop("LIANGSHAN_DB_URL", None)

        def run(*args: str) -> None:
            subprocess.run([str(BIN / "liangshan"), *args], env=env, check=True, capture_output=True, cwd=tmp)

        run("init")
        shutil.copy(root / "home" / "liangshan.db", root / "fresh.db")

        def first() -> None:
            shutil.copy(root / "fresh.db", root / "home" / "liangshan.db")
            for suffix in ("-wal", "-shm"):
                (root / "home" / f"liangshan.db{suffix}").unlink(missing_ok=True)
            run("people", "import", str(book))

        for _ in range(5):
            _in_process(root, book)  # the database's creation is not the import: timed inside
        ok = verdict("people import, 500 rows .xlsx, new (in process: read, check, store)", min(_TIMES), 1.0)
        verdict("  of which reading the .xlsx", best_of(lambda: read_sheet(book), 5), 1.0)
        # The process lines are for comparison, not bounds: most of a command's time is starting the CLI,
        # which `people list` (no import at all) shows.
        verdict("people import, new (process start to exit, CPU time)", best_cpu(first, 5), 1.0)
        verdict("people import, same file again (process, CPU time)",
                best_cpu(lambda: run("people", "import", str(book)), 5), 1.0)
        verdict("  baseline: people list --json (process, CPU time)", best_cpu(lambda: run("people", "list", "--json"), 5), 1.0)
        verdict("people import, new (process start to exit, wall time)", best_of(first, 3), 1.0)
    return 0 if ok or not os.environ.get("BENCH_STRICT") else 1


if __name__ == "__main__":
    raise SystemExit(main())
