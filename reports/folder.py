"""Where the documents of a day are kept: ``LIANGSHAN_HOME/reports/<plan id>/<date>/``, under fixed Chinese names.

Each plan has its own folder of days (``plan_reports``): two plans of one installation never overwrite
each other's ledger, and each plan's week is judged by its own folders.

The weekly reconcile writes a folder; the portal lists and serves it to the office; the digest
attaches the 领导看板, the ledger and the Gantt chart from the newest folder. Names are fixed so that each of
those finds a file without asking the others.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

__all__ = ["ATTACH_TO_DIGEST", "CIRCULAR", "DASHBOARD", "DASHBOARD_DOCX", "GANTT", "INDICATORS", "LEDGER", "PACK",
           "SELF_ASSESSMENT", "annual_name", "folder_for", "latest_folder", "list_folders", "plan_reports", "safe_file"]

LEDGER = "台账.xlsx"
GANTT = "甘特图.png"
INDICATORS = "指标完成情况.png"
PACK = "调度会议材料.docx"
CIRCULAR = "情况通报.docx"
SELF_ASSESSMENT = "自评估报告初稿.docx"
DASHBOARD = "领导看板.png"
DASHBOARD_DOCX = "领导看板.docx"
ATTACH_TO_DIGEST = (DASHBOARD, LEDGER, GANTT)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def annual_name(year: int) -> str:
    """The annual summary's file name for ``year``."""
    return f"{year}年度工作总结素材.docx"


def plan_reports(home: Path, plan_id: str) -> Path:
    """The plan's folder of days under the home: ``<home>/reports/<plan id>``."""
    return home / "reports" / plan_id


def folder_for(root: Path, day: date) -> Path:
    """The folder of the documents written for ``day`` in the plan's folder ``root`` (see plan_reports)."""
    return root / day.isoformat()


def list_folders(root: Path) -> list[Path]:
    """Every day's folder of the plan's folder ``root``, newest first (only folders named like a date)."""
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if p.is_dir() and _DAY.match(p.name)), key=lambda p: p.name, reverse=True)


def latest_folder(root: Path, on_or_before: date | None = None) -> Path | None:
    """The newest day's folder of ``root`` (not after ``on_or_before`` when given), or None."""
    for folder in list_folders(root):
        if on_or_before is None or folder.name <= on_or_before.isoformat():
            return folder
    return None


def safe_file(root: Path, day: str, name: str) -> Path | None:
    """The file ``name`` of the folder ``day`` when both are what this module writes; None for anything else.

    For downloads: a day that is not a date, a name with a path in it or a hidden name never
    reaches the file system.
    """
    if not _DAY.match(day) or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        return None
    path = root / day / name
    return path if path.is_file() and not path.is_symlink() else None
