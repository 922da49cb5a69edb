"""Load the plan and the recorded facts once, and evaluate the board for a day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from prefect import task

from core.events import Fact
from core.indicators import IndicatorValue
from core.plan import Plan
from core.status import Board
from core.workdays import WorkdayCalendar
from tasks.runonce import ONCE

__all__ = ["DatabaseUnavailable", "Snapshot", "load_snapshot", "snapshot"]


class DatabaseUnavailable(RuntimeError):
    """The facts database cannot be reached: nothing was read, so the run stops before it writes anything.

    Its only argument is the message, which names the database with its password masked (Chinese first,
    English after), so that Prefect can pickle it into the run's Failed state and read it back.
    """


@dataclass(frozen=True)
class Snapshot:
    """The plan, its board as of a day, whether that day is a working day, and events per step."""

    plan: Plan
    board: Board
    workday: bool
    events_per_step: dict[str, int]
    calendar_notices: tuple[str, ...]
    events: tuple[Fact, ...] = ()
    calendar: WorkdayCalendar | None = None
    indicator_values: dict[str, dict[int, IndicatorValue]] = field(default_factory=dict)
    library: dict[str, Any] | None = None

    @property
    def facts(self) -> int:
        """How many check-ins and reviews the board was computed from."""
        return sum(self.events_per_step.values())


def snapshot(as_of: date, plan_id: str | None = None) -> Snapshot:
    """The plan (an id of LIANGSHAN_PLANS, else LIANGSHAN_PLAN or the folder's only plan), its facts from
    the database (none before `liangshan init`), and the board."""
    from sqlalchemy.exc import OperationalError

    from config.holidays import load_calendar
    from config.loader import load_plan
    from config.plans import choose_plan
    from config.settings import get_settings
    from core.events import Facts
    from core.status import Engine
    from db.engine import database_url, make_engine, make_sessionmaker, redact_url
    from db.repo import load_all_events
    from db.schema import EXPECTED_REVISION, schema_revision

    settings = get_settings()
    plan = load_plan(choose_plan(plan_id, settings))
    calendar: WorkdayCalendar = load_calendar(settings.holidays)
    url = database_url(settings)
    engine = make_engine(url)
    try:
        events: list[Fact] = []
        values: dict[str, dict[int, IndicatorValue]] = {}
        library = None
        try:
            revision = schema_revision(engine)
        except OperationalError as exc:  # the first contact: the database is down or refuses us
            reason = " ".join(str(exc.orig or exc).split())
            raise DatabaseUnavailable(f"无法连接数据库 {redact_url(url)}：{reason}；未写入任何内容，数据库恢复后重新运行即可 / "
                                      "cannot reach the database; nothing was written, run again once it is back") from None
        if revision == EXPECTED_REVISION:
            from core.reports import library_summary
            from db.indicators import values_by_indicator
            from db.library import library_facts
            from db.tasks import with_tasks

            with make_sessionmaker(engine)() as session:
                plan = with_tasks(session=session, plan=plan)  # 交办事项 are steps of the run's graph too
                events = load_all_events(session=session, plan=plan)
                values = values_by_indicator(session=session, plan_id=plan.id)
                library = library_summary(plan, as_of.year,
                                          *library_facts(session=session, plan=plan, year=as_of.year, values=values))
    finally:
        engine.dispose()
    board = Engine(plan, calendar).board(Facts(events), as_of)
    counts: dict[str, int] = {}
    for event in events:
        counts[event.step] = counts.get(event.step, 0) + 1
    return Snapshot(plan, board, calendar.is_workday(as_of), counts, tuple(calendar.notices), tuple(events), calendar,
                    values, library)


@task(name="load_snapshot", task_run_name="载入计划和报送记录", **ONCE)
def load_snapshot(as_of: date, plan_id: str | None = None) -> Snapshot:
    """Load plan and facts once and evaluate every step."""
    return snapshot(as_of, plan_id)
