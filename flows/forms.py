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
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from config.loader import load_plan
from config.settings import get_settings
from core.choices import bureau_labels, deliverable_labels, parse_id, step_labels
from core.plan import Plan
from tasks.records import record_checkin, record_review, trigger_reconcile

__all__ = ["CheckInForm", "ReviewForm", "checkin", "gate", "gate_input", "review"]

PLAN: Plan = load_plan(get_settings().plan)

# Literal types built from the plan: the UI renders each as a drop-down of Chinese names.
StepChoice: Any = Literal.__getitem__(step_labels(PLAN))
BureauChoice: Any = Literal.__getitem__(bureau_labels(PLAN))
NOBODY = ""  # the empty choice of 被代报单位: nobody is checked in for (a form field is never null)
OptionalBureauChoice: Any = Literal.__getitem__((NOBODY, *bureau_labels(PLAN)))
DeliverableChoice: Any = Literal.__getitem__(deliverable_labels(PLAN))
Decision: Any = Literal["通过（accept）", "退回（return）"]
OFFICE_LABEL = bureau_labels(PLAN, ("office",))[0]
# Links only: a form never reads a path on the server; files are uploaded through the portal.
EVIDENCE_HELP = "附件链接（文件请通过报送入口上传）"


# A date typed as text, YYYY-MM-DD, or empty: the form's optional dates carry no null ("Property is type None").
DATE_TEXT = r"^(\d{4}-\d{2}-\d{2})?$"


class _Form(BaseModel):
    """A form's fields with Chinese titles (the UI's labels); optional ones default to "" or [], never null."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _dates_as_text(cls, value: Any) -> Any:
        """A ``date`` passed from Python is taken as its ISO text."""
        return value.isoformat() if isinstance(value, date) else value


def _date_or_none(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field}不是有效日期（YYYY-MM-DD）：{text}") from None


class CheckInForm(_Form):
    """报送表单：与命令行 liangshan checkin 相同的规则。"""

    model_config = ConfigDict(title="报送表单")

    step: StepChoice = Field(title="步骤")
    bureau: BureauChoice = Field(title="报送单位")
    deliverables: list[DeliverableChoice] = Field(default_factory=list, title="成果", description="不选即全部")
    note: str = Field("", title="说明")
    evidence: str = Field("", title="附件链接", description=EVIDENCE_HELP)
    at: str = Field("", title="实际报送日期", description="YYYY-MM-DD，留空即今天", pattern=DATE_TEXT)
    on_behalf_of: OptionalBureauChoice = Field(NOBODY, title="被代报单位",
                                               description="办公室代报时选择责任单位；留空即不代报")

    @field_validator("at")
    @classmethod
    def _a_real_day(cls, value: str) -> str:
        _date_or_none(value, "实际报送日期")
        return value


class ReviewForm(_Form):
    """审核表单：领导小组办公室通过或退回已报送的成果。"""

    model_config = ConfigDict(title="审核表单")

    step: StepChoice = Field(title="步骤")
    decision: Decision = Field(title="审核结论")
    reason: str = Field("", title="退回原因", description="退回时必填")
    resubmit_by: str = Field("", title="重新报送期限", description="YYYY-MM-DD，可留空",
                             pattern=DATE_TEXT)
    deliverables: list[DeliverableChoice] = Field(default_factory=list, title="成果",
                                                  description="不选即全部待审核的")
    bureau: BureauChoice = Field(OFFICE_LABEL, title="审核单位")

    @field_validator("resubmit_by")
    @classmethod
    def _a_real_day(cls, value: str) -> str:
        _date_or_none(value, "重新报送期限")
        return value


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


def _form_step() -> str:
    """The chosen step's label, for the run's name; the form is a model in-process, a dict from the API."""
    from prefect.runtime import flow_run

    form = flow_run.parameters.get("form")
    step = form.get("step") if isinstance(form, dict) else getattr(form, "step", None)
    return str(step or "")


def _checkin_run_name() -> str:
    """``报送：研究制定工作方案（mobilize.work-plan）``"""
    return f"报送：{_form_step()}"


def _review_run_name() -> str:
    """``审核：研究制定工作方案（mobilize.work-plan）``"""
    return f"审核：{_form_step()}"


@flow(name="checkin", flow_run_name=_checkin_run_name, description="报送成果：与命令行 liangshan checkin 相同的规则。")
def checkin(form: CheckInForm) -> State:
    """Check in a step's deliverables from the UI; refused like the CLI, else a reconcile follows.

    Args:
        form: 报送表单
    """
    step_id = parse_id(form.step)
    state = record_checkin(step_id, parse_id(form.bureau), _deliverable_ids(step_id, form.deliverables), form.note,
                           form.evidence, _date_or_none(form.at, "实际报送日期"),
                           parse_id(form.on_behalf_of) if form.on_behalf_of else None, return_state=True)
    return _finish(state)


@flow(name="review", flow_run_name=_review_run_name, description="审核：领导小组办公室通过或退回已报送的成果。")
def review(form: ReviewForm) -> State:
    """Accept or return checked-in deliverables from the UI.

    Args:
        form: 审核表单
    """
    step_id = parse_id(form.step)
    state = record_review(step_id, parse_id(form.bureau), parse_id(form.decision), form.reason,
                          _date_or_none(form.resubmit_by, "重新报送期限"),
                          _deliverable_ids(step_id, form.deliverables), return_state=True)
    return _finish(state)


def gate_input(plan: Plan, step_id: str) -> type[RunInput]:
    """The typed form a gate waits for: this step's deliverables, its owners (and the office), a note."""
    step = plan.steps[step_id]
    labels = bureau_labels(plan, (*step.owners, "office"))
    owners: Any = Literal.__getitem__(labels)
    owners_or_nobody: Any = Literal.__getitem__((NOBODY, *labels))
    own: Any = Literal.__getitem__(deliverable_labels(plan, step_id))
    model: type[RunInput] = create_model(
        "报送",
        __base__=RunInput,
        bureau=(owners, Field(title="报送单位")),
        deliverables=(list[own], Field(default_factory=list, title="成果", description="不选即全部")),
        note=(str, Field("", title="说明")),
        evidence=(str, Field("", title="附件链接", description=EVIDENCE_HELP)),
        on_behalf_of=(owners_or_nobody,
                      Field(NOBODY, title="被代报单位", description="办公室代报时选择责任单位；留空即不代报")),
    )
    return model


@flow(name="gate", persist_result=True, description="待报送闸门：在界面上填写报送表单后恢复运行，登记报送。")
def gate(step: Annotated[StepChoice, Field(title="步骤")]) -> State:
    """Wait, suspended, for the step's check-in form; record it when the office resumes the run."""
    step_id = parse_id(step)
    form = gate_input(PLAN, step_id)
    key = "checkin-" + step_id.replace(".", "-")  # pause keys: lowercase letters, digits and dashes
    answer: Any = suspend_flow_run(wait_for_input=form, key=key, timeout=None)
    state = record_checkin(step_id, parse_id(answer.bureau), _deliverable_ids(step_id, list(answer.deliverables)),
                           answer.note, answer.evidence, None,
                           parse_id(answer.on_behalf_of) if answer.on_behalf_of else None, return_state=True)
    return _finish(state)
