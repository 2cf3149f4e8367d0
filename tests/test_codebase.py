"""Rules the codebase keeps: small modules, and printing only in the command line."""

from __future__ import annotations

import re
from pathlib import Path

LIMIT = 500
PRINTERS = {"cli.py", "cli_tools.py", "rules.py"}  # rules.py prints in its `python -m` main() only


def test_every_module_is_under_500_lines(root: Path) -> None:
    long = {
        p.relative_to(root).as_posix(): n
        for p in (root / "runner").rglob("*.py")
        if (n := len(p.read_text().splitlines())) >= LIMIT
    }
    assert not long, f"modules of {LIMIT} lines or more: {long}"


def test_only_the_command_line_prints(root: Path) -> None:
    library = [p for p in (root / "runner").glob("*.py") if p.name not in PRINTERS]
    printing = [p.name for p in library if re.search(r"^\s*print\(|\bconsole\.print\(|click\.echo\(", p.read_text(), re.M)]
    assert not printing, f"library modules that print: {printing}"
