"""What a bureau and the office read on the portal's pages (issue 21): counts that agree with the board,
titles instead of ids, 签收 only when it is asked for, hand-ins listed, long pages folded."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from config.settings import DEFAULT_PLAN
from core.performance import bureau_performance
from db.records import CheckInRequest, ReviewRequest
from tests.web.conftest import PDF, Site, csrf
from web.routes.common import read_board


def board_overdue(site: Site) -> dict[str, int]:
    """Each bureau's red count as the board (``status``, the circular's ranking) tallies it."""
    _, board = read_board(site.portal)
    return {s.bureau: s.overdue for s in bureau_performance(site.portal.plan, board)}


def test_overdue_counts_agree_with_the_board_on_the_bureau_page_and_the_office_cards(site: Site) -> None:
    """A bureau whose only red steps are cases or indicator values shows 逾期 N, the board's N, on both pages."""
    expected = board_overdue(site)
    assert expected["rural"] > 0  # rural owes only cases: every one of them is red today
    page = site.login("rural").get("/").text
    assert f"逾期 {expected['rural']}" in page
    office = site.login("office").get("/").text
    cards = office[office.index("<h2>各单位</h2>"):]
    for bureau, n in expected.items():
        if bureau == "office":  # the office has its own section, not a card
            continue
        name = site.portal.plan.bureau_name(bureau)
        assert f">{name}</a>" in cards, (bureau, name)
        card = cards[cards.index(f">{name}</a>"):]
        card = card[:card.index("</article>")]
        assert (f"逾期 {n}" in card) if n else ("逾期" not in card), (bureau, n, card)


def visible(html: str) -> str:
    """The text a reader sees: tags (with their attributes: form actions, anchors) removed."""
    return re.sub(r"<[^>]+>", " ", html)


def plan_ids(site: Site) -> set[str]:
    """Every step id and every deliverable id of a step a bureau hands in (ids that read as words)."""
    plan = site.portal.plan
    return set(plan.steps) | {d.id for s in plan.steps.values() if not s.collected for d in s.deliverables}


def test_no_internal_ids_on_any_page_and_the_history_says_titles_values_files_and_who(site: Site) -> None:
    """After a hand-in, a value (2b/2026) and a case (theme-1/…), no page shows an id; the history names
    the step and deliverable, the indicator and its value, the case theme, the file and the person."""
    eco = site.login("eco")
    assert eco.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(eco), "deliverable": ["work-plan"]},
                    files=[("file", ("工作方案.pdf", PDF, "application/pdf"))]).status_code == 303
    assert eco.post("/indicators/2b/2025", data={"csrf": csrf(eco), "value": "61.5"}).status_code == 303
    assert eco.post("/cases", data={"csrf": csrf(eco), "theme": "1", "title": "碳汇交易试点", "text": "首笔交易"},
                    ).status_code == 303
    office = site.login("office")
    pages = {"eco /": eco.get("/").text, "eco /history": eco.get("/history").text, "office /": office.get("/").text,
             "office eco": office.get("/?bureau=eco").text, "office history": office.get("/history?bureau=eco").text}
    ids = plan_ids(site)
    for name, html in pages.items():
        text = visible(html)
        words = set(re.findall(r"[A-Za-z0-9][\w.-]*", text))
        assert not words & ids, (name, sorted(words & ids))
        assert not re.search(r"theme-\d|\b\d+[a-z]?/20\d\d\b", text), name
    history = visible(pages["eco /history"])
    plan = site.portal.plan
    indicator = next(i for i in plan.indicators if i.id == "2b")
    assert "研究制定工作方案" in history and "工作方案.pdf" in history
    assert indicator.title in history and "61.5" in history
    assert "碳汇交易试点" in history and plan.case_themes[0].title in history
    assert plan.bureau_name("eco") in history and "portal:eco" not in history


def ack_forms(html: str) -> set[str]:
    """The steps the page offers to 签收."""
    return set(re.findall(r'action="/steps/([^"/]+)/ack"', html))


def test_ack_is_asked_only_for_a_step_opened_recently_and_not_yet_handed_in(site: Site) -> None:
    """No 签收 for steps that opened in 2024; a step opened today by its upstream's hand-in is asked for, until
    it is acknowledged or handed in (submitted for review)."""
    eco = site.login("eco")
    assert ack_forms(eco.get("/").text) == set()  # every open step of eco opened two years ago
    assert "未签收" not in visible(eco.get("/").text)
    now = datetime.now(UTC)
    recorder = site.database.recorder()
    for step, by in (("mobilize.work-plan", "eco"), ("mobilize.commission", "eco")):
        recorder.checkin(CheckInRequest(step, by, at=now))
    assert "mobilize.leading-group" in ack_forms(eco.get("/").text)  # opened today: work-plan was handed in
    tech = site.login("tech")
    assert ack_forms(tech.get("/").text) == {"draft.survey"}  # opened today: its upstream was handed in
    assert tech.post("/steps/draft.survey/ack", data={"csrf": csrf(tech)}).status_code == 303
    assert ack_forms(tech.get("/").text) == set() and "已签收" in tech.get("/").text
    recorder.checkin(CheckInRequest("draft.survey", "tech", at=now))
    assert "draft.compile" in ack_forms(eco.get("/").text)  # opened today
    assert eco.post("/steps/draft.compile/checkin", data={"csrf": csrf(eco)},
                    files=[("file", ("实施方案.pdf", PDF, "application/pdf"))]).status_code == 303
    assert "draft.compile" not in ack_forms(eco.get("/").text)  # handed in, awaiting review


