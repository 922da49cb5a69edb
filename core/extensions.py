"""What an extension (延期) would do before the office decides it: run the engine with it as a hypothetical fact.

The office sees which downstream steps would move, whether the step would then lie on the
critical path, and the plan's forecast end with and without it. Nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from core.events import SHANGHAI, Extension, Facts
from core.status import Engine

__all__ = ["ExtensionPreview", "preview_extension"]


@dataclass(frozen=True, slots=True)
class ExtensionPreview:
    """The board with and without the extension, as far as the office needs it to decide."""

    step: str
    due_before: date
    due_after: date
    moved: tuple[tuple[str, date, date], ...]
    critical: bool
    end_before: date | None
    end_after: date | None

    @property
    def end_moves(self) -> bool:
        """True when the plan's forecast end would move."""
        return self.end_before != self.end_after


def preview_extension(engine: Engine, facts: Facts, step_id: str, to: date, as_of: date) -> ExtensionPreview:
    """Evaluate the plan on ``as_of`` as if the step were extended to ``to`` from that day.

    Returns:
        The step's due before and after, every other step whose forecast finish moves (step id,
        before, after, in plan order), whether the step is critical with the extension, and the
        forecast end of the plan both ways.
    """
    before = engine.board(facts, as_of)
    moment = datetime.combine(as_of, time(12), SHANGHAI)
    after = engine.board(facts.with_facts(Extension(step_id, "office", moment, to, "预览 preview")), as_of)
    moved = tuple(
        (sid, b.forecast_due, a.forecast_due)
        for sid in engine.order
        if sid != step_id
        and (b := before.steps[sid]).forecast_due is not None
        and (a := after.steps[sid]).forecast_due is not None
        and b.forecast_due != a.forecast_due
    )
    return ExtensionPreview(
        step=step_id,
        due_before=before.steps[step_id].due,
        due_after=after.steps[step_id].due,
        moved=moved,
        critical=after.steps[step_id].critical,
        end_before=before.end.forecast_due if before.end else None,
        end_after=after.end.forecast_due if after.end else None,
    )
