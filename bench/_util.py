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
