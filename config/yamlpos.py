"""Read YAML and remember where every value stands, so errors can name the line and column.

The loader is :class:`config.safe_yaml.GuardedLoader`: deep nesting and alias bombs are refused
(:class:`config.safe_yaml.UnsafeInput`) before the position index or any value is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from config.safe_yaml import GuardedLoader

__all__ = ["Located", "Position", "YamlSyntaxError", "load_located"]

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column in the source file."""

    line: int
    column: int


class YamlSyntaxError(ValueError):
    """The text is not YAML, or repeats a key; carries the position of the fault."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.position = position


@dataclass(slots=True)
class Located:
    """Plain data read from YAML plus the position of every key and item, by data path."""

    data: Any
    positions: dict[Path, Position] = field(default_factory=dict)

    def position(self, path: Path) -> Position:
        """The position of ``path`` or of the nearest enclosing value that has one."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found is not None:
                return found
        return Position(1, 1)

    def nearest(self, path: Path) -> Path:
        """The longest prefix of ``path`` that names a value in the file."""
        for end in range(len(path), -1, -1):
            if tuple(path[:end]) in self.positions:
                return tuple(path[:end])
        return ()


class _Loader(GuardedLoader):
    """Guarded SafeLoader that leaves dates as text: our own parsers read them and name the bad ones."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mark(mark: yaml.Mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def load_located(text: str) -> Located:
    """Parse YAML text into plain data and a map of positions.

    Raises:
        YamlSyntaxError: malformed YAML, a mapping that repeats a key (PyYAML would silently keep
            the last one, hiding a mistake in the plan) or has a list or mapping as a key, or a value
            whose explicit tag does not fit it (``!!int abc``).
        UnsafeInput: nesting or aliases beyond the bounds of :mod:`config.safe_yaml`.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located(None, {(): Position(1, 1)})
        located = Located(None)
        _index(loader, node, (), located.positions)
        located.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = _mark(mark) if mark else Position(1, 1)
        raise YamlSyntaxError(f"{exc.problem or exc}", position) from exc
    except yaml.YAMLError as exc:  # the reader's own refusals carry no mark (read_text catches them first)
        raise YamlSyntaxError(str(exc), Position(1, 1)) from exc
    finally:
        loader.dispose()
    return located


def _index(loader: _Loader, node: yaml.Node, path: Path, out: dict[Path, Position]) -> None:
    out.setdefault(path, _mark(node.start_mark))
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, Position] = {}
        for key_node, value_node in node.value:
            here = _mark(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlSyntaxError("键应为文字，不能是列表或映射 / a key must be text, not a list or mapping", here)
            key = loader.construct_object(key_node, deep=True)
            if key in seen:
                first = seen[key]
                raise YamlSyntaxError(
                    f"重复的键 “{key}”（第一次在第 {first.line} 行）/ duplicate key {key!r} "
                    f"(first at line {first.line})",
                    here,
                )
            seen[key] = here
            child = (*path, key)
            out[child] = here
            _index(loader, value_node, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(loader, item, (*path, i), out)