def test_the_ack_window_is_the_plans_setting(site: Site) -> None:
    """The window is ``settings.ack_window_workdays`` with an assumption saying why (the plan file)."""
    plan = site.portal.plan
    assert plan.settings.ack_window_workdays == 10
    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    assert "ack_window_workdays: 10" in text and "    ack_window_workdays: " in text


def card(html: str, step: str) -> str:
    """The card of one step on a bureau's page."""
    start = html.index(f'id="step-{step}"')
    return html[start:html.index("</article>", start)]


def test_one_upload_per_deliverable_and_the_card_lists_what_was_handed_in(site: Site) -> None:
    """A step owing two deliverables offers one form (one file field) for each, sent with the same contract;
    after a hand-in its card lists per deliverable the file name, size, time and version, older versions folded."""
    plan = site.portal.plan
    titles = {d.id: d.title for d in plan.steps["mobilize.work-plan"].deliverables}
    assert len(titles) == 2
    eco = site.login("eco")
    before = card(eco.get("/").text, "mobilize.work-plan")
    assert "不选即全部" not in before
    forms = re.findall(r'<form method="post" action="/steps/mobilize.work-plan/checkin".*?</form>', before, re.S)
    assert sorted(re.search(r'name="deliverable" value="([^"]+)"', f)[1] for f in forms) == sorted(titles)
    assert all(f.count('type="file"') == 1 for f in forms)
    for version, name in ((1, "工作方案（初稿）.pdf"), (2, "工作方案（印发稿）.pdf")):
        sent = eco.post("/steps/mobilize.work-plan/checkin",
                        data={"csrf": csrf(eco), "deliverable": "work-plan", "note": f"第{version}稿"},
                        files=[("file", (name, PDF + bytes(version), "application/pdf"))])
        assert sent.status_code == 303, sent.text
    after = card(eco.get("/").text, "mobilize.work-plan")
    shown = visible(after)
    latest = shown.index("工作方案（印发稿）.pdf")
    assert titles["work-plan"] in shown[:latest] and "第 2 版" in shown[:latest]
    assert re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d", shown[:latest]) and "KB" in shown[latest:latest + 40]
    older = after[after.index("<details><summary>更早的版本"):]
    assert "工作方案（初稿）.pdf" in older and "第 1 版" in older
    # What is still owed keeps its form; the deliverable handed in is no longer asked for.
    forms = re.findall(r'name="deliverable" value="([^"]+)"', after)
    assert forms == ["task-breakdown"]


PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


def test_review_queue_per_deliverable_latest_first_with_an_inline_view_for_the_office_only(site: Site) -> None:
    """The queue names each deliverable by title, its latest version first and older ones folded, with accept and
    return per deliverable; PDFs and pictures open inline (sandboxed) for the office only; downloads as before."""
    now = datetime.now(UTC)
    recorder = site.database.recorder()
    for step, by in (("mobilize.work-plan", "eco"), ("mobilize.commission", "eco"), ("draft.survey", "tech"),
                     ("draft.compile", "tech")):
        recorder.checkin(CheckInRequest(step, by, at=now))
    recorder.review(ReviewRequest("draft.compile", "office", "accept"))
    eco = site.login("eco")
    step = site.portal.plan.steps["apply.materials"]
    for d, name, body in (("application-package", "申报材料v1.pdf", PDF), ("application-package", "申报材料v2.pdf",
                                                                             PDF + b"2"), ("typical-cases", "案例.png", PNG)):
        sent = eco.post("/steps/apply.materials/checkin", data={"csrf": csrf(eco), "deliverable": d},
                        files=[("file", (name, body, "application/octet-stream"))])
        assert sent.status_code == 303, sent.text
    office = site.login("office")
    queue = office.get("/").text
    queue = queue[queue.index('id="review-apply.materials"'):]
    queue = queue[:queue.index("</article>")]
    titles = {d.id: d.title for d in step.deliverables}
    package = queue[queue.index(titles["application-package"]):queue.index(titles["typical-cases"])]
    assert package.index("申报材料v2.pdf") < package.index("<details>") < package.index("申报材料v1.pdf")
    assert set(re.findall(r'name="deliverable" value="([^"]+)"', queue)) == set(titles)
    assert "application-package" not in visible(queue)
    sha_pdf = hashlib.sha256(PDF + b"2").hexdigest()
    sha_png = hashlib.sha256(PNG).hexdigest()
    assert f"/files/{sha_pdf}/view" in queue and f"/files/{sha_png}/view" in queue
    shown = office.get(f"/files/{sha_pdf}/view")
    assert shown.status_code == 200 and shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline;")
    assert "sandbox" in shown.headers.get_list("content-security-policy")
    assert office.get(f"/files/{sha_png}/view").headers["content-type"] == "image/png"
    assert eco.get(f"/files/{sha_pdf}/view").status_code == 404  # inline for the office only
    assert eco.get(f"/files/{sha_pdf}").headers["content-disposition"].startswith("attachment")
    # Accept one deliverable: the other still waits.
    accepted = office.post("/steps/apply.materials/review",
                           data={"csrf": csrf(office), "decision": "accept", "deliverable": "typical-cases"})
    assert accepted.status_code == 303, accepted.text
    _, board = read_board(site.portal)
    assert board.steps["apply.materials"].awaiting_review == ("application-package",)


