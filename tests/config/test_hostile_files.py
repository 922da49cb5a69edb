"""Every file the command reads refuses hostile or broken input: exit 2, the file and line, Chinese first, nothing written.

The readers: the plan (``plan validate FILE`` and ``--plan FILE``), events files (``import``, ``status --events``),
import files (``indicator import``, ``case import``), the holiday file (``LIANGSHAN_HOLIDAYS``) and the notification
channels (``LIANGSHAN_NOTIFY_CONFIG``, checked before apprise reads it).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from cli.main import app
from config.plans import plan_header
from config.safe_yaml import MAX_ALIASES, UnsafeInput, guarded_load, read_text
from config.yamlpos import load_located
from db.engine import make_engine
from db.models import Base

runner = CliRunner()
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _laughs(levels: int = 9) -> str:
    """The "billion laughs": nine levels of nine aliases, a few hundred bytes that expand to 9**9 values."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _deep_block(levels: int = 70) -> str:
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(levels)) + f"{'  ' * levels}leaf\n"


# What each hostile file is, and words its refusal must contain (any one of them).
HOSTILE: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "binary": (random.Random(7).randbytes(4096), ("NUL 字节", "不是 UTF-8", "控制字符")),
    "gbk-chinese": ("plan:\n  id: huyi\n  title: 两山基地建设工作方案\nevents: []\nvalues: []\n".encode("gbk"),
                    ("不是 UTF-8 文本", "GBK")),
    "nul-in-utf8": (b"plan:\n  id: huyi\x00\n", ("NUL 字节",)),
    "control-char": ("plan:\n  id: 两山\x01\n".encode(), ("控制字符 U+0001",)),
    "alias-bomb": (_laughs().encode(), ("别名炸弹",)),
    "recursive-alias": (b"events: &x [*x]\nvalues: &y [*y]\n", ("循环引用",)),
    "too-many-aliases": (("a: &a x\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n").encode(), ("别名",)),
    "nesting-70-flow": (("[" * 70 + "]" * 70 + "\n").encode(), ("嵌套超过 64 层",)),
    "nesting-70-block": (_deep_block().encode(), ("嵌套超过 64 层",)),
    "syntax": (b"a: 1\nb: c: d\n", ("语法错误",)),
}
SYNTAX_AT = ":2:5"  # the syntax case's fault: line 2, column 5 ("c: d" is a mapping where a value belongs)


@dataclass(frozen=True)
class Reader:
    """One command that reads a file, given either as an argument or through an environment variable."""

    args: Callable[[str], list[str]]
    env: Callable[[str], dict[str, str]] = lambda _: {}
    empty_exit: int = 2  # what an empty file comes to (an empty events or holiday file is documented as nothing)
    limit: str = "5 MB"
    empty_args: list[str] | None = None  # the command for the empty file, when ``args`` would record something


CHECKIN = ["checkin", "mobilize.work-plan", "--by", "eco", "--at", "2024-04-08"]  # writes a row when it is let through
READERS = {
    "plan validate": Reader(lambda f: ["plan", "validate", f]),
    "--plan": Reader(lambda f: [*CHECKIN, "--plan", f]),
    "import": Reader(lambda f: ["import", f], empty_exit=0),
    "status --events": Reader(lambda f: ["status", "--events", f, "--as-of", "2024-05-01"], empty_exit=0),
    "indicator import": Reader(lambda f: ["indicator", "import", f]),
    "case import": Reader(lambda f: ["case", "import", f]),
    "holidays": Reader(lambda f: CHECKIN, lambda f: {"LIANGSHAN_HOLIDAYS": f}, empty_exit=0,
                       empty_args=["status", "--as-of", "2024-05-01"]),
    "channels": Reader(lambda f: ["notify", "test", "eco"], lambda f: {"LIANGSHAN_NOTIFY_CONFIG": f}, limit="128 KB"),
}


@dataclass
class Home:
    """An initialised SQLite home, and how to count everything a command could write there."""

    env: dict[str, str]
    home: Path
    url: str

    def run(self, args: list[str], extra: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, args, env={**self.env, **(extra or {})})

    def counts(self) -> dict[str, int]:
        """Rows of every table, and files under the home (the compiled-plan cache aside)."""
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                out = {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}
        finally:
            engine.dispose()
        out["files"] = sum(1 for p in self.home.rglob("*") if p.is_file() and "cache" not in p.relative_to(self.home).parts)
        return out


@pytest.fixture(name="home", scope="module")
def fixture_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """One `liangshan init` for the module: refusals write nothing, so the tests can share it."""
    root = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{root / 'liangshan.db'}"
    home = Home({"LIANGSHAN_DB_URL": url, "LIANGSHAN_HOME": str(root / "home")}, root / "home", url)
    assert home.run(["init"]).exit_code == 0
    return home


