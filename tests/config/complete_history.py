"""A complete five-year events file for the Huyi plan: the on-time history, every value, every case.

Made here from :func:`core.sample.on_time_history`, one value per indicator per year 2024-2028 and one
case per theme per year, then the steps that wait for a collecting step (the self-assessment waits for
``indicators.2028``) checked in a few working days before due. Shared by tests/config and tests/db.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from core.collect import Case, Value, collected_events
from core.events import SHANGHAI, CheckIn, Event, Facts, Review
from core.plan import Plan
from core.sample import on_time_history
from core.status import Engine
from core.workdays import WorkdayCalendar

YEARS = range(2024, 2029)


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def values_and_cases(plan: Plan, calendar: WorkdayCalendar) -> list[Value | Case]:
    """One value per indicator per year (reported early in the next year), one case per theme per year."""
    out: list[Value | Case] = []
    for year in YEARS:
        reported = calendar.next_workday(date(year + 1, 2, 10))
        for n, ind in enumerate(plan.indicators):
            flag = ind.rule.kind in ("achieved", "established")
            number = 1.0 if flag else 90.0 if ind.unit == "%" else 100.0 + year - 2024
            out.append(Value(ind.id, year, number, ind.owners[n % len(ind.owners)], _moment(reported, 10),
                             source=f"{year}年统计公报"))
        contributed = calendar.next_workday(date(year, 10, 15) if year == 2024 else date(year, 6, 15))
        for theme in plan.case_themes:
            out.append(Case(theme.id, f"{year}年主题{theme.id}典型案例", theme.owners[0], _moment(contributed, 11), year,
                            "示例数据 example"))
    return out


def complete_history(plan: Plan, calendar: WorkdayCalendar) -> tuple[list[Event], list[Value | Case]]:
    """Check-ins and reviews closing every step that takes them, and the values and cases closing the rest."""
    events: list[Event] = list(on_time_history(plan, calendar))
    records = values_and_cases(plan, calendar)
    engine = Engine(plan, calendar)
    last = max(p.window.due for p in plan.phases)
    for _ in range(len(plan.steps)):  # the steps the sample leaves out, once what they wait for is done
        board = engine.board(Facts([*events, *collected_events(plan, records)]), last)
        todo = [sid for sid in plan.topo_order if board.steps[sid].status != "done" and not plan.steps[sid].collected]
        ready = [sid for sid in todo if all(board.steps[d].status == "done" for d in plan.steps[sid].depends_on)]
        if not ready:
            break
        for sid in ready:
            step = plan.steps[sid]
            closed = [board.steps[d].done_on for d in step.depends_on]
            after = max([step.window.start, *(day + timedelta(days=1) for day in closed if day is not None)])
            day = calendar.next_workday(max(calendar.add_workdays(calendar.next_workday(step.window.due), -3), after))
            deliverables = tuple(d.id for d in step.deliverables)
            events.append(CheckIn(sid, step.lead, _moment(day, 10), deliverables, "示例数据 example"))
            if step.review:
                events.append(Review(sid, "office", _moment(day, 15), "accept", deliverables))
    return events, records


def events_yaml(plan: Plan, events: list[Event], records: list[Value | Case]) -> str:
    """The history as an events file, one flow-style row a line (是/否 for 获得 and 建立实施; cases without a year)."""
    flags = {i.id for i in plan.indicators if i.rule.kind in ("achieved", "established")}
    lines = ["# 示例：五年完整进展 / a complete five-year history", "events:"]
    for e in events:
        deliverables = ", ".join(e.deliverables)
        if isinstance(e, CheckIn):
            lines.append(f"  - {{type: checkin, step: {e.step}, by: {e.by}, at: \"{e.at.isoformat()}\", "
                         f"deliverables: [{deliverables}]}}")
        else:
            lines.append(f"  - {{type: review, step: {e.step}, by: {e.by}, decision: {e.decision}, "
                         f"at: \"{e.at.isoformat()}\", deliverables: [{deliverables}]}}")
    for r in records:
        if isinstance(r, Value):
            shown = ("是" if r.value else "否") if r.indicator in flags else f"{r.value:g}"
            lines.append(f"  - {{type: value, indicator: \"{r.indicator}\", year: {r.year}, value: {shown}, by: {r.by}, "
                         f"at: {r.day.isoformat()}T10:00, source: {r.source}}}")
        else:
            lines.append(f"  - {{type: case, theme: {r.theme}, title: {r.title}, by: {r.by}, at: \"{r.at.isoformat()}\", "
                         f"text: {r.text}}}")
    return "\n".join(lines) + "\n"