def test_an_extension_that_rolls_or_moves_the_end_is_confirmed_with_the_effective_due_first(site: Site) -> None:
    """Approving 2027-01-02 (a Saturday) first shows the effective due (rolled to 2027-01-04) and the plan's end
    before and after, writing nothing; the confirmed form then approves it."""
    from db.portal import extension_rows

    eco = site.login("eco")
    asked = eco.post("/steps/mobilize.work-plan/extension",
                     data={"csrf": csrf(eco), "to": "2027-01-02", "reason": "等待区政府审定"})
    assert asked.status_code == 303, asked.text
    with site.database.sessions() as session:
        (row,) = extension_rows(session=session, plan_id=site.portal.plan.id)
    office = site.login("office")
    first = office.post(f"/extensions/{row['id']}",
                        data={"csrf": csrf(office), "decision": "approve", "to": "2027-01-02", "reason": "同意"})
    assert first.status_code == 200, first.text
    text = visible(first.text)
    assert "确认同意" in text and "生效截止 2027-01-04" in text and "预计完成" in text
    assert 'name="confirm" value="1"' in first.text and 'value="同意"' in first.text
    with site.database.sessions() as session:
        (still,) = extension_rows(session=session, plan_id=site.portal.plan.id)
    assert still["status"] == "pending"
    confirmed = office.post(f"/extensions/{row['id']}", data={"csrf": csrf(office), "decision": "approve",
                                                              "to": "2027-01-02", "reason": "同意", "confirm": "1"})
    assert confirmed.status_code == 303, confirmed.text
    with site.database.sessions() as session:
        (done,) = extension_rows(session=session, plan_id=site.portal.plan.id)
    assert done["status"] == "approved"


def test_a_bureaus_page_in_tabs_owed_first_values_and_cases_folded(site: Site) -> None:
    """待办 / 已办 / 逾期 are links (no script); 待办 lists what is owed, most urgent first, and not what was handed
    in; 已办 lists the hand-in; 逾期 only red items; 指标 and 典型案例 are folded (closed) on 待办."""
    earlier = datetime.now(UTC) - timedelta(days=3)
    recorder = site.database.recorder()
    for step, by in (("mobilize.work-plan", "eco"), ("mobilize.commission", "eco"), ("draft.survey", "tech")):
        recorder.checkin(CheckInRequest(step, by, at=earlier))
    eco = site.login("eco")
    assert eco.post("/steps/draft.compile/checkin", data={"csrf": csrf(eco)},
                    files=[("file", ("实施方案.pdf", PDF, "application/pdf"))]).status_code == 303
    todo = eco.get("/").text
    assert "<script" not in todo
    tabs = re.findall(r'<a href="/\?tab=(\w+)#tasks"[^>]*>([^<]+)</a>', todo)
    assert [(key, label[:2]) for key, label in tabs] == [("todo", "待办"), ("done", "已办"), ("late", "逾期")]
    steps = re.findall(r'id="step-([^"]+)"', todo)
    assert "mobilize.work-plan" not in steps  # handed in three days ago: under 已办
    assert "实施方案.pdf" in card(todo, "draft.compile")  # handed in today: it stays, showing what was handed in
    steps = [s for s in steps if s != "draft.compile"]
    _, board = read_board(site.portal)
    lights = [board.steps[s].light for s in steps]
    assert lights == sorted(lights, key=lambda light: light != "red")  # the red (owed and late) first
    for section in ("indicators", "cases"):
        part = todo[todo.index(f'<section id="{section}">'):]
        assert part.startswith(f'<section id="{section}">\n<details>'), section  # folded
    done = eco.get("/?tab=done").text
    handed = re.findall(r'id="step-([^"]+)"', done)
    assert "draft.compile" in handed and "mobilize.leading-group" not in handed
    late = re.findall(r'id="step-([^"]+)"', eco.get("/?tab=late").text)
    assert late and all(board.steps[s].light == "red" for s in late)
    office = site.login("office")
    acting = office.get("/?bureau=eco&tab=done").text
    assert 'href="/?bureau=eco&amp;tab=late#tasks"' in acting and "draft.compile" in acting
