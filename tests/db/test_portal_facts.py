"""签收 and 延期 as facts, on both databases: what they change on the board, in the ladder, and what is refused."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from config.events import load_events
from core.events import SHANGHAI, Facts
from core.extensions import preview_extension
from core.ladder import notices_for_day
from core.reports import step_message
from core.status import Engine
from core.workdays import WorkdayCalendar
from db import repo
from db.models import AckRow, AuditEntry, ExtensionRow
from db.records import AckRequest, CheckInRequest, ExtensionDecision, ExtensionRequest, ImportItem, Refusal
from tests.db.conftest import Database

STEP = "mobilize.work-plan"  # owned by eco, open from 2024-04-01


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def board(database: Database, day: str):  # type: ignore[no-untyped-def]
    recorder = database.recorder()
    with database.sessions() as session:
        facts = Facts(repo.load_all_events(session=session, plan=recorder.plan))
    return recorder.plan, recorder.engine, facts, recorder.engine.board(facts, date.fromisoformat(day))


def rows(database: Database, model: type) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_ack_is_recorded_once_shown_and_stops_the_opened_reminder(database: Database) -> None:
    """签收 shows on the board and in the task message, and the owner hears no more 'you may start'."""
    recorder = database.recorder()
    plan, engine, facts, _ = board(database, "2024-04-02")
    before = [n for n in notices_for_day(plan, engine, facts, date(2024, 4, 2)) if n.step == STEP and n.rung == "opened"]
    assert [n.recipient for n in before] == ["eco"]
    first = recorder.acknowledge(AckRequest(STEP, "eco", at=at("2024-04-02", 9)))
    again = recorder.acknowledge(AckRequest(STEP, "eco", at=at("2024-04-02", 11)))
    assert len(first.created) == 1 and again.created == [] and len(again.existing) == 1
    assert rows(database, AckRow) == 1
    plan, engine, facts, st_board = board(database, "2024-04-03")
    st = st_board.steps[STEP]
    assert st.acked_by == ("eco",)
    assert "已签收：市生态环境局鄠邑分局" in step_message(plan, st)
    after = [n for n in notices_for_day(plan, engine, facts, date(2024, 4, 3)) if n.step == STEP and n.rung == "opened"]
    assert after == []


def test_ack_refusals_write_nothing(database: Database) -> None:
    """Another bureau's step, a step not yet open, and an unknown step are refused with their exit codes."""
    recorder = database.recorder()
    audit = rows(database, AuditEntry)
    with pytest.raises(Refusal) as not_owner:
        recorder.acknowledge(AckRequest(STEP, "water", at=at("2024-04-02")))
    assert not_owner.value.code == 3 and not_owner.value.kind == "not_owner"
    with pytest.raises(Refusal) as not_open:
        recorder.acknowledge(AckRequest("evaluate.national", "eco", at=at("2024-04-02")))
    assert not_open.value.code == 3 and "尚未开放" in not_open.value.zh
    with pytest.raises(Refusal) as unknown:
        recorder.acknowledge(AckRequest("mobilize.work-plann", "eco", at=at("2024-04-02")))
    assert unknown.value.code == 2 and "mobilize.work-plan" in unknown.value.zh
    assert rows(database, AckRow) == 0 and rows(database, AuditEntry) == audit


def test_office_acknowledges_on_behalf_of_an_owner(database: Database) -> None:
    """The office may 签收 for an owner; the board names the owner."""
    database.recorder().acknowledge(AckRequest(STEP, "office", on_behalf_of="eco", at=at("2024-04-02")))
    *_, st_board = board(database, "2024-04-03")
    assert st_board.steps[STEP].acked_by == ("eco",)


def test_approved_extension_moves_the_due_keeps_the_original_and_the_history(database: Database) -> None:
    """A request changes nothing until approved; then the board, lights and ladder use the new due."""
    recorder = database.recorder()
    *_, before = board(database, "2024-04-25")
    original = before.steps[STEP].due
    assert before.steps[STEP].status == "overdue"
    request = recorder.request_extension(ExtensionRequest(STEP, "eco", date(2024, 5, 10), "等待区政府常务会审议",
                                                          at=at("2024-04-15")))
    assert request["status"] == "pending"
    *_, pending = board(database, "2024-04-25")
    assert pending.steps[STEP].due == original and pending.steps[STEP].status == "overdue"
    decided = recorder.decide_extension(ExtensionDecision(request["id"], "office", "approve", at=at("2024-04-16")))
    assert decided["status"] == "approved" and decided["decided_to"] == "2024-05-10"
    plan, engine, facts, after = board(database, "2024-04-25")
    st = after.steps[STEP]
    assert (st.due, st.original_due, st.status, st.light) == (date(2024, 5, 10), original, "open", "green")
    assert "原定截止" in step_message(plan, st)
    # The ladder's "due" reminder now counts to the new date.
    due_rungs = [n for n in notices_for_day(plan, engine, facts, date(2024, 5, 6)) if n.step == STEP and n.rung == "due"]
    assert due_rungs and due_rungs[0].fields["due"] == date(2024, 5, 10)
    with database.sessions() as session:
        actions = [e.action for e in repo.history(session=session, plan_id=plan.id, step_id=STEP)]
    assert actions == ["extension_request", "extension_approved"]


