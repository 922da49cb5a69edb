"""Refusals every writer of facts shares: the exception, its exit codes, and archiving evidence or refusing.

They live below the writers (check-ins and reviews in ``db.records``, values in ``db.indicators``, cases
and projects in ``db.library``, links in ``db.portal``) so that no writer imports another for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from db.evidence import EvidenceError, StoredFile, Upload, archive_file

__all__ = ["FORBIDDEN", "INVALID", "Refusal", "archive_or_refuse", "moment_or_refuse"]

INVALID, FORBIDDEN = 2, 3
_FUTURE_SLACK = timedelta(minutes=5)  # clocks of office PCs drift; a few minutes ahead is not the future


class Refusal(Exception):
    """The request was refused and nothing was written; ``code`` is the exit code to use.

    ``kind`` tells refusals apart where a caller answers them differently: ``blocked`` (an upstream
    step is not done; the portal answers 409), ``not_owner`` (403), ``storage`` (the server could not
    write the evidence archive: the portal answers 507), or empty.
    """

    def __init__(self, code: int, zh: str, en: str, kind: str = "") -> None:
        super().__init__(f"{zh} / {en}")
        self.code = code
        self.zh = zh
        self.en = en
        self.kind = kind


def archive_or_refuse(home: Path, files: Sequence[Path | Upload]) -> list[StoredFile]:
    """Archive evidence files, or refuse (exit 2) naming the file that is missing or unreadable."""
    try:
        return [archive_file(home, f if isinstance(f, Upload) else Path(f)) for f in files]
    except EvidenceError as exc:
        raise Refusal(INVALID, f"文件 {exc.shown}：{exc.reason}", f"file {exc.shown}: {exc.reason}",
                      kind="storage" if exc.storage else "") from exc


def moment_or_refuse(at: datetime | None, now: datetime) -> datetime:
    """When a fact happened: ``at`` (timezone-aware, not in the future), or ``now`` when none is given; else exit 2."""
    if at is None:
        return now
    if at.tzinfo is None:
        raise Refusal(INVALID, "时间必须带时区", "the time needs a time zone")
    if at > now + _FUTURE_SLACK:
        raise Refusal(INVALID, f"时间 {at.isoformat()} 在未来", f"{at.isoformat()} is in the future")
    return at
