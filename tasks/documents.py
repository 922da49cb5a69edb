"""Write the week's documents (台账, pictures, Word documents) under LIANGSHAN_HOME/reports/<date>/ and point the
Prefect UI to them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from core.workdays import WorkdayCalendar
from tasks.runonce import ONCE
from tasks.snapshot import Snapshot

__all__ = ["REPORTS_KEY", "reports_due", "write_reports"]

REPORTS_KEY = "{plan}-reports"


def reports_due(calendar: WorkdayCalendar, root: Path, day: date) -> bool:
    """Once a week: on the week's first working day, or on any later day of a week that has no folder yet
    (a missed Monday is caught up; a rerun on the same day writes again, which is harmless)."""
    from reports.folder import latest_folder

    monday = day - timedelta(days=day.weekday())
    if calendar.next_workday(monday) == day:
        return True
    latest = latest_folder(root, day)
    return latest is None or date.fromisoformat(latest.name) < monday


@task(name="write_reports", task_run_name="生成台账和报告", **ONCE)
def write_reports(snap: Snapshot, force: bool = False) -> dict[str, Any]:
    """The week's documents, written whole (each file replaced at once), and a link artifact to the portal's list."""
    from config.settings import get_settings
    from db.documents import load_document_facts
    from db.engine import database_url, make_engine, make_sessionmaker
    from db.schema import EXPECTED_REVISION, schema_revision
    from reports.bundle import write_all

    logger = get_run_logger()
    settings = get_settings()
    home = Path(settings.home).resolve()
    day = snap.board.as_of
    assert snap.calendar is not None
    from reports.folder import plan_reports

    if not (force or reports_due(snap.calendar, plan_reports(home, snap.plan.id), day)):
        return {"written": False, "reason": "本周已生成"}
    engine = make_engine(database_url(settings))
    try:
        if schema_revision(engine) != EXPECTED_REVISION:
            logger.info("数据库尚未初始化：不生成报告")
            return {"written": False, "reason": "数据库尚未初始化"}
        with make_sessionmaker(engine)() as session:
            doc = load_document_facts(session=session, plan=snap.plan, calendar=snap.calendar, as_of=day)
    finally:
        engine.dispose()
    folder, written = write_all(doc, home)
    names = [p.name for p in written.files]
    logger.info("已生成 %s 个文件：%s", len(names), "、".join(names))
    key = REPORTS_KEY.format(plan=snap.plan.id)
    if settings.portal_url:
        # The link leads to the portal's list (the office signs in with its own link); it carries no token.
        create_link_artifact(f"{settings.portal_url}/reports", link_text=f"报告与台账（{day}）", key=key,
                             description=f"本周的台账、甘特图、情况通报等 {len(names)} 个文件，在报送入口的办公室页面下载")
    else:
        listing = "\n".join(f"- {name}" for name in names)
        where = folder.relative_to(home).as_posix()
        create_markdown_artifact(f"# 报告与台账（{day}）\n\n服务器目录：`{where}/`\n\n{listing}\n", key=key,
                                 description="未设置报送入口地址（LIANGSHAN_PORTAL_URL）：文件在服务器上")
    return {"written": True, "folder": folder.relative_to(home).as_posix(), "files": names,
            "seconds": {k: round(v, 2) for k, v in written.seconds.items()}}
