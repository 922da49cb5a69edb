"""deploy/systemd: every unit parses (systemd-analyze verify), runs a real command with options it has, and reads only
the documented environment files."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from cli.main import app

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "deploy" / "systemd"
BIN = Path(sys.executable).parent
INSTALLED_BIN = "/opt/liangshan/.venv/bin"
# Where each EnvironmentFile is installed -> the file in deploy/ it is installed from (README and the files say so).
ENV_FILES = {"/etc/liangshan/env": "env.example", "/etc/liangshan/web/%i.env": "web-plan.env.example"}


def unit_files() -> list[Path]:
    return sorted(p for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))


def read_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file as systemd reads it: sections of (key, value) in order, a key given twice kept twice,
    comments and blank lines skipped, a trailing backslash continuing the line."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None, f"{path.name}: {raw!r} is neither a section nor key=value"
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def test_there_are_the_units_an_administrator_needs() -> None:
    names = {p.name for p in unit_files()}
    assert {"prefect-server.service", "liangshan-serve.service", "prefect-worker.service", "liangshan-web@.service",
            "liangshan-backup.service", "liangshan-backup.timer", "liangshan-weekly.service", "liangshan-weekly.timer"} <= names


@pytest.mark.parametrize("unit", unit_files(), ids=lambda p: p.name)
def test_environment_files_are_the_documented_ones(unit: Path) -> None:
    parser = read_unit(unit)
    for path in values(parser, "Service", "EnvironmentFile"):
        assert path in ENV_FILES, f"{unit.name}: EnvironmentFile={path} is not one of {sorted(ENV_FILES)}"
        example = REPO / "deploy" / ENV_FILES[path]
        assert example.is_file(), f"{unit.name}: {path} is installed from deploy/{ENV_FILES[path]}, which is missing"
    if unit.suffix == ".service":
        assert "/etc/liangshan/env" in values(parser, "Service", "EnvironmentFile"), f"{unit.name} must read /etc/liangshan/env"


def _liangshan_command(words: list[str]) -> tuple[Any, list[str]]:
    """The command a `liangshan ...` line names (Typer's, with its params), and the words after it; fails naming an
    unknown one. (Typer vendors its own click: a group is whatever has ``commands``.)"""
    command: Any = typer.main.get_command(app)
    rest = list(words)
    while getattr(command, "commands", None) is not None and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        assert sub is not None, f"liangshan has no command {rest[0]!r} (line: liangshan {' '.join(words)})"
        command, rest = sub, rest[1:]
    assert getattr(command, "commands", None) is None, f"`liangshan {' '.join(words)}` names a group, not a command"
    return command, rest


def _commands(unit: Path) -> list[list[str]]:
    """Every liangshan/prefect command line of a unit (ExecStart, ExecStartPre, ExecStartPost), also inside sh -c."""
    parser = read_unit(unit)
    lines = [v for key in ("ExecStartPre", "ExecStart", "ExecStartPost") for v in values(parser, "Service", key)]
    found = []
    for line in lines:
        words = shlex.split(line.lstrip("-@:+!"))
        if words[:2] == ["/bin/sh", "-c"]:
            words = shlex.split(words[2].removeprefix("exec "))
        if words and words[0].startswith(INSTALLED_BIN + "/"):
            found.append(words)
        else:
            assert words and Path(words[0]).is_absolute(), f"{unit.name}: {line!r} must start with an absolute path"
    return found


@pytest.mark.parametrize("unit", [p for p in unit_files() if p.suffix == ".service"], ids=lambda p: p.name)
def test_exec_lines_name_real_commands_and_options(unit: Path) -> None:
    """`liangshan web --plan %i --port ${PORT}`: web exists and takes --plan and --port (checked against the Typer app);
    prefect's commands against `prefect ... --help`."""
    commands = _commands(unit)
    assert commands, f"{unit.name} runs neither liangshan nor prefect"
    for words in commands:
        program = words[0].rsplit("/", 1)[1]
        assert program in ("liangshan", "prefect"), f"{unit.name}: unexpected program {words[0]}"
        options = [w.split("=")[0] for w in words[1:] if w.startswith("--")]
        if program == "liangshan":
            command, _rest = _liangshan_command(words[1:])
            known = {opt for param in command.params for opt in param.opts}
            assert set(options) <= known, f"{unit.name}: liangshan {command.name} has no {sorted(set(options) - known)}"
        else:
            path = [w for w in words[1:] if not w.startswith("-")][:2]
            help_text = subprocess.run([str(BIN / "prefect"), *path, "--help"], capture_output=True, text=True, timeout=120,
                                       env={"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PATH": "/usr/bin:/bin",
                                            "HOME": str(Path.home()), "COLUMNS": "200"})
            assert help_text.returncode == 0, f"{unit.name}: prefect {' '.join(path)} --help failed:\n{help_text.stderr}"
            for option in options:
                assert option in help_text.stdout, f"{unit.name}: prefect {' '.join(path)} has no option {option}"


def test_an_unknown_command_is_caught() -> None:
    """The check itself: a misspelt command fails naming it."""
    with pytest.raises(AssertionError, match="no command 'serv'"):
        _liangshan_command(["serv"])
    command, rest = _liangshan_command(["web", "--plan", "x"])
    assert command.name == "web" and rest == ["--plan", "x"]


def test_systemd_analyze_verifies_every_unit(tmp_path: Path) -> None:
    """systemd's own parser: no unknown key, bad value or missing program (the venv stands in for /opt/liangshan)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here; the parser tests above still check every unit")
    names = []
    for unit in unit_files():
        # A template is verified as one instance of it, as systemctl would start it.
        name = unit.name.replace("@.", "@huyi-two-mountains.")
        (tmp_path / name).write_text(unit.read_text(encoding="utf-8").replace(INSTALLED_BIN, str(BIN)), encoding="utf-8")
        names.append(str(tmp_path / name))
    result = subprocess.run([analyze, "verify", *names], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    output = (result.stdout + result.stderr).strip()
    # Only what is outside our files may be reported: the units we order after (PostgreSQL) are not installed here.
    ours = [line for line in output.splitlines() if line and "postgresql.service" not in line]
    assert result.returncode == 0 and not ours, output


def test_the_readme_points_at_every_deployment_file() -> None:
    """An administrator finds each file from the README, and every file the README names exists."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shipped = {p.relative_to(REPO).as_posix() for p in (REPO / "deploy").rglob("*") if p.is_file()}
    folders = {p.relative_to(REPO).as_posix() for p in (REPO / "deploy").rglob("*") if p.is_dir()}
    named = set(re.findall(r"deploy/[\w@./-]+[\w]", readme)) - folders
    assert named <= shipped, f"the README names files that are not in deploy/: {sorted(named - shipped)}"
    unnamed = sorted(p for p in shipped if p not in named and Path(p).name not in readme)
    assert not unnamed, f"the README does not point at {unnamed}"
