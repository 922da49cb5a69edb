"""Every secret planted, the main paths run, everything written searched: the secrets may be only where the
user put them (the channels file, the environment), and a bureau's link only on the `liangshan link` output
that hands it over.

Planted: a WeCom bot key that works and one that WeCom refuses, an SMTP password (the SMTP server refuses
to log in: a failing channel), the PostgreSQL password (the test server trusts any), LIANGSHAN_SECRET_KEY,
and the tokens of the links `liangshan link` issues (eco and the office). Run: init, import the sample
history, checkin with a file, link, tick (Prefect's ephemeral API, PREFECT_LOGGING_LEVEL=DEBUG), notify
list/retry/test, report ledger/circular/all, the portal in this process (logging captured at DEBUG) and as
`liangshan web`. Searched: every command's stdout and stderr, the captured logging, every file under the
test's folder (HOME, LIANGSHAN_HOME with the evidence archive and reports, PREFECT_HOME with Prefect's SQLite
database, WAL and result storage; zip files such as xlsx and docx opened, each member searched), every text
column of every table of our database, and Prefect's flow runs, their states, task runs, logs, artifacts,
variables, blocks and events read back through its API. Each value is searched as is and base64-encoded."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import MetaData, select

from config.holidays import load_calendar
from config.settings import Settings
from db.engine import make_engine, make_sessionmaker
from tasks.notify import run_notifications  # noqa: F401 (Prefect sets up logging on this import: before pytest's capture)
from tests.db.conftest import Database
from tests.e2e.conftest import _free_port, _stop, _wait
from tests.faults.conftest import pg_schema_url
from tests.prefect_server import start_prefect_server
from tests.sinks import http_sink, smtp_sink
from tests.wecom_fake import fake_wecom

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "examples" / "huyi-sample-events.yaml"
PLANTED = {
    "WeCom bot key": "Zq7-LIANGSHAN-SECRET-3141-WECOM",
    "WeCom bot key (refused)": "Zq7-LIANGSHAN-SECRET-3141-WEFAIL",
    "SMTP password": "Zq7-LIANGSHAN-SECRET-3141-SMTPPW",
    "PostgreSQL password": "Zq7-LIANGSHAN-SECRET-3141-PGPASS",
    "LIANGSHAN_SECRET_KEY": "Zq7-LIANGSHAN-SECRET-3141-PORTALKEY-0123456789abcdef",
    "WeCom app secret": "Zq7-LIANGSHAN-SECRET-3141-WECOMAPP",
}
STEP, DELIVERABLE = "build.pathways", "conversion-models"  # open for eco after the sample history
PORTAL_URL = "https://lsbs.huyi.example"


def variants(value: str) -> list[bytes]:
    """``value`` as bytes, and its base64 encodings (standard and URL-safe) wherever it starts in a stream:
    for one of the three offsets ``k``, ``value[k:]`` begins on a 3-byte boundary and its whole groups of
    four characters appear as they are."""
    raw = value.encode()
    found = [raw]
    for k in range(3):
        whole = (len(raw) - k) // 3 * 4
        encoded = base64.b64encode(raw[k:])[:whole]
        found += [encoded, encoded.replace(b"+", b"-").replace(b"/", b"_")]
    return found


def hits(data: bytes, needles: dict[str, str]) -> set[str]:
    return {label for label, value in needles.items() if any(v in data for v in variants(value))}


def search_files(root: Path, needles: dict[str, str], allowed: set[Path]) -> list[str]:
    """``path: label`` for every file under ``root`` (and every member of a zip file) holding a needle."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p not in allowed):
        data = path.read_bytes()
        found += [f"{path.relative_to(root)}: {label}" for label in sorted(hits(data, needles))]
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    found += [f"{path.relative_to(root)}!{member}: {label}"
                              for label in sorted(hits(archive.read(member), needles))]
    return found


def search_database(database: Database, needles: dict[str, str]) -> list[str]:
    """``table.column: label`` for every value of every table of our database holding a needle."""
    meta = MetaData()
    meta.reflect(bind=database.engine)
    found = []
    with database.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
                    found += [f"{table.name}.{column}: {label}" for label in sorted(hits(text.encode(), needles))]
    return found


