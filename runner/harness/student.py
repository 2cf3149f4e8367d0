"""The student process under ``boundary = "process"``: serve the grader's requests on one socket.

Run by the supervisor as ``python -I -B -u student.py FD SUBMISSION OUTPUT_BYTES``, as the student's
user, in the submission's folder, with an environment that names nothing of the grader's. ``FD``
is this process's end of a socketpair; the grader holds the other. Standard library only, plus
``boundary.py`` beside this file.

Each request is ``{"id": n, "op": ..., ...}`` and gets exactly one reply with the same id:
``{"id": n, "ok": VALUE, "out": TEXT}``, ``{"id": n, "raise": EXCEPTION, "out": TEXT}`` or
``{"id": n, "refused": REASON}``. Ops: ``import`` (the student's module), ``notebook`` (the
student's notebook: its namespace rebuilt from its code cells, see :func:`run_cells`), ``helper`` (a module
the suite sends as source, for what must run beside the student's code), ``getattr``,
``setattr``, ``call``, ``getitem``, ``len``, ``contains``, ``iter``, ``next``. Whatever is not
plain data crosses as a handle: an id in this process's table. ``out`` is what the call wrote to
its stdout and stderr (file descriptors 1 and 2), at most OUTPUT_BYTES.

Trust rule: this process is the student's. It may lie in any reply; the grader believes nothing
it says beyond "this is the data the code returned", and never runs what it sends.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import socket
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from typing import Any

if __package__:
    from . import boundary
else:  # run as a script: the codec is the file beside this one, then out of the student's way
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import boundary  # type: ignore[import-not-found,no-redef]

    del sys.path[0]
    sys.modules.pop("boundary", None)

#: Longest exception message sent back.
MESSAGE_CHARS = 4000


class Server:
    """The handle table and the ops; one instance per student process."""

    def __init__(self, submission: str, output_bytes: int) -> None:
        self.submission = submission.rstrip(os.sep) + os.sep
        self.output_bytes = output_bytes
        self.table: dict[int, object] = {}
        self.ids: dict[int, int] = {}  # id(obj) -> handle, so one object keeps one handle
        self.module: types.ModuleType | None = None
        self.compiled: dict[tuple[str, str], types.CodeType] = {}

    def handle_of(self, value: object) -> dict[str, Any]:
        if isinstance(value, type) and issubclass(value, BaseException):
            return describe_class(value)
        for base in (str, int, float, bytes, tuple, list, dict):  # subclasses cross as their base
            if isinstance(value, base) and not isinstance(value, bool | type):
                convert: Any = base
                plain: Any = convert(value)
                return boundary.encode(plain, self.handle_of)  # type: ignore[no-any-return]
        return self.plain_handle(value)

    def plain_handle(self, value: object) -> dict[str, Any]:
        number = self.ids.get(id(value))
        if number is None or self.table.get(number) is not value:
            number = len(self.table) + 1
            self.table[number] = value
            self.ids[id(value)] = number
        return {"$": "handle", "id": number, "type": type(value).__qualname__[:200]}

    def lookup(self, data: dict[str, Any]) -> object:
        number = data.get("id")
        if type(number) is not int or number not in self.table:
            raise LookupError(f"no object {number!r} in this process")
        return self.table[number]

    def value(self, data: Any) -> Any:
        return boundary.decode(data, self.lookup)

    def target(self, request: dict[str, Any]) -> Any:
        return self.lookup(request.get("target") or {})

    def op(self, request: dict[str, Any]) -> Callable[[], object]:
        """The call that does what ``request`` asks; run later, with its output captured."""
        kind = request.get("op")
        name = str(request.get("name", ""))
        if kind == "import":
            return lambda: self.load(str(request.get("module")))
        if kind == "helper":
            return lambda: self.helper(name, str(request.get("source")))
        if kind == "notebook":
            timeout = request.get("cell_timeout_s")
            if not isinstance(timeout, int | float) or not 0 < timeout < 3600:
                raise ValueError("a notebook needs a cell time limit")
            return lambda: self.notebook(str(request.get("file")), float(timeout))
        target = self.target(request)
        if kind == "getattr":
            return lambda: getattr(target, name)
        if kind == "setattr":
            value = self.value(request.get("value"))
            return lambda: setattr(target, name, value)
        if kind == "call":
            args = self.value(request.get("args", []))
            kwargs = self.value(request.get("kwargs", {"$": "dict", "v": []}))
            return lambda: target(*args, **kwargs)
        if kind == "getitem":
            key = self.value(request.get("key"))
            return lambda: target[key]
        if kind == "len":
            return lambda: len(target)
        if kind == "contains":
            item = self.value(request.get("value"))
            return lambda: item in target
        if kind == "iter":
            return lambda: iter(target)
        if kind == "next":
            return lambda: next(target, StopMarker)
        raise LookupError(f"no op {str(kind)[:40]!r}")

    def load(self, name: str) -> types.ModuleType:
        if self.module is None:
            if self.submission.rstrip(os.sep) not in sys.path:
                sys.path.append(self.submission.rstrip(os.sep))  # last: it cannot shadow the stdlib
            self.module = importlib.import_module(name)
        return self.module

    def notebook(self, file: str, cell_timeout_s: float) -> types.ModuleType:
        """The notebook's namespace, its code cells run once (:func:`run_cells`)."""
        if self.module is None:
            folder = self.submission.rstrip(os.sep)
            if folder not in sys.path:
                sys.path.append(folder)  # what the cells write may be imported, never over the stdlib
            self.module = run_cells(os.path.join(folder, os.path.basename(file)), cell_timeout_s)
        return self.module

    def helper(self, name: str, source: str) -> types.ModuleType:
        """A fresh module of ``source`` (compiled once per process: a suite sends the same helper to every test)."""
        code = self.compiled.get((name, source))
        if code is None:
            code = self.compiled[(name, source)] = compile(source, f"<grader helper {name}>", "exec")
        module = types.ModuleType(f"grader_helper_{name}")
        exec(code, module.__dict__)
        return module

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        reply: dict[str, Any] = {"id": request.get("id")}
        try:
            call = self.op(request)
        except (LookupError, boundary.ProtocolError, TypeError, ValueError) as exc:
            return {**reply, "refused": str(exc)[:MESSAGE_CHARS]}
        with captured(self.output_bytes) as output:
            try:
                result = call()
            except BaseException as exc:  # anything the student's code raises goes back as data
                reply["raise"] = self.describe_exception(exc)
            else:
                reply["ok"] = {"$": "stop"} if result is StopMarker else self.encode_result(result)
        # A notebook's cells print for the student's eyes, in the kernel's feedback: not in a test's output.
        reply["out"] = output[0] if output and request.get("op") != "notebook" else ""
        return reply

    def encode_result(self, result: object) -> Any:
        try:
            return boundary.encode(result, self.handle_of)
        except BaseException:  # a subclass's conversion is student code, and may raise anything
            return self.plain_handle(result)

    def describe_exception(self, exc: BaseException) -> dict[str, Any]:
        args: Any = []
        try:
            args = boundary.encode(list(exc.args), plain_only)
        except (TypeError, ValueError, RecursionError):
            args = [safe_str(exc)]
        attrs = {}
        for key, value in list(getattr(exc, "__dict__", {}).items())[:50]:
            if isinstance(key, str) and not key.startswith("_"):
                try:
                    attrs[key] = boundary.encode(value, plain_only)
                except (TypeError, ValueError, RecursionError):
                    continue
        return {
            "class": describe_class(type(exc)),
            "args": args,
            "attrs": attrs,
            "message": safe_str(exc),
            "where": self.where(exc.__traceback__),
        }

    def where(self, tb: types.TracebackType | None) -> dict[str, Any] | None:
        """The deepest frame of the traceback in the student's files."""
        found = None
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.startswith(self.submission):
                found = {"file": filename[len(self.submission) :], "line": tb.tb_lineno}
            tb = tb.tb_next
        return found


