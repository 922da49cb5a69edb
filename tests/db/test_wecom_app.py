"""Reminders through the WeCom application on both databases, against a fake WeCom over real HTTP: a textcard
to a bureau's 经办人 with a 去报送 button, one token fetch per run, a refresh on an expired token, failures
retried by the outbox, invaliduser recorded and listed, a bureau without people on WeCom on its channels."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app
from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.people import Person
from core.workdays import WorkdayCalendar
from db.models import DeliveryAttempt, OutboxMessage, utcnow
from db.people import import_people
from tasks.notifier import RecordingNotifier
from tasks.notify import run_notifications
from tasks.wecom_api import forget_tokens
from tests.db.conftest import Database
from tests.wecom_fake import SECRET, FakeWeCom, fake_wecom

PLAN = "huyi-two-mountains"
OPENED = date(2024, 4, 2)  # mobilize.work-plan opens for eco: a 可以开始 reminder
OVERDUE = date(2024, 4, 25)  # mobilize.work-plan (due 4月中旬) is overdue: 逾期, so 分管领导 too
PORTAL = "https://lsbs.example.gov.cn"


@pytest.fixture(name="fake")
def fixture_fake(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeCom]:
    """The fake WeCom, the app pointed at it, and eco's people: 张三 (经办人), 李四 (分管领导) and 周九 (经办人)."""
    forget_tokens()
    people = [Person("eco", "张三", "经办人", "zhangsan"), Person("eco", "李四", "分管领导", "lisi"),
              Person("eco", "周九", "经办人", "zhoujiu"), Person("water", "赵六", "经办人")]
    import_people(database.sessions, plan_id=PLAN, people=list(enumerate(people, start=2)), actor="tester")
    with fake_wecom() as fake:
        for name, value in {**fake.env(), **database.env(), "LIANGSHAN_PORTAL_URL": PORTAL,
                            "LIANGSHAN_SECRET_KEY": "k" * 40}.items():
            monkeypatch.setenv(name, value)
        yield fake
    forget_tokens()


def _run(database: Database, day: date, inner: RecordingNotifier) -> object:
    plan = load_plan(DEFAULT_PLAN)
    return run_notifications(plan, WorkdayCalendar(), [], day, inner, database.sessions, home=database.home)


def _eco_messages(database: Database) -> list[OutboxMessage]:
    with database.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "eco")))


def test_a_reminder_reaches_the_clerks_as_a_textcard_once(database: Database, fake: FakeWeCom) -> None:
    inner = RecordingNotifier()
    _run(database, OPENED, inner)
    cards = [m for m in fake.messages if m["msgtype"] == "textcard"]
    assert len(cards) == 1 and fake.fetches == 1
    card = cards[0]
    assert card["touser"] == "zhangsan|zhoujiu" and card["agentid"] == 1000002  # 经办人 only, batched
    assert card["textcard"]["btntxt"] == "去报送" and card["textcard"]["url"] == f"{PORTAL}/auth/wecom"
    assert "市生态环境局鄠邑分局" in card["textcard"]["title"] and "/b/" not in card["textcard"]["description"]
    assert len(card["textcard"]["description"].encode()) <= 512
    assert "eco" not in {s.recipient for s in inner.sent}  # eco's people got the card, not its channels
    assert [m.status for m in _eco_messages(database)] == ["sent"]
    _run(database, OPENED, inner)  # the same day again: the outbox sends nothing twice
    assert len(fake.messages) == 1


def test_an_overdue_reminder_also_reaches_the_deputy_head(database: Database, fake: FakeWeCom) -> None:
    _run(database, OVERDUE, RecordingNotifier())
    (card,) = [m for m in fake.messages if m["msgtype"] == "textcard"]
    assert card["touser"] == "zhangsan|lisi|zhoujiu" and "督办/逾期" in card["textcard"]["title"]


def test_a_bureau_without_people_on_wecom_keeps_its_channels(database: Database, fake: FakeWeCom) -> None:
    """water's only person has no userid: water's reminder goes to its channels, as before the app."""
    inner = RecordingNotifier()
    _run(database, OVERDUE, inner)
    assert "water" not in "|".join(m["touser"] for m in fake.messages)
    assert {s.recipient for s in inner.sent} >= {"office"}


