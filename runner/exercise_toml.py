"""Stage 1's first step: ``exercise.toml`` parsed and validated into an :class:`ExerciseConfig`.

Contract: :func:`parse_config` takes the text of one ``exercise.toml`` and returns every value typed
and checked, defaults filled in, or raises :class:`~runner.errors.ConfigError`: one line naming the
file, the key and what is allowed. Nothing unknown passes: a key or section this module does not
declare, a value of the wrong type (``memory_mb = "lots"``, a boolean where a number belongs), a
value out of its range. So a mistake in a course's exercise.toml stops ``grade`` before any
sandbox starts, not as an engine error at run time.

Trust: the file is the course author's. It is trusted to be honest, not to be right.

The schema is this module's tables: :data:`TOP_LEVEL` for the top-level keys, :class:`Limits`'s
fields (with :data:`LIMIT_RANGES`) for ``[limits]``, :data:`GRADING` for ``[grading]``. A small
validator of our own rather than pydantic: the schema has a dozen keys, the host does not otherwise
need pydantic (a compiled dependency for every student's install), and its multi-line errors
would have to be rewritten into the one line the CLI prints anyway.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, cast, get_args

from .errors import ConfigError

Kind = Literal["module", "notebook", "files", "tests"]
KINDS: tuple[Kind, ...] = get_args(Kind)
#: The kinds whose student code can run behind the process boundary.
PROCESS_KINDS = ("module", "notebook")
#: Where the hidden tests run relative to the student's code (``[grading] boundary``): in one process
#: (``shared``, the default) or in two processes, two users, behind a data-only socket (``process``;
#: module and notebook exercises). See docs/security.md.
Boundary = Literal["shared", "process"]
#: The path a run takes when its request names none (the harness's one-process path).
DEFAULT_BOUNDARY: Boundary = "shared"


def boundary_for(kind: Kind) -> Boundary:
    """``[grading] boundary``'s default: ``process`` wherever student code can run behind it
    (module and notebook exercises), so a new exercise is safe unless its author opts out."""
    return "process" if kind in PROCESS_KINDS else "shared"


#: An exercise id is a folder name under exercises/, graders/ and reports/.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Limits:
    """Sandbox limits; an exercise's ``[limits]`` table overrides any of them (within :data:`LIMIT_RANGES`)."""

    test_timeout_s: float = 10.0
    submission_timeout_s: float = 60.0
    cell_timeout_s: float = 5.0
    memory_mb: int = 512
    pids: int = 256
    cpus: float = 1.0
    output_kb: int = 64

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


#: What ``[limits]`` accepts for each limit, inclusive: below these a sandbox cannot start Python and
#: pytest; above them one submission could hold a grading machine.
LIMIT_RANGES: dict[str, tuple[float, float]] = {
    "test_timeout_s": (0.1, 600),
    "submission_timeout_s": (1, 3600),
    "cell_timeout_s": (0.1, 600),
    "memory_mb": (64, 65536),
    "pids": (16, 32768),
    "cpus": (0.1, 64),
    "output_kb": (1, 65536),
}


@dataclass(frozen=True)
class ExerciseConfig:
    """Everything ``exercise.toml`` says, checked; ``None`` where the loader picks a default."""

    id: str | None
    title: str | None
    topic: str
    kind: Kind
    files: tuple[str, ...]
    module: str | None
    limits: Limits
    boundary: Boundary


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _identifier(value: object) -> str | None:
    return value if isinstance(value, str) and all(part.isidentifier() for part in value.split(".")) else None


def _exercise_id(value: object) -> str | None:
    return value if isinstance(value, str) and ID_PATTERN.fullmatch(value) else None


def _kind(value: object) -> str | None:
    return value if value in KINDS else None


