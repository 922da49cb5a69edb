"""Timing helpers for the benchmarks: best-of-N wall time, and a one-line verdict per bound."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of ``repeat`` wall-clock runs, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def verdict(name: str, seconds: float, bound: float) -> bool:
    """Print the measurement against its bound; True when within."""
    ok = seconds <= bound
    print(f"{name:<60} {seconds * 1000:9.1f} ms   bound {bound * 1000:7.0f} ms   {'ok' if ok else 'OVER'}")
    return ok


def ratio_verdict(name: str, ratio: float, bound: float) -> bool:
    """Print a ratio against its bound; True when within."""
    ok = ratio <= bound
    print(f"{name:<60} {ratio:9.2f}      bound {bound:7.2f}      {'ok' if ok else 'OVER'}")
    return ok


def free_port() -> int:
    """A free TCP port on 127.0.0.1, for a scratch Prefect server."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(api: str, seconds: float = 180) -> None:
    """Wait until a Prefect server answers its health check (it takes 10-25 s to start on this machine)."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"Prefect server at {api} not healthy after {seconds} s")


def stop(proc: object) -> None:
    """Stop a process started in its own session, and everything it started: SIGTERM, then SIGKILL."""
    import os
    import signal
    import subprocess

    assert isinstance(proc, subprocess.Popen)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