def read_prefect(api: str) -> dict[str, Any]:
    """Everything Prefect keeps about the runs, read through its REST API, page by page."""
    with httpx.Client(base_url=api, timeout=30) as client:
        def every(path: str, body: dict[str, Any] | None = None) -> list[Any]:
            rows: list[Any] = []
            while True:
                page = client.post(path, json={**(body or {}), "limit": 200, "offset": len(rows)})
                page.raise_for_status()
                batch = page.json()
                rows += batch
                if len(batch) < 200:
                    return rows

        flow_runs = every("/flow_runs/filter")
        states = [client.get("/flow_run_states/", params={"flow_run_id": r["id"]}).json() for r in flow_runs]
        task_runs = every("/task_runs/filter")
        task_states = [client.get("/task_run_states/", params={"task_run_id": r["id"]}).json() for r in task_runs[:300]]
        events = client.post("/events/filter", json={"limit": 50}).json()
        event_pages = [events]
        while events.get("next_page"):
            events = client.get(events["next_page"]).json()
            event_pages.append(events)
        return {"flow_runs": flow_runs, "flow_run_states": states, "task_runs": task_runs, "task_run_states": task_states,
                "logs": every("/logs/filter"), "artifacts": every("/artifacts/filter"),
                "variables": every("/variables/filter"), "blocks": every("/block_documents/filter"),
                "deployments": every("/deployments/filter"), "events": event_pages}


@pytest.fixture(name="database")
def fixture_database(tmp_path: Path) -> Iterator[Database]:
    """An empty PostgreSQL schema reached with the planted password: `liangshan init` below migrates it."""
    for url in pg_schema_url(PLANTED["PostgreSQL password"]):
        engine = make_engine(url)
        yield Database("postgres", url, engine, make_sessionmaker(engine), tmp_path / "home")
        engine.dispose()

def _planted_channels(folder: Path, smtp_port: int) -> Path:
    """The channels file with the planted bot keys (one bot refuses) and SMTP password."""
    channels = folder / "channels.yaml"
    channels.write_text(
        "urls:\n"
        f"  - wecom://{PLANTED['WeCom bot key']}:\n      - tag: eco\n"
        f"  - wecom://{PLANTED['WeCom bot key (refused)']}:\n      - tag: office\n"
        f"  - \"mailto://liangshan:{PLANTED['SMTP password']}@127.0.0.1:{smtp_port}"
        "?from=liangshan%40huyi.example&to=office%40huyi.example\":\n      - tag: office\n", encoding="utf-8")
    return channels