@pytest.fixture(name="oversize", scope="module")
def fixture_oversize(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid YAML file (a comment, then an empty list) just over 5 MB: only its size is wrong."""
    path = tmp_path_factory.mktemp("big") / "oversize.yaml"
    with path.open("wb") as handle:
        handle.write(b"# " + b"x" * (5 * 1024 * 1024) + b"\nevents: []\n")
    return path


def assert_clean(result: Result) -> None:
    """No traceback anywhere, and no exception other than the exit itself."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("reader", READERS)
def test_hostile_file_is_refused(home: Home, tmp_path: Path, reader: str, kind: str) -> None:
    """Exit 2, the file (and for a syntax error its line and column) and a Chinese reason on stderr, nothing written."""
    content, words = HOSTILE[kind]
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(content)
    spec = READERS[reader]
    before = home.counts()
    started = time.monotonic()
    result = home.run(spec.args(str(path)), spec.env(str(path)))
    assert time.monotonic() - started < 10
    assert_clean(result)
    assert result.exit_code == 2, result.output
    assert str(path) in result.stderr and CHINESE.search(result.stderr)
    assert any(w in result.stderr for w in words), result.stderr
    if kind == "syntax":
        assert f"{path}{SYNTAX_AT}" in result.stderr
    assert home.counts() == before


@pytest.mark.parametrize("reader", READERS)
def test_oversize_file_is_refused_unread(home: Home, oversize: Path, reader: str) -> None:
    """A file over the limit is refused saying the limit (5 MB; 128 KB for apprise's channels), nothing written."""
    spec = READERS[reader]
    before = home.counts()
    result = home.run(spec.args(str(oversize)), spec.env(str(oversize)))
    assert_clean(result)
    assert result.exit_code == 2
    assert str(oversize) in result.stderr and f"超过 {spec.limit} 的上限" in result.stderr
    assert home.counts() == before


@pytest.mark.parametrize("reader", READERS)
def test_empty_file(home: Home, tmp_path: Path, reader: str) -> None:
    """An empty plan, import or channels file is refused (exit 2, named); an empty events or holiday file is nothing."""
    spec = READERS[reader]
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    before = home.counts()
    result = home.run(spec.empty_args or spec.args(str(path)), spec.env(str(path)))
    assert_clean(result)
    assert result.exit_code == spec.empty_exit, result.output
    if result.exit_code == 2:
        assert str(path) in result.stderr and CHINESE.search(result.stderr)
    assert home.counts() == before


def test_hostile_plans_in_the_folder(home: Home, tmp_path: Path) -> None:
    """`liangshan plans` lists every hostile plan as unreadable (exit 2), reading no id from it and raising nothing."""
    for kind, (content, _) in HOSTILE.items():
        (tmp_path / f"{kind}.yaml").write_bytes(content)
    result = home.run(["plans"], {"LIANGSHAN_PLANS": str(tmp_path)})
    assert_clean(result)
    assert result.exit_code == 2 and "有 1 处错误" in result.stdout
    for kind in HOSTILE:
        assert plan_header(tmp_path / f"{kind}.yaml") == (None, None)


@pytest.mark.parametrize("args", [["plan", "validate"], ["import"]])
def test_installed_command_refuses_an_alias_bomb_quickly(tmp_path: Path, args: list[str]) -> None:
    """The real command on the billion laughs and on binary garbage: exit 2 in seconds, no traceback."""
    cmd = Path(sys.executable).parent / "liangshan"
    env = {"PATH": "/usr/bin:/bin", "LIANGSHAN_HOME": str(tmp_path / "home"),
           "LIANGSHAN_DB_URL": f"sqlite:///{tmp_path / 'l.db'}"}
    for kind in ("alias-bomb", "binary"):
        path = tmp_path / f"{kind}.yaml"
        path.write_bytes(HOSTILE[kind][0])
        started = time.monotonic()
        proc = subprocess.run([str(cmd), *args, str(path)], capture_output=True, text=True, check=False, env=env,
                              timeout=60)
        assert time.monotonic() - started < 20
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and str(path) in proc.stderr and CHINESE.search(proc.stderr)
    assert not (tmp_path / "l.db").exists()  # refused before the database was even opened


def test_a_device_is_read_no_further_than_the_limit() -> None:
    """/dev/zero never ends: reading stops one byte past the bound and refuses."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(UnsafeInput, match="超过 1 KB"):
        read_text("/dev/zero", limit=1024)


def test_bomb_refusal_is_fast_and_aliases_within_bounds_load() -> None:
    """The laughs are refused in well under a second; a few honest aliases (and merges) still load."""
    started = time.monotonic()
    with pytest.raises(UnsafeInput, match="别名炸弹") as refused:
        load_located(_laughs())
    assert time.monotonic() - started < 1
    assert refused.value.line > 1  # the line where the expansion ran over
    honest = "owners: &o [eco, water]\nsteps:\n  - {id: a, owners: *o}\n  - {id: b, owners: *o}\n"
    assert load_located(honest).data["steps"][1] == {"id": "b", "owners": ["eco", "water"]}
    merged = guarded_load("base: &b {owners: [eco]}\nstep: {<<: *b, id: a}\n")  # import files: as yaml.safe_load
    assert merged["step"] == {"owners": ["eco"], "id": "a"}


def test_too_many_values_are_refused_while_composing(home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_NODES values (lowered here to keep the test fast) an import file is refused, naming the line reached."""
    import config.safe_yaml

    monkeypatch.setattr(config.safe_yaml, "MAX_NODES", 5000)  # the plan has about 1,600
    path = tmp_path / "values.yaml"
    path.write_text("values:\n" + "".join(f"  - {{indicator: '1', year: 2025, value: {i}, by: eco}}\n" for i in range(600)),
                    encoding="utf-8")
    before = home.counts()
    result = home.run(["indicator", "import", str(path)])
    assert_clean(result)
    assert result.exit_code == 2 and "超过 5000 个值" in result.stderr and f"{path}:" in result.stderr
    assert home.counts() == before


@pytest.mark.parametrize("text", ["a: !!int abc\n", "a: !!bool maybe\n", "a: !!timestamp soon\n", "? [a, b]\n: 1\n",
                                  "a: 1" + "0" * 5000 + "\n", "a: !!python/object:os.system x\n"])
def test_values_that_do_not_fit_their_tag_are_syntax_errors(text: str) -> None:
    """An explicit tag the value does not fit, a list as a key, an int too long to read: YAML errors with a position."""
    from config.yamlpos import YamlSyntaxError

    with pytest.raises(YamlSyntaxError) as caught:
        load_located(text)
    assert caught.value.position.line >= 1

