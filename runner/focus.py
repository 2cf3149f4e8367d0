"""Which exercise and which of its hidden tests a student asked for.

Contract: :func:`resolve_exercise` turns what was typed (a folder, ``04`` or ``04_sqlalchemy``)
into an exercise folder, or a :class:`~runner.errors.UsageError` with Click-style suggestions;
:func:`suggestions` is the one home of "did you mean". :func:`keyword_selection` evaluates a
pytest ``-k`` expression on the host, over the names pytest would match (the test file, the
test's name, its markers); :func:`failed_selection` picks the tests that did not pass in the last
full run. A :class:`Selection` narrows the exercise (only its tests are scored, so a partial
score is never the score of the whole suite) and the suite (a grader-owned hook appended to the
suite's ``conftest.py`` deselects the other tests before any student code runs).

Trust rule: everything here is the grader's or the student's own command line; the selection
hook only deselects and runs inside the sandbox like the rest of the suite. A result for a test
that was not selected is not a hidden test of the narrowed exercise, so scoring flags it as
forged (:mod:`runner.score`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from .errors import GraderError, UsageError
from .exercise import Exercise, find_root

if TYPE_CHECKING:
    from .results import SubmissionResult

CONFTEST: Final = "conftest.py"
"""The suite file the selection hook is appended to (created when the suite has none)."""
MARKERS: Final = ("points",)
"""The markers every hidden test carries, which ``-k`` matches like pytest does."""


@dataclass(frozen=True)
class Selection:
    """Some of an exercise's hidden tests, and how they were chosen (said in every output)."""

    how: str
    ids: frozenset[str]


def suggestions(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` Did you mean 'verify'?`` (Click's wording), or ``""`` when nothing is close."""
    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"


def exercise_ids(root: Path) -> list[str]:
    """The exercise folders' names under ``root/exercises`` (no file is parsed: used for completion)."""
    folder = root / "exercises"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "exercise.toml").is_file())


def completions(incomplete: str) -> list[str]:
    """The ids of the course's exercises (found from the working folder) that start with ``incomplete``."""
    try:
        ids = exercise_ids(find_root(Path.cwd()))
    except GraderError:
        return []
    return [ident for ident in ids if ident.startswith(incomplete)]


def resolve_exercise(text: str, root: Path | None, commands: tuple[str, ...] = ()) -> Path:
    """The folder ``text`` names: a folder as given, else the exercise ``04`` or ``04_sqlalchemy``
    under ``root``; else a :class:`UsageError` suggesting close exercise ids and ``commands``."""
    given = Path(text)
    if given.is_dir():
        return given
    ids = exercise_ids(root) if root is not None else []
    for ident in ids:
        if text in (ident, ident.split("_")[0]):
            return root / "exercises" / ident if root is not None else given
    if given.exists():
        raise UsageError(f"{text} is not a folder: pass an exercise folder such as exercises/04_sqlalchemy, or its id")
    hint = suggestions(text, [*commands, *ids, *(i.split("_")[0] for i in ids)])
    known = f" Exercises: {', '.join(ids)}." if ids and not hint else ""
    raise UsageError(f"no such command, exercise or folder {text!r}.{hint}{known}")


def match_names(test_id: str) -> frozenset[str]:
    """The names pytest's ``-k`` matches for a hidden test: its file, its class, its name, its markers."""
    return frozenset([*test_id.split("::"), *MARKERS])


def keyword_selection(exercise: Exercise, expression: str) -> Selection:
    """The tests ``-k expression`` selects, with pytest's own parser and matching rules."""
    refuse_mutation_suite(exercise)
    from _pytest.mark import KeywordMatcher
    from _pytest.mark.expression import Expression

    try:
        compiled = Expression.compile(expression)
    except SyntaxError as exc:
        raise UsageError(f"-k {expression!r} is not a pytest keyword expression: {exc.msg} (column {exc.offset})") from None
    ids = frozenset(t.id for t in exercise.tests if compiled.evaluate(KeywordMatcher(set(match_names(t.id)))))
    if not ids:
        names = ", ".join(t.id.split("::")[-1] for t in exercise.tests[:5])
        raise UsageError(f"-k {expression!r} selects none of {exercise.id}'s {len(exercise.tests)} tests (such as {names})")
    return Selection(f"-k {expression}", ids)


def refuse_mutation_suite(exercise: Exercise) -> None:
    """Kind ``tests`` grades the student's tests against mutants, all of them needed for the gate."""
    if exercise.kind == "tests":
        raise UsageError(f"{exercise.id} grades your tests against every hidden mutant: -k and --failed-only do not apply")


def failed_selection(exercise: Exercise, last: SubmissionResult) -> Selection | None:
    """The tests that did not pass in ``last`` (a full run) and still exist; None when all passed."""
    refuse_mutation_suite(exercise)
    known = {t.id for t in exercise.tests}
    ids = frozenset(t.id for t in last.tests if t.status != "passed" and t.id in known)
    return Selection("--failed-only", ids) if ids else None


def combined(first: Selection | None, second: Selection | None) -> Selection | None:
    """Both selections at once (their intersection)."""
    if first is None or second is None:
        return first or second
    return Selection(f"{first.how} {second.how}", first.ids & second.ids)


def narrowed(exercise: Exercise, selection: Selection) -> Exercise:
    """``exercise`` with only the selected tests: they alone are run, scored and counted."""
    return replace(exercise, tests=tuple(t for t in exercise.tests if t.id in selection.ids))


def selection_hook(dropped: frozenset[str]) -> bytes:
    """Python appended to the suite's ``conftest.py``: deselect ``dropped`` (the must-fail
    sentinel, which is never in it, stays), as pytest's own ``-k`` does."""
    return (
        "\n\n# Added by grade for a partial run: only the selected hidden tests are run.\n"
        f"_GRADE_DROPPED = frozenset({sorted(dropped)!r})\n\n\n"
        "def pytest_collection_modifyitems(config, items):\n"
        "    dropped = [item for item in items if item.nodeid in _GRADE_DROPPED]\n"
        "    if dropped:\n"
        "        config.hook.pytest_deselected(items=dropped)\n"
        "        items[:] = [item for item in items if item.nodeid not in _GRADE_DROPPED]\n"
    ).encode()


def selected_suite(suite: dict[str, bytes], all_ids: frozenset[str], selection: Selection) -> dict[str, bytes]:
    """``suite`` with the selection hook in its root ``conftest.py``; a :class:`UsageError` when
    that conftest already has a collection hook the appended one would replace."""
    existing = suite.get(CONFTEST, b"")
    if b"def pytest_collection_modifyitems" in existing:
        raise UsageError("this exercise's hidden suite selects its own tests: -k and --failed-only are not available")
    return {**suite, CONFTEST: existing + selection_hook(all_ids - selection.ids)}