def test_no_secret_anywhere(database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    user_home = tmp_path / "user"
    user_home.mkdir()
    prefect_home = tmp_path / "prefect"
    outputs: dict[str, tuple[str, str]] = {}
    calendar = load_calendar(Settings.from_env({}).holidays)
    day = calendar.next_workday(datetime.now(ZoneInfo("Asia/Shanghai")).date()).isoformat()
    doc = tmp_path / "转化模式.pdf"
    doc.write_bytes(b"%PDF-1.4\n% conversion models\n")
    caplog.set_level(logging.DEBUG)

    with http_sink() as sink, smtp_sink() as (smtp_port, mails), fake_wecom() as wecom:
        sink.modes[PLANTED["WeCom bot key (refused)"]] = "errcode"
        # The WeCom application (textcards to eco's 经办人, the portal's sign-in) on a fake that passes the group
        # bots' calls on to the sink: both share LIANGSHAN_WECOM_API_BASE.
        wecom.secret, wecom.forward = PLANTED["WeCom app secret"], sink.base
        for name, value in wecom.env().items():
            monkeypatch.setenv(name, value)  # the portal in this process reads them too
        people = tmp_path / "通讯录.csv"
        people.write_text("单位,姓名,角色,企业微信账号,手机\neco,张三,经办人,zhangsan,13812345678\n", encoding="utf-8")
        channels = _planted_channels(tmp_path, smtp_port)
        env = {**os.environ, **database.env(), "HOME": str(user_home), "PREFECT_HOME": str(prefect_home),
               "LIANGSHAN_NOTIFY_CONFIG": str(channels), **wecom.env(),
               "LIANGSHAN_SECRET_KEY": PLANTED["LIANGSHAN_SECRET_KEY"], "LIANGSHAN_PORTAL_URL": PORTAL_URL,
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "LIANGSHAN_ACTOR": "office-clerk"}
        env.pop("PREFECT_API_URL", None)

        def liangshan(name: str, *args: str, codes: tuple[int, ...] = (0,), extra: dict[str, str] | None = None) -> str:
            result = subprocess.run([str(BIN / "liangshan"), *args], env={**env, **(extra or {})}, capture_output=True,
                                    text=True, timeout=400, check=False, cwd=tmp_path)
            outputs[name] = (result.stdout, result.stderr)
            assert result.returncode in codes, f"{name}: {result.returncode}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            return result.stdout

        liangshan("init", "init")
        liangshan("import", "import", str(EXAMPLE))
        liangshan("people import", "people", "import", str(people))
        liangshan("checkin", "checkin", STEP, "--by", "eco", "--deliverable", DELIVERABLE, "--file", str(doc))
        tokens = {b: json.loads(liangshan(f"link {b}", "link", b, "--json"))["url"].rsplit("/b/", 1)[1]
                  for b in ("eco", "office")}
        liangshan("link list", "link", "list")
        liangshan("tick", "tick", "--as-of", day, codes=(0, 1), extra={"PREFECT_LOGGING_LEVEL": "DEBUG"})
        liangshan("notify list", "notify", "list", "--json")
        liangshan("notify retry", "notify", "retry", codes=(1,))  # the refused bot and the SMTP login fail again
        liangshan("notify test", "notify", "test", "office", codes=(1,))
        liangshan("history", "history", "--json")
        liangshan("people list", "people", "list")
        liangshan("report ledger", "report", "ledger", "--out", str(tmp_path / "台账.xlsx"))
        liangshan("report circular", "report", "circular", "--out", str(tmp_path / "情况通报.docx"))
        liangshan("report all", "report", "all")
        liangshan("status", "status")
        liangshan("verify", "verify")
        assert mails == []  # the SMTP server never let us in
        assert [m["touser"] for m in wecom.messages] == ["zhangsan"] and wecom.fetches >= 1  # eco's card, by the app

        # The portal, in this process (its logging captured) and as `liangshan web` (its output kept).
        import warnings

        from starlette.exceptions import StarletteDeprecationWarning

        with warnings.catch_warnings():  # Starlette prefers httpx2; httpx works the same here (as tests/web)
            warnings.simplefilter("ignore", StarletteDeprecationWarning)
            from starlette.testclient import TestClient

        from web.app import create_app

        pages: list[str] = []
        app = create_app(Settings.from_env({k: v for k, v in env.items() if k.startswith("LIANGSHAN_")}))
        for bureau in ("eco", "office"):
            with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:  # cookies are Secure
                entry = browser.get(f"/b/{tokens[bureau]}")
                assert entry.status_code == 303, entry.text[:300]
                for path in ("/", "/history", "/api/owed", *(["/reports"] if bureau == "office" else [])):
                    page = browser.get(path)
                    assert page.status_code == 200, (path, page.text[:300])
                    pages.append(f"{page.headers}\n{page.text}")
                pages.append(f"{entry.headers}\n{entry.text}")
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:  # WeCom sign-in
            start = browser.get("/auth/wecom")
            wecom.signed_in = "zhangsan"
            back = urlsplit(httpx.get(start.headers["location"].split("#")[0], follow_redirects=False).headers["location"])
            signed = browser.get(f"{back.path}?{back.query}")
            assert start.status_code == 302 and signed.status_code == 303, signed.text[:300]
            pages += [f"{start.headers}\n{start.text}", f"{signed.headers}\n{signed.text}", browser.get("/").text]
        app.state.portal.database.dispose()
        from tests.e2e.portal import running_portal

        with (running_portal(env, database.sessions, "huyi-two-mountains", tmp_path / "web.log",
                             extra={"LIANGSHAN_SECRET_KEY": PLANTED["LIANGSHAN_SECRET_KEY"]}) as portal,
              httpx.Client(base_url=portal.base, timeout=60, follow_redirects=False) as web):
            assert web.get(f"/b/{tokens['eco']}").status_code == 303
            home_page = web.get("/")
            csrf = re.search(r'name="csrf"\s+value="([^"]+)"', home_page.text)
            assert csrf
            answer = web.post(f"/steps/{STEP}/checkin", data={"csrf": csrf.group(1), "note": "入口报送"},
                                  files={"file": ("转化模式2.pdf", b"%PDF-1.4\n% second\n", "application/pdf")})
            assert answer.status_code == 303, answer.text[:300]
            assert web.get(f"/b/{tokens['eco']}x").status_code == 401  # a broken link is logged, if at all, masked
            pages += [home_page.text, answer.text]

    # Prefect's own database, raw, before a server opens it again.
    signatures = {f"link token ({b})": t.rsplit(".", 1)[1] for b, t in tokens.items()}
    everything = {**PLANTED, **signatures}
    # The search finds what it looks for: the channels file holds three values, each link's output its token.
    assert hits(channels.read_bytes(), everything) == {"WeCom bot key", "WeCom bot key (refused)", "SMTP password"}
    assert all(hits(outputs[f"link {b}"][0].encode(), everything) == {f"link token ({b})"} for b in tokens)
    assert hits(base64.b64encode(b"ab" + PLANTED["SMTP password"].encode() + b"c"), everything) == {"SMTP password"}
    findings: list[str] = []
    for name, (stdout, stderr) in outputs.items():
        allowed_out = {f"link token ({name.split()[1]})"} if name in ("link eco", "link office") else set()
        findings += [f"stdout of `liangshan {name}`: {label}" for label in sorted(hits(stdout.encode(), everything) - allowed_out)]
        findings += [f"stderr of `liangshan {name}`: {label}" for label in sorted(hits(stderr.encode(), everything))]
    # Not ours: mail.log is the test's SMTP server, httpx the test's own browser (it logs the URLs it opens).
    logged = "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                       if r.name.split(".")[0] not in ("mail", "httpx"))
    findings += [f"logging in this process: {label}" for label in sorted(hits(logged.encode(), everything))]
    findings += [f"portal pages: {label}" for label in sorted(hits("\n".join(pages).encode(), everything))]
    findings += [f"file {f}" for f in search_files(tmp_path, everything, allowed={channels})]
    findings += [f"our database {f}" for f in search_database(database, everything)]
    assert list(prefect_home.glob("prefect.db*")), "the tick's ephemeral API kept no database"

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    server_env = {**env, "PREFECT_API_URL": api, "PREFECT_LOGGING_LEVEL": "WARNING"}
    log = tmp_path.parent / f"{tmp_path.name}-prefect-server.log"  # outside the searched folder
    server = start_prefect_server(server_env, port, log)
    try:
        _wait("prefect server", lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, 120, server, log)
        kept = read_prefect(api)
    finally:
        _stop(server)
    assert any(r["name"].startswith("重算") for r in kept["flow_runs"]) and kept["artifacts"] and kept["logs"]
    for kind, rows in kept.items():
        findings += [f"Prefect API {kind}: {label}" for label in sorted(hits(json.dumps(rows, ensure_ascii=False).encode(),
                                                                            everything))]
    assert findings == []


def test_no_secret_in_the_debug_logs_of_a_delivery(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`liangshan notify test` in this process, logging at DEBUG (as an operator chasing a delivery problem
    might set it): the bot keys and the SMTP password are in no log record and no output."""
    from typer.testing import CliRunner

    from cli.main import app

    caplog.set_level(logging.DEBUG)
    with http_sink() as sink, smtp_sink() as (smtp_port, _mails):
        sink.modes[PLANTED["WeCom bot key (refused)"]] = "errcode"
        channels = _planted_channels(tmp_path, smtp_port)
        env = {"LIANGSHAN_NOTIFY_CONFIG": str(channels), "LIANGSHAN_WECOM_API_BASE": sink.base,
               "LIANGSHAN_HOME": str(tmp_path / "home")}
        runner = CliRunner()
        results = {b: runner.invoke(app, ["notify", "test", b], env=env) for b in ("eco", "office")}
        assert [m["key"] for m in sink.wecom] == [PLANTED["WeCom bot key"]]
    assert results["eco"].exit_code == 0 and results["office"].exit_code == 1, [r.output for r in results.values()]
    printed = "\n".join(r.output for r in results.values())
    logged = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.name.split(".")[0] not in ("mail", "httpx")]
    assert {"apprise", "urllib3.connectionpool"} <= {r.name for r in caplog.records}  # the debug logs were captured
    assert any("/cgi-bin/webhook/send?key=****" in line for line in logged)  # the request line, its key masked
    assert [line for line in logged if hits(line.encode(), PLANTED)] == []
    assert hits(printed.encode(), PLANTED) == set()