class CellTimeout(BaseException):
    """A notebook cell ran past its time limit (a BaseException, like a kernel's interrupt)."""


#: A cell line that IPython runs as a magic or a shell command starts with one of these; it is not
#: run when grading (the kernel's run, for the student's feedback, runs it).
MAGIC_PREFIXES = ("%", "!")
#: The one cell magic that is honoured: ``%%writefile [-a] NAME`` writes the cell's body to NAME.
WRITEFILE = ("%%writefile", "%%file")


def notebook_sources(path: str) -> list[str]:
    """The source of each code cell of the notebook at ``path`` (nbformat 4 JSON), in order."""
    import json

    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append("".join(map(str, source)) if isinstance(source, list) else str(source))
    return sources


def cell_code(source: str, name: str) -> types.CodeType | None:
    """``source`` compiled as IPython would run it, without its magics and shell escapes; None for
    a cell that is all one cell magic (``%%writefile`` is done here). A SyntaxError is the cell's."""
    import ast

    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT  # a cell may ``await`` at top level, as in IPython
    first, _, body = source.lstrip("\n").partition("\n")
    if first.startswith("%%"):
        words = first.split()
        if words[0] in WRITEFILE and len(words) >= 2:
            with open(words[-1], "a" if "-a" in words[1:-1] else "w", encoding="utf-8") as out:
                out.write(body if body.endswith("\n") else body + "\n")
        return None
    try:
        code: types.CodeType = compile(source, name, "exec", flags=flags, dont_inherit=True)
        return code
    except SyntaxError:
        lines = source.split("\n")
        kept = [
            line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(MAGIC_PREFIXES) else line
            for line in lines
        ]
        if kept == lines:
            raise
        code = compile("\n".join(kept), name, "exec", flags=flags, dont_inherit=True)
        return code


