"""The command line's cold start: ``grade EXERCISE`` imports only what grading one working copy
needs, and every command, loaded on demand, still answers (each in a fresh interpreter, where
nothing another test imported can hide a missing import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from runner import cli

ROOT = Path(__file__).resolve().parent.parent
#: Imported by other commands only: the course staff's tools, batches, workers, report templates.
NOT_AT_START = (
    "jinja2",
    "docker",
    "celery",
    "rich.progress",
    "runner.cli_tools",
    "runner.batch",
    "runner.lms",
    "runner.audit",
    "runner.distributed",
    "runner.gradescope",
    "runner.mutation",
    "runner.watch",
)


def fresh(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_cli_imports_no_other_commands_machinery() -> None:
    script = f"import sys, json, runner.cli; print(json.dumps([m for m in {list(NOT_AT_START)!r} if m in sys.modules]))"
    out, err = fresh("-c", script).communicate(timeout=120)
    assert json.loads(out) == [], f"imported when the CLI starts: {out} {err}"


def test_every_command_answers_help_in_a_fresh_interpreter() -> None:
    names = cli.main.list_commands(cli.main.make_context("grade", ["--help"], resilient_parsing=True))
    assert set(cli.TOOL_COMMANDS) <= set(names)
    subcommands = [
        [name, sub] for name in names if isinstance(group := cli.main.commands[name], click.Group) for sub in group.commands
    ]
    runs = {" ".join(words): fresh("-m", "runner.cli", *words, "--help") for words in [[name] for name in names] + subcommands}
    for words, process in runs.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"grade {words} --help exited {process.returncode}: {err[-1000:]}"
        assert f"{words} [OPTIONS]" in out, f"grade {words} --help printed another command's usage:\n{out[:400]}"


def test_commands_loaded_on_demand_are_exactly_the_tools() -> None:
    """:data:`runner.cli.TOOL_COMMANDS` names what runner/cli_tools.py adds: a command it forgets
    would be taken for an exercise id in a fresh interpreter."""
    script = (
        "import json, runner.cli as c; before = set(c.main.commands); import runner.cli_tools;"
        " print(json.dumps(sorted(set(c.main.commands) - before)))"
    )
    out, err = fresh("-c", script).communicate(timeout=120)
    assert json.loads(out) == sorted(cli.TOOL_COMMANDS), err
