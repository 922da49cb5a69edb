"""Every plan's deployments: served from one process (`liangshan serve`) or registered on a work pool
(`liangshan deploy --pool NAME`) for any number of `prefect worker start --pool NAME` to share.

Each plan gets four deployments named after it (core.deployments): ``reconcile/<plan>`` on the plan's
daily schedule in the plan's own timezone, at most one run at a time (a second waits for the first);
``gate/<plan>``, ``checkin/<plan>`` and ``review/<plan>`` on demand, their ``plan`` parameter fixed.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.deployments import deployment_name
from core.plan import Plan

__all__ = ["DAILY_CRON", "HEARTBEAT_SECONDS", "TIMEZONE", "PlanDeployment", "deploy_to_pool", "plan_deployments",
           "serve_all", "upkeep_deployment"]

DAILY_CRON = "0 9 * * *"
TIMEZONE = "Asia/Shanghai"
# A run process says it is alive this often (Prefect's minimum); `liangshan tick --all` takes a reconcile
# whose last sign of life is much older than this for dead (its machine or worker was killed).
HEARTBEAT_SECONDS = 30
CHECKOUT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PlanDeployment:
    """One deployment of one plan: Prefect's deployment object and the entrypoint a worker loads."""

    name: str
    deployment: Any
    entrypoint: str


def plan_deployments(plan: Plan) -> list[PlanDeployment]:
    """The plan's reconcile (daily at 09:00 in the plan's timezone, one run at a time), gate, check-in
    and review deployments, each named after the plan and bound to it by its ``plan`` parameter."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron

    from flows.forms import flow_attribute, form_flows, gate
    from flows.reconcile import reconcile

    forms = form_flows(plan)
    zone = plan.settings.timezone
    bound = {"plan": plan.id}
    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)
    made: list[tuple[str, Any, str]] = [
        ("reconcile", reconcile.to_deployment(
            name=plan.id, parameters=bound, schedules=[Cron(DAILY_CRON, timezone=zone)], concurrency_limit=one_at_a_time,
            description=f"{plan.title}：每天 09:00（{zone}）重算看板、维护待报送闸门；同一计划同时只运行一次"),
         "flows/reconcile.py:reconcile"),
        ("gate", gate.to_deployment(name=plan.id, parameters=bound,
                                    description=f"{plan.title}：每个待报送的步骤一个闸门，填写表单即报送"),
         "flows/forms.py:gate"),
        ("checkin", forms.checkin.to_deployment(name=plan.id, description=f"{plan.title}：报送成果"),
         f"flows/forms.py:{flow_attribute('checkin', plan.id)}"),
        ("review", forms.review.to_deployment(name=plan.id, description=f"{plan.title}：审核（通过或退回）"),
         f"flows/forms.py:{flow_attribute('review', plan.id)}"),
    ]
    for _, dep, entry in made:
        # The served process and a worker both load the flow by its entrypoint: a plan's form flow is found on
        # flows.forms by its own name (the function's name would load a bare function, not the named flow).
        dep.entrypoint = entry
    return [PlanDeployment(deployment_name(kind, plan.id), dep, entry) for kind, dep, entry in made]  # type: ignore[arg-type]


def upkeep_deployment() -> PlanDeployment:
    """The installation's one maintenance deployment, ``maintenance/weekly``: Sundays 03:30 Beijing time."""
    from prefect.schedules import Cron

    from flows.maintenance import WEEKLY_CRON, maintenance

    dep: Any = maintenance.to_deployment(name="weekly", schedules=[Cron(WEEKLY_CRON, timezone=TIMEZONE)],
                                    description="每周日 03:30（北京时间）清理 Prefect 中结束超过保留天数的运行和工件旧版本")
    dep.entrypoint = "flows/maintenance.py:maintenance"
    return PlanDeployment("maintenance/weekly", dep, dep.entrypoint)


def serve_all(plans: list[Plan], limit: int | None = None) -> None:
    """Serve every plan's deployments and the weekly maintenance from this process until stopped; schedules
    survive a restart."""
    from prefect import serve

    made = [d.deployment for plan in plans for d in plan_deployments(plan)] + [upkeep_deployment().deployment]
    serve(*made, pause_on_shutdown=False, limit=limit)


def _worker_env() -> dict[str, str]:
    """What a worker's run process needs besides the worker's own environment: heartbeats to tell a dead
    run from a slow one, and no analytics calls to the internet."""
    return {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def deploy_to_pool(plans: list[Plan], pool: str, checkout: Path = CHECKOUT) -> list[str]:
    """Register every plan's deployments on the process work pool ``pool`` (created if missing), idempotently
    by name; the names registered. A worker runs each flow in ``checkout``, which must be the same path on
    every worker machine, with the same LIANGSHAN_* environment (the database, the plans folder)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentUpdate, WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    registered = []
    with get_client(sync_client=True) as client:
        with suppress(ObjectAlreadyExists):  # an existing pool is used as it is
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        for made in [d for plan in plans for d in plan_deployments(plan)] + [upkeep_deployment()]:
            dep = made.deployment
            dep.job_variables = {"env": _worker_env()}
            deployment_id = dep.apply(work_pool_name=pool)
            # Run in the shared checkout (not a copy of it): the same code and plans on every worker.
            pull = [{"prefect.deployments.steps.set_working_directory": {"directory": str(checkout)}}]
            client.update_deployment(deployment_id, DeploymentUpdate(pull_steps=pull, path=None))
            registered.append(made.name)
    return registered
