"""Fixtures for the 05_auth_jwt hidden suite.

The `student` fixture (the imported submission) comes from the grader; nothing here imports it,
so a submission that fails to import fails each test, not the collection.
"""

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest


#: Runs beside the student's code (the `student_helper` fixture): in the student's process when
#: the exercise is graded across the process boundary, so it sees the calls their code makes. It
#: holds nothing secret: a student could read it.
SPY = """
import hmac, secrets
calls = []
real = hmac.compare_digest
patched = []

def spy(a, b):
    calls.append(1)
    return real(a, b)

def install(student):
    for owner in (hmac, secrets):
        patched.append((owner, owner.compare_digest))
        owner.compare_digest = spy
    if getattr(student, "compare_digest", None) is real:
        patched.append((student, real))
        student.compare_digest = spy

def uninstall():
    while patched:
        owner, original = patched.pop()
        owner.compare_digest = original

def count():
    return len(calls)
"""


class Calls:
    """How many times compare_digest was called; true when it was (asked of the spy each time)."""

    def __init__(self, spy: Any) -> None:
        self.spy = spy

    def __len__(self) -> int:
        count = self.spy.count()
        return count if type(count) is int and count >= 0 else 0


@pytest.fixture
def compare_digest_calls(student: ModuleType, student_helper: Callable[..., Any]) -> Iterator[Calls]:
    """Record every call to hmac.compare_digest / secrets.compare_digest made while the test runs.

    The real function still does the work; the count only shows whether it was used. A submission
    that did `from hmac import compare_digest` is patched in its own namespace too.
    """
    spy = student_helper(SPY, "compare_digest_spy")
    spy.install(student)
    try:
        yield Calls(spy)
    finally:
        spy.uninstall()
