"""A real `prefect server start` for a test, without the parts no test here looks at.

The UI (copied and served at start-up, some 6 s of CPU on this machine) is off unless a browser test needs
it; the scheduler (which would add each deployment's next runs, up to 100 apiece, for days no test reaches)
and the late-runs service are off. The services that record runs, task runs, events, logs, automations and
deployment health stay on: they are what the tests check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent

QUIET = {"PREFECT_UI_ENABLED": "false", "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
         "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def start_prefect_server(env: dict[str, str], port: int, log: Path, *, ui: bool = False,
                         append: bool = False) -> subprocess.Popen[bytes]:
    """`prefect server start` on 127.0.0.1:``port`` in its own session (so a stop takes its children), its
    output in ``log``; the caller waits for /health."""
    server_env = {**env, **QUIET}
    if ui:
        server_env["PREFECT_UI_ENABLED"] = "true"
    return subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=server_env, stdout=log.open("ab" if append else "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
