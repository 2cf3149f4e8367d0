"""Celery, Redis and the Jupyter kernel are extras: a plain install lacks them, and the code paths
that need them say in one line which extra to install. The missing import is simulated by
``sys.modules[name] = None``, which makes Python treat the module as not importable."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner import cli
from runner.distributed import CelerySandbox, run_worker
from runner.errors import MissingExtra
from runner.exercise import Limits
from runner.extras import DISTRIBUTION, EXTRAS, installed, require
from runner.sandbox import RunRequest
from runner.sandbox.local import LocalSandbox

#: Only the two features that need them may pull these in.
HEAVY = {"celery", "redis", "kombu", "ipykernel", "ipython", "nbclient", "jupyter-client"}


def hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


def pyproject(root: Path) -> dict[str, object]:
    with (root / "pyproject.toml").open("rb") as file:
        project: dict[str, object] = tomllib.load(file)["project"]
    return project


def requirement_name(requirement: str) -> str:
    return requirement.split(">")[0].split("=")[0].split("[")[0].strip().lower()


def test_a_plain_install_pulls_no_distributed_system(root: Path) -> None:
    project = pyproject(root)
    assert project["name"] == DISTRIBUTION
    core = {requirement_name(r) for r in project["dependencies"]}  # type: ignore[attr-defined]
    assert not core & HEAVY, f"core dependencies pull in {sorted(core & HEAVY)}"


def test_each_extra_in_pyproject_brings_the_modules_the_code_asks_for(root: Path) -> None:
    extras: dict[str, list[str]] = pyproject(root)["optional-dependencies"]  # type: ignore[assignment]
    for extra, modules in EXTRAS.items():
        assert extra in extras, f"pyproject.toml has no [{extra}] extra"
        named = " ".join(extras[extra]).lower()
        for module in modules:
            assert module in named, f"grade[{extra}] should bring {module}: it has {extras[extra]}"


def test_installed_sees_a_hidden_module_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert installed("json")
    hide(monkeypatch, "json")
    assert not installed("json")
    assert not installed("surely_no_such_module_here")


def test_require_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    require("workers", "x")  # the development environment has every extra
    hide(monkeypatch, "redis")
    with pytest.raises(MissingExtra) as caught:
        require("workers", "grade worker")
    message = str(caught.value)
    assert message == (
        "grade worker needs the 'workers' extra (redis is not installed): pip install 'backend-roadmap-grade[workers]'"
    )
    assert caught.value.exit_code == 2


def test_batch_broker_without_celery_asks_for_workers_before_any_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "celery")
    with pytest.raises(MissingExtra, match=r"grade batch --broker\) needs the 'workers' extra .*\[workers\]'$"):
        CelerySandbox("redis://127.0.0.1:1/0", wait_s=0.1)


def test_grade_worker_without_celery_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "celery")
    with pytest.raises(
        MissingExtra, match=r"grading over a broker \(grade worker, .*needs the 'workers' extra \(celery is not installed\)"
    ):
        run_worker("redis://127.0.0.1:1/0", concurrency=1, image="grade-sandbox:latest")
    result = CliRunner().invoke(cli.main, ["worker", "--broker", "redis://127.0.0.1:1/0"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'backend-roadmap-grade[workers]'" in lines[0], result.output


def test_local_notebook_without_nbclient_asks_for_local(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "nbclient")
    request = RunRequest("notebook", None, {"exercise.ipynb": b"{}"}, {}, Limits())
    with pytest.raises(MissingExtra, match=r"grading a notebook on the local backend needs the 'local' extra \(nbclient"):
        LocalSandbox().run(request)


def locked_versions(root: Path) -> dict[str, str]:
    """requirements-dev.lock's pins: normalised name -> version."""
    pins: dict[str, str] = {}
    for line in (root / "requirements-dev.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.partition("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_the_lock_pins_every_requirement_of_the_development_environment(root: Path) -> None:
    """scripts/setup.sh installs ``.[dev,workers,local]`` constrained by the lock: a requirement the
    lock does not name would be installed at whatever version PyPI has that day."""
    project = pyproject(root)
    extras: dict[str, list[str]] = project["optional-dependencies"]  # type: ignore[assignment]
    wanted = [*project["dependencies"], *extras["dev"], *extras["workers"], *extras["local"]]  # type: ignore[misc]
    pins = locked_versions(root)
    unpinned = sorted({requirement_name(r).replace("_", "-") for r in wanted} - set(pins))
    assert not unpinned, f"requirements-dev.lock does not pin {unpinned}: regenerate it as README.md says"
    assert all(version and version[0].isdigit() for version in pins.values()), "every pin is name==version"
    setup = (root / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "-c requirements-dev.lock -e '.[dev,workers,local]'" in setup, "scripts/setup.sh installs with the lock"
