"""Loading a plan file into the database: the version in force, and the facts it must not orphan."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from core.plan import Plan
from core.tasks import merge_tasks
from db import repo
from db.models import PlanVersion
from db.refusals import FORBIDDEN, Refusal
from db.tasks import load_tasks

__all__ = ["PlanLoad", "load_plan_version"]


@dataclass(frozen=True, slots=True)
class PlanLoad:
    """What ``init`` did with the plan: loaded a new version, or found it already in force."""

    changed: bool
    content_hash: str
    previous_hash: str | None


def load_plan_version(sessions: sessionmaker[Session], plan: Plan, yaml_text: str, actor: str) -> PlanLoad:
    """Make ``plan`` the version in force; a second call with the same file changes nothing.

    Raises:
        Refusal: the new file drops a step or deliverable that already has recorded facts.
    """
    with sessions.begin() as session:
        latest = repo.latest_plan_version(session=session, plan_id=plan.id)
        if latest is not None and latest.content_hash == plan.content_hash:
            return PlanLoad(False, plan.content_hash, latest.content_hash)
        orphans = []
        tasks, _ = load_tasks(session=session, plan_id=plan.id)
        known_steps = merge_tasks(plan, tasks).steps  # a task (withdrawn or not) is no step of the file, and no orphan
        for step_id, deliverables in sorted(repo.fact_steps(session=session, plan_id=plan.id).items()):
            step = known_steps.get(step_id)
            known = {d.id for d in step.deliverables} if step else set()
            orphans += [f"{step_id}/{d}" for d in sorted(deliverables) if d not in known]
        if orphans:
            raise Refusal(FORBIDDEN,
                          f"新的计划文件删除了已有报送记录的步骤或成果：{'、'.join(orphans)}；请保留它们，或先与办公室确认",
                          f"the new plan removes steps or deliverables that have recorded facts: {', '.join(orphans)}")
        version = PlanVersion(plan_id=plan.id, content_hash=plan.content_hash, source=plan.source,
                              yaml_text=yaml_text, step_ids=repo.plan_step_ids(plan), loaded_by=actor)
        session.add(version)
        session.flush()
        repo.add_audit(session=session, actor=actor, action="plan_load", plan_id=plan.id, entity="plan",
                       entity_id=plan.content_hash, before=repo.plan_version_dict(latest) if latest else None,
                       after=repo.plan_version_dict(version))
        return PlanLoad(True, plan.content_hash, latest.content_hash if latest else None)
