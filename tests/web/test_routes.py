"""The portal's routes on both databases: sessions, roles, status codes, and what each action writes."""

from __future__ import annotations

from datetime import date, datetime

from core.events import SHANGHAI
from db.evidence import archive_path
from db.records import CheckInRequest
from tests.db.conftest import Database
from tests.web.conftest import KEY, PDF, Site, csrf, make_site

SECURITY = {
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
}


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=SHANGHAI)


def upstream_of_compile(database: Database) -> None:
    """Record mobilize.work-plan, mobilize.commission and draft.survey, so draft.compile (reviewed) is open."""
    recorder = database.recorder()
    recorder.checkin(CheckInRequest("mobilize.work-plan", "eco", at=at("2024-04-08")))
    recorder.checkin(CheckInRequest("mobilize.commission", "eco", at=at("2024-04-12")))
    recorder.checkin(CheckInRequest("draft.survey", "tech", at=at("2024-04-30")))


def test_link_sets_session_and_page_lists_the_bureaus_steps(site: Site) -> None:
    """A link becomes an HttpOnly session cookie; the page shows the bureau's overdue step first."""
    client = site.client()
    response = client.get(f"/b/{site.link('eco')}")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    page = client.get("/")
    assert page.status_code == 200
    assert "区生态环境局" in page.text or "生态环境" in page.text
    first = page.text.index("研究制定工作方案")
    assert "逾期" in page.text[:first + 2000]
    assert page.text.index("研究制定工作方案") < page.text.index("委托技术单位编制实施方案")


