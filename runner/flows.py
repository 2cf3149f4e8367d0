"""The use cases the command line runs, as functions: which sandbox, a batch with its sandbox pool,
the engine's diagnosis. ``grade ci``'s flow is :func:`runner.ci.grade_ci`.

Contract: each flow takes a sandbox (or a factory of sandboxes) and returns data; it never prints.
What the CLI would warn about goes to a ``warn`` callback, progress to an ``on_*`` callback. A
grader failure is an exception from :mod:`runner.errors`; a student's failure is a result.
Trust: the flows handle results the score stage has already cleaned; they add no student text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from .errors import SandboxUnavailable, UsageError

if TYPE_CHECKING:  # imported by the flows that use them: `grade EXERCISE` needs no batch machinery
    from .batch import BatchEntry, BatchItem, BatchProgress
    from .exercise import Exercise
    from .results import SubmissionResult
    from .sandbox import Sandbox

Backend = Literal["auto", "docker", "local"]
BACKENDS: tuple[Backend, ...] = ("auto", "docker", "local")


def ignore(message: str) -> None:
    """The default ``warn``: a library caller that does not ask is not told."""


class SandboxOpener(Protocol):
    """How a command gets its sandboxes: :func:`open_sandbox`, or a test's fake injected as the
    CLI's ``obj`` (``CliRunner().invoke(main, args, obj=opener)``)."""

    def __call__(self, backend: str, image: str, prewarm: bool) -> Sandbox: ...


class Prestarted:
    """A sandbox started before the command line loaded (``runner/entry.py``, which closes it
    when the process ends): the first command that opens one of the same backend and image gets
    it; any other open is ``fallback``'s, and then the early one is closed at once."""

    def __init__(self, sandbox: Sandbox, backend: str, image: str, fallback: SandboxOpener) -> None:
        self.sandbox: Sandbox | None = sandbox
        self.backend = backend
        self.image = image
        self.fallback = fallback

    def __call__(self, backend: str, image: str, prewarm: bool) -> Sandbox:
        early, self.sandbox = self.sandbox, None
        if early is not None and (backend, image, prewarm) == (self.backend, self.image, False):
            return early
        if early is not None:
            early.close()
        return self.fallback(backend, image, prewarm)


def open_sandbox(backend: str, image: str, prewarm: bool = False, warn: Callable[[str], None] = ignore) -> Sandbox:
    """The requested backend; ``auto`` is Docker where an engine answers, else local (with a warning).

    ``prewarm`` (batches, audits) starts each next container while the current one runs.
    """
    from .sandbox.local import WARNING, LocalSandbox, fallback_notice

    if backend == "local":
        warn(WARNING)
        return LocalSandbox()
    from .sandbox.docker import DockerSandbox, connect

    if backend == "docker":
        return DockerSandbox(image, prewarm=prewarm)
    try:
        client = connect()
    except SandboxUnavailable as exc:
        warn(fallback_notice(exc.reason))
        return LocalSandbox()
    return DockerSandbox(image, client, prewarm=prewarm)


def batch_sandboxes(first: Sandbox, more: Callable[[], Sandbox] | None) -> Callable[[], Sandbox]:
    """A batch's sandbox factory: ``first``, then ``more()`` for each further thread; with no
    ``more`` (a thread-safe remote sandbox), ``first`` for every thread."""
    boxes = iter([first])

    def factory() -> Sandbox:
        if more is None:
            return first
        return next(boxes, None) or more()

    return factory


def require_isolation(sandbox: Sandbox, allow_local: bool) -> None:
    """A batch puts many students' code on one machine: only an isolating sandbox, unless told."""
    if not sandbox.isolated and not allow_local:
        raise UsageError(
            "batch grading needs the Docker sandbox: students would share your machine unisolated (--allow-local to insist)"
        )


@dataclass(frozen=True)
class BatchRun:
    """A finished batch: every entry and the files written."""

    entries: tuple[BatchEntry, ...]
    paths: dict[str, Path]

    @property
    def results(self) -> list[SubmissionResult]:
        return [entry.result for entry in self.entries]

    @property
    def mean_percent(self) -> float:
        return sum(r.percent for r in self.results) / len(self.entries) if self.entries else 0.0

    @property
    def statuses(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    @property
    def not_graded(self) -> list[SubmissionResult]:
        """The submissions the infrastructure failed (not cached: the same command grades them)."""
        return [r for r in self.results if r.status == "infra_error"]

    @property
    def exit_code(self) -> int:
        return 3 if self.not_graded else 0


def run_batch(
    exercise: Exercise,
    items: list[BatchItem],
    first: Sandbox,
    out: Path,
    *,
    more: Callable[[], Sandbox] | None,
    jobs: int,
    cache_dir: Path | None,
    on_entry: Callable[[BatchEntry, BatchProgress], None] = lambda entry, progress: None,
) -> BatchRun:
    """Grade ``items`` with ``jobs`` sandboxes at once (``first``, then one from ``more`` per further
    thread, or ``first`` for all when ``more`` is None), cached in ``cache_dir`` when given, and write
    the gradebook, the summary and one report per student to ``out``."""
    from .batch import ResultCache, grade_batch
    from .lms import write_batch

    cache = None if cache_dir is None else ResultCache(cache_dir, exercise, first)
    factory = batch_sandboxes(first, more)
    entries = grade_batch(exercise, items, factory, jobs=jobs, cache=cache, on_entry=on_entry)
    return BatchRun(tuple(entries), write_batch([e.result for e in entries], out))


CheckLevel = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    """One line of ``grade sandbox check``: its level, what was checked and the details."""

    level: CheckLevel
    text: str
    details: tuple[str, ...] = ()


def check_sandbox(image: str) -> Iterator[Check]:
    """Diagnose the engine and the image, then run the probe job: one :class:`Check` at a time.

    An engine that does not answer, or a missing image, raises
    :class:`~runner.errors.SandboxUnavailable` after what was checked so far.
    """
    from .sandbox.docker import DockerSandbox, connect, engine_summary, image_summary, leftover_containers, sweep_exited
    from .sandbox.probe import probe

    client = connect()
    yield Check("ok", "engine reachable", tuple(f"{key}: {value}" for key, value in engine_summary(client).items()))
    summary = image_summary(client, image)
    if summary is None:
        raise SandboxUnavailable(f"the sandbox image {image} is missing: build it with `grade sandbox build`")
    yield Check("ok", f"image {image}: {summary['id'][:19]}, {summary['size'] / 1e6:.0f} MB")
    swept = sweep_exited(client)
    leftovers = leftover_containers(client)
    yield Check(
        "warn" if leftovers else "ok",
        f"{len(leftovers)} stopped sandbox containers left behind ({swept} older ones removed now)",
    )
    sandbox = DockerSandbox(image, client)
    try:
        for name, ok, detail in probe(sandbox):
            yield Check("ok" if ok else "fail", f"{name}: {detail}")
    finally:
        sandbox.close()
