"""Every plan's row of the portfolio (``status --all`` and the ``portfolio`` artifact) from one session."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from core.events import Facts
from core.plan import Plan
from core.portfolio import portfolio_row
from core.status import Engine
from core.workdays import WorkdayCalendar
from db.repo import load_all_events
from db.tasks import with_tasks

__all__ = ["portfolio_rows"]


def portfolio_rows(plans: list[Plan], calendar: WorkdayCalendar, day: date, session: Session | None) -> list[dict[str, Any]]:
    """One row per plan, judged on ``day`` from the facts of ``session`` (None: a database not set up yet, no facts)."""
    rows = []
    for plan in plans:
        if session is not None:
            plan = with_tasks(session=session, plan=plan)
        facts = load_all_events(session=session, plan=plan) if session is not None else []
        rows.append(portfolio_row(plan, Engine(plan, calendar).board(Facts(facts), day)))
    return rows
