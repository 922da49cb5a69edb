"""Message templates (Jinja2) kept in config/templates, so the office can reword them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["TEMPLATE_DIR", "render"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=4)
def _environment(directory: str) -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,  # a misspelt field fails loudly instead of printing nothing
        keep_trailing_newline=False,
        autoescape=False,  # plain text and markdown, never HTML
    )


def render(name: str, directory: Path = TEMPLATE_DIR, **context: Any) -> str:
    """Render ``config/templates/<name>`` with ``context``."""
    return str(_environment(str(directory)).get_template(name).render(**context)).strip()
