"""Grader failures. A student's failure is never an exception: it is a status in the results.

    GraderError                  any failure of the grader itself; ``exit_code`` for the CLI
    ├── UsageError               2: bad input or configuration; the user can fix it
    │   ├── ExerciseError        the folder is not a valid exercise, or its grader is broken
    │   │   ├── ConfigError      exercise.toml has an unknown key or section, or a value of the wrong type or range
    │   │   └── MutantError      a mutant's diff is malformed or no longer applies to its original
    │   ├── SubmissionError      the submission cannot be read (missing file, invalid notebook)
    │   └── MissingExtra         a feature needs an optional extra that is not installed (grade[workers], grade[local])
    └── InfraError               3: the grading infrastructure failed; never the student's fault
        ├── SandboxUnavailable   no engine, or the image is missing
        └── SandboxFailed        the sandbox ran but did not produce a usable answer

Every message is one line saying what is wrong and what to do.
"""

from __future__ import annotations

from pathlib import Path


class GraderError(Exception):
    """Base of every grader failure."""

    exit_code = 3


class UsageError(GraderError):
    """Bad input or configuration."""

    exit_code = 2


class ExerciseError(UsageError):
    """The exercise folder or its hidden grader is not valid."""


class ConfigError(ExerciseError):
    """``exercise.toml`` is not valid: names the file, the key (``[section] key``; ``None`` for the whole
    file) and what is allowed there."""

    def __init__(self, file: Path, key: str | None, problem: str):
        self.file, self.key, self.problem = file, key, problem
        super().__init__(f"{file}: {key} {problem}" if key else f"{file} {problem}")


class MutantError(ExerciseError):
    """A mutant's diff is malformed or no longer applies; says which diff, file, hunk and line."""

    def __init__(self, diff: str, problem: str, file: str | None = None, hunk: int | None = None, line: int | None = None):
        self.diff, self.problem, self.file, self.hunk, self.line = diff, problem, file, hunk, line
        where = [part for part in (file, f"hunk {hunk}" if hunk else "", f"original line {line}" if line else "") if part]
        super().__init__(f"{diff}: {', '.join(where) + ': ' if where else ''}{problem}")


class SubmissionError(UsageError):
    """The submission cannot be read."""


class MissingExtra(UsageError):
    """A feature needs packages of an optional extra (runner/extras.py) that are not installed here."""

    def __init__(self, extra: str, module: str, purpose: str, install: str):
        self.extra, self.module, self.purpose, self.install = extra, module, purpose, install
        super().__init__(f"{purpose} needs the {extra!r} extra ({module} is not installed): {install}")


class InfraError(GraderError):
    """The grading infrastructure failed."""

    exit_code = 3


class SandboxUnavailable(InfraError):
    """No engine is reachable, or the sandbox image is missing. ``reason`` says what is wrong
    without the advice (for a caller that acts on it, such as falling back to the local backend)."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


class SandboxFailed(InfraError):
    """The sandbox did not produce a usable answer."""
