"""The layers read top-down: no two modules import each other, directly or around a loop, and core/ stays pure.

The graph is read from the code's own ``import`` statements with :mod:`ast` (module level, inside functions
and under ``TYPE_CHECKING`` alike: a loop that only runs late is still a loop a reader has to untie), with
relative imports resolved against the importing module's package.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "db", "core", "tasks", "flows", "cli", "web", "reports")
# core/ is the pure layer: rules and dates, no database, no orchestration, no delivery.
CORE_FORBIDDEN = ("prefect", "sqlalchemy", "apprise")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every module of the project's packages (migrations included: they are code too), by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _imported_names(name: str, path: Path) -> list[tuple[str, int]]:
    """Every dotted name ``path`` imports, with its line; ``from X import Y`` yields ``X.Y`` (it may be a module)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # A package's own name is its base for `from . import x`; a module's base is its package.
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names += [(source, node.lineno)]
            names += [(f"{source}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*"]
    return names


def _graph() -> tuple[dict[str, dict[str, int]], dict[str, list[tuple[str, int]]]]:
    """Edges between the project's modules (importer -> {imported: line}), and every raw name each imports."""
    modules = _modules()
    edges: dict[str, dict[str, int]] = {name: {} for name in modules}
    raw: dict[str, list[tuple[str, int]]] = {}
    for name, path in modules.items():
        raw[name] = _imported_names(name, path)
        for imported, line in raw[name]:
            # `from db.backup import restore` names the module db.backup.restore; `from db.records import
            # Refusal` names db.records. The longest prefix that is one of our modules is what runs.
            parts = imported.split(".")
            for cut in range(len(parts), 0, -1):
                target = ".".join(parts[:cut])
                if target in modules:
                    if target != name:
                        edges[name].setdefault(target, line)
                    break
    return edges, raw


def _groups(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan): each reaches every other by imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        # Iterative Tarjan: the graph is a few hundred modules, but recursion depth is not ours to spend.
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return groups


def _loops(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """One concrete loop through each group of modules that import each other."""
    return [_loop_in(group, edges) for group in _groups(edges)]


def _loop_in(group: list[str], edges: dict[str, dict[str, int]]) -> list[str]:
    """The shortest loop through the group's first module, as a list that starts and ends with it."""
    members = set(group)
    start = group[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges[node]):
            if child == start:
                return paths[node] + [start]
            if child in members and child not in paths:
                paths[child] = paths[node] + [child]
                queue.append(child)
    raise AssertionError(f"no loop found in the strongly connected group {group}")


def _describe(loop: list[str], edges: dict[str, dict[str, int]]) -> str:
    steps = [f"{a} (line {edges[a][b]}) -> {b}" for a, b in itertools.pairwise(loop)]
    return "  " + "\n  ".join(steps)


def test_no_module_imports_another_that_imports_it_back() -> None:
    """A loop, however long, names every step with the line that makes it; share the common part in a lower module."""
    edges, _ = _graph()
    groups = _groups(edges)
    message = "\n".join(f"import loop {i + 1} of {len(groups)} among {', '.join(group)}:\n"
                        f"{_describe(_loop_in(group, edges), edges)}" for i, group in enumerate(groups))
    assert not groups, "modules import each other; move what they share into a module below both:\n" + message


@pytest.mark.parametrize("forbidden", CORE_FORBIDDEN)
def test_core_stays_pure(forbidden: str) -> None:
    """core/ judges and computes; the database, Prefect and the delivery library stay in the layers above."""
    _, raw = _graph()
    offenders = [f"{module} line {line}: {name}" for module, names in raw.items() if module.split(".")[0] == "core"
                 for name, line in names if name == forbidden or name.startswith(forbidden + ".")]
    assert not offenders, f"core/ imports {forbidden}:\n  " + "\n  ".join(offenders)


def test_the_reader_finds_a_loop_it_is_shown(tmp_path: Path) -> None:
    """The loop finder itself: a three-module ring and a two-module pair are both found, a chain is not."""
    edges = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"e": 4}, "e": {"d": 5}, "f": {"a": 6}, "g": {}}
    loops = sorted(_loops(edges))
    assert loops == [["a", "b", "c", "a"], ["d", "e", "d"]]
    assert "b (line 2) -> c" in _describe(loops[0], edges)


def test_relative_imports_resolve_against_the_package(tmp_path: Path) -> None:
    """`from . import x` and `from ..y import z` name modules of the importer's package, in a module and in an __init__."""
    module = tmp_path / "routes.py"
    module.write_text("from . import common\nfrom ..portal import Portal\ndef late():\n    from .pages import router\n",
                      encoding="utf-8")
    names = {name for name, _ in _imported_names("web.routes.actions", module)}
    assert {"web.routes.common", "web.portal.Portal", "web.routes.pages.router"} <= names
    init = tmp_path / "__init__.py"
    init.write_text("from .actions import router\n", encoding="utf-8")
    assert "web.routes.actions.router" in {name for name, _ in _imported_names("web.routes", init)}
