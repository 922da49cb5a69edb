"""What every task of the daily reconcile shares: its result is used once, in the run that made it."""

from __future__ import annotations

from typing import Any

from prefect.cache_policies import NO_CACHE

__all__ = ["ONCE"]

# No result file under ~/.prefect/storage, no cache key computed over the inputs (a Snapshot holds every
# fact), and never a result reused from another run: each day's states must come from that day's facts.
ONCE: dict[str, Any] = {"persist_result": False, "cache_policy": NO_CACHE}