def test_every_page_has_the_security_headers(site: Site) -> None:
    """CSP, no-referrer, frame denial and no-store on pages; the same headers on the 401 page and static files."""
    client = site.login("eco")
    for path in ("/", "/history", "/api/owed", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200, path
        for name, value in SECURITY.items():
            assert response.headers[name] == value, (path, name)
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
    anonymous = site.client().get("/")
    assert anonymous.status_code == 401 and anonymous.headers["referrer-policy"] == "no-referrer"
    css = client.get("/static/portal.css")
    assert css.status_code == 200 and css.headers["x-frame-options"] == "DENY"


def test_no_session_is_401_with_advice(site: Site) -> None:
    """Without a session every page is a 401 page that says to ask the office."""
    response = site.client().get("/")
    assert response.status_code == 401
    assert "链接无效或已过期，请联系领导小组办公室获取新的链接" in response.text
    assert site.client().get("/api/owed").status_code == 401


def test_api_owed_for_a_bureau_and_the_office(site: Site) -> None:
    """A bureau gets its own owed deliverables; the office every bureau's, each with its bureau."""
    mine = site.login("eco").get("/api/owed").json()
    assert mine["bureau"] == "eco"
    first = mine["items"][0]
    assert set(first) == {"step", "title", "deliverable", "due", "status", "light"}
    assert {"step": "mobilize.work-plan", "deliverable": "work-plan"}.items() <= next(
        i for i in mine["items"] if i["step"] == "mobilize.work-plan").items()
    assert first["status"] == "overdue" and first["light"] == "red"
    everyone = site.login("office").get("/api/owed").json()
    assert everyone["bureau"] == "office"
    assert {i["bureau"] for i in everyone["items"]} >= {"eco", "qinling"}


def test_happy_checkin_with_a_pdf_downloadable_by_uploader_and_office(site: Site) -> None:
    """eco checks in the work plan with a PDF: one row per deliverable, the file archived and downloadable."""
    eco = site.login("eco")
    before = site.counts()
    response = eco.post("/steps/mobilize.work-plan/checkin",
                        data={"csrf": csrf(eco), "note": "印发稿", "deliverable": ["work-plan"]},
                        files=[("file", ("工作方案.pdf", PDF, "application/pdf"))])
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/?ok=checkin"
    after = site.counts()
    assert after["checkins"] == before["checkins"] + 1 and after["evidence"] == before["evidence"] + 1
    assert "已报送" in eco.get(response.headers["location"]).text
    import hashlib

    sha = hashlib.sha256(PDF).hexdigest()
    assert archive_path(site.database.home, sha).read_bytes() == PDF
    assert not list((site.database.home / "evidence" / "tmp").glob("*")), "the spool folder is emptied"
    download = eco.get(f"/files/{sha}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert site.login("office").get(f"/files/{sha}").status_code == 200
    assert site.login("water").get(f"/files/{sha}").status_code == 404
    assert eco.get("/files/" + "0" * 64).status_code == 404
    assert eco.get("/files/not-a-hash").status_code == 404


def test_checkin_of_all_owed_then_same_again_is_not_recorded_twice(site: Site) -> None:
    """No deliverable named means all of them; the same file again records nothing new."""
    eco = site.login("eco")
    form = {"csrf": csrf(eco)}
    files = [("file", ("plan.pdf", PDF, "application/pdf"))]
    first = eco.post("/steps/mobilize.work-plan/checkin", data=form, files=files)
    assert first.status_code == 303
    assert site.counts()["checkins"] == 2  # work-plan and task-breakdown
    again = eco.post("/steps/mobilize.work-plan/checkin", data=form, files=files)
    assert again.status_code == 303 and again.headers["location"] == "/?ok=again"
    assert site.counts()["checkins"] == 2


def test_blocked_step_is_409_naming_upstream_and_writes_nothing(site: Site) -> None:
    """mobilize.commission waits for the work plan: 409 with its title, no file kept."""
    eco = site.login("eco")
    before = site.counts()
    response = eco.post("/steps/mobilize.commission/checkin", data={"csrf": csrf(eco)},
                        files=[("file", ("contract.pdf", PDF, "application/pdf"))])
    assert response.status_code == 409
    assert "研究制定工作方案" in response.text and "前置步骤尚未完成" in response.text
    assert site.counts() == before


def test_review_queue_accept_and_return_by_the_office_only(site: Site) -> None:
    """A reviewed step waits in the office's queue; a bureau may not review (403); the office accepts.

    tech leads draft.compile (eco helps): tech's hand-in is the one that waits for review."""
    upstream_of_compile(site.database)
    tech = site.login("tech")
    checked = tech.post("/steps/draft.compile/checkin", data={"csrf": csrf(tech), "note": "初稿"},
                       files=[("file", ("实施方案.pdf", PDF, "application/pdf"))])
    assert checked.status_code == 303, checked.text
    office = site.login("office")
    page = office.get("/")
    assert page.status_code == 200 and "待审核（1）" in page.text and "实施方案.pdf" in page.text
    before = site.counts()
    refused = tech.post("/steps/draft.compile/review", data={"csrf": csrf(tech), "decision": "accept"})
    assert refused.status_code == 403 and site.counts() == before
    no_reason = office.post("/steps/draft.compile/review", data={"csrf": csrf(office), "decision": "return"})
    assert no_reason.status_code == 400 and site.counts() == before
    returned = office.post("/steps/draft.compile/review",
                           data={"csrf": csrf(office), "decision": "return", "reason": "缺少附图", "resubmit_by": "2026-12-10"})
    assert returned.status_code == 303, returned.text
    assert site.counts()["reviews"] == before["reviews"] + 1
    bureau_page = tech.get("/").text
    assert "缺少附图" in bureau_page and "2026-12-10" in bureau_page
    again = tech.post("/steps/draft.compile/checkin", data={"csrf": csrf(tech), "note": "补充附图"},
                     files=[("file", ("实施方案v2.pdf", PDF + b"% v2\n", "application/pdf"))])
    assert again.status_code == 303
    accepted = office.post("/steps/draft.compile/review", data={"csrf": csrf(office), "decision": "accept"})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/?ok=review"
    assert "待审核（0）" in office.get("/").text


def test_ack_and_extension_request_then_office_decides(site: Site) -> None:
    """签收 is one row; an extension request is pending with a preview; the office approves it."""
    eco = site.login("eco")
    acked = eco.post("/steps/mobilize.work-plan/ack", data={"csrf": csrf(eco)})
    assert acked.status_code == 303 and acked.headers["location"] == "/?ok=ack"
    assert site.counts()["acks"] == 1
    assert "已签收" in eco.get("/").text
    bad_date = eco.post("/steps/mobilize.work-plan/extension", data={"csrf": csrf(eco), "to": "明天", "reason": "x"})
    assert bad_date.status_code == 400 and site.counts()["extensions"] == 0
    asked = eco.post("/steps/mobilize.work-plan/extension",
                     data={"csrf": csrf(eco), "to": "2026-12-31", "reason": "等待区政府审定"})
    assert asked.status_code == 303, asked.text
    assert site.counts()["extensions"] == 1
    office = site.login("office")
    page = office.get("/")
    assert "延期申请（1）" in page.text and "等待区政府审定" in page.text and "计划预计完成" in page.text
    with site.database.sessions() as session:
        from db.portal import extension_rows

        (row,) = extension_rows(session=session, plan_id=site.portal.plan.id)
    forbidden = eco.post(f"/extensions/{row['id']}", data={"csrf": csrf(eco), "decision": "approve"})
    assert forbidden.status_code == 403
    form = {"csrf": csrf(office), "decision": "approve", "to": "2026-12-31"}
    confirm = office.post(f"/extensions/{row['id']}", data=form)  # it moves the plan's end: asked to confirm
    assert confirm.status_code == 200 and "确认同意" in confirm.text
    decided = office.post(f"/extensions/{row['id']}", data={**form, "confirm": "1"})
    assert decided.status_code == 303, decided.text
    assert "原定截止" in eco.get("/").text


def test_office_acts_for_a_bureau_on_its_page(site: Site) -> None:
    """The office opens a bureau's view and checks in on its behalf; the row names both."""
    office = site.login("office")
    page = office.get("/?bureau=eco")
    assert page.status_code == 200 and 'name="on_behalf_of" value="eco"' in page.text
    response = office.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(office), "on_behalf_of": "eco"},
                           files=[("file", ("plan.pdf", PDF, "application/pdf"))])
    assert response.status_code == 303 and response.headers["location"] == "/?bureau=eco&ok=checkin"
    from sqlalchemy import select

    from db.models import CheckInRow

    with site.database.sessions() as session:
        rows = session.scalars(select(CheckInRow)).all()
    assert {(r.bureau, r.on_behalf_of, r.recorded_by) for r in rows} == {("office", "eco", "portal:office")}
    assert office.get("/?bureau=nobody").status_code == 404


