"""The pytest side of the harness: the ``student`` fixture, per-phase deadlines, one event per test.

Imported by ``worker.py`` in the worker process (module and files exercises) or inside the
notebook's kernel (notebook exercises), so the worker itself starts without importing pytest.
Under ``boundary = "process"`` the worker is the grader process and the ``student`` fixture is a
:class:`remote.RemoteModule`: the student's code runs in another process (for a notebook: the
namespace its code cells build there, never the Jupyter kernel that gives per-cell feedback).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import sys
import types
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from worker import Channel, clip, empty_folder  # type: ignore[import-not-found]


class TestTimeout(BaseException):
    """Raised in a test that ran past its time limit; a BaseException so ``except Exception`` misses it."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise TestTimeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class LoadError(Exception):
    """The student's module failed to import; an Exception, whatever the import raised, so that
    pytest's setup bookkeeping survives ``SystemExit`` or a timeout at import time."""


class LoadTimeout(LoadError):
    """The student's module took too long to import."""


#: Exceptions that make a test ``timeout``; the process boundary adds its per-call limit.
TIMEOUTS: tuple[type[BaseException], ...] = (TestTimeout, LoadTimeout)
#: The process boundary's "your module failed to import again in a fresh process".
IMPORT_FAILED: tuple[type[BaseException], ...] = ()
#: What loading the student's code is called in messages (a notebook's is running its cells).
LOADING = "importing your module"
#: The process boundary's own failures (the student process died, broke the protocol): their
#: message says it all.
BOUNDARY_FAILURES: tuple[type[BaseException], ...] = ()


class StudentLoader:
    """Imports the student's module once; a failed import fails every test the same way."""

    def __init__(self, module: str | None, namespace: types.ModuleType | Path | None, remote: Any = None) -> None:
        self.module = module
        self.value = namespace
        self.remote = remote
        self.remote_client: Any = None
        self.notebook: Any = None  # under the process boundary, a remote.Notebook to rebuild
        self.error: BaseException | None = None

    def load(self) -> types.ModuleType | Path:
        if self.value is not None:
            return self.value
        if self.error is None:
            try:
                self.value = self.load_remote() if self.remote is not None else importlib.import_module(str(self.module))
                return self.value
            except BaseException as exc:  # an import may raise anything, even SystemExit
                self.error = exc
        kind = LoadTimeout if isinstance(self.error, TIMEOUTS) else LoadError
        raise kind(str(self.error) if kind is LoadTimeout else describe(self.error))

    def load_remote(self) -> Any:
        """The student's module in the student process: imported there now, so that an import
        that fails fails every test the same way."""
        student = self.remote.RemoteModule(self.remote_client, self.module or "notebook", self.notebook)
        try:
            student.remote_id()
        except self.remote.ImportFailed as exc:
            raise exc.cause from None
        return student


class GraderPlugin:
    """Provides the ``student`` fixture, per-phase deadlines and one event per test."""

    def __init__(self, job: dict[str, Any], work: Path, suite: Path, loader: StudentLoader, channel: Channel):
        self.job = job
        self.suite = suite
        self.submission = work / "submission"
        self.loader = loader
        self.channel = channel
        self.timeout = float(job["test_timeout_s"])
        self.output_limit = int(job["output_bytes"])
        self.records: dict[str, dict[str, Any]] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n, hint=''): points a test is worth, and a hint")
        # Reports are built from the exception, not pytest's traceback; the native style is the
        # cheapest to build (a deep framework traceback costs ~0.5 s in the default one).
        config.option.tbstyle = "native"

    @pytest.fixture(name="student")
    def student(self) -> types.ModuleType | Path:
        return self.loader.load()

    @pytest.fixture(name="student_helper")
    def student_helper(self) -> Callable[..., Any]:
        """``student_helper(source, name="helper")``: run ``source`` as a module beside the student's
        code and return it (across the process boundary: a handle to it in the student process).
        For what must run where the student's code runs, such as a spy; the student can read it."""
        self.loader.load()

        def make(source: str, name: str = "helper") -> Any:
            if self.loader.remote is None:
                module = types.ModuleType(f"grader_helper_{name}")
                exec(compile(source, f"<grader helper {name}>", "exec"), module.__dict__)
                return module
            return self.loader.remote.helper(self.loader.remote_client, name, source)

        return make

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.channel.send({"type": "collect_error", "nodeid": report.nodeid, "message": clip(str(report.longrepr), 4000)})

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        # The must-fail sentinel runs last, after the student's code has had every chance to
        # tamper with reporting.
        sentinel = self.job.get("sentinel")
        items.sort(key=lambda item: item.nodeid == sentinel)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.channel.send({"type": "collected", "nodeids": [item.nodeid for item in session.items]})
        empty_folder(self.suite)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, object, object]:
        with deadline(self.timeout):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        with deadline(self.timeout):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, object, object]:
        with deadline(self.timeout):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report: pytest.TestReport = yield
        record = self.records.setdefault(
            item.nodeid, {"status": "passed", "message": "", "location": None, "output": "", "duration_s": 0.0}
        )
        record["duration_s"] += call.duration
        if report.skipped and record["status"] == "passed":
            record["status"] = "skipped"
            record["message"] = clip(str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "", 2000)
        elif report.failed and record["status"] in ("passed", "skipped"):
            excinfo = call.excinfo
            if excinfo is not None and excinfo.errisinstance(TIMEOUTS):
                record["status"] = "timeout"
            elif call.when == "call":
                record["status"] = "failed"
            else:
                record["status"] = "error"
            if excinfo is not None:
                record["message"] = clip(describe(excinfo.value), 4000)
                record["location"] = self.locate(excinfo.value, excinfo.tb)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.records.get(report.nodeid)
        if record is None:
            return
        if report.when == "teardown":
            # The last report of a test carries the captured output of all its phases.
            text = "".join(section for _, section in report.get_sections("Captured stdout"))
            text += "".join(section for _, section in report.get_sections("Captured stderr"))
            record["output"] = clip(record["output"] + text, self.output_limit)
            record["duration_s"] = round(record["duration_s"], 4)
            self.channel.send({"type": "test", "nodeid": report.nodeid, **record})

    def locate(self, exc: BaseException, tb: types.TracebackType | None) -> dict[str, Any] | None:
        """The deepest frame of the traceback that is in the student's files (process boundary:
        where the student process said its exception came from)."""
        where = getattr(exc, "__dict__", {}).get("__grade_location__")
        if isinstance(where, dict):
            return where
        found = None
        root = str(self.submission) + os.sep
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.startswith(root):
                found = {"file": filename[len(root) :], "line": tb.tb_lineno}
            tb = tb.tb_next
        return found


