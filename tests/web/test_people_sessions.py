"""A person's own link and session on both databases: acts for the person's bureau, names the person in the
history, the office's role gets the office's pages, and revoking one person leaves everyone else working."""

from __future__ import annotations

from sqlalchemy import select

from core.people import Person
from db.models import AuditEntry, CheckInRow
from db.people import import_people, issue_person_link, remove_person, revoke_person_links
from tests.web.conftest import KEY, Site, csrf

PLAN = "huyi-two-mountains"
ECO = "市生态环境局鄠邑分局"


def _people(site: Site) -> dict[str, int]:
    """张三 and 李四 of eco, 王五 of the office (listed under eco, 角色 办公室), 赵六 of water; their ids by name."""
    people = [Person("eco", "张三", "经办人"), Person("eco", "李四", "分管领导"), Person("eco", "王五", "办公室"),
              Person("water", "赵六", "经办人")]
    import_people(site.database.sessions, plan_id=PLAN, people=list(enumerate(people, start=2)), actor="tester")
    from db.people import list_people

    with site.database.sessions() as session:
        return {p["name"]: p["id"] for p in list_people(session=session, plan_id=PLAN)}


def _login_person(site: Site, person_id: int):  # type: ignore[no-untyped-def]
    _, link = issue_person_link(site.database.sessions, plan_id=PLAN, person_id=person_id, days=30, key=KEY,
                                base_url="http://testserver", actor="tester")
    client = site.client()
    response = client.get(f"/b/{link.token}")
    assert response.status_code == 303, response.text
    return client, link.token


def test_a_persons_checkin_acts_for_the_bureau_and_names_the_person(site: Site) -> None:
    ids = _people(site)
    zhang, _ = _login_person(site, ids["张三"])
    response = zhang.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(zhang), "note": "印发稿"})
    assert response.status_code == 303, response.text
    with site.database.sessions() as session:
        rows = list(session.scalars(select(CheckInRow)))
        actors = set(session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "checkin")))
    assert rows and {(r.bureau, r.recorded_by) for r in rows} == {("eco", f"张三（{ECO}·经办人）")}
    assert actors == {f"张三（{ECO}·经办人）"}
    history = zhang.get("/history")
    assert f"张三（{ECO}·经办人）" in history.text
    assert f"张三（{ECO}·经办人）" in site.login("eco").get("/history").text  # the bureau's link sees who did it


def test_a_person_of_one_bureau_is_refused_on_anothers_step(site: Site) -> None:
    ids = _people(site)
    zhao, _ = _login_person(site, ids["赵六"])
    before = site.counts()
    refused = zhao.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(zhao)})  # eco's step, open
    assert refused.status_code == 403
    assert site.counts() == before


def test_revoking_one_person_leaves_the_others_and_the_bureau_link(site: Site) -> None:
    ids = _people(site)
    zhang, zhang_link = _login_person(site, ids["张三"])
    li, _ = _login_person(site, ids["李四"])
    bureau = site.login("eco")
    revoke_person_links(site.database.sessions, plan_id=PLAN, person_id=ids["张三"], actor="tester")
    assert zhang.get("/").status_code == 401
    assert site.client().get(f"/b/{zhang_link}").status_code == 401
    before = site.counts()
    refused = zhang.post("/steps/mobilize.work-plan/checkin", data={"csrf": csrf(zhang)})
    assert refused.status_code == 401 and site.counts() == before
    assert li.get("/").status_code == 200 and bureau.get("/").status_code == 200
    again, _ = _login_person(site, ids["张三"])  # a new link after the revocation works
    assert again.get("/").status_code == 200
    remove_person(site.database.sessions, plan_id=PLAN, person_id=ids["李四"], actor="tester")
    assert li.get("/").status_code == 401 and bureau.get("/").status_code == 200
    from db.portal import revoke_links

    revoke_links(site.database.sessions, plan_id=PLAN, bureau="eco", actor="tester")  # the bureau's: everyone's
    assert again.get("/").status_code == 401 and bureau.get("/").status_code == 401


def test_the_office_role_gets_the_office_pages_and_its_acts_name_the_person(site: Site) -> None:
    ids = _people(site)
    wang, _ = _login_person(site, ids["王五"])
    owed = wang.get("/api/owed").json()
    assert owed["bureau"] == "office" and {i["bureau"] for i in owed["items"]} >= {"eco"}
    response = wang.post("/steps/mobilize.work-plan/ack", data={"csrf": csrf(wang), "on_behalf_of": "eco"})
    assert response.status_code == 303, response.text
    with site.database.sessions() as session:
        actors = list(session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "ack")))
    assert actors == [f"王五（{ECO}·办公室）"]
