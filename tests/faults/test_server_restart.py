"""The Prefect server restarted under `liangshan serve`: serve reconnects by itself (a reconcile asked for
through the API after the restart is run by the same serve process), and the next reconcile keeps exactly
one gate per step owed: the gates from before the restart, none doubled."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import _free_port, _stop, _wait
from tests.prefect_server import start_prefect_server

pytestmark = [pytest.mark.slow, pytest.mark.server]

BIN = Path(sys.executable).parent
DAY = "2024-04-23"  # early in the plan: a few gates, not dozens
LIVE = {"SCHEDULED", "PENDING", "RUNNING", "PAUSED"}


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    server = start_prefect_server(env, port, log, append=True)
    api = env["PREFECT_API_URL"]
    _wait("prefect server", lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, 120, server, log)
    return server


def reconcile(api: str, serve: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    """Ask for a run of reconcile/huyi-two-mountains through the API and wait for its end."""
    with httpx.Client(base_url=api, timeout=30) as client:
        deployment = client.get("/deployments/name/reconcile/huyi-two-mountains").json()
        deadline = time.monotonic() + 60
        # A server just back answers 503 for a moment while its services start: ask again, as a client would.
        while (made := client.post(f"/deployments/{deployment['id']}/create_flow_run",
                                   json={"parameters": {"as_of": DAY}})).status_code == 503 and time.monotonic() < deadline:
            time.sleep(1)
        assert made.status_code < 300, made.text
        run = made.json()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert serve.poll() is None, log.read_text(errors="replace")[-3000:]
            now = client.get(f"/flow_runs/{run['id']}").json()
            if now["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                return dict(now)
            time.sleep(1)
    raise AssertionError(f"reconcile {run['id']} did not end:\n{log.read_text(errors='replace')[-3000:]}")


def gates(api: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=api, timeout=30) as client:
        deployment = client.get("/deployments/name/gate/huyi-two-mountains").json()
        found = client.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment["id"]]}},
                                                       "limit": 200}).json()
    return [r for r in found if r["state"]["type"] in LIVE]


def wait_paused(api: str, count: int, seconds: float = 180) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        live = gates(api)
        if len(live) == count and all(r["state"]["type"] == "PAUSED" for r in live):
            return live
        time.sleep(1)
    raise AssertionError(f"gates not all suspended: {[(r['name'], r['state']['type']) for r in gates(api)]}")


def test_serve_reconnects_after_the_server_restarts(tmp_path: Path) -> None:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": api, "PREFECT_UI_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "LIANGSHAN_HOME": str(tmp_path / "home"),
           "PREFECT_LOGGING_LEVEL": "INFO"}
    for name in ("LIANGSHAN_DB_URL", "LIANGSHAN_NOTIFY_CONFIG", "LIANGSHAN_PORTAL_URL"):
        env.pop(name, None)
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    server = start_server(env, port, server_log)
    serve = None
    try:
        init = subprocess.run([str(BIN / "liangshan"), "init"], env=env, capture_output=True, text=True, timeout=120,
                              check=False)
        assert init.returncode == 0, init.stderr
        serve = subprocess.Popen([str(BIN / "liangshan"), "serve"], env=env, stdout=serve_log.open("wb"),
                                 stderr=subprocess.STDOUT, start_new_session=True)

        def deployed() -> bool:
            return all(httpx.get(f"{api}/deployments/name/{kind}/huyi-two-mountains", timeout=5).status_code == 200
                       for kind in ("reconcile", "gate", "checkin", "review"))

        _wait("liangshan serve", deployed, 120, serve, serve_log)
        first = reconcile(api, serve, serve_log)
        assert first["state"]["type"] == "COMPLETED", first["state"]
        before = wait_paused(api, len(gates(api)) or 1)
        assert before and max(Counter(r["name"] for r in before).values()) == 1

        _stop(server)  # SIGTERM, as systemd restarts it
        time.sleep(15)  # serve polls every 10 s: let it find the server gone
        assert serve.poll() is None, serve_log.read_text(errors="replace")[-3000:]
        server = start_server(env, port, server_log)

        second = reconcile(api, serve, serve_log)  # only serve runs this deployment: it reconnected
        assert second["state"]["type"] == "COMPLETED", second["state"]
        assert serve.poll() is None
        after = wait_paused(api, len(before))
        assert sorted(r["id"] for r in after) == sorted(r["id"] for r in before)  # the same gates, none doubled
        assert max(Counter(r["name"] for r in after).values()) == 1
        log = serve_log.read_text(errors="replace")
        assert second["id"] in log, log[-3000:]  # the run was picked up by this serve process
    finally:
        if serve is not None:
            _stop(serve)
        _stop(server)
