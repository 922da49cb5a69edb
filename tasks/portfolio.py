"""The ``portfolio`` artifact: every plan of the installation in one table, refreshed by each reconcile."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact

from tasks.runonce import ONCE

__all__ = ["PORTFOLIO_KEY", "portfolio_rows", "portfolio_table", "publish_portfolio"]

PORTFOLIO_KEY = "portfolio"
_LIGHT_ZH = {"green": "绿", "yellow": "黄", "red": "红", "grey": "灰"}


def portfolio_rows(day: date) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per installed plan (core.portfolio.portfolio_row) from the database, and the plan files that
    could not be compiled (left out of the rows, named so the office can fix them)."""
    from config.holidays import load_calendar
    from config.loader import load_plan_cached
    from config.plans import installed_plans
    from config.settings import get_settings
    from db.engine import database_url, make_engine, make_sessionmaker
    from db.portfolio import portfolio_rows as rows_of
    from db.schema import EXPECTED_REVISION, schema_revision

    settings = get_settings()
    calendar = load_calendar(settings.holidays)
    cache = Path(settings.home) / "cache"
    plans, broken = [], []
    for entry in installed_plans(settings):
        plan, _ = load_plan_cached(entry.path, cache)
        if plan is None:
            broken.append(str(entry.path))
        else:
            plans.append(plan)
    engine = make_engine(database_url(settings))
    try:
        if schema_revision(engine) != EXPECTED_REVISION:
            return rows_of(plans, calendar, day, None), broken
        with make_sessionmaker(engine)() as session:
            rows = rows_of(plans, calendar, day, session)
    finally:
        engine.dispose()
    return rows, broken


def portfolio_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the UI's table: Chinese column names, one line per plan."""
    table = []
    for r in rows:
        nxt = r["next_deadline"]
        table.append({
            "计划": f"{r['title']}（{r['id']}）",
            "完成": f"{r['progress']}%",
            "逾期": r["overdue"],
            "灯": "　".join(f"{_LIGHT_ZH[k]} {n}" for k, n in r["lights"].items()),
            "下一个截止": f"{nxt['due']} {nxt['title']}" if nxt else "无",
            "预计完成": r["forecast_end"] or "",
            "最后一步截止": r["end_due"] or "",
        })
    return table


@task(name="publish_portfolio", task_run_name="发布全部计划一览", **ONCE)
def publish_portfolio(day: date) -> int:
    """Every plan's lights, progress, overdue count, next deadline and forecast end as the ``portfolio``
    table (the same rows as ``liangshan status --all``); how many plans it shows."""
    rows, broken = portfolio_rows(day)
    for path in broken:
        get_run_logger().warning("计划文件 %s 有错误，未列入全部计划一览（liangshan plan validate %s）", path, path)
    create_table_artifact(portfolio_table(rows), key=PORTFOLIO_KEY, description=f"全部计划一览（截至 {day}，{len(rows)} 个）")
    return len(rows)
