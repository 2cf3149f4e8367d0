"""Scoring a sandbox's outcome: nothing it reports is trusted blindly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from runner.exercise import Exercise
from runner.grading import grade_submission, sentinel_test
from runner.sandbox import RunOutcome, RunRequest
from runner.sandbox.fake import FakeSandbox, outcome
from runner.score import score_outcome
from runner.submission import collect_submission

SENTINEL = "test_sentinel.py::test_sentinel"


def statuses(exercise: Exercise, status: str = "passed", **overrides: str) -> dict[str, str]:
    result = {t.id: status for t in exercise.tests}
    for name, value in overrides.items():
        result[next(t.id for t in exercise.tests if t.id.endswith("::" + name))] = value
    return {**result, SENTINEL: "failed"}


def first_test(exercise: Exercise) -> str:
    return exercise.tests[0].id.split("::")[-1]


def test_all_passed(sqlalchemy_exercise: Exercise) -> None:
    verdict = score_outcome(sqlalchemy_exercise, outcome(statuses(sqlalchemy_exercise)), SENTINEL)
    assert verdict.status == "passed"
    assert verdict.score == verdict.max_score == sqlalchemy_exercise.max_score
    assert not verdict.flags


def test_one_failure_costs_its_points(sqlalchemy_exercise: Exercise) -> None:
    name = first_test(sqlalchemy_exercise)
    verdict = score_outcome(sqlalchemy_exercise, outcome(statuses(sqlalchemy_exercise, **{name: "failed"})), SENTINEL)
    assert verdict.status == "failed"
    assert verdict.score == sqlalchemy_exercise.max_score - sqlalchemy_exercise.tests[0].points
    failed = [t for t in verdict.tests if t.status != "passed"]
    assert [t.id for t in failed] == [sqlalchemy_exercise.tests[0].id]
    assert failed[0].hint == sqlalchemy_exercise.tests[0].hint


def test_a_test_that_did_not_report_counts_as_failed(sqlalchemy_exercise: Exercise) -> None:
    reported = statuses(sqlalchemy_exercise)
    del reported[sqlalchemy_exercise.tests[-1].id]
    verdict = score_outcome(sqlalchemy_exercise, outcome(reported, done=False, returncode=0), SENTINEL)
    last = verdict.tests[-1]
    assert last.status == "failed" and last.score == 0
    assert "did not report" in last.message and "exit code 0" in last.message
    assert verdict.status == "failed"


def test_sentinel_reported_passed_means_tampered(sqlalchemy_exercise: Exercise) -> None:
    forged = {**statuses(sqlalchemy_exercise), SENTINEL: "passed"}
    verdict = score_outcome(sqlalchemy_exercise, outcome(forged), SENTINEL)
    assert verdict.status == "tampered"
    assert verdict.score == 0
    assert any("forged" in flag for flag in verdict.flags)


def test_sentinel_is_shaped_like_the_suites_tests(sqlalchemy_exercise: Exercise) -> None:
    suite = sqlalchemy_exercise.suite_files()
    real_names = {t.id.split("::")[1] for t in sqlalchemy_exercise.tests}
    words = {word for name in real_names for word in name.removeprefix("test_").split("_")}
    for _ in range(20):
        name, source, sentinel = sentinel_test(suite)
        assert name in suite and source.startswith(suite[name].rstrip(b"\n")), "appended to a real test file"
        file, test = sentinel.split("::")
        assert file == name and test not in real_names
        assert set(test.removeprefix("test_").split("_")) <= words, "named with the suite's own words"
        added = source[len(suite[name].rstrip(b"\n")) :].decode()
        assert "assert False" not in added and "sentinel" not in added
        namespace: dict[str, Any] = {}
        exec(compile(added, name, "exec"), namespace)
        with pytest.raises(AssertionError):
            namespace[test]()


def test_missing_sentinel_across_the_process_boundary_is_tampered_even_if_the_run_ended_early(
    sqlalchemy_exercise: Exercise,
) -> None:
    reported = statuses(sqlalchemy_exercise)
    del reported[SENTINEL]
    behind = replace(sqlalchemy_exercise, boundary="process")
    shared = replace(sqlalchemy_exercise, boundary="shared")
    ended_early = outcome(reported, done=False, returncode=1)
    assert score_outcome(behind, ended_early, SENTINEL).status == "tampered"
    assert score_outcome(shared, ended_early, SENTINEL).status != "tampered", "the shared path may lose it"
    timed_out = replace(ended_early, host_timed_out=True)
    assert score_outcome(behind, timed_out, SENTINEL).status != "tampered", "a run stopped for time is excused"


def test_missing_sentinel_after_a_complete_run_is_tampered(sqlalchemy_exercise: Exercise) -> None:
    reported = statuses(sqlalchemy_exercise)
    del reported[SENTINEL]
    verdict = score_outcome(sqlalchemy_exercise, outcome(reported), SENTINEL)
    assert verdict.status == "tampered"


def test_result_for_an_unknown_test_is_tampered(sqlalchemy_exercise: Exercise) -> None:
    reported = {**statuses(sqlalchemy_exercise), "test_bonus.py::test_free_points": "passed"}
    verdict = score_outcome(sqlalchemy_exercise, outcome(reported), SENTINEL)
    assert verdict.status == "tampered"
    assert "not a hidden test" in verdict.message


def test_duplicate_result_is_tampered(sqlalchemy_exercise: Exercise) -> None:
    test_id = sqlalchemy_exercise.tests[0].id
    duplicate = {"type": "test", "nodeid": test_id, "status": "passed", "message": "", "output": "", "duration_s": 0}
    verdict = score_outcome(sqlalchemy_exercise, outcome(statuses(sqlalchemy_exercise), extra_events=(duplicate,)), SENTINEL)
    assert verdict.status == "tampered"


def test_garbage_on_the_channel_is_tampered(sqlalchemy_exercise: Exercise) -> None:
    run = outcome(statuses(sqlalchemy_exercise))
    assert run.exit is not None
    run = replace(run, exit={**run.exit, "rejected_events": 3})
    verdict = score_outcome(sqlalchemy_exercise, run, SENTINEL)
    assert verdict.status == "tampered"


def test_timeout_keeps_what_passed(sqlalchemy_exercise: Exercise) -> None:
    reported = statuses(sqlalchemy_exercise)
    half = [t.id for t in sqlalchemy_exercise.tests[len(sqlalchemy_exercise.tests) // 2 :]]
    for test_id in half:
        del reported[test_id]
    verdict = score_outcome(sqlalchemy_exercise, outcome(reported, done=False, timed_out=True, returncode=-9), SENTINEL)
    assert verdict.status == "timeout"
    assert 0 < verdict.score < verdict.max_score
    assert all(t.status == "timeout" for t in verdict.tests if t.id in half)


def test_out_of_memory_is_a_resource_limit(sqlalchemy_exercise: Exercise) -> None:
    verdict = score_outcome(sqlalchemy_exercise, outcome({}, done=False, returncode=-9, oom_killed=True), SENTINEL)
    assert verdict.status == "resource_limit"
    assert "memory" in verdict.message


def test_every_test_erroring_the_same_way_is_a_load_error(sqlalchemy_exercise: Exercise) -> None:
    run = outcome(statuses(sqlalchemy_exercise, "error"))
    events = tuple(
        {**e, "message": "ImportError: no module named sqlalchemy_typo"} if e.get("type") == "test" else e for e in run.events
    )
    verdict = score_outcome(sqlalchemy_exercise, replace(run, events=events), SENTINEL)
    assert verdict.status == "error"
    assert "could not be loaded" in verdict.message and "sqlalchemy_typo" in verdict.message


def test_a_suite_that_did_not_load_is_an_error_never_an_infra_error(sqlalchemy_exercise: Exercise) -> None:
    # Student code may have written this event: the sandbox's word can never make exit 3.
    broken = {"type": "collect_error", "nodeid": "test_bookshop.py", "message": "ImportError while importing"}
    verdict = score_outcome(sqlalchemy_exercise, outcome({}, extra_events=(broken,)), SENTINEL)
    assert verdict.status == "error"
    assert verdict.score == 0
    assert "could not be loaded" in verdict.message


def test_no_answer_from_the_sandbox_is_an_infra_error(sqlalchemy_exercise: Exercise) -> None:
    verdict = score_outcome(sqlalchemy_exercise, RunOutcome(events=(), exit=None, duration_s=1.0), SENTINEL)
    assert verdict.status == "infra_error"
    assert verdict.score == 0


def test_messages_and_output_are_clipped(sqlalchemy_exercise: Exercise) -> None:
    run = outcome(statuses(sqlalchemy_exercise, "failed"))
    limit = sqlalchemy_exercise.limits.output_kb * 1024
    events = tuple({**e, "output": "x" * (8 * limit)} if e.get("type") == "test" else e for e in run.events)
    verdict = score_outcome(sqlalchemy_exercise, replace(run, events=events), SENTINEL)
    assert all(len(t.output) < limit + 100 for t in verdict.tests)


def test_grade_submission_sends_only_declared_files_and_a_fresh_sentinel(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    seen: list[RunRequest] = []

    def respond(request: RunRequest) -> RunOutcome:
        seen.append(request)
        return outcome({**{t.id: "passed" for t in sqlalchemy_exercise.tests}, str(request.sentinel): "failed"})

    submission = collect_submission(sqlalchemy_exercise.path, sqlalchemy_exercise)
    sandbox = FakeSandbox(respond)
    first = grade_submission(sqlalchemy_exercise, submission, sandbox)
    second = grade_submission(sqlalchemy_exercise, submission, sandbox)
    assert first.status == second.status == "passed"
    assert set(seen[0].files) == {"bookshop.py"}
    assert seen[0].sentinel != seen[1].sentinel, "the sentinel's name must differ between runs"
    assert set(seen[0].suite) == set(sqlalchemy_exercise.suite_files()), "the sentinel hides in a real test file"
    assert first.grader.suite_hash == sqlalchemy_exercise.suite_hash
    assert first.sandbox.backend == "fake"


def test_a_run_that_collected_nothing_is_an_error_not_tampering(sqlalchemy_exercise: Exercise) -> None:
    run = RunOutcome(events=({"type": "done"},), exit={"type": "exit", "returncode": 0, "output": "usage error"}, duration_s=1.0)
    verdict = score_outcome(sqlalchemy_exercise, run, SENTINEL)
    assert verdict.status == "error"
    assert "usage error" in verdict.message
    assert not verdict.flags
