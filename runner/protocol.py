"""The harness's wire protocol as the host reads it: typed events and the supervisor's exit record.

Trust rule: a :class:`~runner.sandbox.RunOutcome` holds what came out of the sandbox, where
student code ran, as raw JSON data. :func:`read_outcome` is the one place where it enters the
host: each event becomes one of the dataclasses below, or :class:`Malformed` with the reason;
every string is cleaned and bounded (:mod:`runner.untrusted`) and every number finite. Nothing
past this module sees raw sandbox data. Decoding says nothing about whether an event is *true*:
that is the score stage's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

from .results import CellStatus, Location, TestStatus
from .sandbox import RunOutcome
from .untrusted import DIAGNOSTIC_CHARS, ERROR_CHARS, MESSAGE_CHARS, NAME_CHARS, clean_int, clean_number, clean_text

EventType = Literal["collected", "test", "cell", "collect_error", "done"]
#: At most this many node ids are read from one ``collected`` event.
MAX_COLLECTED = 10_000


@dataclass(frozen=True)
class Collected:
    """pytest collected these node ids (the hidden suite left the disk then)."""

    nodeids: tuple[str, ...]


@dataclass(frozen=True)
class TestEvent:
    """One test's outcome as the harness reported it."""

    nodeid: str
    status: TestStatus
    message: str
    output: str
    duration_s: float
    location: Location | None


@dataclass(frozen=True)
class CellEvent:
    """One notebook code cell's execution."""

    index: int
    status: CellStatus
    error: str | None
    line: int | None
    duration_s: float


@dataclass(frozen=True)
class CollectError:
    """pytest could not collect a file of the hidden suite."""

    nodeid: str
    message: str


@dataclass(frozen=True)
class Done:
    """The harness ran to its end."""


@dataclass(frozen=True)
class Malformed:
    """An event that is not one of the above; why, in words, for the flags."""

    reason: str


Event = Collected | TestEvent | CellEvent | CollectError | Done | Malformed


@dataclass(frozen=True)
class ExitRecord:
    """The supervisor's last line: how the test process ended, and its bounded output."""

    returncode: int | None
    timed_out: bool
    rejected_events: int
    output: str
    output_bytes: int
    duration_s: float


@dataclass(frozen=True)
class CheckedRun:
    """A run outcome after decoding: typed, clean, bounded; still only what the sandbox claimed,
    except ``oom_killed`` and ``host_timed_out``, which the host saw."""

    events: tuple[Event, ...]
    exit: ExitRecord | None
    oom_killed: bool
    host_timed_out: bool
    diagnostics: str


def read_outcome(outcome: RunOutcome, output_chars: int) -> CheckedRun:
    """Decode every event and the exit record of ``outcome``; outputs are cut at ``output_chars``."""
    return CheckedRun(
        events=tuple(decode_event(raw, output_chars) for raw in outcome.events),
        exit=decode_exit(outcome.exit, output_chars),
        oom_killed=outcome.oom_killed is True,
        host_timed_out=outcome.host_timed_out is True,
        diagnostics=clean_text(outcome.diagnostics, DIAGNOSTIC_CHARS),
    )


def decode_event(raw: object, output_chars: int) -> Event:
    """One raw event (any JSON value) as a typed event, or :class:`Malformed`."""
    if not isinstance(raw, dict):
        return Malformed("an event that is not an object was reported")
    event_type = raw.get("type")  # the wire's key; "kind" is the exercise's (module, notebook, ...)
    if event_type == "test":
        return decode_test(raw, output_chars)
    if event_type == "cell":
        return decode_cell(raw)
    if event_type == "collected":
        nodeids = raw.get("nodeids")
        if not isinstance(nodeids, list) or len(nodeids) > MAX_COLLECTED:
            return Malformed("a malformed list of collected tests was reported")
        return Collected(tuple(clean_text(n, NAME_CHARS) for n in nodeids))
    if event_type == "collect_error":
        return CollectError(clean_text(raw.get("nodeid"), NAME_CHARS), clean_text(raw.get("message"), ERROR_CHARS))
    if event_type == "done":
        return Done()
    return Malformed("an event of an unknown type was reported")


def decode_test(raw: dict[str, object], output_chars: int) -> TestEvent | Malformed:
    nodeid, status = raw.get("nodeid"), raw.get("status")
    if not isinstance(nodeid, str) or status not in get_args(TestStatus):
        return Malformed("a malformed test result was reported")
    return TestEvent(
        nodeid=clean_text(nodeid, NAME_CHARS),
        status=cast(TestStatus, status),
        message=clean_text(raw.get("message"), MESSAGE_CHARS),
        output=clean_text(raw.get("output"), output_chars),
        duration_s=round(clean_number(raw.get("duration_s")), 4),
        location=decode_location(raw.get("location")),
    )


def decode_cell(raw: dict[str, object]) -> CellEvent | Malformed:
    index, status = clean_int(raw.get("index")), raw.get("status")
    if index is None or index < 0 or status not in get_args(CellStatus):
        return Malformed("a malformed notebook cell result was reported")
    line = clean_int(raw.get("line"))
    return CellEvent(
        index=index,
        status=cast(CellStatus, status),
        error=clean_text(raw.get("error"), ERROR_CHARS) or None,
        line=line if line is not None and line > 0 else None,
        duration_s=round(clean_number(raw.get("duration_s")), 4),
    )


def decode_location(value: object) -> Location | None:
    if not isinstance(value, dict):
        return None
    line = clean_int(value.get("line"))
    file = clean_text(value.get("file"), NAME_CHARS).replace("\n", " ")
    return Location(file=file, line=line) if file and line is not None and line > 0 else None


def decode_exit(raw: object, output_chars: int) -> ExitRecord | None:
    if not isinstance(raw, dict):
        return None
    return ExitRecord(
        returncode=clean_int(raw.get("returncode")),
        timed_out=raw.get("timed_out") is True,
        rejected_events=int(clean_number(raw.get("rejected_events"))),
        output=clean_text(raw.get("output"), output_chars),
        output_bytes=int(clean_number(raw.get("output_bytes"))),
        duration_s=round(clean_number(raw.get("duration_s")), 3),
    )
