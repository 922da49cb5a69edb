"""Problems found in an input file (plan, events, holidays), each pinned to file, line, column and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FileProblem", "InvalidFile", "problem"]


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One error or warning about an input file, in Chinese and English, with what would fix it."""

    severity: Literal["error", "warning"]
    file: str
    line: int
    column: int
    path: str
    zh: str
    en: str
    fix: str = ""

    def __str__(self) -> str:
        label = "错误 error" if self.severity == "error" else "警告 warning"
        where = f"{self.file}:{self.line}:{self.column}"
        text = f"{where}: {label}: {self.path or '(文件 file)'}: {self.zh} / {self.en}"
        return f"{text}\n    修改建议 fix: {self.fix}" if self.fix else text


class InvalidFile(Exception):
    """An input file has errors; ``problems`` lists every one found, warnings included."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__("\n".join(str(p) for p in errors))

    @property
    def errors(self) -> list[FileProblem]:
        """Only the errors, in file order."""
        return [p for p in self.problems if p.severity == "error"]


def problem(file: str, line: int, column: int, path: str, zh: str, en: str, fix: str = "",
            severity: Literal["error", "warning"] = "error") -> FileProblem:
    """One problem at ``file:line:column``, field ``path``: the one constructor the plan, events and holiday readers share."""
    return FileProblem(severity, file, line, column, path, zh, en, fix)
