"""Text a reader sees as it is: no control or format characters in names and titles.

U+202E (right-to-left override) before ``fdp.exe`` makes ``报告<U+202E>fdp.exe`` read as ``报告exe.pdf``; zero-width and bidi
marks make two titles that look the same differ. Names and titles a bureau types are refused with them.
"""

from __future__ import annotations

import unicodedata

__all__ = ["hidden_character", "without_hidden"]

# Control (Cc), format (Cf: U+202E right-to-left override, zero-width and bidi marks, BOM), surrogates and the
# line/paragraph separators: invisible or reordering, they make a name or title read as something it is not.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def hidden_character(text: str) -> str | None:
    """The first control or format character of ``text`` as ``U+XXXX NAME``, or None when there is none."""
    for char in text:
        if unicodedata.category(char) in _HIDDEN_CATEGORIES:
            return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()
    return None


def without_hidden(text: str, keep: str = "\n\r\t") -> str:
    """``text`` with its control and format characters removed, but for those in ``keep`` (line breaks, tabs)."""
    return "".join(c for c in text if c in keep or unicodedata.category(c) not in _HIDDEN_CATEGORIES)
