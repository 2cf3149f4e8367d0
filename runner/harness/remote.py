"""The grader's side of the process boundary: the ``student`` fixture as a remote module.

Under ``boundary = "process"`` the hidden suite runs in the grader process and the student's code
in another one (``student.py``). Every use of the ``student`` fixture becomes a request over a
socket (``boundary.py``): ``student.add(2, 3)`` is a ``getattr`` then a ``call``, and the answer is
rebuilt here as exact built-in types. What is not plain data comes back as a :class:`Remote`
handle: attribute access, calls, item access, ``in``, iteration and ``len`` go back over the socket;
its equality is identity, its truth is refused, its ``repr`` is made here. An exception raised by
the student's code is raised here as an instance of a class made here from the remote class's
module, name and bases (built-in bases are the real built-ins), with ``args`` and simple
attributes as plain data, so ``pytest.raises(student.NotFoundError)`` works. What the call printed
is written to this process's stdout, where pytest captures it for the current test.

When the student process does not answer within the per-call limit, dies, or breaks the protocol,
the grader asks the supervisor (on the control socket) to kill it and start a fresh one, which
comes back as a new socket (``socket.recv_fds``); handles from before are then stale.

Trust rule: a reply is data. Nothing here calls, compares or formats an object the student made.
"""

from __future__ import annotations

import builtins
import itertools
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boundary  # type: ignore[import-not-found]

#: Built-in exceptions that must not end the grader when they come back: they become made classes.
NOT_REBUILT = {"SystemExit", "KeyboardInterrupt", "GeneratorExit", "BaseExceptionGroup", "ExceptionGroup"}


CRASHED = "your code's process ended while it was running (os._exit, a crash, or killed, e.g. out of memory)"


class BoundaryError(Exception):
    """The student process broke the protocol or refused a request."""


class StudentCrashed(Exception):
    """The student's process ended while it was answering."""


class CallTimeout(BaseException):
    """The student's code did not answer within the per-call limit (a BaseException, like the
    grader's own test timeout, so ``except Exception`` in a test does not hide it)."""


