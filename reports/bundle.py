"""Every document of a day, into its folder: what the weekly reconcile and ``liangshan report all`` write."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from config.store import make_private_dir
from core.documents import DocumentFacts
from core.meeting import current_meeting
from reports import folder as names

__all__ = ["Written", "write_all", "write_kind"]


@dataclass
class Written:
    """The files written, and the seconds each took (for the benchmark and the run's log)."""

    files: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def write_kind(doc: DocumentFacts, kind: str, path: Path, *, year: int | None = None, meeting: str | None = None,
               pictures_dir: Path | None = None, paper: str = "A4") -> Path:
    """Write one document of ``kind`` (dashboard, ledger, gantt, indicators, pack, circular, annual, self-assessment)
    to ``path``.

    The caller has checked the kind, the suffix, the year, the meeting and the paper (cli.report does); ``paper``
    (A4 or A3) is the ledger's.
    """
    if kind == "dashboard":
        from reports.dashboard import write_dashboard_docx, write_dashboard_png

        return (write_dashboard_docx if path.suffix.lower() == ".docx" else write_dashboard_png)(doc, path)
    if kind == "ledger":
        from reports.ledger import write_ledger

        return write_ledger(doc, path, paper=paper)
    if kind in ("gantt", "indicators"):
        from reports.pictures import write_gantt, write_indicator_chart

        return (write_gantt if kind == "gantt" else write_indicator_chart)(doc, path)
    from reports import documents

    if kind == "pack":
        assert meeting is not None
        return documents.write_pack(doc, meeting, path, pictures_dir or path.parent)
    if kind == "circular":
        return documents.write_circular(doc, path)
    if kind == "annual":
        return documents.write_annual(doc, year or doc.as_of.year, path)
    if kind == "self-assessment":
        return documents.write_self_assessment(doc, path)
    raise ValueError(f"unknown document kind {kind!r}")


def write_all(doc: DocumentFacts, home: Path) -> tuple[Path, Written]:
    """Write every document as of ``doc.as_of`` into ``<home>/reports/<plan id>/<date>/`` (files replaced whole).

    The pack draws the Gantt and indicator charts into the folder itself (they are the folder's
    pictures too), so each picture is drawn once.
    """
    make_private_dir(home / "reports")  # unpublished documents: the service account only
    target = names.folder_for(names.plan_reports(home, doc.plan.id), doc.as_of)
    target.mkdir(parents=True, exist_ok=True)
    meeting = current_meeting(doc.plan, doc.board)
    jobs: list[tuple[str, str, dict[str, object]]] = []
    if meeting is not None:
        jobs.append(("pack", names.PACK, {"meeting": meeting, "pictures_dir": target}))
    else:
        jobs += [("gantt", names.GANTT, {}), ("indicators", names.INDICATORS, {})]
    jobs += [
        ("dashboard", names.DASHBOARD, {}),
        ("dashboard", names.DASHBOARD_DOCX, {}),
        ("ledger", names.LEDGER, {}),
        ("circular", names.CIRCULAR, {}),
        ("annual", names.annual_name(doc.as_of.year), {"year": doc.as_of.year}),
        ("self-assessment", names.SELF_ASSESSMENT, {}),
    ]
    written = Written()
    for kind, name, options in jobs:
        start = time.perf_counter()
        written.files.append(write_kind(doc, kind, target / name, **options))  # type: ignore[arg-type]
        written.seconds[kind] = written.seconds.get(kind, 0.0) + time.perf_counter() - start
    if meeting is not None:
        written.files += [target / names.GANTT, target / names.INDICATORS]
    return target, written
