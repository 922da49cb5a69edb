"""Check-in and review from the UI's forms: the plan's choices, the CLI's rules and messages."""

from __future__ import annotations

import typing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from prefect.utilities.callables import parameter_schema
from pydantic import ValidationError
from sqlalchemy import func, select

from core.choices import parse_id
from db.engine import make_engine, make_sessionmaker
from db.models import CheckInRow
from flows.forms import PLAN, CheckInForm, ReviewForm, checkin, gate_input, review

WORK_PLAN = "研究制定工作方案（mobilize.work-plan）"
ECO = "市生态环境局鄠邑分局（eco）"
CHECKIN_TITLES = {"step": "步骤", "bureau": "报送单位", "deliverables": "成果", "note": "说明", "evidence": "附件链接",
                  "at": "实际报送日期", "on_behalf_of": "被代报单位"}
REVIEW_TITLES = {"step": "步骤", "decision": "审核结论", "reason": "退回原因", "resubmit_by": "重新报送期限",
                 "deliverables": "成果", "bureau": "审核单位"}


def _rows() -> int:
    import os

    engine = make_engine(os.environ["LIANGSHAN_DB_URL"])
    with make_sessionmaker(engine)() as s:
        count = s.scalar(select(func.count()).select_from(CheckInRow)) or 0
    engine.dispose()
    return count


def _nulls(node: Any) -> list[Any]:
    """Every place in a JSON schema that admits null (what the UI shows as "Property is type None")."""
    if isinstance(node, dict):
        here = [node] if node.get("type") == "null" or node.get("default", "") is None else []
        return here + [n for v in node.values() for n in _nulls(v)]
    if isinstance(node, list):
        return [n for v in node for n in _nulls(v)]
    return []


def _form_fields(flow_: Any) -> dict[str, Any]:
    """The fields of a form flow's one parameter, as the deployment's schema (what the UI renders) has them."""
    schema = parameter_schema(flow_.fn).model_dump()
    assert schema == flow_.parameters.model_dump()
    assert list(schema["properties"]) == ["form"] and schema["required"] == ["form"]
    ref = schema["properties"]["form"]["$ref"].rsplit("/", 1)[-1]
    assert not _nulls(schema), _nulls(schema)
    return dict(schema["definitions"][ref]["properties"])


def test_form_fields_carry_chinese_titles_and_no_null() -> None:
    """Every field of the check-in and review forms has its Chinese label; no optional field is nullable
    (no anyOf with null, no null default): empty text, an empty choice or an empty list means "none"."""
    checkin_fields = _form_fields(checkin)
    assert {k: v.get("title") for k, v in checkin_fields.items()} == CHECKIN_TITLES
    review_fields = _form_fields(review)
    assert {k: v.get("title") for k, v in review_fields.items()} == REVIEW_TITLES
    for field in (*checkin_fields.values(), *review_fields.values()):
        assert "anyOf" not in field and field.get("type") in ("string", "array"), field
    assert checkin_fields["on_behalf_of"]["enum"][0] == "" and checkin_fields["on_behalf_of"]["default"] == ""
    assert checkin_fields["at"]["default"] == "" and review_fields["resubmit_by"]["default"] == ""
    assert review_fields["decision"]["enum"] == ["通过（accept）", "退回（return）"]
    gate_schema = gate_input(PLAN, "mobilize.work-plan").model_json_schema()
    assert {k: v.get("title") for k, v in gate_schema["properties"].items()} == {
        "bureau": "报送单位", "deliverables": "成果", "note": "说明", "evidence": "附件链接", "on_behalf_of": "被代报单位"}
    assert not _nulls(gate_schema)


