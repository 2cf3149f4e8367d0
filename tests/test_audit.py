"""The mutation audit's flow on a tiny exercise: killed, survived, not graded, equivalents, stale
equivalents, notebooks and the kinds it does not apply to. The fake sandbox judges each mutant by
running the two hidden checks in-process; one test runs the real path in Docker."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from runner.audit import AuditOptions, AuditResult, MutantOutcome, audit_exercise, generate_mutants, load_equivalents
from runner.audit_render import audit_markdown, audit_verdict
from runner.errors import ExerciseError, SandboxFailed
from runner.exercise import Exercise, load_exercise
from runner.mutation import Operator
from runner.sandbox import RunOutcome, RunRequest, Sandbox
from runner.sandbox.docker import DockerSandbox
from runner.sandbox.fake import FakeSandbox, outcome

from .fakes import Cli, write_exercise

SOLUTION = '''"""A tiny reference."""


def add(a, b):
    return a + b


def is_big(n):
    return n > 10


def label():
    return "big"
'''

HIDDEN = """import pytest


@pytest.mark.points(1, hint="add returns the sum")
def test_add(student):
    assert student.add(2, 3) == 5, "add(2, 3) should be 5"


@pytest.mark.points(1, hint="is_big is true above 10 only")
def test_big(student):
    assert student.is_big(11) and not student.is_big(10), "is_big(11) should be true, is_big(10) false"
