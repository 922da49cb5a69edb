"""A real `prefect server` on a free port and a real `liangshan serve`, shared by the end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

# The portal's load and browser tests run on the databases of tests/db (SQLite and PostgreSQL).
from tests.db.conftest import fixture_database, fixture_db_url, fixture_empty_engine  # noqa: F401
from tests.prefect_server import start_prefect_server

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, check, seconds: float, proc: subprocess.Popen[bytes], log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} not ready after {seconds} s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class Live:
    """The running server and deployments, and the environment every client here uses."""

    url: str
    env: dict[str, str]
    tmp: Path

    def liangshan(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "liangshan"), *args], env=self.env, capture_output=True, text=True,
                              timeout=300, check=False)


@pytest.fixture(name="live", scope="module")
def fixture_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """`prefect server start` on 127.0.0.1 with its own PREFECT_HOME, then `liangshan serve` against it."""
    tmp = tmp_path_factory.mktemp("live")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_API_URL": api, "PREFECT_UI_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "LIANGSHAN_HOME": str(tmp / "home"),
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("LIANGSHAN_DB_URL", None)
    server_log = tmp / "server.log"
    server = start_prefect_server(env, port, server_log, ui=True)  # the browser tests open the UI
    serve_log = tmp / "serve.log"
    served = None
    try:
        _wait("prefect server", lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, 120, server, server_log)
        live = Live(api, env, tmp)
        init = live.liangshan("init")
        assert init.returncode == 0, init.stderr
        served = subprocess.Popen([str(BIN / "liangshan"), "serve"], env=env, stdout=serve_log.open("wb"),
                                  stderr=subprocess.STDOUT, start_new_session=True)

        def deployments_up() -> bool:
            found = httpx.post(f"{api}/deployments/filter", json={}, timeout=5).json()
            return sum(d["name"] == "huyi-two-mountains" for d in found) >= 4  # reconcile, gate, checkin, review

        _wait("liangshan serve", deployments_up, 120, served, serve_log)
        yield live
    finally:
        if served is not None:
            _stop(served)
        _stop(server)
