"""The office's documents in the portal: listed and downloaded by the office, invisible to a bureau, no path escapes."""

from __future__ import annotations

from urllib.parse import quote

from tests.web.conftest import Site


def _folder(site: Site) -> None:
    folder = site.database.home / "reports" / "huyi-two-mountains" / "2026-11-30"
    folder.mkdir(parents=True)
    (folder / "台账.xlsx").write_bytes(b"PK\x03\x04 ledger")
    (folder / ".pictures-x").mkdir()
    (site.database.home / "liangshan-secret.txt").write_text("not for download", encoding="utf-8")


def test_office_lists_and_downloads_the_weeks_documents(site: Site) -> None:
    """The list shows the week's files; a download is an attachment under its Chinese name."""
    _folder(site)
    office = site.login("office")
    page = office.get("/reports")
    assert page.status_code == 200 and "2026-11-30" in page.text and "台账.xlsx" in page.text
    assert ".pictures" not in page.text
    got = office.get(f"/reports/2026-11-30/{quote('台账.xlsx')}")
    assert got.status_code == 200 and got.content == b"PK\x03\x04 ledger"
    assert got.headers["content-disposition"].startswith("attachment;") and got.headers["x-content-type-options"] == "nosniff"
    assert "/reports" in office.get("/").text  # the office's page points to the list


def test_a_bureau_sees_no_documents_and_no_path_escapes(site: Site) -> None:
    """A bureau gets 404; the office gets 404 for anything outside a day's folder."""
    _folder(site)
    eco = site.login("eco")
    assert eco.get("/reports").status_code == 404
    assert eco.get(f"/reports/2026-11-30/{quote('台账.xlsx')}").status_code == 404
    office = site.login("office")
    for path in ("/reports/2026-11-30/..%2F..%2Fliangshan-secret.txt", "/reports/..%2F/liangshan-secret.txt",
                 "/reports/2026-11-30/.pictures-x", "/reports/not-a-day/x.xlsx", "/reports/2026-11-30/missing.docx"):
        response = office.get(path)
        assert response.status_code == 404, path
        assert b"not for download" not in response.content


def test_a_stranger_without_a_session_gets_nothing(site: Site) -> None:
    """No link, no session: 401 for the list and for a file, and the file's bytes never leave."""
    _folder(site)
    stranger = site.client()
    assert stranger.get("/reports").status_code == 401
    got = stranger.get(f"/reports/2026-11-30/{quote('台账.xlsx')}")
    assert got.status_code == 401 and b"ledger" not in got.content
