"""Pages and reads: the link exchange, a bureau's page, the office's dashboard, history, /api/owed, files, health."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from core.events import SHANGHAI, CheckIn
from core.extensions import preview_extension
from core.inbox import OFFICE, ORDER, build_inbox, owed_items
from core.status import Engine
from web.auth import Who, current, exchange_link, set_session
from web.portal import Portal, PortalError, portal_of, render
from web.routes.common import FLASH, read_board
from web.routes.progress import bureau_reporting, cards_context

__all__ = ["router"]

router = APIRouter()
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
RECENT = 30  # check-ins and cases listed on the office's page


@router.get("/b/{token}")
def link(request: Request, token: str) -> Response:
    """Exchange a signed link for a session cookie, then 303 to the page (401 page when invalid)."""
    portal = portal_of(request)
    grant, session = exchange_link(portal, token)
    response = RedirectResponse("/", status_code=303)
    set_session(portal, response, grant, session)
    return response


@router.get("/")
def home(request: Request, bureau: str = "", ok: str = "", tab: str = "") -> Response:
    """The session's page: its bureau's steps, or the office's dashboard (``?bureau=ID`` to see and act for one);
    a bureau's page in tabs (``?tab=todo`` 待办, ``done`` 已办, ``late`` 逾期)."""
    who = current(request)
    portal = portal_of(request)
    flash = FLASH.get(ok, "")
    if who.is_office and bureau and bureau != OFFICE:
        if bureau not in portal.plan.bureaus:
            raise PortalError(404, "没有这个单位", "unknown bureau")
        return _bureau_page(request, portal, who, bureau, flash, tab)
    if who.is_office:
        return _office_page(request, portal, who, flash)
    return _bureau_page(request, portal, who, who.bureau, flash, tab)


# A bureau's page in tabs: what it still owes (the default), what it handed in, what is late.
TABS = {"todo": "待办", "done": "已办", "late": "逾期"}


