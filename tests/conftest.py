"""Shared fixtures. Tests marked ``docker`` need an engine and the sandbox image: they skip with
the reason on a machine without them, and fail instead when ``CI`` is set."""

from __future__ import annotations

import os
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


# The upstream JUnit schema: Jenkins/Surefire's junit-10.xsd (MIT, Copyright (c) 2014 Gregory
# Boissinot), as pytest's sdist ships it in testing/example_scripts/junit-10.xsd. It comes from PyPI
# at test time (GitHub is not reachable in CI) and is cached in pytest's cache folder.
UPSTREAM_XSD_SDIST = "pytest==8.3.4"
UPSTREAM_XSD_MEMBER = "pytest-8.3.4/testing/example_scripts/junit-10.xsd"


@pytest.fixture(scope="session")
def junit_xsd(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path to the upstream junit-10.xsd; skips offline (fails when ``CI`` is set)."""
    import subprocess
    import sys
    import tarfile

    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    folder = Path(cache.mkdir("upstream-junit-xsd")) if cache is not None else tmp_path_factory.mktemp("junit-xsd")
    target = folder / "junit-10.xsd"
    if target.is_file():
        return target
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps",
         "--dest", str(folder), UPSTREAM_XSD_SDIST],
        capture_output=True, text=True,
    )  # fmt: skip
    sdists = sorted(folder.glob("pytest-*.tar.gz"))
    if done.returncode != 0 or not sdists:
        reason = f"cannot download {UPSTREAM_XSD_SDIST} from PyPI for junit-10.xsd: {done.stderr.strip()[-300:]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with tarfile.open(sdists[0]) as sdist:
        member = sdist.extractfile(UPSTREAM_XSD_MEMBER)
        assert member is not None, f"{UPSTREAM_XSD_MEMBER} is not in {sdists[0].name}"
        target.write_bytes(member.read())
    return target