def _files(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value or len(set(map(str, value))) != len(value):
        return None
    names = [name for name in value if isinstance(name, str) and name and "/" not in name and "\\" not in name]
    return tuple(names) if len(names) == len(value) and not {".", ".."} & set(names) else None


#: Top-level keys: (check returning the value or None when invalid, what is allowed, required).
TOP_LEVEL: dict[str, tuple[Callable[[object], object], str, bool]] = {
    "id": (_exercise_id, 'a folder name such as "04_sqlalchemy" (letters, digits, _ . -)', False),
    "title": (_string, "a string", False),
    "topic": (_string, "a string", False),
    "kind": (_kind, f"one of {', '.join(KINDS)}", False),
    "files": (_files, 'a list of distinct file names without folders, e.g. files = ["bookshop.py"]', True),
    "module": (_identifier, 'a Python module name such as "bookshop"', False),
}
GRADING: dict[str, tuple[Callable[[object], object], str]] = {
    "boundary": (lambda value: value if value in get_args(Boundary) else None, f"one of {', '.join(get_args(Boundary))}"),
}
SECTIONS = ("limits", "grading")


def parse_config(file: Path, text: str) -> ExerciseConfig:
    """``text`` (the content of ``file``) as a checked :class:`ExerciseConfig`; :class:`ConfigError` otherwise."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, None, f"is not valid TOML: {exc}") from exc
    sections = {key: value for key, value in raw.items() if isinstance(value, dict)}
    for key in sections:
        if key not in SECTIONS:
            raise ConfigError(
                file, f"[{key}]", f"is not a section of exercise.toml; allowed: {', '.join(f'[{s}]' for s in SECTIONS)}"
            )
    top = {key: value for key, value in raw.items() if key not in sections}
    checked = {key: _check(file, key, value, TOP_LEVEL) for key, value in top.items()}
    for key, (_, allowed, required) in TOP_LEVEL.items():
        if required and key not in checked:
            raise ConfigError(file, key, f"is required: {allowed}")
    grading = {key: _check(file, key, value, GRADING, "grading") for key, value in sections.get("grading", {}).items()}
    kind = cast(Kind, checked.get("kind", "module"))
    boundary = cast(Boundary, grading.get("boundary", boundary_for(kind)))
    if boundary == "process" and kind not in PROCESS_KINDS:
        raise ConfigError(file, "[grading] boundary", f'= "process" is for module and notebook exercises, not kind {kind!r}')
    files = cast(tuple[str, ...], checked["files"])
    module = cast("str | None", checked.get("module")) or (Path(files[0]).stem if kind == "module" else None)
    return ExerciseConfig(
        id=cast("str | None", checked.get("id")),
        title=cast("str | None", checked.get("title")),
        topic=cast(str, checked.get("topic", "")),
        kind=kind,
        files=files,
        module=module,
        limits=parse_limits(file, sections.get("limits", {})),
        boundary=boundary,
    )


def _check(file: Path, key: str, value: object, schema: Mapping[str, tuple[Any, ...]], section: str | None = None) -> object:
    where = f"[{section}] {key}" if section else key
    if key not in schema:
        inside = f" in [{section}]" if section else ""
        raise ConfigError(file, where, f"is not a key of exercise.toml{inside}; allowed: {', '.join(schema)}")
    check, allowed = schema[key][0], schema[key][1]
    checked = check(value)
    if checked is None:
        raise ConfigError(file, where, f"must be {allowed}, not {value!r}")
    return checked


def parse_limits(file: Path, table: Mapping[str, object]) -> Limits:
    """``[limits]``: each a number of :class:`Limits`'s type within :data:`LIMIT_RANGES`; timeouts that fit."""
    types = {f.name: f.type for f in fields(Limits)}
    values: dict[str, float | int] = {}
    for key, value in table.items():
        if key not in types:
            raise ConfigError(file, f"[limits] {key}", f"is not a limit; allowed: {', '.join(types)}")
        low, high = LIMIT_RANGES[key]
        integer = types[key] == "int"
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if number is None or (integer and not isinstance(number, int)) or not math.isfinite(number) or not low <= number <= high:
            what = "an integer" if integer else "a number"
            raise ConfigError(file, f"[limits] {key}", f"must be {what} from {low:g} to {high:g}, not {value!r}")
        values[key] = number if integer else float(number)
    limits = Limits(**values)  # type: ignore[arg-type]  # each value checked against its field's type above
    for part in ("test_timeout_s", "cell_timeout_s"):
        if getattr(limits, part) > limits.submission_timeout_s:
            raise ConfigError(
                file,
                f"[limits] {part}",
                f"({getattr(limits, part):g}) must not exceed submission_timeout_s ({limits.submission_timeout_s:g})",
            )
    return limits