def _tab_of(item: Any, tab: str, fresh: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether the item is listed under ``tab``; on 待办 a step handed in today stays, showing what was handed in."""
    if tab == "done":
        return bool(item.handed_in)
    if tab == "late":
        return item.light == "red" and not item.handed_in
    return not item.handed_in or item.step in fresh


def _bureau_page(request: Request, portal: Portal, who: Who, bureau: str, flash: str, tab: str = "") -> Response:
    from db.joint import contribution_rows, forwarded_extensions, joint_steps_led_by
    from db.portal import extension_rows, handed_in

    facts, board = read_board(portal)
    plan = portal.plan
    led = [sid for sid in joint_steps_led_by(plan, bureau) if board.steps[sid].status != "not_open"]
    with portal.reading() as session:
        contributions = contribution_rows(session=session, plan=plan, step_ids=led)
        forwarded = forwarded_extensions(session=session, plan=plan, lead=bureau)
        requests = extension_rows(session=session, plan_id=portal.plan.id, bureau=bureau)
        pending = {r["step_id"] for r in requests if r["status"] in ("pending", "to_lead")}
        inbox = build_inbox(portal.plan, board, bureau, portal.calendar, portal.today(), pending)
        submissions = handed_in(session=session, plan_id=plan.id, step_ids=[i.step for i in inbox.items],
                                bureau=bureau)
    if not who.is_office:  # 已读: the bureau (a person of it) opened its items; the office looking is not reading
        from db.reads import mark_read

        mark_read(portal.sessions, plan_id=plan.id, bureau=bureau, steps=[i.step for i in inbox.items], actor=who.actor)
    joint = _joint_cards(portal, board, led, contributions)
    # On a step it does not lead, a 配合单位's hand-in goes to the lead as material: the card says so.
    helping = {item.step: plan.bureau_name(plan.steps[item.step].lead) for item in inbox.items
               if item.step in plan.steps and plan.steps[item.step].lead != bureau
               and plan.steps[item.step].completion == "lead" and not plan.steps[item.step].collected}
    tab = tab if tab in TABS else "todo"
    today = portal.today()
    fresh = {sid for sid, rows in submissions.items() if rows and rows[0]["at"].astimezone(SHANGHAI).date() == today}
    tabs = [(key, label, sum(_tab_of(i, key, fresh) for i in inbox.items)
             + (len(inbox.late_collections) if key == "late" else 0)) for key, label in TABS.items()]
    return render(request, "bureau.html", who=who, inbox=inbox, flash=flash, submissions=submissions,
                  tab=tab, tabs=tabs, shown=[i for i in inbox.items if _tab_of(i, tab, fresh)],
                  acting_for=bureau if who.is_office else None, extensions=requests[:10], joint=joint,
                  forwarded=forwarded, helping=helping,
                  **cards_context(portal, board, facts, bureau))


def _joint_cards(portal: Portal, board: Any, led: list[str], contributions: dict[str, list[dict[str, Any]]]
                 ) -> list[dict[str, Any]]:
    """One card per joint step the bureau leads: who of the 配合单位 has handed in, and their material."""
    plan = portal.plan
    cards = []
    for sid in led:
        step, st = plan.steps[sid], board.steps[sid]
        cards.append({"step": sid, "title": step.title, "status": st.status, "rows": contributions.get(sid, []),
                      "reported": len(st.contributors), "helpers": len(step.owners) - 1,
                      "missing": [plan.bureau_name(b) for b in step.owners[1:] if b not in st.contributors]})
    return [c for c in cards if c["rows"] or c["status"] != "done"]


def _office_page(request: Request, portal: Portal, who: Who, flash: str) -> Response:
    from core.meeting import meeting_ids
    from db.joint import contribution_rows, joint_steps_led_by
    from db.library import list_cases
    from db.portal import extension_rows, link_states, step_submissions
    from db.tasks import task_rows

    plan, today = portal.plan, portal.today()
    facts, board = read_board(portal)
    engine = Engine(plan, portal.calendar)
    with portal.reading() as session:
        pending = extension_rows(session=session, plan_id=plan.id, status="pending")
        queue = [
            {"step": sid, "title": plan.steps[sid].title, "status": st,
             "submissions": step_submissions(session=session, plan_id=plan.id, step_id=sid)}
            for sid, st in board.steps.items() if st.awaiting_review
        ]
        links = link_states(session=session, plan=plan)
        joint = contribution_rows(session=session, plan=plan, step_ids=joint_steps_led_by(plan, None), limit=RECENT)
        cases = list_cases(session=session, plan_id=plan.id, year=today.year)[-RECENT:][::-1]
        tasks = [t for t in task_rows(session=session, plan_id=plan.id) if not t["closed"]]
        from db.reads import reminder_reads

        overdue = [sid for sid, st in board.steps.items() if st.status == "overdue"]
        reads = reminder_reads(session=session, plan_id=plan.id, steps=overdue)
    previews = {r["id"]: preview_extension(engine, facts, r["step_id"], _day(r["requested_to"]), today) for r in pending}
    pending_steps = {r["step_id"] for r in pending}
    bureaus: list[dict[str, Any]] = []
    for bureau in plan.bureaus:
        if bureau == OFFICE:
            continue
        inbox = build_inbox(plan, board, bureau, portal.calendar, today, pending_steps)
        urgent = [i for i in inbox.items if ORDER[i.status] <= ORDER["returned"]]
        bureaus.append({"inbox": inbox, "urgent": urgent})
    bureaus.sort(key=lambda b: (-b["inbox"].counts.get("overdue", 0), -len(b["urgent"]), b["inbox"].bureau))
    recent = [e for e in reversed(facts.all) if isinstance(e, CheckIn) and e.note != "collected"][:RECENT]
    own = build_inbox(plan, board, OFFICE, portal.calendar, today, pending_steps)
    return render(request, "office.html", who=who, flash=flash, board=board, queue=queue, pending=pending, reads=reads,
                  previews=previews, links=links, bureaus=bureaus, recent=recent, cases=cases, own=own, today=today,
                  contributions=sorted(((sid, r) for sid, rows in joint.items() for r in rows),
                                       key=lambda x: x[1]["at"], reverse=True)[:RECENT],
                  reporting=bureau_reporting(portal, board, facts), tasks=tasks, meetings=meeting_ids(plan))


def _day(value: date | str) -> date:
    """A date from the fact layer's rows (ISO text in JSON-ready dicts)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


@router.get("/history")
def history(request: Request, bureau: str = "") -> Response:
    """The bureau's own history (the office: any bureau's, ``?bureau=ID``)."""
    from db.portal import bureau_history

    who = current(request)
    portal = portal_of(request)
    whose = bureau if who.is_office and bureau in portal.plan.bureaus else who.bureau
    with portal.reading() as session:
        rows = bureau_history(session=session, plan_id=portal.plan.id, bureau=whose)
    return render(request, "history.html", who=who, rows=rows, whose=whose)


@router.get("/api/owed")
def owed(request: Request) -> Response:
    """What the session's bureau still owes, one row per deliverable (the office: every bureau's)."""
    who = current(request)
    portal = portal_of(request)
    _, board = read_board(portal)
    items = owed_items(portal.plan, board, who.bureau, portal.today())
    return JSONResponse({"bureau": who.bureau, "items": items})


def _file_name(portal: Portal, sha256: str) -> str:
    """The name the file was uploaded under (a neutral name when none is recorded)."""
    from db.portal import file_name

    with portal.reading() as session:
        name = file_name(session=session, plan_id=portal.plan.id, sha256=sha256)
    return name or f"附件-{sha256[:12]}"


def _attachment(path: Path, name: str) -> FileResponse:
    """A file to save, never to show: the browser must not sniff or render it."""
    return FileResponse(path, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
        "X-Content-Type-Options": "nosniff",
    })


