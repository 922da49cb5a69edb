"""A real portal (`liangshan web` under uvicorn) on a free port, over a test database: for the load,
browser and benchmark runs. Clients get in the way a bureau does: a link, then the session cookie."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from db.portal import issue_link
from tests.e2e.conftest import _stop as stop

BIN = Path(sys.executable).parent
KEY = "portal-test-key-" + "z" * 40
_CSRF = re.compile(r'name="csrf"\s+value="([^"]+)"')


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Portal:
    """A running portal: its base URL, its process environment, and how to mint links."""

    base: str
    env: dict[str, str]
    sessions: object
    plan_id: str
    log: Path

    def link(self, bureau: str, days: int = 30) -> str:
        """A fresh link for the bureau, as `liangshan link` would print it."""
        return issue_link(self.sessions, plan_id=self.plan_id, bureau=bureau, days=days, key=KEY,  # type: ignore[arg-type]
                          base_url=self.base, actor="test").url

    def client(self, bureau: str) -> tuple[httpx.Client, str]:
        """An HTTP client signed in as the bureau (through its link), and the CSRF token of its forms."""
        client = httpx.Client(base_url=self.base, timeout=60, follow_redirects=False)
        entry = client.get(self.link(bureau).removeprefix(self.base))
        assert entry.status_code == 303, entry.text[:500]
        page = client.get("/")
        assert page.status_code == 200, page.text[:500]
        found = _CSRF.search(page.text)
        assert found, "no CSRF token on the page"
        return client, found.group(1)


@contextmanager
def running_portal(env: dict[str, str], sessions: object, plan_id: str, log: Path,
                   extra: dict[str, str] | None = None, prefect: bool = False, workers: int = 1) -> Iterator[Portal]:
    """Start `liangshan web` with ``env`` (database and home) and a test key; stop it afterwards.

    Without ``prefect`` the portal gets no PREFECT_API_URL, so it triggers no reconcile.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    full = {**os.environ, **env, "LIANGSHAN_SECRET_KEY": KEY, "LIANGSHAN_PORTAL_URL": base, **(extra or {})}
    if not prefect:
        full.pop("PREFECT_API_URL", None)
    command = [str(BIN / "liangshan"), "web", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(command, env=full,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"liangshan web exited early:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"liangshan web not up after 60 s:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield Portal(base, full, sessions, plan_id, log)
    finally:
        stop(proc)
