"""What a student reads first: failures grouped by cause, notebook cells first, no grader noise.

Contract: :func:`feedback` turns a :class:`~runner.results.SubmissionResult` into a
:class:`Feedback` that every output (terminal, HTML, Markdown step summary, CI annotations)
renders in the same order: the notebook cells that failed, then each :class:`Cause` shared by
several tests (same message at the same student line, said once with the number of tests it
stops), then the tests that failed for reasons of their own, each with its message and hint.

Trust rule: the messages and locations grouped here came from the sandbox and were cleaned once
where they entered the host (:mod:`runner.untrusted`); they are compared and counted as plain
text, never parsed or trusted, and each output still escapes them for its own syntax. A file and
line are only a place to show, never a path the host opens. Nothing here prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from .results import CellResult, Location, SubmissionResult, TestResult

MIN_GROUP: Final = 2
"""A message shared by at least this many failing tests is said once, as a cause."""
NAMES_SHOWN: Final = 3
"""How many of a cause's test names an output lists before "and N more"."""
#: Lines the grader's own machinery writes into a run's output; a student never needs them.
GRADER_NOISE: Final = (re.compile(r"^\[IPKernelApp\] (?:WARNING|INFO|DEBUG) \| .*$"),)


@dataclass(frozen=True)
class Cause:
    """One failure shared by several tests: the same message raised at the same place."""

    message: str
    location: Location | None
    tests: tuple[TestResult, ...]

    @property
    def where(self) -> str:
        """``bookshop.py:37``, or ``""`` when the failure has no student line."""
        return f"{self.location.file}:{self.location.line}" if self.location else ""

    @property
    def summary(self) -> str:
        """The message's first line: what the headline and annotations show."""
        return first_line(self.message)

    @property
    def headline(self) -> str:
        """``28 tests stop at bookshop.py:37: NotImplementedError: ...``."""
        count = f"{len(self.tests)} tests" if len(self.tests) != 1 else "1 test"
        if self.location:
            return f"{count} stop at {self.where}: {self.summary}"
        return f"{count} fail with: {self.summary}"

    @property
    def hint(self) -> str:
        """The first test's hint (the suite's first test of a feature says what to build first)."""
        return next((t.hint for t in self.tests if t.hint), "")

    @property
    def points_lost(self) -> float:
        return sum(t.max_score - t.score for t in self.tests)


@dataclass(frozen=True)
class Feedback:
    """A result's failures in the order a student should read them."""

    cells: tuple[CellResult, ...]
    causes: tuple[Cause, ...]
    others: tuple[TestResult, ...]
    passed: tuple[TestResult, ...]

    @property
    def failing_count(self) -> int:
        return sum(len(c.tests) for c in self.causes) + len(self.others)


def first_line(text: str) -> str:
    """The first non-blank line of ``text`` (``""`` when there is none)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def cause_key(test: TestResult) -> tuple[str, Location | None]:
    """What makes two failures the same cause: the whole message and the student's line."""
    return test.message.strip(), test.location


def group_failures(tests: tuple[TestResult, ...] | list[TestResult]) -> tuple[tuple[Cause, ...], tuple[TestResult, ...]]:
    """The failing ``tests`` split into causes (largest first, then in suite order) and the rest
    (in suite order). Every failing test is in exactly one of the two; passed ones in neither.
    A test with no message is never part of a cause: there is nothing to say once."""
    groups: dict[tuple[str, Location | None], list[TestResult]] = {}
    for test in tests:
        if test.status != "passed":
            groups.setdefault(cause_key(test), []).append(test)
    causes = [
        Cause(message, location, tuple(members))
        for (message, location), members in groups.items()
        if message and len(members) >= MIN_GROUP
    ]
    grouped = {t.id for cause in causes for t in cause.tests}
    others = tuple(t for t in tests if t.status != "passed" and t.id not in grouped)
    causes.sort(key=lambda cause: -len(cause.tests))  # stable: ties keep suite order
    return tuple(causes), others


def feedback(result: SubmissionResult) -> Feedback:
    """``result``'s failures in reading order: failed notebook cells, causes, other failures."""
    causes, others = group_failures(result.tests)
    cells = tuple(c for c in result.cells if c.status != "ok")
    passed = tuple(t for t in result.tests if t.status == "passed")
    return Feedback(cells, causes, others, passed)


def without_noise(text: str) -> str:
    """``text`` without the lines the grader's machinery writes (:data:`GRADER_NOISE`)."""
    kept = [line for line in text.splitlines(keepends=True) if not any(p.match(line.rstrip("\n")) for p in GRADER_NOISE)]
    return "".join(kept)


def shortened(text: str, limit: int = 400) -> str:
    """``text`` cut at a word boundary near ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut + " …"


def names_list(tests: tuple[TestResult, ...], shown: int = NAMES_SHOWN) -> str:
    """``a, b, c and 25 more``: a cause's tests, short."""
    names = ", ".join(t.name for t in tests[:shown])
    rest = len(tests) - shown
    return f"{names} and {rest} more" if rest > 0 else names