class ImportFailed(Exception):
    """The student's module could not be imported; ``cause`` is what the import raised."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class Client:
    """One connection to the student process, restarted through the supervisor when it breaks."""

    def __init__(self, data_fd: int, control_fd: int, timeout_s: float, output_chars: int = 64 * 1024) -> None:
        self.sock = socket.socket(fileno=data_fd)
        self.control = socket.socket(fileno=control_fd)
        self.timeout_s = timeout_s
        self.output_chars = output_chars
        self.generation = 0
        self.ids = itertools.count(1)
        self.classes: dict[tuple[str, str], type[BaseException]] = {}
        self.broken = False

    def request(self, op: str, target: Remote | None = None, wait_s: float | None = None, **fields: Any) -> Any:
        """Send one request and return its decoded answer, or raise what the student's code raised;
        ``wait_s`` replaces the per-call limit (a notebook's cells have a limit of their own)."""
        if self.broken:
            self.restart()
        number = next(self.ids)
        message = {"id": number, "op": op, **{k: self.encode(v) for k, v in fields.items()}}
        if target is not None:
            message["target"] = {"$": "handle", "id": target.remote_id()}
        try:
            self.sock.settimeout(self.timeout_s if wait_s is None else wait_s)
            boundary.send_message(self.sock, message)
            reply = boundary.recv_message(self.sock)
            if reply.get("id") != number:
                raise boundary.ProtocolError("an answer to another request")
        except TimeoutError:
            self.restart()
            raise CallTimeout(f"took longer than {self.timeout_s if wait_s is None else wait_s:g} s") from None
        except (EOFError, ConnectionError):
            self.restart()
            raise StudentCrashed(
                "your code's process ended while it was running (os._exit, a crash, or killed, e.g. out of memory)"
            ) from None
        except (boundary.ProtocolError, OSError) as exc:
            self.restart()
            raise BoundaryError(f"your code's process broke the grader's protocol: {exc}") from None
        except BaseException:  # the test's own deadline (SIGALRM) interrupted the wait
            self.restart()
            raise
        return self.answer(reply)

    def answer(self, reply: dict[str, Any]) -> Any:
        out = reply.get("out")
        if isinstance(out, str) and out:
            sys.stdout.write(out[: self.output_chars])
        if "refused" in reply:
            raise BoundaryError(f"the request was refused: {str(reply['refused'])[:500]}")
        if "raise" in reply:
            raise self.exception(reply["raise"])
        if reply.get("ok") == {"$": "stop"}:
            return Stop
        return self.decode(reply.get("ok"))

    def restart(self) -> None:
        """Have the supervisor kill the student process and start a fresh one; take its socket."""
        self.broken = True
        self.sock.close()
        self.control.sendall(b"restart")
        message, fds, _, _ = socket.recv_fds(self.control, 16, 1)
        if message != b"ok" or len(fds) != 1:
            raise BoundaryError("the sandbox could not start a fresh process for your code")
        self.sock = socket.socket(fileno=fds[0])
        self.generation += 1
        self.broken = False

    def encode(self, value: object) -> Any:
        return boundary.encode(value, self.handle_out)

    def handle_out(self, value: object) -> dict[str, Any]:
        if isinstance(value, Remote):
            return {"$": "handle", "id": value.remote_id()}
        raise TypeError(f"a {type(value).__name__} cannot be passed to the student's code (plain data or its own objects only)")

    def decode(self, data: Any) -> Any:
        try:
            return boundary.decode(data, self.handle_in, self.make_class)
        except boundary.ProtocolError as exc:
            self.restart()
            raise BoundaryError(f"your code's process sent a malformed value: {exc}") from None

    def handle_in(self, data: dict[str, Any]) -> Remote:
        number, kind = data.get("id"), data.get("type")
        if type(number) is not int or type(kind) is not str:
            raise boundary.ProtocolError("a malformed handle")
        return Remote(self, number, self.generation, kind[:200])

    def make_class(self, data: dict[str, Any], depth: int = 0) -> type[BaseException]:
        """A grader-side exception class for a remote one; the same class for the same name."""
        module, name, bases = data.get("module"), data.get("name"), data.get("bases")
        if type(module) is not str or type(name) is not str or type(bases) is not list or depth > 20:
            raise boundary.ProtocolError("a malformed class")
        if module == "builtins" and name not in NOT_REBUILT:
            found = getattr(builtins, name, None)
            if isinstance(found, type) and issubclass(found, BaseException):
                return found
        key = (module[:200], name[:200])
        if key not in self.classes:
            parents = tuple(self.make_class(b, depth + 1) for b in bases if isinstance(b, dict))
            self.classes[key] = made_class(key, parents or (Exception,))
        return self.classes[key]

    def exception(self, data: object) -> BaseException:
        if not isinstance(data, dict) or not isinstance(data.get("class"), dict):
            raise BoundaryError("your code's process described an exception badly")
        cls = self.decode(data["class"])
        args = self.decode(data.get("args"))
        attrs: dict[str, Any] = data["attrs"] if isinstance(data.get("attrs"), dict) else {}
        message = data.get("message") if isinstance(data.get("message"), str) else ""
        exc = build_exception(cls, tuple(args) if isinstance(args, list) else (), str(message))
        for key, value in list(attrs.items())[:50]:
            if key.isidentifier() and not key.startswith("_") and not hasattr(BaseException, key):
                exc.__dict__[key] = self.decode(value)
        where = data.get("where")
        if isinstance(where, dict) and isinstance(where.get("file"), str) and type(where.get("line")) is int:
            exc.__dict__["__grade_location__"] = {"file": where["file"][:200], "line": where["line"]}
        return exc


def made_class(key: tuple[str, str], parents: tuple[type[BaseException], ...]) -> type[BaseException]:
    namespace = {"__module__": key[0], "__qualname__": key[1], "__str__": remote_str}
    try:
        return type(key[1].rsplit(".", 1)[-1], parents, namespace)
    except TypeError:  # bases whose layouts conflict: keep the first
        return type(key[1].rsplit(".", 1)[-1], parents[:1], namespace)


def remote_str(self: BaseException) -> str:
    return str(self.__dict__.get("__grade_message__", ""))


def build_exception(cls: type[BaseException], args: tuple[Any, ...], message: str) -> BaseException:
    """An instance of ``cls`` with ``args``; a built-in class's own constructor checks the args."""
    exc: BaseException
    if cls.__module__ == "builtins":
        try:
            exc = cls(*args)
        except Exception:
            exc = cls.__new__(cls)
            exc.args = args
    else:
        exc = cls.__new__(cls, *args)
        exc.args = args
    exc.__dict__["__grade_message__"] = message
    return exc


class StopType:
    """The remote iterator is exhausted."""


Stop = StopType()


class Remote:
    """A reference to an object in the student process; nothing of it runs here."""

    __slots__ = ("_client", "_generation", "_id", "_type")

    def __init__(self, client: Client, number: int, generation: int, kind: str) -> None:
        object.__setattr__(self, "_client", client)
        object.__setattr__(self, "_id", number)
        object.__setattr__(self, "_generation", generation)
        object.__setattr__(self, "_type", kind)

    def remote_id(self) -> int:
        if self._generation != self._client.generation:
            raise BoundaryError(f"this {self._type} object was lost when your code's process was restarted")
        number: int = self._id
        return number

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._client.request("getattr", self, name=name)

    def __setattr__(self, name: str, value: object) -> None:
        self._client.request("setattr", self, name=name, value=value)

    def __call__(self, *args: object, **kwargs: object) -> Any:
        return self._client.request("call", self, args=list(args), kwargs=dict(kwargs))

    def __getitem__(self, key: object) -> Any:
        return self._client.request("getitem", self, key=key)

    def __len__(self) -> int:
        size = self._client.request("len", self)
        if type(size) is not int or size < 0:
            raise TypeError(f"len() of your {self._type} object should be a non-negative int")
        return size

    def __contains__(self, item: object) -> bool:
        return self._client.request("contains", self, value=item) is True

    def __iter__(self) -> Iterator[Any]:
        iterator = self._client.request("iter", self)
        if not isinstance(iterator, Remote):
            raise TypeError(f"iter() of your {self._type} object did not give an iterator")
        while (item := self._client.request("next", iterator)) is not Stop:
            yield item

    def __enter__(self) -> Any:
        return self._client.request("call", self._client.request("getattr", self, name="__enter__"), args=[], kwargs={})

    def __exit__(self, *exc: object) -> None:
        method = self._client.request("getattr", self, name="__exit__")
        self._client.request("call", method, args=[None, None, None], kwargs={})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Remote) and (other._client, other._id, other._generation) == (
            self._client, self._id, self._generation,
        )  # fmt: skip

    def __hash__(self) -> int:
        return hash((self._id, self._generation))

    def __bool__(self) -> bool:
        raise TypeError(f"your {self._type} object has no truth value in the grader: compare a plain value")

    def __repr__(self) -> str:
        return f"<your {self._type} object>"

    __str__ = __repr__