def test_extension_refusals(database: Database) -> None:
    """No reason, a date not after the due, a second pending request, a bureau deciding, a second decision."""
    recorder = database.recorder()
    with pytest.raises(Refusal) as no_reason:
        recorder.request_extension(ExtensionRequest(STEP, "eco", date(2024, 5, 10), "  ", at=at("2024-04-15")))
    assert no_reason.value.code == 2
    with pytest.raises(Refusal) as too_early:
        recorder.request_extension(ExtensionRequest(STEP, "eco", date(2024, 4, 10), "原因", at=at("2024-04-05")))
    assert too_early.value.code == 2 and "应晚于当前截止日期" in too_early.value.zh
    with pytest.raises(Refusal) as not_owner:
        recorder.request_extension(ExtensionRequest(STEP, "water", date(2024, 5, 10), "原因", at=at("2024-04-15")))
    assert not_owner.value.code == 3
    assert rows(database, ExtensionRow) == 0
    first = recorder.request_extension(ExtensionRequest(STEP, "eco", date(2024, 5, 10), "原因", at=at("2024-04-15")))
    with pytest.raises(Refusal) as twice:
        recorder.request_extension(ExtensionRequest(STEP, "eco", date(2024, 5, 20), "原因", at=at("2024-04-15", 11)))
    assert twice.value.code == 3 and "待审批" in twice.value.zh
    with pytest.raises(Refusal) as bureau_decides:
        recorder.decide_extension(ExtensionDecision(first["id"], "eco", "approve", at=at("2024-04-16")))
    assert bureau_decides.value.code == 3
    with pytest.raises(Refusal) as deny_without_reason:
        recorder.decide_extension(ExtensionDecision(first["id"], "office", "deny", at=at("2024-04-16")))
    assert deny_without_reason.value.code == 2
    denied = recorder.decide_extension(ExtensionDecision(first["id"], "office", "deny", reason="不符合延期条件",
                                                         at=at("2024-04-16")))
    assert denied["status"] == "denied"
    with pytest.raises(Refusal) as decided_again:
        recorder.decide_extension(ExtensionDecision(first["id"], "office", "approve", at=at("2024-04-17")))
    assert decided_again.value.code == 3 and "已审批" in decided_again.value.zh
    with pytest.raises(Refusal) as unknown:
        recorder.decide_extension(ExtensionDecision(9999, "office", "approve", at=at("2024-04-17")))
    assert unknown.value.code == 2
    *_, st_board = board(database, "2024-04-25")
    assert st_board.steps[STEP].original_due is None  # a denied request moves nothing


def test_a_done_step_cannot_be_extended(database: Database) -> None:
    """Once every deliverable is in, there is nothing to extend."""
    recorder = database.recorder()
    recorder.checkin(CheckInRequest(STEP, "eco", at=at("2024-04-08")))
    with pytest.raises(Refusal) as done:
        recorder.request_extension(ExtensionRequest(STEP, "eco", date(2024, 5, 10), "原因", at=at("2024-04-09")))
    assert done.value.code == 3 and "已完成" in done.value.zh


def test_cli_extend_and_decide(database: Database) -> None:
    """`liangshan extend` records an approved extension; `extension decide` answers a request; both exit 3 when refused."""
    runner = CliRunner()
    ok = runner.invoke(app, ["extend", "build.pathways", "--to", "2029-03-31", "--reason", "示范路径需结合2028年评估"],
                       env=database.env())
    assert ok.exit_code == 0, ok.output
    assert "已延期" in ok.stdout and "2029-03-31" in ok.stdout
    refused = runner.invoke(app, ["extend", "build.pathways", "--to", "2029-04-30", "--reason", "再次", "--by", "eco"],
                            env=database.env())
    assert refused.exit_code == 3, refused.output
    bad_date = runner.invoke(app, ["extend", "build.pathways", "--to", "2029-02-30", "--reason", "x"], env=database.env())
    assert bad_date.exit_code == 2 and "不是日期" in bad_date.output
    listed = runner.invoke(app, ["extension", "list", "--json"], env=database.env())
    assert listed.exit_code == 0 and '"status": "approved"' in listed.stdout


