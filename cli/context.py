"""What the database commands share: settings, the plan, the calendar, the database, the recorder.

Built on demand and only by the commands that need it, so ``plan`` commands never import SQLAlchemy.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import err, fail, load_plan_or_exit, plan_path, print_problems
from cli.exits import Exit
from config.errors import InvalidFile
from config.holidays import load_calendar
from config.settings import Settings, get_settings
from core.plan import Plan
from core.workdays import WorkdayCalendar

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from db.records import Recorder


def actor() -> str:
    """Who is entering facts: ``LIANGSHAN_ACTOR``, else the login name."""
    return os.environ.get("LIANGSHAN_ACTOR") or getpass.getuser()


@dataclass
class Context:
    """Lazily built handles for one command run."""

    plan_file: str | Path | None = None

    @classmethod
    def ready(cls, plan_file: str | Path | None = None) -> Context:
        """A context whose database is reachable and migrated (else exit 2 saying what to do).

        A ``--plan`` that names no plan is refused first, before the database is asked.
        """
        if plan_file is not None:
            plan_path(plan_file)
        ctx = cls(plan_file)
        ctx.require_schema()
        return ctx

    @cached_property
    def settings(self) -> Settings:
        return get_settings()

    @cached_property
    def file_plan(self) -> Plan:
        """The plan file as compiled, without the database's tasks (what ``init`` loads)."""
        return load_plan_or_exit(self.plan_file)

    @cached_property
    def plan(self) -> Plan:
        """The plan as the engine evaluates it: the plan file's steps and the database's open tasks (交办事项).

        Before ``init``, or when the database cannot be reached, the plan file alone: a command that
        needs the database says so itself.
        """
        plan = self.file_plan
        if not self._schema_quietly_ready():
            return plan
        from db.tasks import with_tasks

        with self.sessions() as session:
            return with_tasks(session=session, plan=plan)

    def _schema_quietly_ready(self) -> bool:
        from sqlalchemy.exc import OperationalError

        from db.schema import EXPECTED_REVISION, schema_revision

        if self.url.startswith("sqlite") and not Path(self.url.split("///", 1)[1]).exists():
            return False
        try:
            return schema_revision(self.engine) == EXPECTED_REVISION
        except OperationalError:
            return False

    @cached_property
    def calendar(self) -> WorkdayCalendar:
        try:
            return load_calendar(self.settings.holidays)
        except InvalidFile as exc:
            print_problems(exc.problems)
            fail("放假安排覆盖文件有错误 / the holiday override file has errors")

    @cached_property
    def home(self) -> Path:
        return Path(self.settings.home).resolve()

    @cached_property
    def url(self) -> str:
        from db.urls import database_url  # no SQLAlchemy: status may answer from the fact cache

        return database_url(self.settings)

    @cached_property
    def engine(self) -> Engine:
        from db.engine import make_engine

        return make_engine(self.url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from db.engine import make_sessionmaker

        return make_sessionmaker(self.engine)

    def _revision_or_exit(self) -> str | None:
        """The database's schema revision; exit 2 naming the database (never its password) when it cannot be reached."""
        from sqlalchemy.exc import OperationalError

        from db.engine import redact_url
        from db.schema import schema_revision

        try:
            return schema_revision(self.engine)
        except OperationalError as exc:
            fail(f"无法连接数据库 {redact_url(self.url)}：{str(exc.orig).strip()}；未写入任何内容 / cannot reach the database")

    def require_schema(self) -> None:
        """Exit 2 with what to do when the database is unreachable or not migrated to the code's schema."""
        from db.engine import redact_url
        from db.schema import EXPECTED_REVISION

        revision = self._revision_or_exit()
        if revision != EXPECTED_REVISION:
            fail(f"数据库 {redact_url(self.url)} 尚未初始化或版本不对（{revision or '空'}），请先运行 liangshan init / "
                 "the database is not initialised: run `liangshan init`")

    def schema_ready(self) -> bool:
        """True when the database exists and is at the code's revision; False when it is not set up yet. A
        database that is configured but cannot be reached is an error (exit 2), never "no facts yet"."""
        from db.schema import EXPECTED_REVISION

        if self.url.startswith("sqlite") and not Path(self.url.split("///", 1)[1]).exists():
            return False  # do not create an empty file just to look
        return self._revision_or_exit() == EXPECTED_REVISION

    def recorder(self, plan: Plan | None = None) -> Recorder:
        """The one path that records facts, on this plan (or ``plan``: it with an events file's tasks) and database."""
        from db.records import Recorder

        plan = plan or self.plan  # an unknown --plan is bad input, whatever the database
        self.require_schema()
        return Recorder(self.sessions, plan, self.calendar, self.home, actor())


def exit_refused(exc: Exception) -> None:
    """Print a refusal and exit with its code (2 bad input, 3 refused by the rules)."""
    from db.records import Refusal

    assert isinstance(exc, Refusal)
    err.print(f"未登记 refused: {exc.zh} / {exc.en}", markup=False, style="red")
    fail("未做任何改动 / nothing was written", Exit(exc.code))
