"""一键催办 on both databases: `liangshan urge` and the office's button remind a step's owners now, once per item per
day, recorded in the history; refusals write nothing; with the WeCom app the 经办人 gets a textcard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from cli.main import app
from core.people import Person
from db.models import AuditEntry, OutboxMessage
from db.people import import_people
from tasks.wecom_api import forget_tokens
from tests.db.conftest import Database
from tests.web.conftest import Site, csrf, make_site
from tests.wecom_fake import fake_wecom

STEP = "mobilize.work-plan"  # eco's, overdue today when nothing was handed in
PLAN = "huyi-two-mountains"
runner = CliRunner()


def _urge(database: Database, *args: str) -> Result:
    return runner.invoke(app, ["urge", *args], env={**database.env(), "LIANGSHAN_NOTIFY_CONFIG": ""})


def _counts(database: Database) -> tuple[int, int]:
    with database.sessions() as session:
        return (session.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "urge")) or 0)


def test_urge_once_per_item_per_day_and_in_the_history(database: Database) -> None:
    done = _urge(database, STEP, "--note", "请本周内报送")
    assert done.exit_code == 0, done.output
    assert "已催办 研究制定工作方案：市生态环境局鄠邑分局" in done.stdout and "已入发件箱" in done.stdout
    with database.sessions() as session:
        (message,) = session.scalars(select(OutboxMessage))
    assert message.recipient == "eco" and "一键催办" in message.body and "请本周内报送" in message.body
    assert "督办/逾期" in message.subject and message.status == "pending"
    assert _counts(database) == (1, 1)
    again = _urge(database, STEP)
    assert again.exit_code == 3 and "每个事项每天只催办一次" in again.output and _counts(database) == (1, 1)
    history = runner.invoke(app, ["history", "--json"], env=database.env())
    assert '"urge"' in history.stdout


def test_urge_refusals_write_nothing(database: Database) -> None:
    assert _urge(database, "mobilize.work-plann").exit_code == 2
    assert _urge(database, "evaluate.national").exit_code == 3  # not open yet
    assert _counts(database) == (0, 0)


@pytest.fixture(name="wecom_env")
def fixture_wecom_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    forget_tokens()
    with fake_wecom() as fake:
        for name, value in {**fake.env(), "LIANGSHAN_PORTAL_URL": "https://lsbs.example.gov.cn"}.items():
            monkeypatch.setenv(name, value)
        yield fake
    forget_tokens()


def test_urge_reaches_the_clerk_by_textcard(database: Database, wecom_env: object) -> None:
    import_people(database.sessions, plan_id=PLAN, people=[(2, Person("eco", "张三", "经办人", "zhangsan"))], actor="t")
    done = _urge(database, STEP)
    assert done.exit_code == 0, done.output
    assert "发送成功 1" in done.stdout
    (card,) = wecom_env.messages  # type: ignore[attr-defined]
    assert card["touser"] == "zhangsan" and "一键催办" in card["textcard"]["title"] and card["textcard"]["btntxt"] == "去报送"


def test_the_office_button_urges_and_a_bureau_cannot(database: Database) -> None:
    site: Site = make_site(database)
    try:
        office = site.login("office")
        page = office.get("/")
        assert f'action="/steps/{STEP}/urge"' in page.text
        eco = site.login("eco")
        assert eco.post(f"/steps/{STEP}/urge", data={"csrf": csrf(eco)}).status_code == 403
        assert office.post(f"/steps/{STEP}/urge", data={}).status_code == 403  # no form token
        assert _counts(database) == (0, 0)
        done = office.post(f"/steps/{STEP}/urge", data={"csrf": csrf(office)})
        assert done.status_code == 303 and "已催办" in office.get(done.headers["location"]).text
        assert _counts(database) == (1, 1)
        again = office.post(f"/steps/{STEP}/urge", data={"csrf": csrf(office)})
        assert again.status_code == 409 and "每天只催办一次" in again.text and _counts(database) == (1, 1)
    finally:
        for client in site.clients:
            client.close()
        site.portal.database.dispose()