def test_preview_shows_what_an_extension_would_move(database: Database) -> None:
    """Extending the national review moves everything after it and the plan's end; nothing is recorded."""
    *_, engine, facts, _ = board(database, "2024-06-03")
    preview = preview_extension(engine, facts, "apply.national-review", date(2024, 12, 31), date(2024, 6, 3))
    moved = {sid for sid, _, _ in preview.moved}
    assert "build.leadership" in moved
    assert preview.due_after == date(2024, 12, 31)
    assert preview.end_after is not None and preview.end_before is not None and preview.end_after >= preview.end_before
    assert rows(database, ExtensionRow) == 0


def test_events_file_carries_acks_and_extensions(database: Database, tmp_path: Path) -> None:
    """`type: ack` and `type: extension` import with the same rules; an extension by a bureau is refused at its line."""
    recorder = database.recorder()
    good = tmp_path / "events.yaml"
    good.write_text(
        "events:\n"
        f"  - {{type: ack, step: {STEP}, by: eco, at: 2024-04-02}}\n"
        f"  - {{type: extension, step: {STEP}, by: office, to: 2024-05-10, at: 2024-04-12, reason: 等待审议}}\n",
        encoding="utf-8")
    events = load_events(good, recorder.plan)
    recorder.import_events([ImportItem(e) for e in events])
    *_, st_board = board(database, "2024-04-25")
    assert st_board.steps[STEP].due == date(2024, 5, 10) and st_board.steps[STEP].acked_by == ("eco",)
    bad = tmp_path / "bad.yaml"
    bad.write_text("events:\n"
                   f"  - {{type: extension, step: {STEP}, by: eco, to: 2024-05-10, at: 2024-04-12, reason: x}}\n",
                   encoding="utf-8")
    from config.errors import InvalidFile

    with pytest.raises(InvalidFile) as refused:
        load_events(bad, recorder.plan)
    assert refused.value.problems[0].line == 2 and "只有领导小组办公室" in refused.value.problems[0].zh


def test_pure_engine_uses_the_extension_only_from_its_day() -> None:
    """Before the day it was approved, an extension does not count (the board of the past stays as it was)."""
    from config.loader import load_plan
    from config.settings import DEFAULT_PLAN
    from core.events import Extension

    plan = load_plan(DEFAULT_PLAN)
    engine = Engine(plan, WorkdayCalendar())
    facts = Facts([Extension(STEP, "office", at("2024-04-23"), date(2024, 5, 10), "原因")])
    assert engine.board(facts, date(2024, 4, 22)).steps[STEP].original_due is None
    assert engine.board(facts, date(2024, 4, 23)).steps[STEP].due == date(2024, 5, 10)


def test_a_blocked_checkin_copies_no_file_into_the_archive(database: Database, tmp_path: Path) -> None:
    """Refused because the upstream is not done: no row, and no file left in the evidence archive."""
    doc = tmp_path / "初稿.pdf"
    doc.write_bytes(b"%PDF-1.4 draft")
    with pytest.raises(Refusal) as blocked:
        database.recorder().checkin(CheckInRequest("draft.compile", "eco", files=(doc,)))
    assert blocked.value.kind == "blocked" and "draft.survey" in blocked.value.zh
    archived = [p for p in (database.home / "evidence").rglob("*") if p.is_file()] if database.home.exists() else []
    assert archived == []


def test_the_owners_hear_of_an_approved_extension(database: Database) -> None:
    """The day the office approves, the owners are told the new due date and why; the rendered message says 同意延期."""
    from config.templates import render
    from core.messages import compose

    recorder = database.recorder()
    request = recorder.request_extension(ExtensionRequest(STEP, "eco", date(2024, 5, 10), "等待区政府常务会审议",
                                                          at=at("2024-04-15")))
    recorder.decide_extension(ExtensionDecision(request["id"], "office", "approve", at=at("2024-04-16")))
    plan, engine, facts, _ = board(database, "2024-04-16")
    notices = [n for n in notices_for_day(plan, engine, facts, date(2024, 4, 16)) if n.rung == "extended"]
    assert [(n.recipient, n.fields["to"]) for n in notices] == [("eco", date(2024, 5, 10))]
    (draft,) = [d for d in compose(plan, engine.board(facts, date(2024, 4, 16)), notices, date(2024, 4, 16), render)]
    assert "【同意延期】研究制定工作方案" in draft.body and "2024-05-10" in draft.body and "等待区政府常务会审议" in draft.body
