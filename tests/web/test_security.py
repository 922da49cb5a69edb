"""Security of the portal, each case asserting that nothing was written (no row, no file anywhere under the home)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
from fastapi.testclient import TestClient

from core.links import Grant, sign
from db.portal import revoke_links
from tests.db.conftest import Database
from tests.web.conftest import KEY, PDF, Site, csrf, make_site
from web.auth import COOKIE, INVALID_LINK

PDF_PART = [("file", ("plan.pdf", PDF, "application/pdf"))]


def assert_invalid(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert INVALID_LINK in response.text
    assert "set-cookie" not in response.headers


def test_tampered_token_is_401(site: Site) -> None:
    """One changed character of the signature, or of the payload, is refused."""
    token = site.link("eco")
    before = site.counts()
    client = site.client()
    head, _, tail = token.partition(".")

    def flip(text: str) -> str:  # a middle character: the last one of base64 may carry only padding bits
        mid = len(text) // 2
        return text[:mid] + ("A" if text[mid] != "A" else "B") + text[mid + 1:]

    assert_invalid(client.get(f"/b/{head}.{flip(tail)}"))
    assert_invalid(client.get(f"/b/{flip(head)}.{tail}"))
    assert_invalid(client.get("/b/garbage"))
    assert client.get("/").status_code == 401
    assert site.counts() == before


def test_expired_token_wrong_plan_and_session_as_link_are_401(site: Site) -> None:
    """An expired link, a link of another plan, and a session token used as a link: all 401, no session."""
    client = site.client()
    expired = sign(KEY, Grant(site.portal.plan.id, "eco", 0, datetime.now(UTC) - timedelta(minutes=1)))
    assert_invalid(client.get(f"/b/{expired}"))
    other_plan = sign(KEY, Grant("another-plan", "eco", 0, datetime.now(UTC) + timedelta(days=1)))
    assert_invalid(client.get(f"/b/{other_plan}"))
    session = sign(KEY, Grant(site.portal.plan.id, "eco", 0, datetime.now(UTC) + timedelta(days=1)), purpose="session")
    assert_invalid(client.get(f"/b/{session}"))
    other_key = sign("another-key-of-at-least-32-characters!!", Grant(site.portal.plan.id, "eco", 0,
                                                                         datetime.now(UTC) + timedelta(days=1)))
    assert_invalid(client.get(f"/b/{other_key}"))


def test_forged_session_cookie_is_401(site: Site) -> None:
    """A cookie that is a link token (not a session), or signed with another key, opens nothing."""
    client = site.client()
    client.cookies.set(COOKIE, site.link("eco"))
    assert client.get("/").status_code == 401


def test_revoked_link_and_its_session_stop_at_once(site: Site) -> None:
    """After a revocation the old link is 401, and the session already opened with it is 401 on the next request."""
    token = site.link("eco")
    client = site.client()
    assert client.get(f"/b/{token}").status_code == 303
    assert client.get("/").status_code == 200
    form = {"csrf": csrf(client)}
    revoke_links(site.database.sessions, plan_id=site.portal.plan.id, bureau="eco", actor="tester")
    before = site.counts()
    assert client.get("/").status_code == 401
    refused = client.post("/steps/mobilize.work-plan/checkin", data=form, files=PDF_PART)
    assert refused.status_code == 401
    assert_invalid(site.client().get(f"/b/{token}"))
    assert site.counts() == before
    assert site.login("eco").get("/").status_code == 200  # a new link of the new generation works


def test_bureau_on_another_bureaus_step_is_403(site: Site) -> None:
    """区水务局 does not own the work plan: 403 before anything is archived."""
    water = site.login("water")
    before = site.counts()
    for action, data in (("checkin", {}), ("ack", {}), ("extension", {"to": "2026-12-31", "reason": "x"})):
        files = PDF_PART if action == "checkin" else None
        response = water.post(f"/steps/mobilize.work-plan/{action}", data={"csrf": csrf(water), **data}, files=files)
        assert response.status_code == 403, (action, response.text)
        assert "不是本单位" in response.text
    assert site.counts() == before


def test_bureau_on_another_bureaus_file_is_404(site: Site) -> None:
    """eco's evidence is not water's to download."""
    import hashlib

    eco = site.login("eco")
    assert eco.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(eco)}, files=PDF_PART).status_code == 303
    sha = hashlib.sha256(PDF).hexdigest()
    water = site.login("water")
    response = water.get(f"/files/{sha}")
    assert response.status_code == 404 and PDF not in response.content


def test_missing_or_wrong_csrf_is_403(site: Site) -> None:
    """No token, a wrong one, or another session's: 403 and nothing written."""
    eco = site.login("eco")
    water = site.login("water")
    before = site.counts()
    for data in ({}, {"csrf": "x" * 43}, {"csrf": csrf(water)}):
        response = eco.post("/steps/mobilize.work-plan/checkin", data=data, files=PDF_PART)
        assert response.status_code == 403, data
        assert eco.post("/steps/mobilize.work-plan/ack", data=data).status_code == 403
    assert site.counts() == before


def test_upload_over_the_limit_is_413_and_leaves_no_file(database: Database) -> None:
    """With a 1 MB limit, 2 MB is refused at once (Content-Length) and while read (chunked): nothing anywhere."""
    site = make_site(database, LIANGSHAN_UPLOAD_MAX_MB="1")
    try:
        eco = site.login("eco")
        before = site.counts()
        big = PDF + b"0" * (2 * 1024 * 1024)
        response = eco.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(eco)},
                            files=[("file", ("big.pdf", big, "application/pdf"))])
        assert response.status_code == 413 and "超过 1 MB 的大小限制" in response.text
        assert response.headers["x-frame-options"] == "DENY"

        def chunks() -> Iterator[bytes]:
            yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\r\n" + PDF
            for _ in range(40):
                yield b"0" * 65536
            yield b"\r\n--b--\r\n"

        streamed = eco.post("/steps/mobilize.work-plan/checkin", content=chunks(),
                            headers={"content-type": "multipart/form-data; boundary=b"})
        assert streamed.status_code == 413
        assert site.counts() == before
        assert before["files"] == 0
    finally:
        site.portal.database.dispose()


