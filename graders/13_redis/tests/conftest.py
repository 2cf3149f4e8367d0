"""Fixtures for the 13_redis hidden suite: a real redis-server, started once for the session.

The suite runs across the process boundary (exercise.toml `boundary = "process"`): these fixtures
and the tests run in the grader's process, the student's `cache.py` in another one. The server
listens on 127.0.0.1 on a free port (loopback is shared by both processes), keeps nothing on disk
(--save "" --appendonly no) and works in a folder under the session's temporary directory. Every
test gets the grader's own client `r` on an emptied database (FLUSHDB), for checking; the client
the student's functions get (`client`, `recording`), the compute() callbacks and the threads that
call their code are made in the student's process by the `HELPER` module, and only plain data
comes back from it.

The `student` fixture (the submission, a remote module) comes from the grader; nothing here imports
it, so a submission that fails to import fails each test, not the collection.
"""

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

START_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_ping(proc: subprocess.Popen[bytes], port: int, timeout_s: float) -> bool:
    """True once the server on `port` answers PING; False if it exits or stays silent."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5, socket_timeout=0.5)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                if client.ping():
                    return True
            except redis.ConnectionError:
                time.sleep(0.02)
        return False
    finally:
        client.close()


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the whole session, terminated at the end."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not on the PATH (a problem with the grader's image, not with your code)", pytrace=False)
    workdir: Path = tmp_path_factory.mktemp("redis")
    log = workdir / "redis.log"
    for _ in range(3):  # another process may grab the port between free_port() and the bind
        port = free_port()
        command = [
            exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", str(workdir), "--logfile", str(log),
        ]  # fmt: skip
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        if wait_for_ping(proc, port, START_TIMEOUT_S):
            break
        stop(proc)
    else:
        tail = log.read_text(errors="replace")[-1000:] if log.exists() else "(no log)"
        pytest.fail(f"could not start redis-server (a grader problem, not yours); its log ends with:\n{tail}", pytrace=False)
    try:
        yield RedisServer("127.0.0.1", port)
    finally:
        stop(proc)


@pytest.fixture
def r(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A client on database 0, emptied before the test; it returns str (decode_responses=True)."""
    client = redis.Redis(host=redis_server.host, port=redis_server.port, db=0, decode_responses=True, socket_timeout=5)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


#: Runs beside the student's code (the `student_helper` fixture), in the student's process: what
#: cannot cross the process boundary is made there (a Redis client, a compute() callback, threads
#: calling their functions) and only plain data comes back. It holds no expected values: a student
#: could read it, and make it lie, but learns nothing from it.
HELPER = """
import threading
import time

import redis


class Recording(redis.Redis):
    \"\"\"A client that records each command it sends itself, as strings (not its pipelines' commands).\"\"\"

    def __init__(self, *args, **kwargs):
        self.commands = []
        super().__init__(*args, **kwargs)

    def execute_command(self, *args, **options):
        self.commands.append(tuple(str(arg) for arg in args))
        return super().execute_command(*args, **options)

    def forget(self):
        self.commands.clear()


def client(host, port, recording=False):
    kind = Recording if recording else redis.Redis
    return kind(host=host, port=port, db=0, decode_responses=True, socket_timeout=5)


class Compute:
    \"\"\"A compute() callback that counts its calls and returns `value` (or raises ConnectionError(`error`)).\"\"\"

    def __init__(self, value=None, error=None):
        self.value = value
        self.error = error
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.error is not None:
            raise ConnectionError(self.error)
        return self.value


def describe(exc):
    module = type(exc).__module__
    prefix = "" if module == "builtins" else module + "."
    return prefix + type(exc).__name__ + ": " + str(exc)


def in_threads(n, func, calls, limit_s=8.0):
    \"\"\"Each of `n` threads, released together, calls func(*args) for each args in `calls`.\"\"\"
    barrier = threading.Barrier(n)
    results = [[] for _ in range(n)]
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=5)
            for args in calls:
                results[index].append(func(*args))
        except BaseException as exc:
            errors.append(describe(exc))

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(n)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + limit_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {"finished": not any(thread.is_alive() for thread in threads), "errors": errors, "results": results}


class Job:
    \"\"\"A call running in a thread; its exception is kept (with its frames) until the process ends.\"\"\"

    def __init__(self, func, args):
        self.value = None
        self.exception = None
        self.error = None
        self.thread = threading.Thread(target=self.run, args=(func, args), daemon=True)
        self.thread.start()

    def run(self, func, args):
        try:
            self.value = func(*args)
        except BaseException as exc:
            self.exception = exc
            self.error = describe(exc)

    def running(self):
        return self.thread.is_alive()

    def wait(self, timeout_s):
        self.thread.join(timeout_s)
        running = self.thread.is_alive()
        return {"running": running, "value": None if running else self.value, "error": self.error}


def start(func, *args):
    return Job(func, args)
"""


@pytest.fixture
def helper(student: Any, student_helper: Callable[..., Any]) -> Any:
    """The helper module, run in the student's process (a handle to it)."""
    return student_helper(HELPER, "redis_helper")


def student_client(helper: Any, server: RedisServer, recording: bool = False) -> Iterator[Any]:
    client = helper.client(server.host, server.port, recording)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):  # after a restart the old handle is gone, and so is its client
            client.close()


@pytest.fixture
def client(helper: Any, redis_server: RedisServer, r: redis.Redis) -> Iterator[Any]:
    """The client the student's functions get (made in their process, same server, database emptied by `r`)."""
    yield from student_client(helper, redis_server)


@pytest.fixture
def recording(helper: Any, redis_server: RedisServer, r: redis.Redis) -> Iterator[Any]:
    """Like `client`, but the test can read back the commands it sent (`recording.commands`)."""
    yield from student_client(helper, redis_server, recording=True)


@pytest.fixture
def run_in_thread(helper: Any) -> Callable[..., "Background"]:
    """Start a call in a thread of the student's process; the test collects its result (or its error) later."""

    def start(func: Any, *args: Any) -> Background:
        return Background(helper.start(func, *args))

    return start


class Background:
    """A call running in a thread: `result(timeout)` returns its value or fails with its error."""

    def __init__(self, job: Any) -> None:
        self.job = job

    def is_alive(self) -> bool:
        return self.job.running() is True

    def wait(self, timeout_s: float) -> dict[str, Any]:
        state = self.job.wait(timeout_s)
        if not isinstance(state, dict):
            pytest.fail("the grader lost track of a call running in your code's process", pytrace=False)
        return state

    def result(self, timeout_s: float, what: str) -> Any:
        state = self.wait(timeout_s)
        if state.get("running") is not False:
            pytest.fail(f"{what} should have returned within {timeout_s:g} s, but it is still running", pytrace=False)
        if state.get("error") is not None:
            pytest.fail(f"{what} raised {state['error']}", pytrace=False)
        return state.get("value")


@pytest.fixture
def wait_for_subscribers(r: redis.Redis) -> Callable[[str, int], int]:
    """Wait until `channel` has `n` subscribers (PUBSUB NUMSUB), for at most 3 s; return how many it has."""

    def wait(channel: str, n: int) -> int:
        deadline = time.monotonic() + 3.0
        while True:
            got = int(dict(r.pubsub_numsub(channel)).get(channel, 0))
            if got >= n or time.monotonic() > deadline:
                return got
            time.sleep(0.01)

    return wait
