"""Check-in and review from the Prefect UI: run forms whose fields are the plan's own choices.

Prefect builds a deployment's form from the flow's signature, so each plan has its own pair of form
flows, made by :func:`form_flows` with drop-downs of that plan's steps, bureaus and deliverables
(Chinese names). They are found by name on this module (``checkin__<plan>``, ``review__<plan>``,
see :func:`flow_attribute`), which is how a worker loads a deployment's entrypoint and how
``liangshan serve`` hands a flow to the process that runs it; ``checkin`` and ``review`` are the
forms of the installation's default plan (``LIANGSHAN_PLAN``, or the folder's only plan).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from prefect import Flow, flow, get_run_logger
from prefect.client.schemas.objects import State
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.states import Completed, Failed
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from config.loader import load_plan
from config.plans import choose_plan, installed_plans
from config.settings import get_settings
from core.choices import bureau_labels, deliverable_labels, parse_id, step_labels
from core.plan import Plan
from tasks.records import record_checkin, record_review, trigger_reconcile

__all__ = ["CheckInFormBase", "FormFlows", "ReviewFormBase", "flow_attribute", "form_flows", "gate", "gate_input",
           "load_form_plan", "plan_slug"]

NOBODY = ""  # the empty choice of 被代报单位: nobody is checked in for (a form field is never null)
Decision: Any = Literal["通过（accept）", "退回（return）"]
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


class CheckInFormBase(_Form):
    """报送表单：与命令行 liangshan checkin 相同的规则。(A plan's form narrows the choices: form_flows.)"""

    model_config = ConfigDict(title="报送表单")

    step: str = Field(title="步骤")
    bureau: str = Field(title="报送单位")
    deliverables: list[str] = Field(default_factory=list, title="成果", description="不选即全部")
    note: str = Field("", title="说明")
    evidence: str = Field("", title="附件链接", description=EVIDENCE_HELP)
    at: str = Field("", title="实际报送日期", description="YYYY-MM-DD，留空即今天", pattern=DATE_TEXT)
    on_behalf_of: str = Field(NOBODY, title="被代报单位",
                                               description="办公室代报时选择责任单位；留空即不代报")

    @field_validator("at")
    @classmethod
    def _a_real_day(cls, value: str) -> str:
        _date_or_none(value, "实际报送日期")
        return value


class ReviewFormBase(_Form):
    """审核表单：领导小组办公室通过或退回已报送的成果。(A plan's form narrows the choices: form_flows.)"""

    model_config = ConfigDict(title="审核表单")

    step: str = Field(title="步骤")
    decision: Decision = Field(title="审核结论")
    reason: str = Field("", title="退回原因", description="退回时必填")
    resubmit_by: str = Field("", title="重新报送期限", description="YYYY-MM-DD，可留空",
                             pattern=DATE_TEXT)
    deliverables: list[str] = Field(default_factory=list, title="成果", description="不选即全部待审核的")
    bureau: str = Field(title="审核单位")

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


def _finish(state: State, plan_id: str) -> State:
    """The flow's own final state, named and worded like the recording task's; a success triggers the
    plan's reconcile."""
    if state.is_completed():
        run = trigger_reconcile(plan_id)
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


def _checkin(form: Any, plan_id: str) -> State:
    step_id = parse_id(form.step)
    state = record_checkin(step_id, parse_id(form.bureau), _deliverable_ids(step_id, form.deliverables), form.note,
                           form.evidence, _date_or_none(form.at, "实际报送日期"),
                           parse_id(form.on_behalf_of) if form.on_behalf_of else None, plan_id=plan_id,
                           return_state=True)
    return _finish(state, plan_id)


def _review(form: Any, plan_id: str) -> State:
    step_id = parse_id(form.step)
    state = record_review(step_id, parse_id(form.bureau), parse_id(form.decision), form.reason,
                          _date_or_none(form.resubmit_by, "重新报送期限"),
                          _deliverable_ids(step_id, form.deliverables), plan_id=plan_id, return_state=True)
    return _finish(state, plan_id)


@dataclass(frozen=True)
class FormFlows:
    """One plan's check-in and review forms (pydantic models) and the flows that take them."""

    plan_id: str
    checkin_form: type[CheckInFormBase]
    review_form: type[ReviewFormBase]
    checkin: Flow[..., State]
    review: Flow[..., State]


def _forms(plan: Plan) -> tuple[type[CheckInFormBase], type[ReviewFormBase]]:
    """The plan's form models: each choice a Literal, which the UI renders as a drop-down of Chinese names."""
    steps: Any = Literal.__getitem__(step_labels(plan))
    bureaus: Any = Literal.__getitem__(bureau_labels(plan))
    optional_bureau: Any = Literal.__getitem__((NOBODY, *bureau_labels(plan)))
    deliverables: Any = Literal.__getitem__(deliverable_labels(plan))
    office = bureau_labels(plan, ("office",))[0]
    checkin_form: Any = create_model(
        "CheckInForm", __base__=CheckInFormBase,
        step=(steps, Field(title="步骤")),
        bureau=(bureaus, Field(title="报送单位")),
        deliverables=(list[deliverables], Field(default_factory=list, title="成果", description="不选即全部")),
        on_behalf_of=(optional_bureau, Field(NOBODY, title="被代报单位", description="办公室代报时选择责任单位；留空即不代报")),
    )
    review_form: Any = create_model(
        "ReviewForm", __base__=ReviewFormBase,
        step=(steps, Field(title="步骤")),
        deliverables=(list[deliverables], Field(default_factory=list, title="成果", description="不选即全部待审核的")),
        bureau=(bureaus, Field(office, title="审核单位")),
    )
    return checkin_form, review_form


def plan_slug(plan_id: str) -> str:
    """A plan id as a Python name: ``huyi-two-mountains`` → ``huyi_two_mountains`` (dots become ``__``)."""
    return plan_id.replace("-", "_").replace(".", "__")


def flow_attribute(kind: Literal["checkin", "review"], plan_id: str) -> str:
    """The name under which this module gives the plan's form flow, e.g. ``checkin__huyi_two_mountains``:
    the ``flows/forms.py:<name>`` of a deployment's entrypoint."""
    return f"{kind}__{plan_slug(plan_id)}"


_made: dict[tuple[str, str], FormFlows] = {}


def form_flows(plan: Plan) -> FormFlows:
    """The plan's two form flows, made once per plan version.

    Each flow's function is registered on this module under its own name (``_fn_checkin__<plan>``),
    so that cloudpickle sends ``liangshan serve``'s flow to its run process by reference (the process
    imports this module and makes the same flow) rather than by value.
    """
    key = (plan.id, plan.content_hash)
    if key in _made:
        return _made[key]
    checkin_form, review_form = _forms(plan)
    pid = plan.id

    def checkin_fn(form: Any) -> State:
        return _checkin(form, pid)

    def review_fn(form: Any) -> State:
        return _review(form, pid)

    made: dict[str, Flow[..., State]] = {}
    for kind, fn, form, description, run_name in (
        ("checkin", checkin_fn, checkin_form, "报送成果：与命令行 liangshan checkin 相同的规则。", _checkin_run_name),
        ("review", review_fn, review_form, "审核：领导小组办公室通过或退回已报送的成果。", _review_run_name),
    ):
        name = "_fn_" + flow_attribute(kind, pid)  # type: ignore[arg-type]
        fn.__name__ = fn.__qualname__ = name
        fn.__module__ = __name__
        fn.__annotations__ = {"form": form, "return": State}  # the real type, not the text of an annotation
        fn.__doc__ = f"{description}\n\nArgs:\n    form: {form.model_config.get('title')}"
        globals()[name] = fn
        made[kind] = flow(name=kind, flow_run_name=run_name, description=description)(fn)
        globals()[flow_attribute(kind, pid)] = made[kind]  # type: ignore[arg-type]
    _made[key] = FormFlows(pid, checkin_form, review_form, made["checkin"], made["review"])
    return _made[key]


def load_form_plan(plan_id: str | None = None) -> Plan:
    """The plan of an id (or the default plan: LIANGSHAN_PLAN, or the folder's only plan)."""
    return load_plan(choose_plan(plan_id, get_settings()))


def _by_slug(slug: str) -> str | None:
    """The installed plan id whose slug this is."""
    return next((e.id for e in installed_plans(get_settings()) if e.id and plan_slug(e.id) == slug), None)


def __getattr__(name: str) -> Any:
    """``checkin``/``review``/``CheckInForm``/``ReviewForm``/``PLAN`` of the default plan, and any plan's
    ``checkin__<plan>``, ``review__<plan>`` (and their functions), made on first use."""
    defaults = {"checkin": "checkin", "review": "review", "CheckInForm": "checkin_form", "ReviewForm": "review_form"}
    if name in defaults:
        return getattr(form_flows(load_form_plan()), defaults[name])
    if name == "PLAN":
        return load_form_plan()
    kind, sep, slug = name.removeprefix("_fn_").partition("__")
    if sep and kind in ("checkin", "review"):
        pid = _by_slug(slug)
        if pid is not None:
            form_flows(load_form_plan(pid))
            if name in globals():
                return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
def gate(step: Annotated[str, Field(title="步骤")], plan: Annotated[str | None, Field(title="计划")] = None) -> State:
    """Wait, suspended, for the step's check-in form; record it when the office resumes the run.

    Args:
        step: 步骤（名称和 id，如“研究制定工作方案（mobilize.work-plan）”）
        plan: 计划 id（不填即默认计划）
    """
    the_plan = load_form_plan(plan)
    step_id = parse_id(step)
    if step_id not in the_plan.steps:
        return Failed(name="未登记", message=f"计划 {the_plan.id} 没有步骤 {step_id} / no such step")
    form = gate_input(the_plan, step_id)
    key = "checkin-" + step_id.replace(".", "-")  # pause keys: lowercase letters, digits and dashes
    answer: Any = suspend_flow_run(wait_for_input=form, key=key, timeout=None)
    state = record_checkin(step_id, parse_id(answer.bureau), _deliverable_ids(step_id, list(answer.deliverables)),
                           answer.note, answer.evidence, None,
                           parse_id(answer.on_behalf_of) if answer.on_behalf_of else None, plan_id=the_plan.id,
                           return_state=True)
    return _finish(state, the_plan.id)
