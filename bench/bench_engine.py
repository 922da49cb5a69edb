"""Engine benchmarks (issues 3 and 13): the five-year daily replay, one day of 200 plans, one day of 1,000 Huyi-sized plans.

Run with ``make bench``; exits 1 when a bound is exceeded.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import best_of, verdict

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import Facts
from core.sample import on_time_history, synthetic_plan
from core.simulate import replay
from core.status import Engine
from core.workdays import WorkdayCalendar


def main() -> int:
    plan = load_plan(DEFAULT_PLAN)
    calendar = WorkdayCalendar()
    facts = Facts(on_time_history(plan, calendar))
    start, end = date(2024, 4, 1), date(2029, 12, 31)

    def five_years() -> int:
        # A fresh engine each run: nothing memoised from the run before.
        _, transitions = replay(Engine(plan, calendar), facts, start, end)
        return len(transitions)

    plans = [synthetic_plan(i) for i in range(200)]
    today = date(2026, 11, 29)
    so_far = Facts(on_time_history(plan, calendar, until=today))

    def thousand_huyi_plans() -> None:
        # A fresh engine per plan, as a province with 1,000 plans of this size would need one each.
        for _ in range(1000):
            Engine(plan, calendar).board(so_far, today)

    def two_hundred_plans() -> None:
        for p in plans:
            Engine(p, calendar).board(Facts(), date(2024, 6, 15))

    days = (end - start).days + 1
    print(f"Huyi plan: {len(plan.steps)} steps, {len(facts)} events, {days} days; "
          f"{five_years()} transitions in the replay")
    ok = verdict("five-year daily replay (2024-04-01..2029-12-31)", best_of(five_years, 3), 2.0)
    ok &= verdict("one day's status of 200 synthetic plans x 40 steps", best_of(two_hundred_plans, 5), 0.5)
    ok &= verdict("one day of 1,000 plans of the Huyi plan's size (90 steps)", best_of(thousand_huyi_plans, 3), 2.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
