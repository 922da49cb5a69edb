"""deploy/env.example lists every LIANGSHAN_* and PREFECT_* setting the code reads, each with a Chinese-first comment."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from config.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PACKAGES = ("config", "db", "core", "tasks", "flows", "cli", "web", "reports")
_NAME = re.compile(r"(?<![A-Za-z0-9_])((?:LIANGSHAN|PREFECT)_[A-Z0-9_]*[A-Z0-9])(?![A-Za-z0-9_])")
_ENTRY = re.compile(r"^#?([A-Z][A-Z0-9_]*)=")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def settings_in_code() -> set[str]:
    """Every LIANGSHAN_*/PREFECT_* name in the code's strings (reads, defaults, messages) and the Settings fields."""
    names: set[str] = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    names |= set(_NAME.findall(node.value))
    # plan_set is derived from LIANGSHAN_PLAN, not a variable of its own.
    names |= {f"LIANGSHAN_{f.name.upper()}" for f in dataclasses.fields(Settings) if f.name != "plan_set"}
    return names


def entries(path: Path) -> dict[str, list[str]]:
    """The variables a file sets (``NAME=`` or, optional, ``#NAME=``) with the comment lines just above each."""
    found: dict[str, list[str]] = {}
    comment: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ENTRY.match(line)
        if match:
            found[match.group(1)] = comment
            comment = []
        elif line.startswith("#"):
            comment.append(line)
        else:
            comment = []
    return found


def test_every_setting_the_code_reads_is_in_env_example() -> None:
    listed = entries(DEPLOY / "env.example")
    missing = sorted(settings_in_code() - set(listed))
    assert not missing, f"deploy/env.example lacks {missing}: add each with a Chinese-first comment above it"


def test_every_entry_has_a_chinese_first_comment() -> None:
    for name, comment in {**entries(DEPLOY / "env.example"), **entries(DEPLOY / "web-plan.env.example")}.items():
        assert comment, f"{name} has no comment above it"
        first = comment[0].lstrip("# ").split(" / ")[0]
        assert _CJK.search(first), f"{name}: the comment should say it in Chinese first, not {first[:30]!r}"


def test_the_upload_limit_matches_the_settings_default_and_nginx() -> None:
    """The environment file, the code's default and nginx's body limit agree (a mismatch is a 413 from the wrong side)."""
    text = (DEPLOY / "env.example").read_text(encoding="utf-8")
    mb = re.search(r"^LIANGSHAN_UPLOAD_MAX_MB=(\d+)$", text, re.M)
    assert mb and mb.group(1) == Settings().upload_max_mb
    site = (DEPLOY / "nginx" / "liangshan.conf").read_text(encoding="utf-8")
    assert re.findall(r"client_max_body_size\s+(\d+)m;", site) == [mb.group(1)]


def test_the_finder_sees_a_new_setting(tmp_path: Path) -> None:
    """The name finder itself: a variable read in code is found; an identifier that merely contains one is not."""
    assert _NAME.findall('os.environ.get("LIANGSHAN_NEW_THING")') == ["LIANGSHAN_NEW_THING"]
    assert _NAME.findall("_PREFECT_DEFAULTS = {}") == []
    env = tmp_path / "env"
    env.write_text("# 说明 / gloss\nLIANGSHAN_A=1\n\n#LIANGSHAN_B=2\n", encoding="utf-8")
    assert entries(env) == {"LIANGSHAN_A": ["# 说明 / gloss"], "LIANGSHAN_B": []}