def describe(exc: BaseException) -> str:
    """One message for the report: the assertion's explanation, or ``Type: message``."""
    if isinstance(exc, pytest.fail.Exception):
        return str(exc.msg) or "failed"
    if isinstance(exc, AssertionError):
        return assertion_message(str(exc))
    if isinstance(exc, TIMEOUTS) and not isinstance(exc, LoadTimeout):
        return f"Timed out: {exc}"
    if isinstance(exc, BOUNDARY_FAILURES):
        return str(exc)
    if isinstance(exc, IMPORT_FAILED):
        return f"{LOADING.capitalize()} failed: {describe(exc.cause)}"  # type: ignore[attr-defined]
    if isinstance(exc, LoadTimeout):
        return f"Timed out while {LOADING}: {exc}"
    if isinstance(exc, LoadError):
        return f"{LOADING.capitalize()} failed: {exc}"
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} ({exc.filename}, line {exc.lineno})"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def assertion_message(text: str) -> str:
    """What a student reads of a failed assertion: the test's own message when it has one (pytest
    appends its comparison below it), else pytest's comparison without its "Full diff" dump."""
    own, rewritten, _ = text.partition("\nassert ")
    if rewritten and own.strip():
        return own.strip()
    text = text.split("Full diff:")[0]
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip()) or "assertion failed"


def connect_student(timeout_s: float, output_chars: int) -> tuple[Any, Any]:
    """The ``remote`` module and a client on the sockets the supervisor passed to this process."""
    global TIMEOUTS, IMPORT_FAILED, BOUNDARY_FAILURES
    import remote  # type: ignore[import-not-found]

    TIMEOUTS = (*TIMEOUTS, remote.CallTimeout)
    IMPORT_FAILED = (remote.ImportFailed,)
    BOUNDARY_FAILURES = (remote.StudentCrashed, remote.BoundaryError)
    client = remote.Client(int(os.environ["GRADER_STUDENT_FD"]), int(os.environ["GRADER_CONTROL_FD"]), timeout_s, output_chars)
    return remote, client


def run_tests(job_path: str, namespace: types.ModuleType | None = None, suite_dir: str | None = None) -> None:
    """Run the hidden suite against the submission.

    The ``student`` fixture is ``namespace`` (a notebook's names), the submission folder as a
    ``Path`` (kind ``files``), or the imported module. ``suite_dir`` defaults to ``suite/``
    beside the job.
    """
    job_file = Path(job_path)
    job = json.loads(job_file.read_text())
    work = job_file.parent
    suite = Path(suite_dir) if suite_dir else work / "suite"
    channel = Channel.from_env()
    value = work / "submission" if job["kind"] == "files" else namespace
    loader = StudentLoader(job.get("module"), value)
    if job.get("boundary") == "process":
        loader.remote, loader.remote_client = connect_student(float(job["test_timeout_s"]), int(job["output_bytes"]))
        if job["kind"] == "notebook":
            global LOADING
            LOADING = "running your notebook's cells"
            # Rebuilt from the cells' source in the student process, before any test runs: the
            # cells have a time limit of their own, and all of them may take the whole run.
            wall = float(job.get("submission_timeout_s") or 60.0)
            loader.notebook = loader.remote.Notebook(job["files"][0], float(job["cell_timeout_s"]), wall)
            with contextlib.suppress(LoadError):
                loader.load()
    else:
        # Last on the path: nothing the student writes can shadow pytest or the standard library.
        sys.path.append(str(work / "submission"))
    plugin = GraderPlugin(job, work, suite, loader, channel)
    args = [
        str(suite),
        "-c", str(work / "harness" / "pytest.ini"),
        "--rootdir", str(suite),
        "-p", "no:cacheprovider",
        "-p", "no:stepwise",
        "-p", "no:terminal",
        # Built-in plugins no hidden suite uses (loading them is half of pytest's own start).
        *("-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:legacypath"),
        *("-p", "no:setuponly", "-p", "no:setupplan"),
        # Full assertion diffs: the report is the only place a student sees them.
        "-o", "verbosity_assertions=2",
    ]  # fmt: skip
    pytest.main(args, plugins=[plugin])
    channel.send({"type": "done"})
