"""Check-in and review from the UI's forms: the plan's choices, the CLI's rules and messages."""

from __future__ import annotations

import typing
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from core.choices import parse_id
from db.engine import make_engine, make_sessionmaker
from db.models import CheckInRow
from flows.forms import PLAN, checkin, gate_input, review
from tasks.steps import step_state


def _rows() -> int:
    import os

    engine = make_engine(os.environ["LIANGSHAN_DB_URL"])
    with make_sessionmaker(engine)() as s:
        count = s.scalar(select(func.count()).select_from(CheckInRow)) or 0
    engine.dispose()
    return count


def test_form_choices_are_the_plans_chinese_names() -> None:
    """The step and bureau fields are drop-downs of Chinese names with ids, not free text."""
    schema = checkin.parameters.model_dump()
    props = schema["properties"]
    steps = props["step"].get("enum") or props["step"]["anyOf"][0]["enum"]
    assert "研究制定工作方案（mobilize.work-plan）" in steps and "2026年第四季度调度会议（meetings.2026q4）" in steps
    assert len(steps) == 22 + 23  # the phases' steps and the meetings; values and cases are not checked in
    assert not [s for s in steps if "（indicators." in s or "（cases." in s]
    bureaus = props["bureau"].get("enum") or props["bureau"]["anyOf"][0]["enum"]
    assert "市生态环境局鄠邑分局（eco）" in bureaus and len(bureaus) == 21
    assert parse_id("研究制定工作方案（mobilize.work-plan）") == "mobilize.work-plan"


def test_gate_form_offers_the_steps_own_deliverables_and_owners() -> None:
    """A gate for the work plan asks which of its two deliverables, from its owner or the office."""
    form = gate_input(PLAN, "mobilize.work-plan")
    fields = form.model_fields
    owners = typing.get_args(fields["bureau"].annotation)
    assert owners == ("市生态环境局鄠邑分局（eco）", "“两山”基地建设工作领导小组办公室（office）")
    (inner,) = typing.get_args(fields["deliverables"].annotation)
    assert typing.get_args(inner) == ("《鄠邑区“绿水青山就是金山银山”实践创新基地建设工作方案》（mobilize.work-plan/work-plan）",
                                      "创建任务分解及责任单位清单（mobilize.work-plan/task-breakdown）")


def test_step_states() -> None:
    """Only overdue is a Failed state; the others complete under their Chinese name."""
    assert (step_state("overdue", "m").type.value, step_state("overdue", "m").name) == ("FAILED", "逾期")
    assert (step_state("submitted", "m").type.value, step_state("submitted", "m").name) == ("COMPLETED", "待审核")


def _notes() -> list[str]:
    import os

    engine = make_engine(os.environ["LIANGSHAN_DB_URL"])
    with make_sessionmaker(engine)() as s:
        notes = list(s.scalars(select(CheckInRow.note)))
    engine.dispose()
    return notes


def test_checkin_flow_records_like_the_cli(home: Path) -> None:
    """A form check-in with a link records rows, the link kept in the note; a second identical one (same day,
    same note and link) adds none."""
    link = "https://pan.example.cn/s/huyi-plan?pwd=1234"
    state = checkin(step="研究制定工作方案（mobilize.work-plan）", bureau="市生态环境局鄠邑分局（eco）",
                    note="定稿", evidence=link, at=date(2024, 4, 18), return_state=True)
    assert state.is_completed() and state.name == "已登记", state.message
    assert _rows() == 2
    assert all(note == f"定稿\n附件链接：{link}" for note in _notes())
    again = checkin(step="研究制定工作方案（mobilize.work-plan）", bureau="市生态环境局鄠邑分局（eco）",
                    note="定稿", evidence=link, at=date(2024, 4, 18), return_state=True)
    assert again.is_completed() and _rows() == 2


def test_forms_refuse_a_path_on_the_server_without_reading_it(home: Path, tmp_path: Path) -> None:
    """A path typed in the evidence field (here a file holding a webhook key) is refused, exit reason 2;
    nothing is archived and no row is written. The fields say files come through the portal."""
    secret = tmp_path / "notify.yaml"
    secret.write_text("urls:\n  - wecom://SECRETBOTKEY0000000001:\n      - tag: eco\n", encoding="utf-8")
    for evidence in (str(secret), f"file://{secret}", f"https://pan.example.cn/s/1 {secret}", "../notify.yaml"):
        state = checkin(step="研究制定工作方案（mobilize.work-plan）", bureau="市生态环境局鄠邑分局（eco）",
                        evidence=evidence, return_state=True)
        assert state.is_failed() and state.name == "未登记", evidence
        message = state.message or ""
        assert message.startswith("表单的附件一栏只接受链接") and "报送入口" in message and "退出码 2" in message
        assert "SECRETBOTKEY" not in message
    assert _rows() == 0
    assert not home.exists() or not [p for p in home.rglob("*") if p.is_file()]
    (field,) = typing.get_type_hints(checkin.fn, include_extras=True)["evidence"].__metadata__
    assert field.description == "附件链接（文件请通过报送入口上传）"
    assert gate_input(PLAN, "mobilize.work-plan").model_fields["evidence"].description == "附件链接（文件请通过报送入口上传）"


def test_refusal_fails_the_run_with_the_clis_message(home: Path) -> None:
    """A bureau that does not own the step: the run fails with the Chinese message and exit reason 3."""
    state = checkin(step="研究制定工作方案（mobilize.work-plan）", bureau="区水务局（water）", return_state=True)
    assert state.is_failed() and state.name == "未登记"
    assert "不是步骤“mobilize.work-plan”的责任单位" in state.message and "退出码 3" in state.message
    blocked = checkin(step="开展全面调研与深入研究（draft.survey）", bureau="技术支撑单位（tech）", return_state=True)
    assert blocked.is_failed() and "mobilize.commission" in blocked.message
    assert _rows() == 0


def test_review_flow(home: Path) -> None:
    """The office returns a draft from the form; the rules for reviews apply."""
    for step, bureau in [("研究制定工作方案（mobilize.work-plan）", "市生态环境局鄠邑分局（eco）"),
                         ("委托技术单位编制实施方案（mobilize.commission）", "市生态环境局鄠邑分局（eco）")]:
        assert checkin(step=step, bureau=bureau, return_state=True).is_completed()
    nothing = review(step="研究制定工作方案（mobilize.work-plan）", decision="退回（return）", return_state=True)
    assert nothing.is_failed() and "退回必须写明原因" in nothing.message
    returned = review(step="研究制定工作方案（mobilize.work-plan）", decision="退回（return）", reason="缺少分工表",
                      return_state=True)
    assert returned.is_completed(), returned.message