def run_cells(path: str, cell_timeout_s: float) -> types.ModuleType:
    """A fresh ``__main__`` namespace holding what the notebook's code cells define, each cell run
    in order as in a kernel: an exception (even ``SystemExit``) or a cell that runs past
    ``cell_timeout_s`` ends that cell only, and the next one runs."""
    import builtins
    import signal

    namespace = Namespace("__main__")
    namespace.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = namespace  # dataclasses, pickle and friends look their module up here

    def expire(signum: int, frame: object) -> None:
        raise CellTimeout(f"stopped after {cell_timeout_s:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    for index, source in enumerate(notebook_sources(path)):
        try:
            signal.setitimer(signal.ITIMER_REAL, cell_timeout_s)
            try:
                run_cell(source, f"<notebook cell {index + 1}>", namespace)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except BaseException as exc:  # the cell's own failure; the next cell runs, as in a kernel
            sys.stderr.write(f"notebook cell {index + 1}: {type(exc).__name__}\n")
    signal.signal(signal.SIGALRM, previous)
    return namespace


class Namespace(types.ModuleType):
    """A notebook's names; a missing one is said in the notebook's terms."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"your notebook defines no {name!r} (check that the cell defining it runs without an error)")


def run_cell(source: str, name: str, namespace: types.ModuleType) -> None:
    code = cell_code(source, name)
    result = eval(code, namespace.__dict__) if code is not None else None
    if inspect.iscoroutine(result):  # the cell awaits at top level
        import asyncio

        asyncio.run(result)


class StopMarker:
    """``next`` found the iterator exhausted."""


def plain_only(value: object) -> dict[str, Any]:
    raise TypeError("not plain data")


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:MESSAGE_CHARS]
    except BaseException:  # a student's __str__ may raise anything
        return f"<{type(exc).__name__} whose str() failed>"


def describe_class(cls: type, depth: int = 0) -> dict[str, Any]:
    bases = [describe_class(base, depth + 1) for base in cls.__bases__ if base is not object] if depth < 20 else []
    return {"$": "class", "module": str(cls.__module__)[:200], "name": cls.__qualname__[:200], "bases": bases}


class Sink:
    """Where file descriptors 1 and 2 go while a call runs: one temporary file, emptied before
    each call, and the process's own 1 and 2 saved once (a file and four dups per call cost more
    than most calls)."""

    def __init__(self) -> None:
        self.fd = -1
        self.saved = (-1, -1)

    def ready(self) -> int:
        """The sink's descriptor, empty; made (again) when missing or closed by the student's code."""
        try:
            os.ftruncate(self.fd, 0)
        except OSError:
            with tempfile.TemporaryFile() as file:  # gone from the folder; the dup keeps it open
                self.fd = os.dup(file.fileno())
            self.saved = (os.dup(1), os.dup(2))
        os.lseek(self.fd, 0, os.SEEK_SET)
        return self.fd


SINK = Sink()


class captured:
    """File descriptors 1 and 2 go to the sink while the call runs; the head of what came is kept."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.text: list[str] = []

    def __enter__(self) -> list[str]:
        flush()
        fd = SINK.ready()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        return self.text

    def __exit__(self, *exc: object) -> None:
        flush()
        for fd, saved in zip((1, 2), SINK.saved, strict=True):
            os.dup2(saved, fd)
        data = os.pread(SINK.fd, self.limit + 1, 0)
        more = os.fstat(SINK.fd).st_size - self.limit
        text = data[: self.limit].decode("utf-8", "replace")
        self.text.append(text + (f"\n... [{more} more bytes cut]" if more > 0 else ""))


def flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):  # the student may have closed or replaced it
            stream.flush()


def requests(sock: socket.socket) -> Iterator[dict[str, Any]]:
    while True:
        try:
            yield boundary.recv_message(sock)
        except (EOFError, OSError):
            return


def prepare(folder: str) -> None:
    """A fresh working folder (mode 0700, this user's) holding the submission's files, which come
    as a tar on stdin; the folder left by a process before this one is removed first."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    os.mkdir(folder, 0o700)
    unpack_submission(folder)
    home = os.environ.get("HOME")
    if home:
        os.makedirs(home, mode=0o700, exist_ok=True)
    os.chdir(folder)


def unpack_submission(folder: str) -> None:
    """The submission's files (a tar on stdin, top-level regular files only) written into ``folder``."""
    import tarfile

    with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as tar:
        for member in tar:
            if member.isfile() and "/" not in member.name and member.name not in ("", ".", ".."):
                source = tar.extractfile(member)
                assert source is not None
                with open(os.open(os.path.join(folder, member.name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "wb") as out:
                    out.write(source.read())


def main(argv: list[str]) -> int:
    prepare(argv[2])
    sock = socket.socket(fileno=int(argv[1]))
    server = Server(argv[2], int(argv[3]))
    for request in requests(sock):
        boundary.send_message(sock, server.answer(request))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
