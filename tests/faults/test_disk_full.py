"""The disk refuses an evidence file part-way (ENOSPC): the check-in is refused with a clear message, no row
is written, and no half-written file is left anywhere under the evidence folder (the spool included).
Both databases; the write is made to fail by a stand-in for the archive's temporary file."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from db import evidence
from db.models import AuditEntry, CheckInFile, CheckInRow, EvidenceFile
from db.records import CheckInRequest, Refusal
from tests.db.conftest import Database

STEP = "mobilize.work-plan"  # open on the first day, owned by eco, nothing upstream
MB = 1 << 20


class _FullDisk:
    """A temporary file that takes ``room`` bytes and then fails with ENOSPC, like a disk that fills up."""

    def __init__(self, room: int, **kwargs: Any) -> None:
        self.real = tempfile.NamedTemporaryFile(**kwargs)  # noqa: SIM115 (closed by __exit__)
        self.name = self.real.name
        self.room = room

    def __enter__(self) -> _FullDisk:
        self.real.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.real.__exit__(*exc)

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.real.write(data[:self.room])  # part of it reaches the disk, then the disk is full
            self.real.flush()
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return int(self.real.write(data))

    def flush(self) -> None:
        self.real.flush()

    def fileno(self) -> int:
        return int(self.real.fileno())


def fill_disk_after(monkeypatch: pytest.MonkeyPatch, room: int) -> None:
    """From now on, every copy into the archive fails once ``room`` bytes of it are written."""
    monkeypatch.setattr(evidence, "tempfile", SimpleNamespace(
        NamedTemporaryFile=lambda **kwargs: _FullDisk(room, **kwargs)))


def big_file(path: Path, size: int, seed: str) -> Path:
    block = hashlib.sha256(seed.encode()).digest() * 2048  # 64 KiB of the seed's bytes
    path.write_bytes((block * (size // len(block) + 1))[:size])
    return path


def counts(database: Database) -> dict[str, int]:
    with database.sessions() as s:
        return {name: s.scalar(select(func.count()).select_from(model)) or 0
                for name, model in {"checkins": CheckInRow, "files": CheckInFile, "evidence": EvidenceFile,
                                    "audit": AuditEntry}.items()}


def no_half_file(home: Path) -> list[Path]:
    """The files under evidence/ (the spool must be empty; every other file holds exactly its hash's content)."""
    root = home / "evidence"
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    assert [p for p in files if p.parent.name == "tmp"] == [], "a temporary copy was left in evidence/tmp"
    for p in files:
        assert hashlib.sha256(p.read_bytes()).hexdigest() == p.parent.name + p.name, f"{p} is not a whole file"
    return files


def test_a_full_disk_refuses_the_checkin_and_leaves_nothing(database: Database, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """3 MB of evidence, the disk full after 1.5 MB: refused (code 2) saying the archive could not be written
    because the disk is full, naming the file; no row, no audit entry, no file under evidence/. Once there is
    room again the same check-in goes through."""
    recorder = database.recorder()
    before = counts(database)
    doc = big_file(tmp_path / "工作方案.pdf", 3 * MB, "plan")
    fill_disk_after(monkeypatch, 3 * MB // 2)
    with pytest.raises(Refusal) as refused:
        recorder.checkin(CheckInRequest(STEP, "eco", ("work-plan",), (doc,)))
    assert refused.value.code == 2
    assert "成果档案无法写入" in refused.value.zh and "磁盘空间不足" in refused.value.zh, refused.value.zh
    assert str(doc) in refused.value.zh and "无法读取" not in refused.value.zh  # the disk, not the bureau's file
    assert counts(database) == before
    assert no_half_file(database.home) == []

    monkeypatch.undo()
    done = recorder.checkin(CheckInRequest(STEP, "eco", ("work-plan",), (doc,)))
    assert [r["deliverable_id"] for r in done.created] == ["work-plan"]
    assert len(no_half_file(database.home)) == 1


def test_the_second_file_refused_leaves_no_row_and_no_half_file(database: Database, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Two files; the first fits, the second fills the disk: no row; the spool is empty; what the archive holds
    is whole (the first file, complete under its hash, cited by nothing — `verify` does not count it)."""
    recorder = database.recorder()
    small = big_file(tmp_path / "分工表.xlsx", 100_000, "small")
    large = big_file(tmp_path / "工作方案.pdf", 2 * MB + 17, "large")
    fill_disk_after(monkeypatch, MB + MB // 2)
    with pytest.raises(Refusal) as refused:
        recorder.checkin(CheckInRequest(STEP, "eco", (), (small, large)))
    assert str(large) in refused.value.zh and "磁盘空间不足" in refused.value.zh
    assert counts(database)["checkins"] == 0 and counts(database)["files"] == 0
    left = no_half_file(database.home)
    assert [p.parent.name + p.name for p in left] == [hashlib.sha256(small.read_bytes()).hexdigest()]


def test_the_command_says_the_disk_is_full_without_a_traceback(database: Database, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`liangshan checkin --file` on a full disk: exit 2, the reason on stderr in Chinese first, no traceback,
    nothing written."""
    doc = big_file(tmp_path / "工作方案.pdf", 2 * MB, "cli")
    fill_disk_after(monkeypatch, MB // 2)
    result = CliRunner().invoke(app, ["checkin", STEP, "--by", "eco", "--file", str(doc)], env=database.env())
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("未登记 refused: 文件 ") and "成果档案无法写入：磁盘空间不足" in result.stderr
    assert "Traceback" not in result.output
    assert counts(database)["checkins"] == 0
    assert no_half_file(database.home) == []


def _portal_checkin(database: Database, name: str, body: bytes) -> tuple[int, str, dict[str, int]]:
    """eco hands in ``body`` as ``name`` through the portal; the answer's status and text, and the row counts."""
    from tests.web.conftest import csrf, make_site

    site = make_site(database)
    try:
        eco = site.login("eco")
        response = eco.post(f"/steps/{STEP}/checkin", data={"csrf": csrf(eco), "deliverable": ["work-plan"]},
                            files=[("file", (name, body, "application/pdf"))])
        return response.status_code, response.text, site.counts()
    finally:
        for client in site.clients:
            client.close()
        site.portal.database.dispose()


def test_the_portal_answers_507_for_a_full_archive_and_names_no_server_path(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bureau's upload on a full disk: 507 (the server's fault, not the file's), the page names the bureau's
    own file name and says to try again, never the server's spool or archive path; no row, nothing left."""
    body = b"%PDF-1.4\n" + big_file(database.home.parent / "src.bin", 2 * MB, "portal").read_bytes()
    fill_disk_after(monkeypatch, MB)
    status, page, after = _portal_checkin(database, "工作方案.pdf", body)
    assert status == 507, page[:500]
    assert "工作方案.pdf" in page and "磁盘空间不足" in page and "请稍后重试" in page
    assert str(database.home) not in page, page
    assert "portal-" not in page and "/evidence" not in page
    assert after["checkins"] == 0 and after["evidence"] == 0
    assert no_half_file(database.home) == []
    assert not [p for p in (database.home / "evidence" / "tmp").rglob("*") if p.is_file()], "the spool is emptied"


def test_the_portal_answers_507_when_the_spool_itself_is_full(database: Database,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills while the portal spools the upload (before the archive): 507, no path, no row, no file."""
    import web.uploads

    real_copy = web.uploads._copy

    def copy_then_fill(part: Any, target: Path) -> None:
        real_copy(part, target)  # the copy lands, then the disk is full: the half-spooled request must vanish
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(web.uploads, "_copy", copy_then_fill)
    status, page, after = _portal_checkin(database, "方案.pdf", b"%PDF-1.4\nbody\n%%EOF\n")
    assert status == 507, page[:500]
    assert "方案.pdf" in page and "No space left on device" in page
    assert str(database.home) not in page and "portal-" not in page
    assert after["checkins"] == 0 and after["evidence"] == 0 and after["files"] == 0


def test_the_portal_answers_507_when_the_form_parser_cannot_spool(database: Database,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk is full before the form is even parsed (the parser's temporary files): 507, no path, nothing kept."""
    from starlette.requests import Request

    async def no_room(self: Request, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/tmp/spooled-by-the-parser")

    monkeypatch.setattr(Request, "form", no_room)
    status, page, after = _portal_checkin(database, "方案.pdf", b"%PDF-1.4\nbody\n%%EOF\n")
    assert status == 507, page[:500]
    assert "服务器暂时无法保存附件" in page and "No space left on device" in page
    assert "/tmp/spooled-by-the-parser" not in page and str(database.home) not in page
    assert after["checkins"] == 0 and after["evidence"] == 0 and after["files"] == 0
