"""The Docker backend's dealings with the engine that need no engine: the HTTP it speaks
(:mod:`runner.sandbox.engine`) and what the start-up sweep asks for and removes, against a fake
engine answering on a real unix socket."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from socketserver import ThreadingUnixStreamServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from runner.errors import SandboxUnavailable
from runner.sandbox.docker import LABEL, connect, sweep_exited
from runner.sandbox.engine import API_VERSION, Engine, EngineError, demultiplex

#: (method, path without the version) -> (status, body): what the fake engine answers.
Script = dict[tuple[str, str], tuple[int, Any]]


class FakeEngine:
    """An HTTP server on a unix socket that answers from a script and records every request;
    an attach is upgraded to a raw stream whose bytes are kept in ``stdin``."""

    def __init__(self, path: Path, script: Script) -> None:
        self.script = script
        self.requests: list[tuple[str, str, dict[str, list[str]], Any]] = []
        self.stdin = bytearray()
        engine = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def answer(self) -> None:
                url = urlsplit(self.path)
                path = url.path.removeprefix(f"/v{API_VERSION}")
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                engine.requests.append((self.command, path, parse_qs(url.query), body))
                if self.headers.get("Upgrade") == "tcp":
                    self.send_response(101)
                    self.send_header("Connection", "Upgrade")
                    self.send_header("Upgrade", "tcp")
                    self.end_headers()
                    self.wfile.flush()
                    while chunk := self.rfile.read1(65536):
                        engine.stdin += chunk
                    return
                status, payload = engine.script.get((self.command, path), (404, {"message": f"no such thing: {path}"}))
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = answer

        self.server = ThreadingUnixStreamServer(str(path), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_engine(tmp_path: Path) -> Iterator[tuple[FakeEngine, Engine]]:
    path = tmp_path / "docker.sock"
    fake = FakeEngine(path, {("GET", "/_ping"): (200, b"OK")})
    try:
        yield fake, Engine(f"unix://{path}")
    finally:
        fake.close()


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(data)) + data


def iso(ago_s: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=ago_s)).strftime("%Y-%m-%dT%H:%M:%S.123456789Z")


def test_calls_name_the_api_version_and_send_json(fake_engine: tuple[FakeEngine, Engine]) -> None:
    fake, engine = fake_engine
    fake.script[("POST", "/containers/create")] = (201, {"Id": "abc", "Warnings": []})
    assert engine.create({"Image": "grade-sandbox:latest", "HostConfig": {"NetworkMode": "none"}}) == "abc"
    method, path, _, body = fake.requests[-1]
    assert (method, path) == ("POST", "/containers/create")
    assert body == {"Image": "grade-sandbox:latest", "HostConfig": {"NetworkMode": "none"}}


def test_an_error_status_raises_with_the_engines_message(fake_engine: tuple[FakeEngine, Engine]) -> None:
    fake, engine = fake_engine
    with pytest.raises(EngineError) as missing:
        engine.inspect("gone")
    assert missing.value.status == 404 and missing.value.message == "no such thing: /containers/gone/json"
    fake.script[("POST", "/containers/x/start")] = (500, b"not json at all")
    with pytest.raises(EngineError, match=r"not json at all \(500\)"):
        engine.start("x")
    fake.script[("GET", "/containers/x/json")] = (200, b"{half an object")
    with pytest.raises(ConnectionError, match="was not JSON"):
        engine.inspect("x")


def test_logs_are_demultiplexed_and_a_cut_frame_is_dropped(fake_engine: tuple[FakeEngine, Engine]) -> None:
    fake, engine = fake_engine
    fake.script[("GET", "/containers/c/logs")] = (200, frame(1, b'{"type": "exit"}\n') + frame(1, b"more") + b"\x01\x00")
    assert engine.logs("c", tail=20) == b'{"type": "exit"}\nmore'
    assert fake.requests[-1][2] == {"stdout": ["1"], "stderr": ["0"], "tail": ["20"]}
    assert demultiplex(frame(2, b"err") + frame(1, b"x")[:6]) == b"err"


def test_attach_hands_back_a_raw_stream_whose_end_is_the_stdins_end(fake_engine: tuple[FakeEngine, Engine]) -> None:
    fake, engine = fake_engine
    stdin = engine.attach_stdin("c1")
    stdin.sendall(b"the job tar")
    stdin.shutdown(socket.SHUT_WR)
    deadline = time.monotonic() + 5
    while bytes(fake.stdin) != b"the job tar" and time.monotonic() < deadline:
        time.sleep(0.01)
    stdin.close()
    assert bytes(fake.stdin) == b"the job tar"
    method, path, query, _ = fake.requests[-1]
    assert (method, path, query) == ("POST", "/containers/c1/attach", {"stdin": ["1"], "stream": ["1"]})


def test_a_wait_past_its_timeout_raises_timeout_error(tmp_path: Path) -> None:
    path = tmp_path / "silent.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen()
    try:
        with pytest.raises(TimeoutError):
            Engine(f"unix://{path}").wait("c", timeout=0.2)
    finally:
        listener.close()


def test_an_answer_that_is_not_http_is_a_connection_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen()

    def babble() -> None:
        peer, _ = listener.accept()
        peer.recv(65536)
        peer.sendall(b"SMTP ready\r\n\r\n")
        peer.close()

    thread = threading.Thread(target=babble, daemon=True)
    thread.start()
    try:
        with pytest.raises(ConnectionError, match="was broken"):
            Engine(f"unix://{path}").ping()
    finally:
        thread.join(timeout=5)
        listener.close()


def test_no_engine_is_sandbox_unavailable_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(SandboxUnavailable) as refused:
        connect(f"unix://{tmp_path / 'nothing.sock'}")
    assert "cannot reach the Docker engine" in str(refused.value) and "\n" not in str(refused.value)
    with pytest.raises(SandboxUnavailable, match="not supported"):
        connect("ssh://somewhere")


def test_the_sweep_removes_only_what_stopped_a_while_ago_and_never_lists_running_ones(
    fake_engine: tuple[FakeEngine, Engine],
) -> None:
    fake, engine = fake_engine
    now = time.time()
    fake.script[("GET", "/containers/json")] = (
        200,
        [
            {"Id": "old-exited", "State": "exited", "Created": now - 600},
            {"Id": "new-exited", "State": "exited", "Created": now - 600},
            {"Id": "old-created", "State": "created", "Created": now - 120},
            {"Id": "new-created", "State": "created", "Created": now - 5},
            {"Id": "old-dead", "State": "dead", "Created": now - 300},
        ],
    )
    for name, ago in (("old-exited", 300), ("new-exited", 5)):
        fake.script[("GET", f"/containers/{name}/json")] = (200, {"State": {"FinishedAt": iso(ago)}})
    for name in ("old-exited", "old-created", "old-dead"):
        fake.script[("DELETE", f"/containers/{name}")] = (204, b"")
    assert sweep_exited(engine) == 3
    removed = [(path, query) for method, path, query, _ in fake.requests if method == "DELETE"]
    assert removed == [(f"/containers/{name}", {"force": ["1"]}) for name in ("old-exited", "old-created", "old-dead")]
    listing = next(query for method, path, query, _ in fake.requests if path == "/containers/json")
    # The engine leaves running ones out.
    assert json.loads(listing["filters"][0]) == {"label": [LABEL], "status": ["exited", "created", "dead"]}
