"""Recording facts through the command line, on both databases: rules, exit codes, idempotency."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from cli.main import app
from db.evidence import archive_path
from db.models import AuditEntry, CheckInRow, ReviewRow
from tests.db.conftest import Database

runner = CliRunner()


def run(database: Database, *args: str) -> Result:
    return runner.invoke(app, list(args), env=database.env())


def count(database: Database, model: type) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def evidence(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_checkin_with_evidence_is_archived_and_audited(database: Database, tmp_path: Path) -> None:
    """A check-in stores its rows, copies the file by hash, and writes the audit trail."""
    doc = evidence(tmp_path, "工作方案.docx", "鄠邑区工作方案 第一稿")
    result = run(database, "checkin", "mobilize.work-plan", "--by", "eco", "--deliverable", "work-plan",
                 "--file", str(doc), "--at", "2024-04-08T10:00", "--note", "印发", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["created"]
    assert (row["step_id"], row["deliverable_id"], row["bureau"], row["version"]) == (
        "mobilize.work-plan", "work-plan", "eco", 1)
    assert row["happened_at"] == "2024-04-08T02:00:00+00:00"  # 10:00 in Beijing, stored as UTC
    (stored,) = row["files"]
    assert stored["name"] == "工作方案.docx"
    assert archive_path(database.home, stored["sha256"]).read_text(encoding="utf-8") == "鄠邑区工作方案 第一稿"
    assert count(database, AuditEntry) == 2  # the plan load and this check-in


def test_same_file_twice_is_one_row_changed_file_is_a_new_version(database: Database, tmp_path: Path) -> None:
    """Checking in the same file again records nothing; a changed file is version 2."""
    doc = evidence(tmp_path, "contract.pdf", "合同 v1")
    args = ("checkin", "mobilize.work-plan", "--by", "eco", "--deliverable", "work-plan", "--file", str(doc))
    assert run(database, *args).exit_code == 0
    again = run(database, *args)
    assert again.exit_code == 0 and "未重复登记" in again.stdout
    assert count(database, CheckInRow) == 1
    doc.write_text("合同 v2", encoding="utf-8")
    result = run(database, *args, "--json")
    assert json.loads(result.stdout)["created"][0]["version"] == 2
    assert count(database, CheckInRow) == 2


def test_unknown_step_exits_2_with_closest_ids(database: Database) -> None:
    """A misspelt step is refused, suggesting the real one; nothing is written."""
    result = run(database, "checkin", "mobilize.workplan", "--by", "eco")
    assert result.exit_code == 2
    assert "计划中没有步骤“mobilize.workplan”" in result.stderr and "mobilize.work-plan" in result.stderr
    assert count(database, CheckInRow) == 0


def test_unknown_bureau_and_deliverable_exit_2(database: Database) -> None:
    """Unknown bureau or deliverable ids are named with what would be right."""
    bad_bureau = run(database, "checkin", "mobilize.work-plan", "--by", "eko")
    assert bad_bureau.exit_code == 2 and "未知的单位“eko”" in bad_bureau.stderr and "eco" in bad_bureau.stderr
    bad_deliverable = run(database, "checkin", "mobilize.work-plan", "--by", "eco", "--deliverable", "plan")
    assert bad_deliverable.exit_code == 2 and "work-plan、task-breakdown" in bad_deliverable.stderr


def test_blocked_step_exits_3_naming_upstream(database: Database) -> None:
    """A survey before the commission is refused with the unfinished step's id and title."""
    result = run(database, "checkin", "draft.survey", "--by", "tech", "--at", "2024-04-10")
    assert result.exit_code == 3
    assert "mobilize.commission（委托技术单位编制实施方案）" in result.stderr
    assert count(database, CheckInRow) == 0


def test_office_may_force_a_blocked_step_with_a_reason(database: Database) -> None:
    """--force needs the office and a reason; the forced check-in is marked in the audit trail."""
    no_reason = run(database, "checkin", "draft.survey", "--by", "office", "--on-behalf-of", "tech", "--force")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.stderr
    not_office = run(database, "checkin", "draft.survey", "--by", "tech", "--force", "--reason", "赶进度")
    assert not_office.exit_code == 3
    forced = run(database, "checkin", "draft.survey", "--by", "office", "--on-behalf-of", "tech", "--force",
                 "--reason", "调研已先行开展", "--at", "2024-04-10")
    assert forced.exit_code == 0, forced.output
    trail = json.loads(run(database, "history", "--step", "draft.survey", "--json").stdout)
    assert [e["action"] for e in trail] == ["checkin_forced"]
    assert trail[0]["after"]["force_reason"] == "调研已先行开展"
    assert trail[0]["after"]["on_behalf_of"] == "tech"


def test_non_owner_exits_3_unless_on_behalf(database: Database) -> None:
    """区水务局 does not own the work plan; the office may record it on 生态环境局's behalf."""
    refused = run(database, "checkin", "mobilize.work-plan", "--by", "water")
    assert refused.exit_code == 3 and "不是步骤“mobilize.work-plan”的责任单位" in refused.stderr
    allowed = run(database, "checkin", "mobilize.work-plan", "--by", "office", "--on-behalf-of", "eco")
    assert allowed.exit_code == 0, allowed.output


