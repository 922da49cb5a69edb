"""One task run per step instance, ending in a state named for where the step stands."""

from __future__ import annotations

from prefect import task
from prefect.client.schemas.objects import State
from prefect.states import Completed, Failed

from core.reports import STATE_NAMES

__all__ = ["report_step", "step_state"]


def step_state(status: str, message: str) -> State:
    """Completed named 已完成 / 待报送 / 待审核 / 受阻 / 未开始, or Failed named 逾期."""
    name = STATE_NAMES[status]
    return Failed(name=name, message=message) if status == "overdue" else Completed(name=name, message=message)


@task(name="step")
def report_step(step_id: str, status: str, message: str) -> State:
    """Show one step's status in the run graph (the board was computed by the snapshot)."""
    return step_state(status, message)