def test_indicator_value_and_case(site: Site) -> None:
    """eco records an owed indicator value and adds a case; another bureau's indicator is 403."""
    eco = site.login("eco")
    page = eco.get("/").text
    assert "指标数值" in page and "典型案例" in page
    year = date(2025, 1, 1).year
    ok = eco.post(f"/indicators/1/{year}", data={"csrf": csrf(eco), "value": "96.5"})
    assert ok.status_code == 303, ok.text
    yes = eco.post(f"/indicators/8b/{year}", data={"csrf": csrf(eco), "value": "88"})
    assert yes.status_code == 303
    not_a_number = eco.post(f"/indicators/1/{year}", data={"csrf": csrf(eco), "value": "很多"})
    assert not_a_number.status_code == 400
    before = site.counts()
    theirs = eco.post(f"/indicators/3a/{year}", data={"csrf": csrf(eco), "value": "50"})
    assert theirs.status_code == 403 and site.counts() == before
    case = eco.post("/cases", data={"csrf": csrf(eco), "theme": "1", "title": "碳汇交易试点", "text": "首笔交易"},
                    files=[("file", ("photo.png", b"\x89PNG\r\n\x1a\n....", "image/png"))])
    assert case.status_code == 303, case.text
    assert site.counts()["cases"] == 1 and site.counts()["values"] == 2
    not_theirs = eco.post("/cases", data={"csrf": csrf(eco), "theme": "3", "title": "秦岭", "text": ""})
    assert not_theirs.status_code == 403 and site.counts()["cases"] == 1


def test_history_lists_the_bureaus_own_acts(site: Site) -> None:
    """After a check-in, the bureau's history shows it (报送)."""
    eco = site.login("eco")
    eco.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(eco)})
    page = eco.get("/history")
    assert page.status_code == 200 and "报送" in page.text and "研究制定工作方案" in page.text


def test_healthz(site: Site) -> None:
    """No session needed; the body says nothing but ok."""
    response = site.client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_secure_cookie_behind_https(database: Database) -> None:
    """With an https portal URL the session cookie is Secure."""
    site = make_site(database, LIANGSHAN_PORTAL_URL="https://portal.example.cn")
    try:
        response = site.client().get(f"/b/{site.link('eco')}")
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]
    finally:
        site.portal.database.dispose()
    assert KEY not in response.text


def test_error_pages_say_the_limit_whom_to_call_and_keep_what_was_typed(database: Database) -> None:
    """413 names the limit in MB; 401 names the office's contact from the plan's settings; a refused form
    comes back filled with what was typed (the reason, the date) and posts to the same action."""
    site = make_site(database, LIANGSHAN_UPLOAD_MAX_MB="3")
    try:
        eco = site.login("eco")
        big = eco.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(eco)},
                       files=[("file", ("big.pdf", PDF + b"0" * (4 * 1024 * 1024), "application/pdf"))])
        assert big.status_code == 413 and "3 MB" in big.text

        locked_out = site.client().get("/b/not-a-token")
        assert locked_out.status_code == 401
        assert site.portal.plan.settings.office_contact and site.portal.plan.settings.office_contact in locked_out.text

        reason = "汛期施工，需推迟两周完成"
        refused = eco.post("/steps/mobilize.work-plan/extension", data={"csrf": csrf(eco), "to": "2026-13-45", "reason": reason})
        assert refused.status_code == 400 and site.counts()["extensions"] == 0
        assert "您填写的内容已保留" in refused.text
        assert f">{reason}</textarea>" in refused.text and 'value="2026-13-45"' in refused.text
        assert 'action="/steps/mobilize.work-plan/extension"' in refused.text

        title = "案例\u202e题标"
        case = eco.post("/cases", data={"csrf": csrf(eco), "theme": "1", "title": title, "text": "正文"})
        assert case.status_code == 400 and ">正文</textarea>" in case.text
        assert 'value="案例题标"' in case.text and "\u202e" not in case.text  # kept, without the invisible character
    finally:
        site.portal.database.dispose()
