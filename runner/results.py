"""Results: frozen dataclasses and their versioned JSON (``schema_version: 1``).

Every report format is rendered from a :class:`SubmissionResult`, so any of them can be re-made
from a saved ``results.json`` without running code.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from .errors import UsageError

SCHEMA_VERSION = 1
SubmissionStatus = Literal["passed", "failed", "error", "timeout", "resource_limit", "tampered", "infra_error"]
TestStatus = Literal["passed", "failed", "error", "timeout", "skipped"]
CellStatus = Literal["ok", "error", "timeout"]
SUBMISSION_STATUSES: tuple[SubmissionStatus, ...] = get_args(SubmissionStatus)
TEST_STATUSES: tuple[TestStatus, ...] = get_args(TestStatus)
CELL_STATUSES: tuple[CellStatus, ...] = get_args(CellStatus)


@dataclass(frozen=True)
class Location:
    """Where in the student's files a failure was raised."""

    file: str
    line: int


@dataclass(frozen=True)
class TestResult:
    """One hidden test's outcome."""

    id: str
    name: str
    status: TestStatus
    score: float
    max_score: float
    message: str = ""
    hint: str = ""
    output: str = ""
    duration_s: float = 0.0
    location: Location | None = None
    hidden: bool = False


@dataclass(frozen=True)
class CellResult:
    """One notebook code cell's execution."""

    index: int
    status: CellStatus
    error: str | None = None
    line: int | None = None
    duration_s: float = 0.0


@dataclass(frozen=True)
class GraderIdentity:
    """What graded: the runner's version, the hidden suite's hash, the sandbox image and the
    Python that ran the code (from the image's label, or the local interpreter)."""

    version: str
    suite_hash: str
    image_id: str | None
    python: str | None = None


@dataclass(frozen=True)
class SandboxInfo:
    """Which backend ran the submission, whether it isolates, the limits it applied, and its
    ``host``: the name of the ``grade worker`` (``NAME@MACHINE``) that graded it when the batch
    was spread over several machines, None when graded here.

    Older results.json files (also schema v1) call it ``worker``: :meth:`from_dict` still reads that key."""

    backend: str
    isolated: bool
    limits: dict[str, Any]
    host: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxInfo:
        """Rebuild from JSON data; the old key ``worker`` is read as ``host``."""
        fields_ = dict(data)
        if "worker" in fields_ and "host" not in fields_:
            fields_["host"] = fields_.pop("worker")
        return cls(**fields_)


@dataclass(frozen=True)
class SubmissionResult:
    """One submission's grade: the single source for every report."""

    exercise: str
    exercise_title: str
    submission: str
    status: SubmissionStatus
    score: float
    max_score: float
    message: str
    duration_s: float
    started_at: str
    grader: GraderIdentity
    sandbox: SandboxInfo
    tests: tuple[TestResult, ...] = ()
    cells: tuple[CellResult, ...] = ()
    flags: tuple[str, ...] = ()
    output: str = ""
    selected: str | None = None
    """How the tests of a partial run were chosen (``-k EXPR``, ``--failed-only``); None when the
    whole hidden suite ran. A partial result's score is that of the selected tests only."""
    schema_version: int = field(default=SCHEMA_VERSION)

    @property
    def partial(self) -> bool:
        return self.selected is not None

    @property
    def percent(self) -> float:
        return round(100.0 * self.score / self.max_score, 1) if self.max_score else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["percent"] = self.percent
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """Strict JSON (no NaN or Infinity); raises ``ValueError`` on a value JSON cannot hold."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        """Rebuild from JSON data; raise ``ValueError`` when it is not schema v1."""
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"schema_version is {data.get('schema_version')!r}, expected {SCHEMA_VERSION}")
        if data.get("status") not in SUBMISSION_STATUSES:
            raise ValueError(f"unknown submission status {data.get('status')!r}")
        try:
            tests = tuple(
                TestResult(**{**t, "location": Location(**t["location"]) if t.get("location") else None}) for t in data["tests"]
            )
            cells = tuple(CellResult(**c) for c in data.get("cells", ()))
            fields_ = {k: v for k, v in data.items() if k not in ("tests", "cells", "grader", "sandbox", "percent")}
            result = cls(
                **{**fields_, "flags": tuple(data.get("flags", ()))},
                grader=GraderIdentity(**data["grader"]),
                sandbox=SandboxInfo.from_dict(data["sandbox"]),
                tests=tests,
                cells=cells,
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"missing or unexpected field: {exc}") from exc
        for test in tests:
            if test.status not in TEST_STATUSES:
                raise ValueError(f"test {test.id}: unknown status {test.status!r}")
        return result


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``: a crash
    leaves the old file or the new one, never an empty or half-written one."""
    data = text.encode("utf-8")  # before anything touches the disk: a text that cannot be written fails here
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_results(path: Path) -> SubmissionResult:
    """Read a saved ``results.json``; raise :class:`UsageError` with one clear line if unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"{path} does not exist") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a results file (expected a JSON object)")
    try:
        return SubmissionResult.from_dict(data)
    except ValueError as exc:
        raise UsageError(f"{path} is not a results.json of schema v{SCHEMA_VERSION}: {exc}") from exc


def load_results_lines(path: Path) -> list[SubmissionResult]:
    """Read a batch's ``results.jsonl`` (one result per line); :class:`UsageError` names the bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise UsageError(f"{path} does not exist") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text: {exc}") from exc
    results = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            results.append(SubmissionResult.from_dict(data))
        except ValueError as exc:
            raise UsageError(f"{path}:{number} is not a result of schema v{SCHEMA_VERSION}: {exc}") from exc
    if not results:
        raise UsageError(f"{path} holds no results")
    return results