@router.get("/files/{sha256}")
def download(request: Request, sha256: str) -> Response:
    """Evidence as an attachment, for the office, the bureaus that uploaded it and the lead it was a contribution to;
    404 for anyone else."""
    from db.evidence import archive_path
    from db.joint import lead_readers
    from db.portal import file_uploaders

    who = current(request)
    portal = portal_of(request)
    missing = PortalError(404, "文件不存在或无权查看", "no such file")
    if not _SHA256.match(sha256):
        raise missing
    with portal.reading() as session:
        uploaders = file_uploaders(session=session, plan_id=portal.plan.id, sha256=sha256)
        if not who.is_office and who.bureau not in uploaders:  # a lead reads its 配合单位's material
            uploaders |= lead_readers(session=session, plan=portal.plan, sha256=sha256)
    path = archive_path(portal.home, sha256)
    if not uploaders or not (who.is_office or who.bureau in uploaders) or not path.is_file():
        raise missing
    return _attachment(path, _file_name(portal, sha256))


# What the office may view in the browser: a PDF or a raster picture, known by its first bytes (never SVG or HTML).
_INLINE = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
           (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


def inline_type(head: bytes) -> str | None:
    """The media type the office's browser may show a file as, from its first bytes; None: download only."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _INLINE if head.startswith(magic)), None)


@router.get("/files/{sha256}/view")
def view(request: Request, sha256: str) -> Response:
    """A PDF or picture shown in the office's browser (review queue), sandboxed; 404 for a bureau and for any
    other kind of file (those are downloaded)."""
    from db.evidence import archive_path

    who = current(request)
    portal = portal_of(request)
    path = archive_path(portal.home, sha256) if who.is_office and _SHA256.match(sha256) else None
    kind = None
    if path is not None and path.is_file():
        with path.open("rb") as fh:
            kind = inline_type(fh.read(16))
    if path is None or kind is None:
        raise PortalError(404, "文件不存在或不能在线查看", "no such file to view")
    name = _file_name(portal, sha256)
    return FileResponse(path, media_type=kind, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name, safe='')}",
        "Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff",
    })


@router.get("/reports")
def reports(request: Request) -> Response:
    """The office's documents by week (台账, pictures, Word documents), newest first; 404 for a bureau."""
    from reports.folder import list_folders, plan_reports

    who = current(request)
    if not who.is_office:
        raise PortalError(404, "页面不存在", "no such page")
    portal = portal_of(request)
    folders = [(f.name, sorted((p.name, p.stat().st_size) for p in f.iterdir() if p.is_file() and not p.name.startswith(".")))
               for f in list_folders(plan_reports(portal.home, portal.plan.id))[:26]]
    return render(request, "reports.html", who=who, folders=folders)


@router.get("/reports/{day}/{name}")
def report_file(request: Request, day: str, name: str) -> Response:
    """One document, as an attachment, for the office only (404 for anyone else and for any other path)."""
    from reports.folder import plan_reports, safe_file

    who = current(request)
    portal = portal_of(request)
    path = safe_file(plan_reports(portal.home, portal.plan.id), day, name) if who.is_office else None
    if path is None:
        raise PortalError(404, "文件不存在或无权查看", "no such file")
    return _attachment(path, name)


@router.get("/healthz")
def healthz(request: Request) -> Response:
    """200 ``{"ok": true}`` when the database answers, else 503 (no session needed, nothing secret said)."""
    if portal_of(request).database.answers():
        return JSONResponse({"ok": True})
    return JSONResponse({"ok": False}, status_code=503)
