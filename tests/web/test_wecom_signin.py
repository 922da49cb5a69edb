"""企业微信网页授权 on both databases, against the fake WeCom over real HTTP: the redirect, the callback that opens
the person's session, and the refusals (forged, foreign or replayed state 400; not listed 403; WeCom error 502)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from core.people import Person
from db.people import import_people
from tasks.wecom_api import forget_tokens
from tests.db.conftest import Database
from tests.web.conftest import Site, csrf, make_site
from tests.wecom_fake import AGENT_ID, CORP_ID, SECRET, FakeWeCom, fake_wecom
from web.routes.wecom import STATE_COOKIE

PLAN = "huyi-two-mountains"
ECO = "市生态环境局鄠邑分局"


@pytest.fixture(name="wecom")
def fixture_wecom(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Site, FakeWeCom]]:
    """The portal with the WeCom app pointed at the fake; 张三 (eco, 经办人, userid ZhangSan) on the list."""
    forget_tokens()
    import_people(database.sessions, plan_id=PLAN, people=[(2, Person("eco", "张三", "经办人", "ZhangSan"))], actor="t")
    with fake_wecom() as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        site = make_site(database, LIANGSHAN_PORTAL_URL="http://testserver")
        yield site, fake
        for client in site.clients:
            client.close()
        site.portal.database.dispose()
    forget_tokens()


def _authorize(site: Site, fake: FakeWeCom, member: str):  # type: ignore[no-untyped-def]
    """A browser that went to WeCom and came back: (the browser, the callback's path and query)."""
    browser = site.client()
    start = browser.get("/auth/wecom")
    assert start.status_code == 302
    fake.signed_in = member
    back = httpx.get(start.headers["location"].split("#", 1)[0], follow_redirects=False)  # WeCom's page
    assert back.status_code == 302
    parts = urlsplit(back.headers["location"])
    return browser, f"{parts.path}?{parts.query}"


def test_the_redirect_asks_wecom_for_a_base_sign_in(wecom: tuple[Site, FakeWeCom]) -> None:
    site, fake = wecom
    response = site.client().get("/auth/wecom")
    assert response.status_code == 302 and STATE_COOKIE in response.cookies
    location = response.headers["location"]
    assert location.startswith(f"{fake.base}/connect/oauth2/authorize?") and location.endswith("#wechat_redirect")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["appid"] == CORP_ID and query["agentid"] == AGENT_ID and query["scope"] == "snsapi_base"
    assert query["response_type"] == "code" and query["redirect_uri"] == "http://testserver/auth/wecom/callback"
    assert query["state"].startswith(response.cookies[STATE_COOKIE] + ".")
    assert SECRET not in location


def test_the_callback_opens_the_persons_session(wecom: tuple[Site, FakeWeCom]) -> None:
    site, fake = wecom
    browser, back = _authorize(site, fake, "zhangsan")  # WeCom compares userids without case
    done = browser.get(back)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert browser.get("/").status_code == 200
    checked = browser.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(browser)})
    assert checked.status_code == 303
    assert f"张三（{ECO}·经办人）" in browser.get("/history").text
    assert browser.get(back).status_code == 400  # the same state again: spent


def test_a_forged_or_foreign_state_is_400_and_writes_nothing(wecom: tuple[Site, FakeWeCom]) -> None:
    site, fake = wecom
    browser, back = _authorize(site, fake, "ZhangSan")
    before = site.counts()
    path, query = back.split("?", 1)
    fields = {k: v[0] for k, v in parse_qs(query).items()}
    nonce, until, mac = fields["state"].split(".")
    forged = f"{path}?code={fields['code']}&state={nonce}.{int(until) + 999}.{mac}"
    assert browser.get(forged).status_code == 400
    assert site.client().get(back).status_code == 400  # another browser (no cookie) cannot use this state
    assert browser.get(f"{path}?code={fields['code']}").status_code == 400
    assert site.counts() == before
    assert browser.get(back).status_code == 303  # the real one still works: refusals spent nothing


def test_an_unlisted_member_is_403_and_a_wecom_error_is_502(wecom: tuple[Site, FakeWeCom]) -> None:
    site, fake = wecom
    browser, back = _authorize(site, fake, "stranger")
    refused = browser.get(back)
    assert refused.status_code == 403 and "您尚未登记，请联系区两山办" in refused.text
    assert "liangshan_session" not in refused.cookies
    browser, back = _authorize(site, fake, "ZhangSan")
    fake.codes.clear()  # WeCom no longer knows the code (used or expired): errcode 40029
    before = site.counts()
    failed = browser.get(back)
    assert failed.status_code == 502 and "企业微信暂时无法确认您的身份" in failed.text and SECRET not in failed.text
    assert site.counts() == before and "liangshan_session" not in failed.cookies


def test_without_the_app_the_sign_in_is_404(database: Database) -> None:
    site = make_site(database, LIANGSHAN_PORTAL_URL="http://testserver")
    try:
        assert site.client().get("/auth/wecom").status_code == 404
        assert site.client().get("/auth/wecom/callback?code=x&state=y").status_code == 404
    finally:
        for client in site.clients:
            client.close()
        site.portal.database.dispose()
