"""Check-in and review from the Prefect UI: run forms whose fields are the plan's own choices.

The choices (steps, bureaus, deliverables, with their Chinese names) are read from the plan when
this module is imported, because Prefect builds a deployment's form from the flow's signature.
Workers and ``liangshan serve`` import it in a fresh process, with LIANGSHAN_PLAN in force.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from prefect import flow, get_run_logger
from prefect.client.schemas.objects import State
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.states import Completed, Failed
from pydantic import Field, create_model

from config.loader import load_plan
from config.settings import get_settings
from core.choices import bureau_labels, deliverable_labels, parse_id, step_labels
from core.plan import Plan
from tasks.records import record_checkin, record_review, trigger_reconcile

__all__ = ["checkin", "gate", "gate_input", "review"]

PLAN: Plan = load_plan(get_settings().plan)

# Literal types built from the plan: the UI renders each as a drop-down of Chinese names.
StepChoice: Any = Literal.__getitem__(step_labels(PLAN))
BureauChoice: Any = Literal.__getitem__(bureau_labels(PLAN))
DeliverableChoice: Any = Literal.__getitem__(deliverable_labels(PLAN))
Decision: Any = Literal["通过（accept）", "退回（return）"]
OFFICE_LABEL = bureau_labels(PLAN, ("office",))[0]
# Links only: a form never reads a path on the server; files are uploaded through the portal.
EVIDENCE_HELP = "附件链接（文件请通过报送入口上传）"


def _deliverable_ids(step_id: str, chosen: list[str]) -> list[str]:
    """Deliverable ids of ``step_id`` among the chosen labels (``step/deliverable`` in brackets)."""
    ids = []
    for label in chosen:
        step, _, deliverable = parse_id(label).partition("/")
        ids.append(deliverable if step == step_id else f"{step}/{deliverable}")  # a wrong step is refused by the rules
    return ids


def _finish(state: State) -> State:
    """The flow's own final state, named and worded like the recording task's; a success triggers a reconcile."""
    if state.is_completed():
        run = trigger_reconcile()
        if run:
            get_run_logger().info("已触发重算 reconcile：%s", run)
        return Completed(name=state.name, message=state.message)
    # Returning the task's state itself would make Prefect summarise it ("1/1 states failed").
    return Failed(name=state.name, message=state.message)


@flow(name="checkin", flow_run_name="报送：{step}", description="报送成果：与命令行 liangshan checkin 相同的规则。")
def checkin(
    step: Annotated[StepChoice, Field(title="步骤", description="步骤")],
    bureau: Annotated[BureauChoice, Field(title="报送单位", description="报送单位")],
    deliverables: Annotated[list[DeliverableChoice], Field(title="成果", description="成果（不选即全部）")] = [],  # noqa: B006
    note: Annotated[str, Field(title="说明", description="说明")] = "",
    evidence: Annotated[str, Field(title="附件链接", description=EVIDENCE_HELP)] = "",
    at: Annotated[date | None, Field(title="实际报送日期", description="实际报送日期（默认今天）")] = None,
    on_behalf_of: Annotated[BureauChoice | None, Field(title="被代报单位", description="办公室代报时，被代报的责任单位")] = None,
) -> State:
    """Check in a step's deliverables from the UI; refused like the CLI, else a reconcile follows."""
    step_id = parse_id(step)
    state = record_checkin(step_id, parse_id(bureau), _deliverable_ids(step_id, deliverables or []), note, evidence, at,
                           parse_id(on_behalf_of) if on_behalf_of else None, return_state=True)
    return _finish(state)


@flow(name="review", flow_run_name="审核：{step}", description="审核：领导小组办公室通过或退回已报送的成果。")
def review(
    step: Annotated[StepChoice, Field(title="步骤", description="步骤")],
    decision: Annotated[Decision, Field(title="审核结论", description="审核结论")],
    reason: Annotated[str, Field(title="退回原因", description="退回原因（退回时必填）")] = "",
    resubmit_by: Annotated[date | None, Field(title="重新报送期限", description="重新报送期限")] = None,
    deliverables: Annotated[
        list[DeliverableChoice], Field(title="成果", description="成果（不选即全部待审核的）")] = [],  # noqa: B006
    bureau: Annotated[BureauChoice, Field(title="审核单位", description="审核单位")] = OFFICE_LABEL,
) -> State:
    """Accept or return checked-in deliverables from the UI."""
    step_id = parse_id(step)
    state = record_review(step_id, parse_id(bureau), parse_id(decision), reason, resubmit_by,
                          _deliverable_ids(step_id, deliverables or []), return_state=True)
    return _finish(state)


def gate_input(plan: Plan, step_id: str) -> type[RunInput]:
    """The typed form a gate waits for: this step's deliverables, its owners (and the office), a note."""
    step = plan.steps[step_id]
    owners: Any = Literal.__getitem__(bureau_labels(plan, (*step.owners, "office")))
    own: Any = Literal.__getitem__(deliverable_labels(plan, step_id))
    model: type[RunInput] = create_model(
        "报送",
        __base__=RunInput,
        bureau=(owners, Field(title="报送单位", description="报送单位")),
        deliverables=(list[own], Field(default_factory=list, description="成果（不选即全部）")),
        note=(str, Field("", description="说明")),
        evidence=(str, Field("", title="附件链接", description=EVIDENCE_HELP)),
        on_behalf_of=(owners | None, Field(None, description="办公室代报时，被代报的责任单位")),
    )
    return model


@flow(name="gate", persist_result=True, description="待报送闸门：在界面上填写报送表单后恢复运行，登记报送。")
def gate(step: Annotated[StepChoice, Field(title="步骤", description="步骤")]) -> State:
    """Wait, suspended, for the step's check-in form; record it when the office resumes the run."""
    step_id = parse_id(step)
    form = gate_input(PLAN, step_id)
    key = "checkin-" + step_id.replace(".", "-")  # pause keys: lowercase letters, digits and dashes
    answer: Any = suspend_flow_run(wait_for_input=form, key=key, timeout=None)
    state = record_checkin(step_id, parse_id(answer.bureau), _deliverable_ids(step_id, list(answer.deliverables)),
                           answer.note, answer.evidence, None,
                           parse_id(answer.on_behalf_of) if answer.on_behalf_of else None, return_state=True)
    return _finish(state)