def test_form_choices_are_the_plans_chinese_names() -> None:
    """The step and bureau fields are drop-downs of Chinese names with ids, not free text."""
    props = _form_fields(checkin)
    steps = props["step"]["enum"]
    assert WORK_PLAN in steps and "2026年第四季度调度会议（meetings.2026q4）" in steps
    assert len(steps) == 22 + 23  # the phases' steps and the meetings; values and cases are not checked in
    assert not [s for s in steps if "（indicators." in s or "（cases." in s]
    bureaus = props["bureau"]["enum"]
    assert ECO in bureaus and len(bureaus) == 21
    assert props["on_behalf_of"]["enum"] == ["", *bureaus]
    assert parse_id(WORK_PLAN) == "mobilize.work-plan"


def test_form_dates_are_text_that_may_be_empty() -> None:
    """实际报送日期 and 重新报送期限 are YYYY-MM-DD or empty; a date from Python is taken as its text."""
    assert CheckInForm(step=WORK_PLAN, bureau=ECO).at == ""
    assert CheckInForm(step=WORK_PLAN, bureau=ECO, at=date(2024, 4, 18)).at == "2024-04-18"  # type: ignore[arg-type]
    for bad in ("2024-02-30", "18/04/2024", "明天"):
        with pytest.raises(ValidationError):
            CheckInForm(step=WORK_PLAN, bureau=ECO, at=bad)
    with pytest.raises(ValidationError):
        ReviewForm(step=WORK_PLAN, decision="退回（return）", resubmit_by="2024-13-01")
    with pytest.raises(ValidationError):
        CheckInForm(step=WORK_PLAN, bureau=ECO, path="/etc/passwd")  # type: ignore[call-arg]


def test_gate_form_offers_the_steps_own_deliverables_and_owners() -> None:
    """A gate for the work plan asks which of its two deliverables, from its owner or the office."""
    form = gate_input(PLAN, "mobilize.work-plan")
    fields = form.model_fields
    owners = typing.get_args(fields["bureau"].annotation)
    assert owners == ("市生态环境局鄠邑分局（eco）", "“两山”基地建设工作领导小组办公室（office）")
    (inner,) = typing.get_args(fields["deliverables"].annotation)
    assert typing.get_args(inner) == ("《鄠邑区“绿水青山就是金山银山”实践创新基地建设工作方案》（mobilize.work-plan/work-plan）",
                                      "创建任务分解及责任单位清单（mobilize.work-plan/task-breakdown）")


def _notes() -> list[str]:
    import os

    engine = make_engine(os.environ["LIANGSHAN_DB_URL"])
    with make_sessionmaker(engine)() as s:
        notes = list(s.scalars(select(CheckInRow.note)))
    engine.dispose()
    return notes


def _checkin(**fields: Any) -> Any:
    """Run the check-in flow as the deployment does: one ``form`` parameter, a dict of the form's fields."""
    return checkin(form=fields, return_state=True)  # type: ignore[arg-type]


def _review(**fields: Any) -> Any:
    return review(form=fields, return_state=True)  # type: ignore[arg-type]


def _run_name(state: Any) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.read_flow_run(state.state_details.flow_run_id).name)


def test_checkin_flow_records_like_the_cli(home: Path) -> None:
    """A form check-in with a link records rows, the link kept in the note; a second identical one (same day,
    same note and link) adds none. The run is named for the step."""
    link = "https://pan.example.cn/s/huyi-plan?pwd=1234"
    state = _checkin(step=WORK_PLAN, bureau=ECO, note="定稿", evidence=link, at="2024-04-18")
    assert state.is_completed() and state.name == "已登记", state.message
    assert _run_name(state) == f"报送：{WORK_PLAN}"
    assert _rows() == 2
    assert all(note == f"定稿\n附件链接：{link}" for note in _notes())
    again = checkin(CheckInForm(step=WORK_PLAN, bureau=ECO, note="定稿", evidence=link, at="2024-04-18"),
                    return_state=True)
    assert again.is_completed() and _rows() == 2


