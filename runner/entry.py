"""The ``grade`` executable: for ``grade EXERCISE`` the sandbox's container starts before the
command line has loaded, then :func:`runner.cli.main` runs with that sandbox ready.

Why: loading the command line (click, rich, the grading stages) is most of what a cold ``grade``
spends on the host before its container can start, and the container's creation, its start and
the grader process's own start (pytest loaded) take as long again. Started first, they overlap.

Contract: the early start is an optimisation, never a decision. It reads the command line
conservatively (an exercise, ``--backend``, ``--image``) and ``exercise.toml``'s kind, limits and
boundary; anything it cannot read, and any failure (no engine, no image, not an exercise), means no
early start, and the command line then does and reports everything as it would without one. The
sandbox goes to the first command that opens one with the same backend and image
(:class:`~runner.flows.Prestarted`), and is closed before the process ends whatever happened
(a command that did not use it, an error, an interrupt while the command line loads).
Trust: nothing here reads a submission.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .sandbox import DEFAULT_IMAGE

if TYPE_CHECKING:
    from .sandbox import Sandbox

#: Options that take a value, group's and ``grade EXERCISE``'s (``--name VALUE`` or ``--name=VALUE``).
VALUED = frozenset({"--graders", "--reports", "-k", "--backend", "--image"})
#: Options after which there is nothing to grade.
ANSWERED = frozenset({"-h", "--help", "--version"})


@dataclass(frozen=True)
class Target:
    """What ``grade EXERCISE`` will open: the exercise as written, the backend and the image."""

    exercise: str
    backend: str = "auto"
    image: str = DEFAULT_IMAGE


def early_target(args: list[str]) -> Target | None:
    """The target of ``args`` if they read as ``grade [options] EXERCISE [options]``, else None."""
    words: list[str] = []
    options: dict[str, str] = {}
    remaining = iter(args)
    for arg in remaining:
        if arg in ANSWERED or arg == "--":
            return None
        name, has_value, value = arg.partition("=")
        if name in VALUED:
            given = value if has_value else next(remaining, None)
            if given is None:
                return None
            options[name] = given
        elif not arg.startswith("-"):
            words.append(arg)
    if len(words) != 1:
        return None
    return Target(words[0], options.get("--backend", "auto"), options.get("--image", DEFAULT_IMAGE))


def prestart(target: Target) -> Sandbox | None:
    """A Docker sandbox whose container for ``target`` is starting, or None (see the contract)."""
    if target.backend not in ("auto", "docker") or os.environ.get("_GRADE_COMPLETE"):
        return None
    try:
        from .exercise import find_root, read_config
        from .focus import resolve_exercise
        from .sandbox.docker import DockerSandbox

        try:
            root: Path | None = find_root(Path.cwd())
        except Exception:
            root = None
        config = read_config(resolve_exercise(target.exercise, root))
        sandbox = DockerSandbox(target.image)
    except Exception:  # the command line finds and says what is wrong
        return None
    try:
        sandbox.prepare(config.kind, config.limits, config.boundary)
    except BaseException:
        sandbox.close()
        raise
    return sandbox


def main() -> None:
    """``grade``: :func:`runner.cli.main`, with the container of ``grade EXERCISE`` started first."""
    target = early_target(sys.argv[1:])
    early = prestart(target) if target is not None else None
    try:  # from here on, even an interrupt while the CLI loads leaves no container behind
        from .cli import default_opener
        from .cli import main as cli_main

        if target is None or early is None:
            cli_main()
            return
        from .flows import Prestarted

        opener = Prestarted(early, target.backend, target.image, default_opener)
        cli_main(obj=opener)
    finally:
        if early is not None:
            early.close()  # the command closed it if it used it; closing again does nothing
