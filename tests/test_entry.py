"""The ``grade`` executable's early start (runner/entry.py): which command lines start a container
before the CLI loads, who gets it, and that it is gone when the process ends."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runner.entry import Target, early_target
from runner.flows import Prestarted
from runner.sandbox import DEFAULT_IMAGE, Sandbox
from runner.sandbox.fake import FakeSandbox

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (["04"], Target("04")),
        (["exercises/04_sqlalchemy", "--backend", "docker"], Target("exercises/04_sqlalchemy", "docker")),
        (["--graders", "g", "-k", "engine", "04", "--image=mine:1", "-q"], Target("04", "auto", "mine:1")),
        (["04", "--json", "--failed-only", "--reports", "out"], Target("04")),
        (["batch", "subs", "--exercise", "04"], None),  # two words: not `grade EXERCISE`
        (["04", "--help"], None),
        (["--version"], None),
        ([], None),
        (["04", "-k"], None),  # an option without its value: the CLI says so
        (["--", "04"], None),
    ],
)
def test_the_early_start_reads_only_grade_exercise(args: list[str], target: Target | None) -> None:
    assert early_target(args) == target


class Opened:
    """The fallback opener: records what it was asked for."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, bool]] = []
        self.made = FakeSandbox.with_outcomes({})

    def __call__(self, backend: str, image: str, prewarm: bool) -> Sandbox:
        self.asked.append((backend, image, prewarm))
        return self.made


def test_the_prestarted_sandbox_goes_to_the_first_command_asking_for_the_same() -> None:
    early, fallback = FakeSandbox.with_outcomes({}), Opened()
    opener = Prestarted(early, "auto", DEFAULT_IMAGE, fallback)
    assert opener("auto", DEFAULT_IMAGE, False) is early
    assert opener("auto", DEFAULT_IMAGE, False) is fallback.made  # once only
    assert early.closes == 0 and fallback.asked == [("auto", DEFAULT_IMAGE, False)]


@pytest.mark.parametrize("asked", [("local", DEFAULT_IMAGE, False), ("auto", "other:1", False), ("auto", DEFAULT_IMAGE, True)])
def test_a_command_asking_for_another_sandbox_gets_the_fallbacks_and_the_early_one_is_closed(
    asked: tuple[str, str, bool],
) -> None:
    early, fallback = FakeSandbox.with_outcomes({}), Opened()
    opener = Prestarted(early, "auto", DEFAULT_IMAGE, fallback)
    assert opener(*asked) is fallback.made
    assert early.closes == 1 and fallback.asked == [asked]


@pytest.mark.docker
def test_a_command_that_fails_after_the_early_start_leaves_no_container(docker_sandbox: Any) -> None:
    """``-k`` with a broken expression is refused once the CLI has loaded, after the early start."""
    from runner.sandbox.docker import LABEL

    def ours() -> set[str]:
        return {c["Id"] for c in docker_sandbox.engine.containers({"label": [LABEL]})}

    before = ours()
    done = subprocess.run(
        [sys.executable, "-m", "runner.cli", "04", "-k", "(", "--backend", "docker"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    deadline = time.monotonic() + 20  # a removal the engine is still carrying out
    while ours() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ours() - before == set()
