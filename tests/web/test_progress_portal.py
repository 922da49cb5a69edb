"""进展报送 in the portal: a card per owed report on the bureau's page, the form, and its refusals."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from db.models import ProgressReportRow, RecordFile
from tests.web.conftest import PDF, Site, csrf


@pytest.fixture(autouse=True)
def _early_december(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The portal's today is 2026-12-02: 2026q4's reports (due 12-17) are owed, whatever day the suite runs."""
    monkeypatch.setattr(site.portal, "today", lambda: date(2026, 12, 2))


TEXT = "本季度完成了转化路径的调研，形成了初步的工作思路和项目清单，下步细化。"


def _reports(site: Site) -> tuple[int, int]:
    with site.database.sessions() as s:
        return (s.scalar(select(func.count()).select_from(ProgressReportRow)) or 0,
                s.scalar(select(func.count()).select_from(RecordFile).where(RecordFile.kind == "progress")) or 0)


def _form(client: object, **fields: str) -> dict[str, str]:
    return {"csrf": csrf(client), "period": "2026q4", "text": TEXT, **fields}  # type: ignore[arg-type]


def test_card_form_and_the_received_card(site: Site) -> None:
    """ndrc's page has a card for 2026q4 with the form; posting it records the report and the card says so."""
    client = site.login("ndrc")
    page = client.get("/")
    assert page.status_code == 200
    assert "工作进展报送" in page.text and "2026年第四季度工作进展" in page.text
    assert 'action="/steps/build.pathways/progress"' in page.text
    posted = client.post("/steps/build.pathways/progress", data=_form(client, percent="40", problems="资金缺口较大",
                                                                        next="争取专项资金"),
                         files={"file": ("进展.pdf", PDF, "application/pdf")})
    assert posted.status_code == 303 and posted.headers["location"] == "/?ok=progress"
    assert _reports(site) == (1, 1)
    again = client.get("/?ok=progress")
    assert "已报送工作进展" in again.text and "已报送第 1 版，完成进度 40%" in again.text


def test_text_over_5000_is_400_and_writes_nothing(site: Site) -> None:
    """5,001 characters: 400 with the limit named; no row, no file."""
    client = site.login("ndrc")
    response = client.post("/steps/build.pathways/progress", data=_form(client, text="长" * 5001),
                           files={"file": ("进展.pdf", PDF, "application/pdf")})
    assert response.status_code == 400 and "最多 5000 字" in response.text
    assert _reports(site) == (0, 0)
    assert site.counts()["files"] == 0


def test_another_bureaus_step_is_403(site: Site) -> None:
    """区水务局 does not own evaluate.national: 403, nothing written."""
    client = site.login("water")
    response = client.post("/steps/evaluate.national/progress", data=_form(client))
    assert response.status_code == 403 and "不是本单位的任务" in response.text
    assert _reports(site) == (0, 0)


def test_without_csrf_is_403_and_short_text_is_400(site: Site) -> None:
    """No CSRF token: 403; a text under 20 characters: 400 from the rules; nothing written either way."""
    client = site.login("ndrc")
    no_token = client.post("/steps/build.pathways/progress", data={"period": "2026q4", "text": TEXT})
    assert no_token.status_code == 403
    short = client.post("/steps/build.pathways/progress", data=_form(client, text="太短"))
    assert short.status_code == 400 and "至少 20" in short.text
    bad_percent = client.post("/steps/build.pathways/progress", data=_form(client, percent="150"))
    assert bad_percent.status_code == 400
    assert _reports(site) == (0, 0)


def test_the_office_reports_for_a_bureau(site: Site) -> None:
    """The office acting for ndrc sees ndrc's card and may report for it."""
    client = site.login("office")
    page = client.get("/?bureau=ndrc")
    assert "2026年第四季度工作进展" in page.text
    posted = client.post("/steps/build.pathways/progress", data=_form(client, on_behalf_of="ndrc"))
    assert posted.status_code == 303
    with site.database.sessions() as s:
        assert s.scalars(select(ProgressReportRow.bureau)).all() == ["ndrc"]


def test_the_offices_bureau_view_shows_reporting_red(site: Site) -> None:
    """On 12-02 every bureau of build.pathways has missed 2024q4..2026q3 (nothing recorded): its card on the
    office's page is red, with the count and the rate."""
    client = site.login("office")
    page = client.get("/")
    assert page.status_code == 200
    start = page.text.index("区发改委</a>")
    card = page.text[page.text.rindex("<article", 0, start):page.text.index("</article>", start)]
    assert "light-red" in card and "逾期未报 8 份" in card and "按时报送率 0%" in card