"""


def tiny_exercise(tmp_path: Path, equivalents: str | None = None) -> Exercise:
    config = 'id = "99_tiny"\nkind = "module"\nfiles = ["tiny.py"]\n[limits]\ntest_timeout_s = 5\nsubmission_timeout_s = 20\n'
    files = {"grader/tests/test_tiny.py": HIDDEN, "grader/solution/tiny.py": SOLUTION}
    if equivalents is not None:
        files["grader/equivalents.toml"] = equivalents
    return load_exercise(write_exercise(tmp_path / "course", "99_tiny", config, files))


def judge(request: RunRequest, broken: str | None = None) -> RunOutcome:
    """What the hidden suite would say: run its two checks on the submitted module in-process."""
    source = request.files["tiny.py"].decode()
    if broken is not None and broken in source:
        raise SandboxFailed("the engine went away")
    namespace: dict[str, object] = {}
    exec(compile(source, "tiny.py", "exec"), namespace)
    add, is_big = namespace["add"], namespace["is_big"]
    assert callable(add) and callable(is_big)
    return outcome(
        {
            "test_tiny.py::test_add": "passed" if add(2, 3) == 5 else "failed",
            "test_tiny.py::test_big": "passed" if is_big(11) and not is_big(10) else "failed",
            str(request.sentinel): "failed",
        }
    )


def run(exercise: Exercise, sandbox: Sandbox, **options: object) -> AuditResult:
    return audit_exercise(exercise, lambda: sandbox, AuditOptions(**options))  # type: ignore[arg-type]


def by_status(result: AuditResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for o in result.outcomes:
        changed = next(line[1:].strip() for line in o.mutant.diff.splitlines() if line.startswith("+") and "+++" not in line)
        found.setdefault(o.status, []).append(changed)
    return found


def test_mutants_that_change_a_tested_behaviour_are_killed_the_rest_survive(tmp_path: Path) -> None:
    exercise = tiny_exercise(tmp_path)
    sandbox = FakeSandbox(judge)
    result = run(exercise, sandbox, operators=frozenset({Operator.ARITHMETIC, Operator.BOUNDARY, Operator.CONSTANT}))
    assert by_status(result) == {
        "killed": ["return a - b", "return n > 11", "return n > 9"],
        "survived": ['return ""'],
    }
    assert result.kill_rate == 75.0 and not result.passes(95.0) and result.passes(75.0)
    assert len(sandbox.requests) == 1 + 4, "the reference once, then each mutant once"
    survivor = result.survivors()[0].mutant
    assert survivor.diff.splitlines()[:2] == ["--- a/tiny.py", "+++ b/tiny.py"]
    assert '-    return "big"\n+    return ""\n' in survivor.diff
    assert result.outcomes[0].failed_tests == ("add",)


def test_ids_are_stable_and_all_operators_are_applied(tmp_path: Path) -> None:
    exercise = tiny_exercise(tmp_path)
    files = {"tiny.py": SOLUTION.encode()}
    first, dropped = generate_mutants(exercise, files)
    again, _ = generate_mutants(exercise, files)
    assert [m.id for m in first] == [m.id for m in again] and len({m.id for m in first}) == len(first)
    assert dropped == 0
    assert {m.operator for m in first} == {Operator.ARITHMETIC, Operator.BOUNDARY, Operator.COMPARISON, Operator.CONSTANT}


def test_a_run_the_infrastructure_failed_is_not_graded_never_killed(tmp_path: Path) -> None:
    exercise = tiny_exercise(tmp_path)
    sandbox = FakeSandbox(lambda request: judge(request, broken="a - b"))
    result = run(exercise, sandbox, operators=frozenset({Operator.ARITHMETIC, Operator.COMPARISON}))
    assert by_status(result) == {"not_graded": ["return a - b"], "killed": ["return n >= 10"]}
    assert result.kill_rate == 100.0
    assert result.outcomes[0].message == "the engine went away"


def test_an_exit_without_a_record_is_not_graded(tmp_path: Path) -> None:
    exercise = tiny_exercise(tmp_path)

    def respond(request: RunRequest) -> RunOutcome:
        answer = judge(request)
        return answer if b"a - b" not in request.files["tiny.py"] else RunOutcome(events=(), exit=None, duration_s=1.0)

    result = run(exercise, FakeSandbox(respond), operators=frozenset({Operator.ARITHMETIC}))
    assert [o.status for o in result.outcomes] == ["not_graded"] and result.kill_rate is None


def test_a_recorded_equivalent_is_not_graded_and_not_in_the_rate(tmp_path: Path) -> None:
    survivor = run(tiny_exercise(tmp_path / "a"), FakeSandbox(judge), operators=frozenset({Operator.CONSTANT})).survivors()[0]
    toml = f'[[equivalent]]\nid = "{survivor.mutant.id}"\ndiff = \'return ""\'\nreason = "label() is not part of the task"\n'
    exercise = tiny_exercise(tmp_path / "b", toml)
    sandbox = FakeSandbox(judge)
    result = run(exercise, sandbox, operators=frozenset({Operator.CONSTANT, Operator.ARITHMETIC}))
    assert by_status(result) == {"killed": ["return a - b"], "equivalent": ['return ""']}
    assert result.kill_rate == 100.0 and result.passes(95.0) and not result.stale
    assert len(sandbox.requests) == 2, "the equivalent is not graded"


def test_an_equivalent_no_mutant_has_any_more_is_stale_and_fails(tmp_path: Path) -> None:
    toml = '[[equivalent]]\nid = "0123456789"\ndiff = "return a + b + 0"\nreason = "was equivalent once"\n'
    result = run(tiny_exercise(tmp_path, toml), FakeSandbox(judge), operators=frozenset({Operator.ARITHMETIC}))
    assert [e.id for e in result.stale] == ["0123456789"]
    assert result.kill_rate == 100.0 and not result.passes(95.0)


def test_an_equivalent_without_a_reason_is_refused(tmp_path: Path) -> None:
    exercise = tiny_exercise(tmp_path, '[[equivalent]]\nid = "0123456789"\ndiff = "x"\n')
    with pytest.raises(ExerciseError, match="needs id, diff and reason"):
        load_equivalents(exercise)


def test_a_reference_below_100_percent_stops_the_audit(tmp_path: Path) -> None:
    exercise = tiny_exercise(tmp_path)
    (exercise.reference_path() / "tiny.py").write_text(SOLUTION.replace("a + b", "a * b"))
    with pytest.raises(ExerciseError, match=r"the reference scores 50 % \(failed\); the audit needs it at 100 %"):
        run(exercise, FakeSandbox(judge))


@pytest.mark.slow
def test_an_interrupted_audit_grades_nothing_more(tmp_path: Path) -> None:
    def slowly(request: RunRequest) -> RunOutcome:
        time.sleep(0.5)  # long enough that the main thread sees each outcome before the next run ends
        return judge(request)

    def interrupt(outcome: MutantOutcome, done: int, total: int) -> None:
        raise KeyboardInterrupt

    sandbox = FakeSandbox(slowly)
    with pytest.raises(KeyboardInterrupt):
        audit_exercise(tiny_exercise(tmp_path), lambda: sandbox, AuditOptions(), interrupt)
    time.sleep(1.0)
    assert len(sandbox.requests) <= 3, "the reference, the first mutant and at most the one running then; not all 5"


def test_limit_samples_the_same_mutants_for_the_same_seed(tmp_path: Path) -> None:
    exercise = tiny_exercise(tmp_path)
    first = run(exercise, FakeSandbox(judge), limit=3, seed=7)
    again = run(exercise, FakeSandbox(judge), limit=3, seed=7)
    assert [o.mutant.id for o in first.outcomes] == [o.mutant.id for o in again.outcomes]
    assert len(first.outcomes) == 3 and first.sampled == 3 and first.generated > 3


@pytest.mark.parametrize(("exercise_id", "reason"), [("07_docker", "not Python"), ("16_testing", "a test suite")])
def test_kinds_files_and_tests_are_not_applicable_and_say_why(root: Path, exercise_id: str, reason: str) -> None:
    exercise = load_exercise(root / "exercises" / exercise_id)
    sandbox = FakeSandbox(judge)
    result = run(exercise, sandbox)
    assert result.not_applicable is not None and reason in result.not_applicable
    assert result.passes(95.0) and sandbox.requests == []


def test_a_notebook_is_mutated_cell_by_cell_and_rebuilt(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("x = 1 + 1"),
        nbformat.v4.new_code_cell("%time pass"),
        nbformat.v4.new_code_cell("total = 2 + 3"),
    ]
    files = {"exercise.ipynb": nbformat.writes(notebook).encode()}
    mutants, _ = generate_mutants(tiny_exercise(tmp_path), files)
    arithmetic = [m for m in mutants if m.operator == Operator.ARITHMETIC]
    assert [m.unit for m in arithmetic] == ["exercise.ipynb[cell 2]"]
    rebuilt = nbformat.reads(arithmetic[0].files["exercise.ipynb"].decode(), as_version=4)
    assert [c.source for c in rebuilt.cells] == ["x = 1 + 1", "%time pass", "total = 2 - 3"]


def test_the_cli_prints_the_table_and_each_survivor_and_fails_below_the_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exercise = tiny_exercise(tmp_path)
    monkeypatch.chdir(exercise.path.parent.parent)
    grade = Cli()
    grade.use(FakeSandbox(judge))
    args = ["audit", "99_tiny", "--operator", "constant", "--operator", "arithmetic", "--json", str(tmp_path / "a.json")]
    result = grade.invoke(args)
    assert result.exit_code == 1, result.output
    assert "survived" in result.output and '+    return ""' in result.output and "50.0 %" in result.output
    saved = json.loads((tmp_path / "a.json").read_text())
    assert saved[0]["killed"] == 1 and saved[0]["survived"] == 1
    assert grade.invoke([*args[:6], "--min-rate", "50"]).exit_code == 0


def test_markdown_has_the_table_and_each_exercise_s_survivors_collapsed(tmp_path: Path, root: Path) -> None:
    tiny = run(tiny_exercise(tmp_path), FakeSandbox(judge), operators=frozenset({Operator.CONSTANT, Operator.ARITHMETIC}))
    docker = run(load_exercise(root / "exercises" / "07_docker"), FakeSandbox(judge))
    text = audit_markdown([tiny, docker])
    assert "| 99_tiny | 5 | 2 | 1 | 1 | 0 | 0 | 50.0 % |" in text
    assert "| 07_docker | — | — | — | — | — | — | not applicable |" in text
    assert "<summary>99_tiny: 1 survivors</summary>" in text and "```diff\n--- a/tiny.py" in text
    assert "**07_docker**: not applicable: its submission is not Python" in text


def test_the_verdict_is_3_when_a_mutant_was_not_graded_1_below_the_rate_else_0(tmp_path: Path) -> None:
    exercise = tiny_exercise(tmp_path)
    arithmetic = frozenset({Operator.ARITHMETIC})
    assert audit_verdict([run(exercise, FakeSandbox(judge), operators=arithmetic)], 95.0)[0] == 0
    survived = run(exercise, FakeSandbox(judge), operators=frozenset({Operator.CONSTANT}))
    assert audit_verdict([survived], 95.0) == (1, "below 95 % or with stale equivalents: 99_tiny")
    broken = run(exercise, FakeSandbox(lambda r: judge(r, broken="a - b")), operators=arithmetic)
    assert audit_verdict([survived, broken], 95.0)[0] == 3


@pytest.mark.docker
def test_audit_in_docker_kills_and_keeps_the_expected_mutants(tmp_path: Path, docker_sandbox: DockerSandbox) -> None:
    # A sandbox of its own: the audit closes the sandboxes it was given when it ends.
    own = DockerSandbox(docker_sandbox.image, docker_sandbox.engine)
    result = run(tiny_exercise(tmp_path), own, operators=frozenset({Operator.ARITHMETIC, Operator.CONSTANT}))
    assert by_status(result) == {"killed": ["return a - b"], "survived": ['return ""']}
    assert result.outcomes[0].result_status == "failed" and result.kill_rate == 50.0
