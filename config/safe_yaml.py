"""Read an input file defensively: a bounded size, UTF-8 text only, YAML without alias bombs or deep nesting.

Every file the project reads (the plan, events and import files, the holiday and channel files) goes
through :func:`read_text`, and every YAML text through :class:`GuardedLoader`, so that a binary or
GBK-encoded file, a "billion laughs" of nested aliases or a thousand nested brackets is refused with
the file, the line and a reason in Chinese and English, in bounded time and memory, before anything
is built from it.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path
from typing import Any

import yaml

from config.errors import FileProblem

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_EXTRA_NODES",
    "MAX_NODES",
    "GuardedLoader",
    "UnsafeInput",
    "guarded_load",
    "read_text",
]

MAX_BYTES = 5 * 1024 * 1024  # far above any plan, events or import file (the Huyi plan is 28 KB)
MAX_DEPTH = 64  # levels of nested lists and mappings; a plan needs about eight
MAX_NODES = 100_000  # values written in one file: a complete five-year events file has about 2,600
MAX_ALIASES = 1000  # alias uses (*name) in one file
MAX_EXTRA_NODES = 100_000  # values that aliases may add to a file, counted as if written out in full

# What the YAML reader refuses (YAML 1.1 printable set): control characters other than tab and newlines.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPLIT_FIX = "检查是否选错了文件；过大的导入文件请拆分 / check the file, or split it"
_UTF8_FIX = "用 UTF-8 编码另存该文件（如记事本“另存为”时选择 UTF-8）/ save the file as UTF-8 text"


class UnsafeInput(ValueError):
    """A file refused before it is parsed or built: too big, not UTF-8 text, or YAML that would expand without bound."""

    def __init__(self, zh: str, en: str, line: int = 1, column: int = 1, fix: str = "") -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.line, self.column, self.fix = zh, en, line, column, fix

    def problem(self, file: str | Path) -> FileProblem:
        """The refusal as an error about ``file``, at its line and column."""
        return FileProblem("error", str(file), self.line, self.column, "", self.zh, self.en, self.fix)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def read_text(path: str | Path, limit: int = MAX_BYTES) -> str:
    """The file's text, read no further than ``limit`` bytes (a device or a FIFO cannot make it read more).

    Raises:
        OSError: the file cannot be opened or read, or its name holds a NUL (callers say so in their own words).
        UnsafeInput: larger than ``limit``; a NUL byte (a binary or UTF-16 file); not valid UTF-8
            (e.g. GBK), naming the byte offset and line; or a control character YAML refuses.
    """
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(limit + 1)
    except ValueError:  # a NUL in the path itself: no file can have that name
        raise OSError(errno.ENOENT, "路径中有 NUL 字符，没有这样的文件 / the path holds a NUL character") from None
    if len(raw) > limit:
        raise UnsafeInput(f"文件超过 {_size(limit)} 的上限，未读取", f"the file is larger than the {_size(limit)} limit",
                          fix=_SPLIT_FIX)
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _where(raw, nul)
        raise UnsafeInput(f"第 {line} 行（第 {nul} 字节）有 NUL 字节：这是二进制文件（或 UTF-16 编码），不是文本",
                          f"NUL byte at byte {nul} (line {line}): a binary or UTF-16 file, not text", line, column,
                          _UTF8_FIX)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _where(raw, exc.start)
        guess = "，看起来是 GBK/GB18030 编码" if _is_gbk(raw) else ""
        raise UnsafeInput(f"第 {line} 行（第 {exc.start} 字节）不是 UTF-8 文本{guess}",
                          f"not UTF-8 text at byte {exc.start} (line {line}): {exc.reason}", line, column,
                          _UTF8_FIX) from None
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        code = f"U+{ord(bad.group()):04X}"
        raise UnsafeInput(f"第 {line} 行第 {column} 列有控制字符 {code}：文件可能是二进制文件",
                          f"control character {code} at line {line}, column {column}: not a text file",
                          line, column, "删除该字符，或确认选对了文件 / remove it, or check the file")
    return text


def _where(raw: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and (byte) column of ``offset``."""
    return raw.count(b"\n", 0, offset) + 1, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def _is_gbk(raw: bytes) -> bool:
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


class GuardedLoader(yaml.SafeLoader):
    """SafeLoader that refuses deep nesting and runaway aliases while composing, before any value is built.

    Composing keeps one node per value written (an alias reuses its anchor's node), at most
    :data:`MAX_NODES` of them; the check after it walks the node graph once (memoised) and refuses a
    graph that, written out in full, would be deeper than :data:`MAX_DEPTH` or hold more than
    :data:`MAX_EXTRA_NODES` values beyond those in the file, or that refers to itself.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _refusal(f"别名（*）用了 {MAX_ALIASES} 次以上", f"more than {MAX_ALIASES} aliases (*)", mark)
        else:
            self._nodes += 1
            if self._nodes > MAX_NODES:  # pure-Python YAML costs ~40 µs and ~1 KB a value: stop before it adds up
                raise _refusal(f"超过 {MAX_NODES} 个值", f"more than {MAX_NODES} values", mark, _SPLIT_FIX)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _refusal(f"嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """As SafeLoader's, but a value that does not fit its explicit tag (``!!int abc``) is a marked error."""
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # SafeConstructor trusts explicit tags: !!int '' is an IndexError, !!bool x a KeyError
            raise yaml.constructor.ConstructorError(None, None, f"无法按标签 {node.tag} 解释的值 / a value that does not "
                                                    f"fit its tag {node.tag}: {exc}", node.start_mark) from exc

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None and self._aliases:
            _Expansion(self._nodes + MAX_EXTRA_NODES).visit(node, 1)
        return node


def _refusal(zh: str, en: str, mark: yaml.Mark | None,
             fix: str = "不要用层层嵌套的别名或括号；把内容直接写出 / write the values out instead") -> UnsafeInput:
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return UnsafeInput(f"YAML {zh}，拒绝读取", f"YAML {en}: refused", line, column, fix)


class _Expansion:
    """The size and depth of a composed node graph as if every alias were written out; refuses past the bounds."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) below and including it
        self.path: set[int] = set()

    def visit(self, node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in self.path:
            raise _refusal("别名引用了包含它自身的内容（循环引用）", "an alias refers to a value that contains it",
                           node.start_mark)
        known = self.seen.get(key)
        if known is None:
            if depth > MAX_DEPTH:
                raise _refusal(f"展开别名后嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels once "
                               "aliases are expanded", node.start_mark)
            self.path.add(key)
            size, height = 1, 1
            for child in _children(node):
                below, child_height = self.visit(child, depth + 1)
                size += below
                height = max(height, child_height + 1)
                if size > self.limit:
                    raise _refusal(f"展开别名后超过 {MAX_EXTRA_NODES} 个值（“十亿笑声”式的别名炸弹）",
                                   f"aliases expand to more than {MAX_EXTRA_NODES} extra values (an alias bomb)",
                                   node.start_mark)
            self.path.discard(key)
            known = self.seen[key] = (size, height)
        if depth + known[1] - 1 > MAX_DEPTH:
            raise _refusal(f"展开别名后嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels once aliases "
                           "are expanded", node.start_mark)
        return known


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def guarded_load(text: str) -> Any:
    """Plain data from YAML text, as ``yaml.safe_load`` gives it, with the guards of :class:`GuardedLoader`.

    Raises:
        UnsafeInput: nesting, aliases or expansion beyond the bounds.
        yaml.YAMLError: the text is not YAML, or a value does not fit its explicit tag (``!!int abc``).
    """
    loader = GuardedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
