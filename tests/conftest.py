"""Fixtures shared by every tier of the suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.loader import load_plan
from config.settings import DEFAULT_PLAN
from core.plan import Plan

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seed" / "huyi-two-mountains-work-plan.txt"


@pytest.fixture(name="huyi", scope="session")
def fixture_huyi() -> Plan:
    """The shipped Huyi plan, loaded once."""
    return load_plan(DEFAULT_PLAN)


@pytest.fixture(name="huyi_text", scope="session")
def fixture_huyi_text() -> str:
    """The shipped plan file's text, for making broken copies."""
    return DEFAULT_PLAN.read_text(encoding="utf-8")


@pytest.fixture(name="seed_text", scope="session")
def fixture_seed_text() -> str:
    """The office's own plan document, beside the repository as in CI."""
    if not SEED.exists():
        pytest.skip(f"seed document not found at {SEED} (shared/ is not beside this checkout)")
    return SEED.read_text(encoding="utf-8")


def _cost_rank(item: pytest.Item) -> int:
    """0 for a test that runs a Prefect server on PostgreSQL with workers (the longest), 1 for one that starts
    another real Prefect server, 2 for another slow one, 3 for the rest."""
    if item.get_closest_marker("server"):
        return 0 if item.get_closest_marker("postgres") else 1
    return 2 if item.get_closest_marker("slow") else 3


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The costliest files first, each file's tests kept together and in order.

    `make test` runs two pytest-xdist workers that take whole files in this order (--dist loadfile
    --no-loadscope-reorder): each starts on a file that runs a Prefect server for minutes while the many
    quick files fill the gaps. Left last (alphabetical, or xdist's most-tests-first), the end-to-end and
    fault files kept one core idle at the end.
    """
    rank: dict[str, int] = {}
    for item in items:
        rank[item.nodeid.split("::")[0]] = min(rank.get(item.nodeid.split("::")[0], 3), _cost_rank(item))
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])  # stable: the order within a rank stays


# Test folders whose files share one session-scoped server: xdist gives each such folder to one worker
# as a single unit, so the server starts once instead of once per worker that draws one of its files.
_SHARED_SERVER_FOLDERS = ("tests/flows/",)  # prefect_test_harness (tests/flows/conftest.py), ~20-30 s CPU a start


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`--dist loadfile`, except that a folder sharing a session server is one unit of work."""
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class _SharedServerScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            folder = next((f for f in _SHARED_SERVER_FOLDERS if nodeid.startswith(f)), None)
            return folder or super()._split_scope(nodeid)

    return _SharedServerScheduling(config, log)
