"""Fixtures for the 13_redis hidden suite: a real redis-server, started once for the session.

The server listens on 127.0.0.1 on a free port, keeps nothing on disk (--save "" --appendonly no)
and works in a folder under the session's temporary directory (the sandbox's root filesystem is
read-only; /tmp is writable). Every test gets a fresh client on an emptied database (FLUSHDB).

The `student` fixture (the imported submission) comes from the grader; nothing here imports it,
so a submission that fails to import fails each test, not the collection.
"""

import shutil
import socket
import subprocess
import threading
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


class RecordingRedis(redis.Redis):
    """A client that records each command it sends itself, as strings (its pipelines' commands are not seen)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.commands: list[tuple[str, ...]] = []
        super().__init__(*args, **kwargs)

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.commands.append(tuple(str(arg) for arg in args))
        return super().execute_command(*args, **options)


@pytest.fixture
def recording_r(redis_server: RedisServer, r: redis.Redis) -> Iterator[RecordingRedis]:
    """Like `r` (same server, database emptied), but the test can read back the commands it sent."""
    client = RecordingRedis(host=redis_server.host, port=redis_server.port, db=0, decode_responses=True, socket_timeout=5)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def run_in_thread() -> Iterator[Callable[..., "Background"]]:
    """Start a call in a daemon thread; the test collects its result (or its exception) later."""
    started: list[Background] = []

    def start(func: Callable[..., Any], *args: Any) -> Background:
        job = Background(func, args)
        started.append(job)
        job.thread.start()
        return job

    yield start
    for job in started:
        job.thread.join(timeout=0.5)


class Background:
    """A call running in a thread: `result(timeout)` returns its value or re-raises its error."""

    def __init__(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(func, args), daemon=True)

    def _run(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            self.value = func(*args)
        except BaseException as exc:  # handed to the test, which reports it
            self.error = exc

    def result(self, timeout_s: float, what: str) -> Any:
        self.thread.join(timeout_s)
        if self.thread.is_alive():
            pytest.fail(f"{what} should have returned within {timeout_s:g} s, but it is still running", pytrace=False)
        if self.error is not None:
            pytest.fail(f"{what} raised {type(self.error).__name__}: {self.error}", pytrace=False)
        return self.value


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