def _multipart(token: str, filename: bytes, content: bytes) -> tuple[bytes, dict[str, str]]:
    """A multipart body written by hand, so the file name reaches the server byte for byte."""
    body = (b"--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + token.encode() + b"\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename + b"\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n" + content + b"\r\n--b--\r\n")
    return body, {"content-type": "multipart/form-data; boundary=b"}


def test_bad_file_names_and_contents_are_400(site: Site) -> None:
    """A path in the name, a NUL, a type not accepted, a renamed file and an empty file: 400, nothing kept."""
    eco = site.login("eco")
    before = site.counts()
    cases = [
        (b"../../etc/evil.pdf", PDF, "路径"),
        (b"..\\evil.pdf", PDF, "路径"),
        (b"plan\x00.pdf", PDF, "控制字符"),
        (b"run.exe", b"MZ\x90\x00", "不接受此类文件"),
        ("报告\u202efdp.pdf".encode(), PDF, "格式字符"),
        ("a\u200b.pdf".encode(), PDF, "U+200B"),
        (b"CON.pdf", PDF, "设备名"),
        (b".pdf", PDF, "只有扩展名"),
        (b"fake.pdf", b"<html>not a pdf</html>", "不符"),
        (b"empty.pdf", b"", "为空"),
    ]
    for filename, content, words in cases:
        body, headers = _multipart(csrf(eco), filename, content)
        response = eco.post("/steps/mobilize.work-plan/checkin", content=body, headers=headers)
        assert response.status_code == 400, (filename, response.status_code, response.text[:300])
        assert words in response.text, filename
        assert "\x00" not in response.text
    assert site.counts() == before


def test_dots_inside_a_name_are_accepted_and_a_case_title_with_u202e_is_refused(site: Site) -> None:
    """Only a path component ``..`` is dangerous: ``报告..终稿.pdf`` is handed in under its name. A case title
    with U+202E is 400 and writes nothing."""
    eco = site.login("eco")
    body, headers = _multipart(csrf(eco), "报告..终稿.pdf".encode(), PDF)
    assert eco.post("/steps/mobilize.work-plan/checkin", content=body, headers=headers).status_code == 303
    before = site.counts()
    refused = eco.post("/cases", data={"csrf": csrf(eco), "theme": "1", "title": "案例\u202e题标", "text": "x"})
    assert refused.status_code == 400 and "格式字符" in refused.text and "\u202e" not in refused.text
    assert site.counts() == before


def test_script_in_a_note_and_a_case_is_shown_as_text_to_the_office(site: Site) -> None:
    """Autoescaping: what a bureau types is text on the office's page, never markup."""
    eco = site.login("eco")
    evil = "<script>alert('x')</script>"
    assert eco.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(eco), "note": evil}).status_code == 303
    assert eco.post("/cases", data={"csrf": csrf(eco), "theme": "1", "title": f"案例{evil}", "text": evil}).status_code == 303
    page = site.login("office").get("/").text
    assert evil not in page and "<script" not in page
    assert page.count("&lt;script&gt;") >= 3


def test_flash_never_echoes_the_query(site: Site) -> None:
    """Only fixed codes become a message; anything else in ``ok`` is ignored."""
    eco = site.login("eco")
    page = eco.get("/?ok=<script>x</script>").text
    assert "<script" not in page and "&lt;script" not in page


def test_portal_refuses_to_start_without_a_good_key(database: Database) -> None:
    """No key, or a short one: create_app raises saying how to make one; the key never appears in the message."""
    import pytest

    from config.settings import Settings
    from web.app import PortalConfigError, create_app

    for key in ("", "short-key"):
        settings = Settings.from_env({**database.env(), "LIANGSHAN_SECRET_KEY": key})
        with pytest.raises(PortalConfigError) as info:
            create_app(settings)
        assert "secrets.token_urlsafe(48)" in str(info.value) and "LIANGSHAN_SECRET_KEY" in str(info.value)
        if key:
            assert key not in str(info.value)


def test_no_redirect_is_built_from_the_host_header(site: Site, database: Database) -> None:
    """``GET /history/`` with a forged Host answers a relative redirect, never one to that host; with
    LIANGSHAN_PORTAL_URL set, a redirect names no host but the portal's."""
    office = site.login("office")
    for path in ("/history/", "/history/?step=x"):
        response = office.get(path, headers={"host": "evil.example"})
        location = response.headers.get("location", "")
        assert response.status_code in (307, 308) and location.startswith("/history"), (response.status_code, location)
        assert "evil" not in location and not location.startswith("//")
    assert "evil" not in office.get("//evil.example/", headers={"host": "evil.example"}).headers.get("location", "")
    public = make_site(database, LIANGSHAN_PORTAL_URL="https://lsbs.example.gov.cn")
    try:
        client = TestClient(public.app, follow_redirects=False)
        response = client.get(f"/b/{public.link('eco')}", headers={"host": "evil.example"})
        assert response.status_code == 303 and "evil" not in response.headers["location"]
        assert client.get("/history/", headers={"host": "evil.example"}).headers["location"] in (
            "/history", "https://lsbs.example.gov.cn/history")
    finally:
        public.portal.database.dispose()
