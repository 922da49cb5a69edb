"""Joint steps in the database: a 配合单位's hand-in is a contribution the lead sees; only the lead's completes."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from cli.main import app
from core.events import SHANGHAI, Facts
from core.status import Engine
from core.workdays import WorkdayCalendar
from db import migrate, repo
from db.joint import contribution_rows, forwarded_extensions, lead_readers
from db.models import AuditEntry, CheckInRow, EvidenceFile, ExtensionRow
from db.records import CheckInRequest, ExtensionDecision, ExtensionRequest, Refusal
from tests.db.conftest import Database
from tests.db.joint_history import PATHWAYS, record_upstream

TODAY = date(2026, 12, 2)


def pathways(database: Database) -> tuple[str, tuple[str, ...]]:
    recorder = database.recorder()
    with database.sessions() as session:
        facts = Facts(repo.load_all_events(session=session, plan=recorder.plan))
    st = Engine(recorder.plan, WorkdayCalendar()).board(facts, TODAY).steps[PATHWAYS]
    return st.status, st.contributors


def rows(database: Database, model: type) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture(name="ready")
def fixture_ready(database: Database) -> Database:
    """The Huyi database with the first three phases done: build.pathways is open."""
    record_upstream(database.recorder())
    return database


def test_a_contribution_leaves_pathways_open_and_reaches_the_lead_whose_hand_in_completes_it(
        ready: Database, tmp_path: Path) -> None:
    material = tmp_path / "街道转化模式素材.pdf"
    material.write_bytes(b"%PDF-1.4 streets")
    outcome = ready.recorder().checkin(CheckInRequest(PATHWAYS, "streets", files=(material,), note="街道素材"))
    assert [r["contribution"] for r in outcome.created] == [True, True]
    assert pathways(ready) == ("open", ("streets",))
    plan = ready.recorder().plan
    with ready.sessions() as session:
        shown = contribution_rows(session=session, plan=plan, step_ids=[PATHWAYS])[PATHWAYS]
        sha = shown[0]["files"][0]["sha256"]
        assert lead_readers(session=session, plan=plan, sha256=sha) == {"eco"}
        actions = [e.action for e in repo.history(session=session, plan_id=plan.id, step_id=PATHWAYS)]
    assert [(r["bureau"], r["deliverable_ids"]) for r in shown] == [("streets", ["conversion-models", "case-collection"])]
    assert shown[0]["files"][0]["name"] == material.name
    assert actions == ["contribution", "contribution"]
    ready.recorder().checkin(CheckInRequest(PATHWAYS, "eco", note="汇总稿"))
    assert pathways(ready) == ("done", ("streets",))


def test_the_office_on_a_helpers_behalf_is_still_a_contribution(ready: Database) -> None:
    ready.recorder().checkin(CheckInRequest(PATHWAYS, "office", on_behalf_of="water"))
    assert pathways(ready) == ("open", ("water",))
    ready.recorder().checkin(CheckInRequest(PATHWAYS, "office", on_behalf_of="eco"))
    assert pathways(ready)[0] == "done"


def test_a_contribution_on_a_step_the_bureau_does_not_own_is_refused_writing_nothing(
        ready: Database, tmp_path: Path) -> None:
    material = tmp_path / "财政.pdf"
    material.write_bytes(b"%PDF-1.4 finance")
    before = (rows(ready, CheckInRow), rows(ready, AuditEntry), rows(ready, EvidenceFile))
    with pytest.raises(Refusal) as refused:
        ready.recorder().checkin(CheckInRequest(PATHWAYS, "finance", files=(material,)))
    assert refused.value.code == 3 and refused.value.kind == "not_owner"
    assert (rows(ready, CheckInRow), rows(ready, AuditEntry), rows(ready, EvidenceFile)) == before
    assert not (ready.home / "evidence").exists() or not any((ready.home / "evidence").rglob("*.pdf"))


def test_cli_says_in_one_line_that_the_material_went_to_the_lead_and_status_explains(
        ready: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.common import out

    monkeypatch.setattr(out, "_width", 400)  # the board's cells unfolded, so the sentence reads whole
    runner = CliRunner()
    done = runner.invoke(app, ["checkin", PATHWAYS, "--by", "streets", "--note", "街道素材"], env=ready.env())
    assert done.exit_code == 0, done.output
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("配合材料已报送牵头单位 市生态环境局鄠邑分局"), done.stdout
    runner.invoke(app, ["checkin", PATHWAYS, "--by", "water"], env=ready.env())
    board = runner.invoke(app, ["status", "--as-of", TODAY.isoformat()], env=ready.env())
    assert board.exit_code == 0, board.output
    assert "等待牵头单位 市生态环境局鄠邑分局 汇总报送（配合单位已报 2/12）" in board.stdout
    refused = runner.invoke(app, ["checkin", PATHWAYS, "--by", "finance"], env=ready.env())
    assert refused.exit_code == 3, refused.output
    lead = runner.invoke(app, ["checkin", PATHWAYS, "--by", "eco"], env=ready.env())
    assert lead.exit_code == 0 and "配合材料" not in lead.stdout


def test_a_helpers_extension_request_goes_to_the_lead_and_only_the_lead_asks_the_office(ready: Database) -> None:
    recorder = ready.recorder()
    asked = recorder.request_extension(ExtensionRequest(PATHWAYS, "water", date(2029, 3, 31), "河湖素材需等年度监测"))
    assert asked["status"] == "to_lead"
    with ready.sessions() as session:
        forwarded = forwarded_extensions(session=session, plan=recorder.plan, lead="eco")
        assert [r["bureau"] for r in forwarded] == ["water"]
        assert forwarded_extensions(session=session, plan=recorder.plan, lead="water") == []
    with pytest.raises(Refusal) as refused:
        recorder.decide_extension(ExtensionDecision(asked["id"], "office", "approve"))
    assert refused.value.code == 3 and "牵头单位" in refused.value.zh
    assert pathways(ready)[0] == "open"
    lead = recorder.request_extension(ExtensionRequest(PATHWAYS, "eco", date(2029, 3, 31), "汇总各单位素材"))
    assert lead["status"] == "pending"
    recorder.decide_extension(ExtensionDecision(lead["id"], "office", "approve"))
    with ready.sessions() as session:
        statuses = sorted(session.scalars(select(ExtensionRow.status)))
    assert statuses == ["approved", "to_lead"]


def test_migration_0008_keeps_earlier_helper_hand_ins_as_contributions_and_says_how_many(
        ready: Database, capsys: pytest.CaptureFixture[str]) -> None:
    ready.recorder().checkin(CheckInRequest(PATHWAYS, "streets", note="旧规则下的报送"))
    migrate.downgrade(ready.engine, "0007")
    capsys.readouterr()
    migrate.upgrade(ready.engine)
    said = capsys.readouterr().out
    assert "2 条配合单位的报送记录改为配合材料" in said, said
    assert pathways(ready) == ("open", ("streets",))
    with ready.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM checkins WHERE bureau = 'streets'")).scalar() == 2
    with ready.sessions() as session:
        assert [e.action for e in repo.history(session=session, plan_id=ready.recorder().plan.id, step_id=PATHWAYS)] \
            == ["contribution", "contribution"]
    assert migrate.drift(ready.engine) == []


def test_an_events_file_with_a_contribution_replays_to_the_same_board_as_the_database(
        ready: Database, tmp_path: Path) -> None:
    import json

    from core.events import CheckIn
    from tests.db.joint_history import upstream_done

    ready.recorder().checkin(CheckInRequest(PATHWAYS, "streets", at=datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)))
    lines = ["events:"]
    for e in upstream_done(ready.recorder().plan):
        kind = f"type: checkin, by: {e.by}" if isinstance(e, CheckIn) else "type: review, by: office, decision: accept"
        lines.append(f'  - {{{kind}, step: {e.step}, at: "{e.at.strftime("%Y-%m-%dT%H:%M")}"}}')
    lines.append(f'  - {{type: checkin, step: {PATHWAYS}, by: streets, at: "2026-11-20T10:00"}}')
    events = tmp_path / "events.yaml"
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = CliRunner()

    def pathways_row(*extra: str) -> dict[str, object]:
        result = runner.invoke(app, ["status", "--as-of", TODAY.isoformat(), "--json", *extra], env=ready.env())
        assert result.exit_code == 0, result.output
        return next(s for s in json.loads(result.stdout)["steps"] if s["id"] == PATHWAYS)

    from_file, from_db = pathways_row("--events", str(events)), pathways_row()
    assert from_file == from_db
    assert (from_db["status"], from_db["contributors"], from_db["completion"]) == ("open", ["streets"], "lead")
