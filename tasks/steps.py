"""One task run per step instance, ending in a state that reads the way the step's light does."""

from __future__ import annotations

import logging

from prefect import task
from prefect.client.schemas.objects import State
from prefect.states import Cancelled, Completed, Failed

from core.reports import STEP_STATES
from tasks.runonce import ONCE

__all__ = ["phase_flow_name", "report_step", "step_state"]

_MAKERS = {"COMPLETED": Completed, "FAILED": Failed, "CANCELLED": Cancelled}
_GREY = tuple(f"Finished in state {name}(" for kind, name in set(STEP_STATES.values()) if kind == "CANCELLED")


class _GreyIsNotAnError(logging.Filter):
    """Prefect logs every task run that does not end Completed at ERROR; a step that is simply open (待报送, 受阻 …)
    is no error, and an error in the log must keep meaning one. Those lines are logged at INFO instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and isinstance(record.msg, str) and record.msg.startswith(_GREY):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


class _StatesStayInTheGraph(logging.Filter):
    """A step task and a phase subflow log the state they end in ("Finished in state 已完成(…)", and for an overdue
    step also "Task run failed with state: 逾期(…)"): some 60 lines a day that only repeat the graph's states, by
    name, with their messages. They still reach the console; Prefect's API log handler skips them
    (``send_to_api``), so they take no room in Prefect's database. The reconcile's own lines are kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (isinstance(record.msg, str) and record.msg.startswith(_STATE_LINES)
                and (getattr(record, "task_name", None) == "step" or getattr(record, "flow_name", None) in _PHASE_FLOWS)):
            record.send_to_api = False
        return True


_STATE_LINES = ("Finished in state ", "Task run failed with state: ")
_PHASE_FLOWS: set[str] = set()  # a phase subflow is named after its phase (flows.reconcile)


def phase_flow_name(title: str) -> str:
    """The name a phase (or track) subflow runs under: its title, whose state lines stay off the API."""
    _PHASE_FLOWS.add(title)
    return title

logging.getLogger("prefect.task_runs").addFilter(_GreyIsNotAnError())
for _logger in ("prefect.task_runs", "prefect.flow_runs"):
    logging.getLogger(_logger).addFilter(_StatesStayInTheGraph())


def step_state(status: str, message: str) -> State:
    """The state of core.reports.STEP_STATES: Completed 已完成 (green), Failed 逾期 (red), and Cancelled (grey)
    named 待报送 / 待审核 / 受阻 / 未开始 for a step that is neither done nor late."""
    kind, name = STEP_STATES[status]
    return _MAKERS[kind](name=name, message=message)


@task(name="step", **ONCE)
def report_step(step_id: str, status: str, message: str) -> State:
    """Show one step's status in the run graph (the board was computed by the snapshot)."""
    return step_state(status, message)
