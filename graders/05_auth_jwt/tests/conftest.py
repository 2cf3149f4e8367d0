"""Fixtures for the 05_auth_jwt hidden suite.

The `student` fixture (the imported submission) comes from the grader; nothing here imports it,
so a submission that fails to import fails each test, not the collection.
"""

import hmac
import secrets
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture
def compare_digest_calls(student: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, object]]:
    """Record every call to hmac.compare_digest / secrets.compare_digest made while the test runs.

    The real function still does the work; the list only shows whether it was used. A submission
    that did `from hmac import compare_digest` is patched in its own namespace too.
    """
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    monkeypatch.setattr(secrets, "compare_digest", spy)
    if getattr(student, "compare_digest", None) is real:
        monkeypatch.setattr(student, "compare_digest", spy)
    return calls
