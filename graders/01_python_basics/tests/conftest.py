"""Shared fixtures for the 01_python_basics hidden suite."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_text(tmp_path: Path) -> Callable[[str, str], str]:
    """Write `content` as UTF-8 bytes (newlines kept exactly) to tmp_path/name; return the path as str."""

    def write(name: str, content: str) -> str:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8"))
        return str(path)

    return write