def test_forms_refuse_a_path_on_the_server_without_reading_it(home: Path, tmp_path: Path) -> None:
    """A path typed in the evidence field (here a file holding a webhook key) is refused, exit reason 2;
    nothing is archived and no row is written. The fields say files come through the portal."""
    secret = tmp_path / "notify.yaml"
    secret.write_text("urls:\n  - wecom://SECRETBOTKEY0000000001:\n      - tag: eco\n", encoding="utf-8")
    for evidence in (str(secret), f"file://{secret}", f"https://pan.example.cn/s/1 {secret}", "../notify.yaml"):
        state = _checkin(step=WORK_PLAN, bureau=ECO, evidence=evidence)
        assert state.is_failed() and state.name == "未登记", evidence
        message = state.message or ""
        assert message.startswith("表单的附件一栏只接受链接") and "报送入口" in message and "退出码 2" in message
        assert "SECRETBOTKEY" not in message
    assert _rows() == 0
    assert not home.exists() or not [p for p in home.rglob("*") if p.is_file()]
    assert CheckInForm.model_fields["evidence"].description == "附件链接（文件请通过报送入口上传）"
    assert gate_input(PLAN, "mobilize.work-plan").model_fields["evidence"].description == "附件链接（文件请通过报送入口上传）"


def test_refusal_fails_the_run_with_the_clis_message(home: Path) -> None:
    """A bureau that does not own the step: the run fails with the Chinese message and exit reason 3."""
    state = _checkin(step=WORK_PLAN, bureau="区水务局（water）")
    assert state.is_failed() and state.name == "未登记"
    assert "不是步骤“mobilize.work-plan”的责任单位" in state.message and "退出码 3" in state.message
    blocked = _checkin(step="开展全面调研与深入研究（draft.survey）", bureau="技术支撑单位（tech）")
    assert blocked.is_failed() and "mobilize.commission" in blocked.message
    assert _rows() == 0


def test_office_checks_in_for_a_bureau_and_empty_means_nobody(home: Path) -> None:
    """被代报单位 chosen: the office's check-in is recorded for the owner; left empty, the office is refused."""
    office = "“两山”基地建设工作领导小组办公室（office）"
    alone = _checkin(step=WORK_PLAN, bureau=office, on_behalf_of="")
    assert alone.is_failed() and alone.name == "未登记"
    assert _rows() == 0
    for_eco = _checkin(step=WORK_PLAN, bureau=office, on_behalf_of=ECO, at="")
    assert for_eco.is_completed(), for_eco.message
    assert _rows() == 2


def test_review_flow(home: Path) -> None:
    """The office returns a draft from the form; the rules for reviews apply; the run is named for the step."""
    for step, bureau in [(WORK_PLAN, ECO), ("委托技术单位编制实施方案（mobilize.commission）", ECO)]:
        assert _checkin(step=step, bureau=bureau).is_completed()
    nothing = _review(step=WORK_PLAN, decision="退回（return）")
    assert nothing.is_failed() and "退回必须写明原因" in nothing.message
    again_by = (date.today() + timedelta(days=30)).isoformat()
    returned = _review(step=WORK_PLAN, decision="退回（return）", reason="缺少分工表", resubmit_by=again_by)
    assert returned.is_completed(), returned.message
    assert _run_name(returned) == f"审核：{WORK_PLAN}"


def test_gate_refuses_a_step_or_plan_it_does_not_know_and_writes_nothing(home: Path) -> None:
    """The gate's parameters come from reconcile, but the API takes anything: an unknown step ends the run
    Failed before it suspends, an unknown plan fails it with the plan's refusal; no row either way."""
    from flows.forms import gate

    unknown_step = gate(step="伪造的步骤（build.no-such-step）", return_state=True)
    assert unknown_step.is_failed() and unknown_step.name == "未登记" and "build.no-such-step" in unknown_step.message
    unknown_plan = gate(step="研究制定工作方案（mobilize.work-plan）", plan="another-district", return_state=True)
    assert unknown_plan.is_failed() and "another-district" in unknown_plan.message
    assert _rows() == 0
