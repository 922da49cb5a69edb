"""The portal's forms on random field values: never a 500, and a refused post writes nothing (no row, no file).

Each example starts from a form that would be accepted and spoils one or two of its parts (the bureau, a path
part, a field, the CSRF token, the file), so that the random values reach past the first check that refuses.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import PDF, Site, csrf

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

_ODD = ["", " ", "\x00", "²", "١٢٣٤", "9" * 5000, "99999999999", "2147483648", "-1", "nan", "1e999", "<script>", "../../x",
        "2024-02-30", "0000-01-01", "9999-12-31", "明天", "eco", "office", "a" * 300]
_TEXT = st.one_of(st.sampled_from(_ODD), st.text(max_size=40))
_FILES = st.sampled_from([("x.exe", b"MZ\x90\x00", "application/pdf"), ("", b"", "application/octet-stream"),
                          ("方案.pdf", b"not a pdf", "application/pdf"), ("../../evil.pdf", PDF, "application/pdf"),
                          ("plan.pdf", PDF, "application/pdf")])

# A form that would be accepted, per action: (bureau, path parts, fields).
_STEP_FORMS: dict[str, tuple[str, dict[str, str]]] = {
    "checkin": ("eco", {"note": "已报送", "deliverable": "work-plan"}),
    "ack": ("eco", {}),
    "extension": ("eco", {"to": "2026-12-31", "reason": "等待批复"}),
}
_OTHER_FORMS: dict[str, tuple[str, list[str], dict[str, str]]] = {
    "indicators": ("eco", ["1", "2025"], {"value": "96.5"}),
    "cases": ("qinling", [], {"theme": "3", "title": "秦岭北麓生态修复", "year": "2025", "text": "简介"}),
    "extensions": ("office", ["1"], {"decision": "approve", "to": "2026-12-31", "reason": "同意"}),
    "review": ("office", ["draft.compile"], {"decision": "return", "reason": "不全", "resubmit_by": "2026-12-31"}),
}


@st.composite
def _spoiled(draw: st.DrawFn, who: str, parts: list[str], fields: dict[str, str]) -> dict[str, Any]:
    """The accepted form with one or two of its parts replaced by odd values."""
    form: dict[str, Any] = {"who": who, "parts": list(parts), "fields": dict(fields), "csrf": True, "file": None}
    spots = ["who", "csrf", "file", "extra", *(f"part{i}" for i in range(len(parts))), *(f"field:{k}" for k in fields)]
    for spot in draw(st.lists(st.sampled_from(spots), min_size=1, max_size=2, unique=True)):
        if spot == "who":
            form["who"] = draw(st.sampled_from(["eco", "office", "water", "qinling"]))
        elif spot == "csrf":
            form["csrf"] = False
        elif spot == "file":
            form["file"] = draw(_FILES)
        elif spot == "extra":
            form["fields"][draw(st.sampled_from(["on_behalf_of", "deliverable", "decision", "note", "csrf2"]))] = draw(_TEXT)
        elif spot.startswith("part"):
            form["parts"][int(spot[4:])] = draw(_TEXT) or "x"
        else:
            form["fields"][spot.split(":", 1)[1]] = draw(_TEXT)
    return form


def _post(site: Site, path: str, form: dict[str, Any]) -> int:
    """Post one form; assert no 500 and, when refused, nothing written (no row, no file). The status code."""
    client = site.login(form["who"])
    data = {**form["fields"], "csrf": csrf(client) if form["csrf"] else "not-the-token"}
    before = site.counts()
    response = client.post(path, data=data, files=[("file", form["file"])] if form["file"] else None)
    assert response.status_code < 500, (path, data, response.text[:500])
    if response.status_code >= 400:
        assert site.counts() == before, (path, data)
    return response.status_code


@st.composite
def _step_form(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    action = draw(st.sampled_from(sorted(_STEP_FORMS)))
    who, fields = _STEP_FORMS[action]
    form = draw(_spoiled(who, ["mobilize.work-plan"], fields))
    return f"/steps/{quote(form['parts'][0], safe='')}/{action}", form


@st.composite
def _other_form(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(sorted(_OTHER_FORMS)))
    who, parts, fields = _OTHER_FORMS[kind]
    form = draw(_spoiled(who, parts, fields))
    quoted = [quote(p, safe="") for p in form["parts"]]
    path = f"/steps/{quoted[0]}/review" if kind == "review" else "/".join(["", kind, *quoted])
    return path, form


@FUZZ
@given(aimed=_step_form())
def test_step_forms_never_500(site: Site, aimed: tuple[str, dict[str, Any]]) -> None:
    """Check-in, 签收 and 延期申请 with odd steps, bureaus and fields: 2xx/3xx/4xx only; a refusal writes nothing."""
    _post(site, *aimed)


@FUZZ
@given(aimed=_other_form())
def test_other_forms_never_500(site: Site, aimed: tuple[str, dict[str, Any]]) -> None:
    """Indicator values, cases, extension decisions and reviews with odd path parts and fields: never a 500."""
    _post(site, *aimed)


def test_what_the_fuzz_found_is_refused_with_400(site: Site) -> None:
    """A year or request id of non-ASCII digits, a NUL in a field, an over-long case title: 400, nothing written."""
    before = site.counts()
    eco, qinling, office = site.login("eco"), site.login("qinling"), site.login("office")
    for client, path, data in [
        (eco, "/indicators/1/²", {"value": "96.5"}),
        (eco, "/indicators/1/" + "9" * 5000, {"value": "96.5"}),
        (qinling, "/cases", {"theme": "3", "title": "秦岭", "year": "١٢٣٤"}),
        (office, "/extensions/²", {"decision": "approve", "to": "2026-12-31"}),
        (office, "/extensions/99999999999", {"decision": "approve", "to": "2026-12-31"}),
        (eco, "/steps/mobilize.work-plan/checkin", {"note": "报送\x00"}),
        (eco, "/steps/mobilize.work-plan/extension", {"to": "2026-12-31", "reason": "\x00"}),
        (qinling, "/cases", {"theme": "3", "title": "长" * 501, "year": "2025"}),
    ]:
        response = client.post(path, data={**data, "csrf": csrf(client)})
        assert response.status_code == 400, (path, response.status_code)
    assert site.counts() == before
