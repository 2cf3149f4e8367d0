"""Shared fixtures. Tests marked ``docker`` need an engine and the sandbox image: they skip with
the reason on a machine without them, and fail instead when ``CI`` is set."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.errors import SandboxUnavailable
from runner.exercise import Exercise, load_exercise

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def sqlalchemy_exercise() -> Exercise:
    return load_exercise(ROOT / "exercises" / "04_sqlalchemy")


@pytest.fixture(scope="session")
def basics_exercise() -> Exercise:
    return load_exercise(ROOT / "exercises" / "01_python_basics")


def working_copy(tmp_path: Path, exercise: Exercise, source: Path | None = None, **files: str) -> Path:
    """A student's folder: the starter, with files from ``source`` and ``files`` laid over it."""
    folder = tmp_path / exercise.id
    shutil.copytree(exercise.path, folder)
    if source is not None:
        for name in exercise.files:
            shutil.copy(source / name, folder / name)
    for name, text in files.items():
        (folder / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def docker_sandbox() -> Iterator[object]:
    from runner.sandbox.docker import DockerSandbox

    try:
        sandbox = DockerSandbox()
    except SandboxUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI requires Docker: {exc}")
        pytest.skip(f"no Docker sandbox here: {exc}")
    yield sandbox
