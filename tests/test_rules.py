"""The rules map checker (runner/rules.py): a tiny exercise with a README and a rules.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.exercise import load_exercise
from runner.grading import VerifyRow, verify_exercise
from runner.rules import RuleProblem, check_rules, main, normative_sentences, split_prose
from runner.sandbox.fake import FakeSandbox

from .fakes import write_exercise

README = """\
# 99 · Demo

Write `add(a, b)`. It returns the sum of `a` and `b`.
Use whatever you like, e.g. a plain `+`. Have fun.

- Negative numbers raise `ValueError`.
- Bigger inputs are fine

| input | error answer |
|---|---|
| a missing book | `404` |

```python
add(1, 2)  # must not be parsed: 3
```

## Checking your work

Run `pytest`: it must pass.

## Notes

Results never change.
"""

SUITE = """\
import pytest

@pytest.mark.points(1, hint="h")
def test_sum(student):
    pass

@pytest.mark.points(1, hint="h")
def test_negative(student):
    pass

@pytest.mark.points(1, hint="h")
def test_missing(student):
    pass
"""

GOOD = """\
[[rule]]
id = "add-returns-sum"
quote = "Write `add(a, b)`. It returns the sum of `a` and `b`."
tests = ["test_demo.py::test_sum"]

[[rule]]
id = "negative-raises"
quote = "Negative numbers raise `ValueError`."
tests = ["test_demo.py::test_negative"]
mutants = ["accepts_negative"]

[[rule]]
id = "missing-404"
quote = "| a missing book | `404` |"
tests = ["test_demo.py::test_missing"]