@dataclass(frozen=True)
class Notebook:
    """A notebook to rebuild in the student process: its file, each cell's time limit and the
    time all its cells may take."""

    file: str
    cell_timeout_s: float
    total_s: float


class RemoteModule(Remote):
    """The ``student`` fixture: the student's module, imported again in each fresh process (or the
    namespace of the student's notebook, rebuilt again from its cells)."""

    __slots__ = ("_module", "_notebook")

    def __init__(self, client: Client, module: str, notebook: Notebook | None = None) -> None:
        super().__init__(client, 0, -1, "module")
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_notebook", notebook)

    def load(self) -> Any:
        notebook: Notebook | None = self._notebook
        if notebook is None:
            return self._client.request("import", module=self._module)
        return self._client.request(
            "notebook", wait_s=notebook.total_s, file=notebook.file, cell_timeout_s=notebook.cell_timeout_s
        )

    def remote_id(self) -> int:
        if self._generation != self._client.generation:
            try:
                loaded = self.load()
            except (CallTimeout, StudentCrashed, BoundaryError):
                raise
            except BaseException as exc:
                raise ImportFailed(exc) from None
            if not isinstance(loaded, Remote):
                raise BoundaryError("your code's process did not return a module")
            object.__setattr__(self, "_id", loaded._id)
            object.__setattr__(self, "_generation", loaded._generation)
        number: int = self._id
        return number

    def __repr__(self) -> str:
        return f"<your module {self._module}>"

    __str__ = __repr__


def helper(client: Client, name: str, source: str) -> Remote:
    """Run ``source`` as a module in the student process and return a handle to it: for what must
    run beside the student's code (a spy, an object that cannot cross). The student can read it."""
    module = client.request("helper", name=name, source=source)
    if not isinstance(module, Remote):
        raise BoundaryError("your code's process did not return the helper module")
    return module
