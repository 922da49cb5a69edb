"""进展报送 benchmarks (issue 19): every day of the five years, which reports are owed and where each stands,
with every quarter's report of every long step recorded; and the ladder's progress rungs on each working day.

Run with the venv's python; exits 1 when a bound is exceeded.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import best_of, verdict

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import SHANGHAI, Facts, ProgressReport
from core.ladder import notices_for_day
from core.periods import periods_between
from core.progress import long_steps, owed_reports, report_due, reporters
from core.sample import on_time_history
from core.status import Engine
from core.workdays import WorkdayCalendar

TEXT = "本季度完成了转化路径的调研，形成了初步的工作思路和项目清单。"


def main() -> int:
    plan = load_plan(DEFAULT_PLAN)
    calendar = WorkdayCalendar()
    assert plan.progress is not None
    reports = [ProgressReport(step.id, who, datetime.combine(report_due(plan.progress, p, calendar), time(9), SHANGHAI),
                              p.id, TEXT, 50)
               for step in long_steps(plan) for p in periods_between(step.window.start, step.window.due, "quarter")
               for who in reporters(step)]
    facts = Facts([*on_time_history(plan, calendar), *reports])
    engine = Engine(plan, calendar)
    start, end = date(2024, 4, 1), date(2029, 12, 31)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    boards = {d: engine.board(facts, d) for d in days if calendar.is_workday(d)}

    def statuses() -> int:
        n = 0
        for day, board in boards.items():
            done_on = {sid: st.done_on for sid, st in board.steps.items()}
            n += len(owed_reports(plan, calendar, facts.progress, day, done_on))
        return n

    def ladder() -> int:
        return sum(len(notices_for_day(plan, engine, facts, day)) for day in list(boards)[::5])

    without = replace(plan, progress=None)

    def ladder_without() -> int:
        return sum(len(notices_for_day(without, engine, facts, day)) for day in list(boards)[::5])

    print(f"{len(reports)} progress reports; {statuses()} owed-report rows over {len(boards)} working days")
    ok = verdict("progress statuses on every working day of five years", best_of(statuses, 3), 3.0)
    ok &= verdict("the whole ladder on every 5th working day (with progress rungs)", best_of(ladder, 3), 30.0)
    print(f"  the same ladder without the progress rule: {1000 * best_of(ladder_without, 3):.1f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
