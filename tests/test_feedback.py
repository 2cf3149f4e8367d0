"""Failures grouped by cause: a table of cases, then properties over any list of test results."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.feedback import Cause, group_failures, names_list, shortened, without_noise
from runner.results import Location, TestStatus
from runner.results import TestResult as Outcome

BOOM = "NotImplementedError: make_engine: create the engine"
AT_37 = Location("bookshop.py", 37)


def failing(name: str, status: TestStatus = "error", message: str = BOOM, location: Location | None = AT_37) -> Outcome:
    return Outcome(id=f"t.py::{name}", name=name, status=status, score=0.0, max_score=1.0,
                      message=message, hint=f"hint {name}", location=location)  # fmt: skip


def passed(name: str) -> Outcome:
    return Outcome(id=f"t.py::{name}", name=name, status="passed", score=1.0, max_score=1.0)


@pytest.mark.parametrize(
    ("tests", "causes", "others"),
    [
        pytest.param([failing("a"), failing("b", "failed"), failing("c")], [["a", "b", "c"]], [], id="one cause, status aside"),
        pytest.param([failing("a"), failing("b", location=Location("bookshop.py", 40))], [], ["a", "b"], id="other line"),
        pytest.param([failing("a"), failing("b", message="ValueError: x")], [], ["a", "b"], id="other message"),
        pytest.param([failing("a"), passed("p"), failing("b")], [["a", "b"]], [], id="passed tests are in neither"),
        pytest.param([failing("a", message=""), failing("b", message="")], [], ["a", "b"], id="no message, no cause"),
        pytest.param(
            [failing("x", message="E: 1", location=None), failing("a"), failing("b"), failing("c"),
             failing("y", message="E: 1", location=None)],
            [["a", "b", "c"], ["x", "y"]], [], id="largest cause first, no location still groups",
        ),
        pytest.param([failing("a"), failing("b"), failing("o", message="AssertionError: 2 != 3")], [["a", "b"]], ["o"],
                     id="mixed"),
    ],
)  # fmt: skip
def test_grouping_table(tests: list[Outcome], causes: list[list[str]], others: list[str]) -> None:
    got_causes, got_others = group_failures(tests)
    assert [[t.name for t in c.tests] for c in got_causes] == causes
    assert [t.name for t in got_others] == others


def test_headline_names_the_line_the_count_and_the_message() -> None:
    cause = Cause(BOOM, AT_37, tuple(failing(str(n)) for n in range(28)))
    assert cause.headline == f"28 tests stop at bookshop.py:37: {BOOM}"
    assert cause.hint == "hint 0"
    assert Cause("E: 1\nmore", None, (failing("a"), failing("b"))).headline == "2 tests fail with: E: 1"


def test_names_list_is_short() -> None:
    tests = tuple(failing(n) for n in "abcde")
    assert names_list(tests) == "a, b, c and 2 more"
    assert names_list(tests[:2]) == "a, b"


def test_kernel_warnings_are_dropped_and_the_rest_kept() -> None:
    noise = "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication ...\n"
    assert without_noise(f"hello\n{noise}world\n") == "hello\nworld\n"
    assert without_noise(noise) == ""
    assert without_noise("print('[IPKernelApp] WARNING | in a sentence')\n") == "print('[IPKernelApp] WARNING | in a sentence')\n"


statuses = st.sampled_from(["passed", "failed", "error", "timeout", "skipped"])
results = st.lists(
    st.builds(
        lambda i, status, message, line: Outcome(
            id=f"t.py::t{i}",
            name=f"t{i}",
            status=status,
            score=0.0,
            max_score=1.0,
            message=message,
            location=Location("m.py", line) if line else None,
        ),
        st.integers(),
        statuses,
        st.sampled_from(["", "E: a", "E: b", "E: a\nmore"]),
        st.sampled_from([0, 1, 2]),
    ),
    max_size=30,
    unique_by=lambda t: t.id,
)


@given(results)
def test_every_failing_test_is_said_exactly_once(tests: list[Outcome]) -> None:
    causes, others = group_failures(tests)
    said = [t.id for c in causes for t in c.tests] + [t.id for t in others]
    assert sorted(said) == sorted(t.id for t in tests if t.status != "passed")


@given(results)
def test_a_cause_shares_one_message_and_line_and_others_share_none(tests: list[Outcome]) -> None:
    causes, others = group_failures(tests)
    keys = []
    for cause in causes:
        assert len(cause.tests) >= 2 and cause.message
        assert {(t.message.strip(), t.location) for t in cause.tests} == {(cause.message, cause.location)}
        keys.append((cause.message, cause.location))
    assert len(keys) == len(set(keys))
    for test in others:
        assert not test.message.strip() or (test.message.strip(), test.location) not in keys
    assert [len(c.tests) for c in causes] == sorted((len(c.tests) for c in causes), reverse=True)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("short", 10, "short"), ("one two three", 9, "one two …"), ("abcdefghij", 4, "abcd …"), ("exactly", 7, "exactly")],
)
def test_shortened_cuts_at_a_word_with_an_ellipsis(text: str, limit: int, expected: str) -> None:
    assert shortened(text, limit) == expected
