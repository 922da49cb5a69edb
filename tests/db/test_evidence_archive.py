"""The evidence archive is the service user's alone (folders 0700, files 0400, whatever the umask), and
`liangshan verify` names every missing or altered file with the steps and bureaus whose check-ins cite it.
Both databases; the command line in-process."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from cli.main import app
from db.evidence import DIR_MODE, FILE_MODE, Upload, archive_file, archive_path
from db.models import CheckInFile, CheckInRow
from db.verify import verify_archive
from tests.db.conftest import Database

runner = CliRunner()


def run(database: Database, *args: str) -> Result:
    return runner.invoke(app, list(args), env=database.env())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(name="umask", params=[0o000, 0o022, 0o077])
def fixture_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run the test under this umask: the archive's modes must not depend on it."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _archive_dirs(home: Path) -> list[Path]:
    root = home / "evidence"
    return [root, *(p for p in root.rglob("*") if p.is_dir())]


def test_archived_files_are_0400_and_folders_0700_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    """A file archived from a path and one from a portal upload: 0400; evidence/, the spool and each fan-out
    folder: 0700; archiving the same content again keeps it so."""
    home = tmp_path / "home"
    first = tmp_path / "纪要.pdf"
    first.write_bytes(b"%PDF-1.4 minutes")
    spooled = tmp_path / "upload-000"
    spooled.write_bytes(b"%PDF-1.4 another")
    stored = [archive_file(home, first), archive_file(home, Upload(spooled, "通知.pdf")), archive_file(home, first)]
    files = [archive_path(home, s.sha256) for s in stored]
    assert [mode(f) for f in files] == [FILE_MODE] * 3 == [0o400] * 3
    dirs = _archive_dirs(home)
    assert {home / "evidence", home / "evidence" / "tmp", files[0].parent, files[1].parent} <= set(dirs)
    assert {d: mode(d) for d in dirs} == {d: DIR_MODE for d in dirs} and DIR_MODE == 0o700
    assert not list((home / "evidence" / "tmp").iterdir()), "no temporary copy is left behind"


def test_an_archive_written_loosely_is_tightened(tmp_path: Path) -> None:
    """An archive from before (0755 folders, a 0444 file): archiving into it makes it 0700 and 0400."""
    home = tmp_path / "home"
    doc = tmp_path / "a.txt"
    doc.write_text("方案", encoding="utf-8")
    target = archive_path(home, archive_file(home, doc).sha256)
    for d in _archive_dirs(home):
        d.chmod(0o755)
    target.chmod(0o444)
    archive_file(home, doc)
    assert mode(target) == 0o400
    assert {mode(d) for d in _archive_dirs(home)} == {0o700}


def test_checkin_through_the_command_writes_a_private_archive(database: Database, tmp_path: Path) -> None:
    """`liangshan checkin --file` under umask 022: the archived copy is 0400 in 0700 folders."""
    doc = tmp_path / "工作方案.docx"
    doc.write_text("第一稿", encoding="utf-8")
    old = os.umask(0o022)
    try:
        result = run(database, "checkin", "mobilize.work-plan", "--by", "eco", "--deliverable", "work-plan",
                     "--file", str(doc), "--at", "2024-04-08T10:00")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    (stored,) = [p for p in (database.home / "evidence").rglob("*") if p.is_file()]
    assert mode(stored) == 0o400
    assert {mode(d) for d in _archive_dirs(database.home)} == {0o700}


def _checkin(database: Database, tmp_path: Path, name: str, content: str, *args: str) -> Path:
    doc = tmp_path / name
    doc.write_text(content, encoding="utf-8")
    result = run(database, "checkin", *args, "--file", str(doc))
    assert result.exit_code == 0, result.output
    with database.sessions() as session:
        sha = session.scalars(select(CheckInFile.sha256).where(CheckInFile.original_name == name)).one()
    return archive_path(database.home, sha)


def test_verify_names_the_step_and_bureau_of_a_missing_and_an_altered_file(database: Database, tmp_path: Path) -> None:
    """One file deleted, another altered, a third untouched: `verify` exits 1 and names both, each with its
    step (id and title), its bureau and the name it was checked in under; the untouched one is not named."""
    gone = _checkin(database, tmp_path, "工作方案.pdf", "鄠邑区工作方案", "mobilize.work-plan", "--by", "eco",
                    "--deliverable", "work-plan", "--at", "2024-04-08T10:00")
    kept = _checkin(database, tmp_path, "任务分解.xlsx", "任务分解清单", "mobilize.work-plan", "--by", "eco",
                    "--deliverable", "task-breakdown", "--at", "2024-04-08T11:00")
    changed = _checkin(database, tmp_path, "领导小组通知.pdf", "成立领导小组的通知", "mobilize.leading-group",
                       "--by", "office", "--on-behalf-of", "gov", "--deliverable", "establishment-notice",
                       "--force", "--reason", "前置步骤待审核", "--at", "2024-04-09T09:00")
    clean = run(database, "verify")
    assert clean.exit_code == 0 and "已校验 3 个文件，0 个有问题" in clean.stdout, clean.output

    gone.unlink()
    changed.chmod(0o600)
    changed.write_text("成立领导小组的通知（被改过）", encoding="utf-8")
    result = run(database, "verify")
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert "已校验 3 个文件，2 个有问题" in text
    missing = text[text.index("缺失 missing"):]
    assert missing.splitlines()[0].startswith("缺失 missing: 工作方案.pdf")
    assert "步骤 mobilize.work-plan（研究制定工作方案）" in missing.splitlines()[1]
    assert "单位 市生态环境局鄠邑分局（eco）" in missing.splitlines()[1]
    altered = text[text.index("被改动 altered"):]
    assert altered.splitlines()[0].startswith("被改动 altered: 领导小组通知.pdf")
    assert "步骤 mobilize.leading-group（成立“两山”基地建设工作领导小组）" in altered.splitlines()[1]
    assert "单位 鄠邑区人民政府（gov，“两山”基地建设工作领导小组办公室代报）" in altered.splitlines()[1]
    assert "任务分解.xlsx" not in text and kept.exists()

    with database.sessions() as session:
        rows = {r.deliverable_id: r for r in session.scalars(select(CheckInRow))}
    findings, checked = verify_archive(database.sessions, database.home)
    assert checked == 3
    by_kind = {f.kind: f for f in findings}
    assert (by_kind["missing"].steps, by_kind["missing"].bureaus) == (("mobilize.work-plan",), ("eco",))
    assert (by_kind["altered"].steps, by_kind["altered"].bureaus) == (("mobilize.leading-group",), ("gov",))
    (use,) = by_kind["altered"].uses
    assert (use.kind, use.by, use.deliverable_id, use.record_id, use.original_name) == (
        "checkin", "office", "establishment-notice", rows["establishment-notice"].id, "领导小组通知.pdf")
    assert by_kind["missing"].path == gone and by_kind["altered"].path == changed


def test_verify_names_every_checkin_citing_a_shared_file(database: Database, tmp_path: Path) -> None:
    """The same file checked in for two steps by two bureaus (archived once): a finding cites both."""
    doc = tmp_path / "合同.pdf"
    doc.write_text("委托合同", encoding="utf-8")
    for args in (("mobilize.commission", "--by", "office", "--on-behalf-of", "eco", "--deliverable", "contract"),
                 ("mobilize.leading-group", "--by", "office", "--on-behalf-of", "gov", "--deliverable",
                  "coordination-mechanism")):
        result = run(database, "checkin", *args, "--force", "--reason", "补录", "--file", str(doc))
        assert result.exit_code == 0, result.output
    (stored,) = [p for p in (database.home / "evidence").rglob("*") if p.is_file()]
    stored.unlink()
    result = run(database, "verify")
    assert result.exit_code == 1
    assert "步骤 mobilize.commission（委托技术单位编制实施方案）" in result.stdout
    assert "步骤 mobilize.leading-group" in result.stdout and "鄠邑区人民政府（gov" in result.stdout
    (finding,) = verify_archive(database.sessions, database.home)[0]
    assert (set(finding.steps), set(finding.bureaus)) == ({"mobilize.commission", "mobilize.leading-group"},
                                                          {"eco", "gov"})