def test_missing_or_unreadable_file_exits_2(database: Database, tmp_path: Path) -> None:
    """A file that is not there, or cannot be read, refuses the whole check-in."""
    missing = run(database, "checkin", "mobilize.work-plan", "--by", "eco", "--file", str(tmp_path / "nope.pdf"))
    assert missing.exit_code == 2 and "nope.pdf" in missing.stderr and "文件不存在" in missing.stderr
    locked = evidence(tmp_path, "locked.pdf", "x")
    locked.chmod(0)
    if os.geteuid() != 0:  # root reads any file; the check is meaningful for office users only
        unreadable = run(database, "checkin", "mobilize.work-plan", "--by", "eco", "--file", str(locked))
        assert unreadable.exit_code == 2 and "无法读取" in unreadable.stderr
    assert count(database, CheckInRow) == 0


def test_hostile_evidence_file_names_exit_2_and_nothing_is_archived(database: Database, tmp_path: Path) -> None:
    """The command line meets the portal's name rule: a format character (U+202E), a Windows device name or a
    bare extension refuses the check-in (exit 2, no row, no archived file); ``报告..终稿.pdf`` is one name."""
    for name, words in [("报告\u202efdp.exe", "U+202E"), ("CON.pdf", "设备名"), (".pdf", "只有扩展名")]:
        refused = run(database, "checkin", "mobilize.work-plan", "--by", "eco", "--file", str(evidence(tmp_path, name, "x")))
        assert refused.exit_code == 2 and words in refused.stderr, refused.output
        assert "\u202e" not in refused.stderr
    assert count(database, CheckInRow) == 0 and not (database.home / "evidence").exists()
    fine = run(database, "checkin", "mobilize.work-plan", "--by", "eco", "--file", str(evidence(tmp_path, "报告..终稿.pdf", "x")))
    assert fine.exit_code == 0, fine.output
    assert count(database, CheckInRow) == 2


def test_review_accept_and_return(database: Database) -> None:
    """The office accepts a draft, then returns it with a reason and a date; the board follows."""
    steps = [("mobilize.work-plan", "eco"), ("mobilize.commission", "eco"), ("draft.survey", "tech")]
    for step, bureau in steps:
        assert run(database, "checkin", step, "--by", bureau, "--at", "2024-04-10").exit_code == 0
    assert run(database, "checkin", "draft.compile", "--by", "tech", "--at", "2024-04-25").exit_code == 0
    not_office = run(database, "review", "draft.compile", "--by", "eco", "--accept")
    assert not_office.exit_code == 3 and "只有领导小组办公室可以审核" in not_office.stderr
    no_reason = run(database, "review", "draft.compile", "--by", "office", "--return")
    assert no_reason.exit_code == 2 and "退回必须写明原因" in no_reason.stderr
    assert run(database, "review", "draft.compile", "--by", "office", "--accept", "--at", "2024-04-26").exit_code == 0
    board = json.loads(run(database, "status", "--as-of", "2024-04-29", "--json").stdout)
    assert {s["id"]: s["status"] for s in board["steps"]}["draft.compile"] == "done"
    returned = run(database, "review", "draft.compile", "--by", "office", "--return", "--reason", "指标体系不完整",
                   "--resubmit-by", "2024-05-09", "--at", "2024-05-06")
    assert returned.exit_code == 0, returned.output
    board = json.loads(run(database, "status", "--as-of", "2024-05-06", "--json").stdout)
    compile_ = {s["id"]: s for s in board["steps"]}["draft.compile"]
    assert (compile_["status"], compile_["returned_reason"], compile_["resubmit_by"]) == (
        "returned", "指标体系不完整", "2024-05-09")
    nothing = run(database, "review", "draft.compile", "--by", "office", "--accept", "--at", "2024-05-07")
    assert nothing.exit_code == 3 and "没有待审核的成果" in nothing.stderr
    assert count(database, ReviewRow) == 2


def test_verify_catches_an_altered_file(database: Database, tmp_path: Path) -> None:
    """`verify` passes on a clean archive and exits 1 naming a file changed behind its back."""
    doc = evidence(tmp_path, "minutes.pdf", "会议纪要")
    result = run(database, "checkin", "mobilize.leading-group", "--by", "gov", "--file", str(doc), "--json",
                 "--force", "--reason", "x")
    assert result.exit_code == 3  # gov is not the office: no forcing
    assert run(database, "checkin", "mobilize.work-plan", "--by", "eco", "--file", str(doc)).exit_code == 0
    clean = run(database, "verify")
    assert clean.exit_code == 0 and "已校验 1 个文件，0 个有问题" in clean.stdout
    archive = database.home / "evidence"
    (stored,) = [p for p in archive.rglob("*") if p.is_file() and p.relative_to(archive).parts[0] != "tmp"]
    stored.chmod(stat.S_IWUSR | stat.S_IRUSR)
    stored.write_text("会议纪要（改）", encoding="utf-8")
    altered = run(database, "verify")
    assert altered.exit_code == 1 and "被改动 altered" in altered.stdout and "minutes.pdf" in altered.stdout
    stored.unlink()
    missing = run(database, "verify")
    assert missing.exit_code == 1 and "缺失 missing" in missing.stdout


def test_writes_need_init(db_url: str, tmp_path: Path) -> None:
    """Before `liangshan init`, a check-in says what to do and exits 2."""
    result = runner.invoke(app, ["checkin", "mobilize.work-plan", "--by", "eco"],
                           env={"LIANGSHAN_DB_URL": db_url, "LIANGSHAN_HOME": str(tmp_path)})
    assert result.exit_code == 2 and "liangshan init" in result.stderr
