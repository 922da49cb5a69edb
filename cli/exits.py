"""Exit codes of the ``liangshan`` command, one meaning each (also listed in the README)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Exit"]


class Exit(IntEnum):
    """What a run of the command came to."""

    OK = 0
    FINDING = 1  # the command worked and found something wrong (e.g. verify, overdue)
    BAD_INPUT = 2  # the input (plan file, events file, arguments) is wrong; nothing was written
    FORBIDDEN = 3  # the input is well formed but the rules refuse it (e.g. not the step's owner)
    RUN_FAILED = 4  # a Prefect run itself failed or crashed (not a late plan: that is a finding)
