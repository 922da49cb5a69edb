"""Synthetic histories and plans: for the first-run demo, the benchmarks and the tests.

Nothing here is a fact about the real plan; every caller labels what it makes as an example.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from core.events import SHANGHAI, CheckIn, Event, Review
from core.frozen import FrozenMap
from core.periods import Window
from core.plan import Bureau, Deliverable, Phase, Plan, PlanSettings, Step
from core.workdays import WorkdayCalendar

__all__ = ["on_time_history", "synthetic_plan"]


def on_time_history(plan: Plan, calendar: WorkdayCalendar, until: date | None = None, lead_days: int = 3) -> list[Event]:
    """Every step checked in (and accepted the same day where reviewed) a few working days before due.

    A step is checked in no earlier than its window opens and the day after its upstream steps
    close, so the history is one a diligent office could have made. Steps whose check-in would
    fall after ``until`` are left out.
    """
    done: dict[str, date] = {}
    events: list[Event] = []
    for sid in plan.topo_order:
        step = plan.steps[sid]
        if step.collected or any(d not in done for d in step.depends_on):
            continue  # values and cases close collecting steps, not check-ins
        target = calendar.add_workdays(calendar.next_workday(step.window.due), -lead_days)
        earliest = max([step.window.start, *(done[d] + timedelta(days=1) for d in step.depends_on)])
        day = calendar.next_workday(max(target, earliest))
        accepted = day  # the office reviews the same afternoon
        if until is not None and accepted > until:
            continue
        deliverables = tuple(d.id for d in step.deliverables)
        events.append(CheckIn(sid, step.lead, datetime.combine(day, time(10), SHANGHAI), deliverables, "示例数据 example"))
        if step.review:
            events.append(Review(sid, "office", datetime.combine(accepted, time(15), SHANGHAI), "accept", deliverables))
        done[sid] = accepted
    return events


def synthetic_plan(index: int, steps: int = 40, phases: int = 5, start: date = date(2024, 4, 1)) -> Plan:
    """A plan of ``steps`` steps in ``phases`` phases, each step depending on one or two before it."""
    per_phase = steps // phases
    bureaus = {f"b{i}": Bureau(f"b{i}", f"单位{i}") for i in range(8)}
    all_steps: dict[str, Step] = {}
    phase_list = []
    order: list[str] = []
    for p in range(phases):
        p_start = start + timedelta(days=60 * p)
        ids = []
        for s in range(per_phase):
            n = p * per_phase + s
            sid = f"p{p}.s{s}"
            window = Window(p_start + timedelta(days=5 * s), p_start + timedelta(days=5 * s + 20))
            deps = tuple(order[-k] for k in (1, 3) if len(order) >= k and (n + index) % k == 0)
            all_steps[sid] = Step(sid, f"p{p}", f"步骤{n}", window, (f"b{n % 8}",),
                                  (Deliverable("d", "成果"),), deps, review=(n % 4 == 0))
            ids.append(sid)
            order.append(sid)
        end = max(all_steps[i].window.due for i in ids)
        phase_list.append(Phase(f"p{p}", f"阶段{p}", Window(p_start, end), tuple(ids)))
    return Plan(f"synthetic-{index}", f"示例计划{index}", PlanSettings(), FrozenMap(bureaus), tuple(phase_list),
                FrozenMap(all_steps), (), (), topo_order=tuple(order))
