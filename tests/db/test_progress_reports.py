"""进展报送 in the database: written once with its files and audit entry, versioned, refused writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.events import SHANGHAI
from core.workdays import WorkdayCalendar
from db.evidence import archive_path
from db.models import AuditEntry, EvidenceFile, ProgressReportRow, RecordFile
from db.progress import ProgressRequest, list_owed, report_progress
from db.records import CheckInRequest, Refusal, ReviewRequest
from tests.db.conftest import Database

PLAN = load_plan(DEFAULT_PLAN)
CAL = WorkdayCalendar()
TEXT = "本季度完成了转化路径的调研，形成了初步的工作思路和项目清单，下步细化。"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def _report(database: Database, **kw: object) -> dict[str, object]:
    fields: dict[str, object] = {"step": "build.pathways", "by": "ndrc", "text": TEXT, "at": _at("2026-11-20T10:00")}
    fields.update(kw)
    return report_progress(database.sessions, PLAN, CAL, database.home, "tester", ProgressRequest(**fields),  # type: ignore[arg-type]
                           now=lambda: NOW)


def _written(database: Database) -> tuple[int, int, int, int]:
    """Reports, their files, audit entries about progress, and files in the evidence archive."""
    archive = database.home / "evidence"
    on_disk = [p for p in archive.rglob("*") if p.is_file() and p.relative_to(archive).parts[0] != "tmp"] \
        if archive.exists() else []
    with database.sessions() as s:
        return (s.scalar(select(func.count()).select_from(ProgressReportRow)) or 0,
                s.scalar(select(func.count()).select_from(RecordFile).where(RecordFile.kind == "progress")) or 0,
                s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "progress")) or 0,
                len(on_disk))


def test_a_report_with_files_is_archived_audited_and_seen(database: Database, tmp_path: Path) -> None:
    """The report, its file (archived like check-in evidence) and its audit entry; the list shows it received."""
    scan = tmp_path / "进展附件.txt"
    scan.write_text("第四季度调研照片说明", encoding="utf-8")
    database.recorder()  # the plan is loaded by the fixture; the recorder is not needed otherwise
    got = _report(database, percent=35, problems="项目资金缺口较大", next_steps="争取专项资金", files=(scan,),
                  period="2026q4")
    assert (got["period"], got["version"], got["percent"], got["files"]) == ("2026q4", 1, 35, ["进展附件.txt"])
    assert _written(database) == (1, 1, 1, 1)
    with database.sessions() as s:
        (f,) = s.scalars(select(RecordFile).where(RecordFile.kind == "progress"))
        assert s.get(EvidenceFile, f.sha256) is not None
    assert archive_path(database.home, f.sha256).read_text(encoding="utf-8") == "第四季度调研照片说明"
    rows = list_owed(database.sessions, PLAN, CAL, _at("2026-12-20T00:00").date(), period="2026q4")
    mine = {r.bureau: r for r in rows if r.step == "build.pathways"}
    assert mine["ndrc"].status == "received" and mine["ndrc"].latest is not None
    assert mine["ndrc"].latest.problems == "项目资金缺口较大"
    assert mine["eco"].status == "overdue"


def test_a_second_report_in_the_period_is_a_new_version(database: Database) -> None:
    """Version 2 is read; the same report again (same moment, same text) is recorded once."""
    first = _report(database)
    again = _report(database)
    second = _report(database, text=TEXT + "补充：已完成项目库入库。", at=_at("2026-11-25T09:00"))
    assert (first["version"], again.get("existing"), second["version"]) == (1, True, 2)
    assert _written(database)[0] == 2
    (row,) = [r for r in list_owed(database.sessions, PLAN, CAL, _at("2026-12-01T00:00").date(), bureau="ndrc")
              if r.period.id == "2026q4" and r.step == "build.pathways"]
    assert row.versions == 2 and row.latest is not None and row.latest.text.endswith("已完成项目库入库。")
    assert row.received_at == _at("2026-11-20T10:00")


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        pytest.param({"step": "build.pathway"}, 2, "build.pathways", id="unknown-step-names-the-closest"),
        pytest.param({"by": "ndcr"}, 2, "ndrc", id="unknown-bureau-names-the-closest"),
        pytest.param({"period": "2026q5"}, 2, "2026q5", id="unknown-period"),
        pytest.param({"by": "water", "step": "evaluate.national", "at": _at("2026-11-20T10:00")}, 3,
                     "不是步骤", id="not-the-bureaus-step"),
        pytest.param({"text": "长" * 5001}, 2, "最多 5000", id="text-over-5000"),
        pytest.param({"text": "太短了"}, 2, "至少 20", id="text-too-short"),
        pytest.param({"percent": 120}, 2, "0-100", id="percent-over-100"),
        pytest.param({"at": datetime(2026, 12, 9, tzinfo=UTC)}, 2, "在未来", id="in-the-future"),
    ],
)
def test_refusals_write_nothing(database: Database, tmp_path: Path, fields: dict[str, object], code: int,
                                words: str) -> None:
    """Each refusal has its exit code and words, and leaves no row, no file and no audit entry."""
    scan = tmp_path / "附件.txt"
    scan.write_text("附件", encoding="utf-8")
    with pytest.raises(Refusal) as info:
        _report(database, files=(scan,), **fields)
    assert info.value.code == code, info.value.zh
    assert words in info.value.zh
    assert _written(database) == (0, 0, 0, 0)


def test_a_closed_step_takes_no_report(database: Database) -> None:
    """Once the step is done (销号), a report on it is refused (exit 3) and nothing is written."""
    recorder = database.recorder()
    for sid in _upstream_chain("build.pathways"):  # the step and everything upstream, handed in
        recorder.checkin(CheckInRequest(sid, "office", on_behalf_of=PLAN.steps[sid].owners[0],
                                        at=_at("2024-10-08T10:00"), force=True, force_reason="测试"))
        if PLAN.steps[sid].review:
            recorder.review(ReviewRequest(sid, "office", "accept", at=_at("2024-10-08T11:00")))
    with pytest.raises(Refusal) as info:
        _report(database)
    assert info.value.code == 3 and "已于 2024-10-08 完成（销号）" in info.value.zh
    assert _written(database) == (0, 0, 0, 0)


def _upstream_chain(step_id: str) -> list[str]:
    """The step and every step upstream of it, upstream first."""
    seen: list[str] = []

    def visit(sid: str) -> None:
        for dep in PLAN.steps[sid].depends_on:
            visit(dep)
        if sid not in seen:
            seen.append(sid)

    visit(step_id)
    return seen