[[informative]]
quote = "Results never change."
reason = "a promise about the grader"
"""


def course(tmp_path: Path, rules: str | None) -> Path:
    files = {"exercise/README.md": README, "grader/tests/test_demo.py": SUITE}
    if rules is not None:
        files["grader/rules.toml"] = rules
    exercise = write_exercise(tmp_path, "99_demo", 'kind = "module"\nfiles = ["m.py"]\n', files)
    (tmp_path / "graders" / "99_demo" / "mutants" / "accepts_negative").mkdir(parents=True)
    return exercise


def problems(tmp_path: Path, rules: str | None) -> list[RuleProblem]:
    return check_rules(load_exercise(course(tmp_path, rules)))


def test_normative_sentences_skip_code_headers_and_checking_your_work() -> None:
    assert normative_sentences(README) == [
        "It returns the sum of `a` and `b`.",
        "Negative numbers raise `ValueError`.",
        "| a missing book | `404` |",
        "Results never change.",
    ]


def test_prose_splits_at_sentence_ends_but_not_in_code_or_abbreviations() -> None:
    text = "Use `a.b: c; d` here: then stop. Say e.g. this; done."
    assert split_prose(text) == ["Use `a.b: c; d` here:", "then stop.", "Say e.g. this;", "done."]


def test_a_good_file_passes(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD) == []


def test_no_rules_file(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, None)
    assert (problem.code, problem.detail) == ("no-rules-file", "no rules.toml")


def test_a_quote_edited_away_from_the_readme(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("It returns the sum", "It returns the total"))
    assert [(p.code, p.subject) for p in found] == [
        ("quote-missing", "add-returns-sum"),
        ("uncovered", "'It returns the sum of `a` and `b`.'"),
    ]
    assert str(found[0]).startswith("graders/99_demo/rules.toml: quote-missing add-returns-sum: ")


def test_a_quote_may_span_a_line_break(tmp_path: Path) -> None:
    rules = GOOD + '[[informative]]\nquote = "`+`.   Have\\nfun."\nreason = "chat"\n'
    assert problems(tmp_path, rules) == []


def test_a_rule_without_tests_and_unknown_tests_or_mutants(tmp_path: Path) -> None:
    rules = GOOD.replace('tests = ["test_demo.py::test_sum"]', "tests = []").replace(
        '"accepts_negative"', '"accepts_negative", "nope"'
    )
    rules = rules.replace("test_demo.py::test_missing", "test_demo.py::test_gone")
    found = [(p.code, p.subject) for p in problems(tmp_path, rules)]
    assert found == [
        ("no-test", "add-returns-sum"),
        ("unknown-mutant", "negative-raises"),
        ("unknown-test", "missing-404"),
        ("orphan-test", "test_demo.py::test_sum"),
        ("orphan-test", "test_demo.py::test_missing"),
    ]


def test_a_diff_mutant_is_a_known_mutant(tmp_path: Path) -> None:
    exercise = course(tmp_path, GOOD.replace("accepts_negative", "off_by_one"))
    (tmp_path / "graders" / "99_demo" / "mutants" / "off_by_one.diff").write_text("off by one\n")
    assert check_rules(load_exercise(exercise)) == []


def test_an_orphan_test(tmp_path: Path) -> None:
    rules = GOOD.replace('tests = ["test_demo.py::test_missing"]', 'tests = ["test_demo.py::test_sum"]')
    assert [(p.code, p.subject) for p in problems(tmp_path, rules)] == [("orphan-test", "test_demo.py::test_missing")]


def test_an_uncovered_sentence_and_an_informative_that_covers_it(tmp_path: Path) -> None:
    rules = GOOD.replace('[[rule]]\nid = "missing-404"', '[[rule]]\nid = "missing-four"').replace(
        'quote = "| a missing book | `404` |"', 'quote = "Have fun."'
    )
    assert [(p.code, p.subject) for p in problems(tmp_path, rules)] == [("uncovered", "'| a missing book | `404` |'")]
    informative = rules + '[[informative]]\nquote = "a missing book"\nreason = "a table of examples"\n'
    assert problems(tmp_path / "again", informative) == []


def test_duplicate_ids(tmp_path: Path) -> None:
    rules = GOOD.replace('id = "missing-404"', 'id = "add-returns-sum"')
    assert [(p.code, p.subject) for p in problems(tmp_path, rules)] == [("duplicate-id", "add-returns-sum")]


@pytest.mark.parametrize(
    ("rules", "says"),
    [
        ("[[rule]]\nid = 'Bad Id'\nquote = 'x'\ntests = []\n", "kebab-case"),
        ("[[rule]]\nid = 'a'\ntests = []\n", "'quote'"),
        ("[[rule]]\nid = 'a'\nquote = 'x'\ntests = 'test_demo.py::test_sum'\n", "'tests' must be a list"),
        ("[[rule]]\nid = 'a'\nquote = 'x'\ntests = []\ntest = []\n", "unknown keys ['test']"),
        ("[[informative]]\nquote = 'x'\n", "'reason'"),
        ("rule = 1\n", "[[rule]]"),
        ("[rules]\n", "unknown top-level keys"),
        ("[[rule]\n", "not readable TOML"),
    ],
)
def test_a_malformed_file_is_one_problem(tmp_path: Path, rules: str, says: str) -> None:
    [problem] = problems(tmp_path, rules)
    assert problem.code == "invalid"
    assert says in problem.detail


def test_main_prints_problems_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course(tmp_path, GOOD.replace("It returns the sum", "It gives the sum"))
    assert main(["--root", str(tmp_path), "99_demo"]) == 1
    lines = capsys.readouterr().out.splitlines()
    quote = "'Write `add(a, b)`. It gives the sum of `a` and `b`.'"
    assert lines[0] == f"graders/99_demo/rules.toml: quote-missing add-returns-sum: quote not in the README: {quote}"
    assert len(lines) == 2


def test_main_says_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course(tmp_path, GOOD)
    assert main(["--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "99_demo: ok (3 rules, 1 informative)\n"


def verify_rows(tmp_path: Path, rules: str | None) -> list[VerifyRow]:
    exercise = course(tmp_path, rules)
    grader = tmp_path / "graders" / "99_demo"
    (grader / "solution").mkdir()
    (grader / "solution" / "m.py").write_text("x = 1\n")
    (grader / "mutants").mkdir(exist_ok=True)
    diff = "x is 2\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
    (grader / "mutants" / "accepts_negative.diff").write_text(diff)
    (exercise / "m.py").write_text("")
    seen: list[VerifyRow] = []
    rows = verify_exercise(load_exercise(exercise), FakeSandbox.with_outcomes({}), on_row=seen.append)
    assert seen == rows
    return rows


def test_verify_fails_an_exercise_without_rules_toml(tmp_path: Path) -> None:
    rows = verify_rows(tmp_path, None)
    assert [r.variant for r in rows] == ["rules", "reference", "starter", "mutant accepts_negative"]
    assert not rows[0].ok
    assert rows[0].problem.endswith("no rules.toml")


def test_verify_shows_each_rules_problem_as_a_failing_row(tmp_path: Path) -> None:
    rows = verify_rows(tmp_path, GOOD.replace('id = "missing-404"', 'id = "add-returns-sum"'))
    [rules] = [r for r in rows if r.variant == "rules"]
    assert not rules.ok and "duplicate-id add-returns-sum" in rules.problem
    assert verify_rows(tmp_path / "good", GOOD)[0] == VerifyRow("99_demo", "rules", "every rule tested", None, True)
