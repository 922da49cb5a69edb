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
