"""Read everything a document needs, once, into core.documents.DocumentFacts."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.documents import DocumentFacts
from core.events import Facts
from core.plan import Plan
from core.status import Engine
from core.workdays import WorkdayCalendar
from db import repo
from db.indicators import values_by_indicator
from db.library import list_cases, list_projects
from db.tasks import with_tasks

__all__ = ["load_document_facts"]


def load_document_facts(*, session: Session, plan: Plan, calendar: WorkdayCalendar, as_of: date) -> DocumentFacts:
    """The plan's facts, values, cases and projects, and the board as of ``as_of``; the plan's open tasks
    (交办事项) are steps of ``DocumentFacts.plan``, so every document lists them."""
    plan = with_tasks(session=session, plan=plan)
    engine = Engine(plan, calendar)
    facts = Facts(repo.load_all_events(session=session, plan=plan))
    return DocumentFacts(
        plan=plan, engine=engine, facts=facts, as_of=as_of, board=engine.board(facts, as_of),
        values=values_by_indicator(session=session, plan_id=plan.id),
        cases=tuple(list_cases(session=session, plan_id=plan.id)),
        projects=tuple(list_projects(session=session, plan_id=plan.id)),
    )
