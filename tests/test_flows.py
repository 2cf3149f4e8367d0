"""The flows the command line calls, without the command line: the sandbox choice, a batch's
sandbox pool and isolation rule, and ``grade ci``'s verdict."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from runner.ci import CiRun
from runner.errors import UsageError
from runner.exercise import Exercise
from runner.flows import batch_sandboxes, open_sandbox, require_isolation
from runner.sandbox.fake import FakeSandbox
from runner.sandbox.local import WARNING, LocalSandbox

from .fakes import answering, sample


def test_the_local_backend_is_opened_with_its_warning() -> None:
    warnings: list[str] = []
    sandbox = open_sandbox("local", "unused:latest", warn=warnings.append)
    assert isinstance(sandbox, LocalSandbox) and warnings == [WARNING]


def test_a_batch_pool_hands_out_the_first_sandbox_then_fresh_ones(sqlalchemy_exercise: Exercise) -> None:
    first, made = answering(sqlalchemy_exercise), list[FakeSandbox]()

    def more() -> FakeSandbox:
        made.append(answering(sqlalchemy_exercise))
        return made[-1]

    local = batch_sandboxes(first, more)
    assert [local(), local(), local()] == [first, *made] and len(made) == 2
    shared = batch_sandboxes(first, None)
    assert shared() is first and shared() is first


def test_a_batch_refuses_a_sandbox_that_does_not_isolate_unless_told() -> None:
    with pytest.raises(UsageError, match="--allow-local"):
        require_isolation(LocalSandbox(), allow_local=False)
    require_isolation(LocalSandbox(), allow_local=True)


def test_grade_ci_exit_code(sqlalchemy_exercise: Exercise) -> None:
    passed, failed = sample(sqlalchemy_exercise, failing=0), sample(sqlalchemy_exercise, failing=2)
    junit = Path("junit.xml")
    assert CiRun((passed, passed), junit).exit_code(None) == 0
    assert CiRun((passed, failed), junit).exit_code(None) == 1
    run = CiRun((passed, failed), junit)
    assert run.score == passed.score + failed.score and run.max_score == 2 * passed.max_score
    assert run.exit_code(run.percent) == 0 and run.exit_code(run.percent + 0.1) == 1
    assert CiRun((passed, replace(failed, status="infra_error")), junit).exit_code(0) == 3
