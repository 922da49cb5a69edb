"""The portal on a joint step: a 配合单位's upload is material for the lead, shown on the lead's page with downloads."""

from __future__ import annotations

import hashlib

from db.models import CheckInRow
from tests.db.joint_history import PATHWAYS, record_upstream
from tests.web.conftest import PDF, Site, csrf
from web.routes.common import read_board

BODY = PDF + b"% streets"


def contribute(site: Site, bureau: str, name: str = "街道转化模式素材.pdf", body: bytes = BODY):  # type: ignore[no-untyped-def]
    client = site.login(bureau)
    response = client.post(f"/steps/{PATHWAYS}/checkin", data={"csrf": csrf(client), "note": "街道素材"},
                           files=[("file", (name, body, "application/pdf"))])
    return client, response


def test_a_helpers_upload_shows_on_the_leads_page_and_only_the_leads_hand_in_completes(site: Site) -> None:
    record_upstream(site.database.recorder())
    streets, response = contribute(site, "streets")
    assert response.status_code == 303 and response.headers["location"] == "/?ok=contribution"
    page = streets.get(response.headers["location"]).text
    assert "配合材料已报送牵头单位" in page and "本单位为配合单位" in page
    eco = site.login("eco")
    lead_page = eco.get("/").text
    assert "配合单位材料" in lead_page and "各街道（景区管理局）" in lead_page and "配合单位已报 1/12" in lead_page
    sha = hashlib.sha256(BODY).hexdigest()
    assert f"/files/{sha}" in lead_page
    assert eco.get(f"/files/{sha}").content == BODY  # the lead downloads its helper's material
    assert site.login("water").get(f"/files/{sha}").status_code == 404  # another helper does not
    office = site.login("office")
    assert "配合单位材料" in office.get("/").text and office.get(f"/files/{sha}").status_code == 200
    assert "配合单位材料" in office.get("/?bureau=eco").text
    assert "加强转化路径探索" in eco.get("/").text
    done = eco.post(f"/steps/{PATHWAYS}/checkin", data={"csrf": csrf(eco), "note": "汇总稿"},
                    files=[("file", ("汇总.pdf", PDF, "application/pdf"))])
    assert done.headers["location"] == "/?ok=checkin"
    _, board = read_board(site.portal)
    assert board.steps[PATHWAYS].status == "done"


def test_a_contribution_on_a_step_the_bureau_does_not_own_is_403_and_writes_nothing(site: Site) -> None:
    record_upstream(site.database.recorder())
    before = site.counts()
    _, response = contribute(site, "finance", "财政.pdf", PDF + b"% finance")
    assert response.status_code == 403
    assert site.counts() == before
    with site.database.sessions() as session:
        assert session.query(CheckInRow).filter(CheckInRow.bureau == "finance").count() == 0


def test_a_helpers_extension_request_lands_on_the_leads_page_not_the_offices(site: Site) -> None:
    record_upstream(site.database.recorder())
    water = site.login("water")
    asked = water.post(f"/steps/{PATHWAYS}/extension",
                       data={"csrf": csrf(water), "to": "2029-03-31", "reason": "河湖素材需等年度监测"})
    assert asked.headers["location"] == "/?ok=extension_lead"
    assert "延期申请已交牵头单位" in water.get("/").text
    assert "河湖素材需等年度监测" in site.login("eco").get("/").text
    assert "河湖素材需等年度监测" not in site.login("office").get("/").text