def test_an_expired_token_is_fetched_again_once(database: Database, fake: FakeWeCom) -> None:
    from config.wecom import wecom_app
    from tasks.wecom_api import WeComClient

    WeComClient(wecom_app()).token()  # type: ignore[arg-type]
    fake.expire_tokens()  # WeCom dropped it before its time (another process fetched a new one)
    _run(database, OPENED, RecordingNotifier())
    assert fake.fetches == 2 and len(fake.messages) == 1
    assert [m.status for m in _eco_messages(database)] == ["sent"]


def test_a_token_within_five_minutes_of_expiry_is_not_used(database: Database, fake: FakeWeCom) -> None:
    fake.expires_in = 299  # already inside the five-minute margin: every call fetches a fresh one
    from config.wecom import wecom_app
    from tasks.wecom_api import WeComClient

    client = WeComClient(wecom_app())  # type: ignore[arg-type]
    first, second = client.token(), client.token()
    assert first != second and fake.fetches == 2
    fake.expires_in = 7200
    third, fourth = client.token(), client.token()
    assert third == fourth and fake.fetches == 3


def test_another_errcode_is_a_failed_delivery_retried_by_the_outbox(database: Database, fake: FakeWeCom,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.send_errcodes = [45009]  # API freq out of limit
    _run(database, OPENED, RecordingNotifier())
    (message,) = _eco_messages(database)
    assert message.status == "failed" and fake.messages == []
    with database.sessions() as session:
        attempts = [a.results for a in session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.message_id == message.id))]
    assert "45009" in json.dumps(attempts, ensure_ascii=False)
    from db import outbox
    from tasks.wecom_app import with_wecom_app

    notifier = with_wecom_app(RecordingNotifier(), load_plan(DEFAULT_PLAN), database.sessions)
    assert notifier is not None
    outbox.deliver(database.sessions, notifier.send, lambda r: bool(notifier.channels(r)),
                   now=utcnow() + timedelta(hours=2), plan_id=PLAN)
    assert [m.status for m in _eco_messages(database)] == ["sent"] and len(fake.messages) == 1
    with database.sessions() as session:
        stored = json.dumps([[m.last_error, m.body] for m in session.scalars(select(OutboxMessage))], ensure_ascii=False)
        stored += json.dumps([a.results for a in session.scalars(select(DeliveryAttempt))], ensure_ascii=False)
    assert SECRET not in stored and SECRET not in caplog.text
    assert not any(token in caplog.text for token in fake.tokens)


def test_invaliduser_is_recorded_and_listed(database: Database, fake: FakeWeCom) -> None:
    fake.invalid = {"zhoujiu"}
    fake.unlicensed = {"zhangsan"}
    _run(database, OPENED, RecordingNotifier())
    listed = CliRunner().invoke(app, ["people", "list", "--bureau", "eco"], env=database.env())
    assert "zhoujiu（企业微信：账号无效）" in listed.stdout and "zhangsan（企业微信：未获应用许可）" in listed.stdout
    rows = json.loads(CliRunner().invoke(app, ["people", "list", "--json"], env=database.env()).stdout)
    assert {r["name"]: r["wecom_problem"] for r in rows if r["bureau"] == "eco"} == {
        "张三": "unlicenseduser", "李四": "", "周九": "invaliduser"}


def test_bureaus_delivered_in_parallel_share_one_token_fetch(database: Database, fake: FakeWeCom) -> None:
    """Eight deliveries asking at once for the run's token: WeCom is asked once."""
    from concurrent.futures import ThreadPoolExecutor

    from config.wecom import wecom_app
    from tasks.wecom_api import WeComClient

    app_config = wecom_app()
    assert app_config is not None
    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = set(pool.map(lambda _: WeComClient(app_config).token(), range(8)))
    assert len(tokens) == 1 and fake.fetches == 1


def test_the_office_digest_names_the_people_wecom_refused(database: Database, fake: FakeWeCom) -> None:
    fake.invalid = {"zhoujiu"}
    _run(database, OPENED, RecordingNotifier())
    inner = RecordingNotifier()
    _run(database, date(2024, 4, 22), inner)  # a Monday: the office's weekly digest
    (digest,) = [s for s in inner.sent if s.recipient == "office"]
    assert "企业微信未送达的人员" in digest.body and "周九（市生态环境局鄠邑分局·账号无效）" in digest.body
    assert "zhoujiu" not in digest.body and "张三" not in digest.body.split("企业微信未送达的人员")[1]
