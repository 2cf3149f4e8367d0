"""The Docker Engine API calls a sandbox run makes, spoken with the standard library.

Why not the docker SDK here: importing it (requests, urllib3, charset_normalizer) costs about 90 ms
of CPU, a third of what a cold ``grade`` spends on the host before the container can start, and a
run needs eleven plain calls. The SDK stays where its weight buys something: building the image
(``image.py``) and the engine's diagnosis (``grade sandbox check``).

Contract: every call is one HTTP request on a fresh connection to the engine's socket
(``DOCKER_HOST``: ``unix://PATH`` or ``tcp://HOST:PORT`` without TLS; default
``unix:///var/run/docker.sock``). An answer of 400 or more raises :class:`EngineError` with the
engine's own message and status; a socket that cannot be reached or that times out raises
:class:`OSError` (:class:`TimeoutError` for a timeout; an answer that is not HTTP, or not the JSON
expected, is a :class:`ConnectionError`). Nothing here retries.

Trust rule: a container's logs are untrusted bytes, returned as they came (demultiplexed); the
caller parses them.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import struct
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

#: The API version every request names: Docker Engine 20.10 and later speak it.
API_VERSION = "1.41"
DEFAULT_HOST = "unix:///var/run/docker.sock"
#: Seconds a call may take, unless it says otherwise (``wait`` does).
CALL_TIMEOUT_S = 30.0


class EngineError(Exception):
    """The engine answered a call with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{message} ({status})")
        self.status = status
        self.message = message


class UnixConnection(http.client.HTTPConnection):
    """HTTP over a unix socket."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class Engine:
    """A Docker engine reached at ``host`` (a ``DOCKER_HOST`` value)."""

    def __init__(self, host: str | None = None) -> None:
        self.host = host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
        url = urlsplit(self.host)
        if url.scheme not in ("unix", "tcp", "http"):
            raise ValueError(f"DOCKER_HOST={self.host} is not supported here (unix:// or tcp:// without TLS)")
        if url.scheme != "unix" and os.environ.get("DOCKER_TLS_VERIFY"):
            raise ValueError(f"DOCKER_HOST={self.host} with TLS is not supported here (unix:// or tcp:// without TLS)")
        self.socket_path = url.path if url.scheme == "unix" else None
        self.address = (url.hostname or "localhost", url.port or 2375)

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.socket_path is not None:
            return UnixConnection(self.socket_path, timeout)
        return http.client.HTTPConnection(*self.address, timeout=timeout)

    def call(
        self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None, timeout: float = CALL_TIMEOUT_S
    ) -> bytes:
        """One request; the answer's body, or :class:`EngineError` for a status of 400 or more."""
        target = f"/v{API_VERSION}{path}" + (f"?{urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        connection = self.connection(timeout)
        try:
            connection.request(method, target, body=data, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except http.client.HTTPException as exc:  # an answer that is not HTTP, or cut short
            raise ConnectionError(f"the engine's answer to {method} {path} was broken: {exc!r}") from exc
        finally:
            connection.close()
        if response.status >= 400:
            raise EngineError(response.status, error_message(payload, response.reason))
        return payload

    def json(
        self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None, timeout: float = CALL_TIMEOUT_S
    ) -> Any:
        payload = self.call(method, path, query, body, timeout)
        try:
            return json.loads(payload) if payload else None
        except ValueError as exc:
            raise ConnectionError(f"the engine's answer to {method} {path} was not JSON: {exc}") from exc

    # The calls a run makes.

    def ping(self) -> None:
        self.call("GET", "/_ping")

    def image(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.json("GET", f"/images/{quote(name, safe='')}/json")
        return found

    def containers(self, filters: dict[str, list[str]], all: bool = True) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self.json("GET", "/containers/json", {"all": int(all), "filters": json.dumps(filters)})
        return listed

    def create(self, config: dict[str, Any]) -> str:
        created: dict[str, Any] = self.json("POST", "/containers/create", body=config)
        return str(created["Id"])

    def attach_stdin(self, container_id: str) -> socket.socket:
        """A socket whose bytes are the container's stdin (attach, hijacked as the Docker CLI does);
        ``shutdown(SHUT_WR)`` on it is the stdin's end."""
        connection = self.connection(CALL_TIMEOUT_S)
        connection.connect()
        sock = connection.sock
        assert sock is not None
        target = f"/v{API_VERSION}/containers/{container_id}/attach?stdin=1&stream=1"
        request = f"POST {target} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n"
        try:
            sock.sendall(request.encode())
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    raise EngineError(502, "the engine closed the attach connection")
                head += chunk
            status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            status = int(status_line.split()[1]) if len(status_line.split()) > 1 else 0
            if status not in (101, 200):
                raise EngineError(status, f"attach refused: {status_line}")
        except BaseException:
            sock.close()
            raise
        sock.settimeout(None)
        return sock

    def start(self, container_id: str) -> None:
        self.call("POST", f"/containers/{container_id}/start")

    def wait(self, container_id: str, timeout: float) -> int:
        """Block until the container stops (:class:`TimeoutError` after ``timeout`` seconds); its exit code."""
        answer = self.json("POST", f"/containers/{container_id}/wait", timeout=timeout)
        return int(answer.get("StatusCode", -1)) if isinstance(answer, dict) else -1

    def kill(self, container_id: str) -> None:
        self.call("POST", f"/containers/{container_id}/kill")

    def inspect(self, container_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.json("GET", f"/containers/{container_id}/json")
        return found

    def logs(self, container_id: str, stdout: bool = True, stderr: bool = False, tail: int | None = None) -> bytes:
        """What the container wrote (without a TTY the engine frames each stream: taken apart here)."""
        query: dict[str, Any] = {"stdout": int(stdout), "stderr": int(stderr)}
        if tail is not None:
            query["tail"] = tail
        return demultiplex(self.call("GET", f"/containers/{container_id}/logs", query))

    def remove(self, container_id: str) -> None:
        self.call("DELETE", f"/containers/{container_id}", {"force": 1})


def demultiplex(framed: bytes) -> bytes:
    """The payloads of the engine's stream frames (8-byte header: stream, 3 zero bytes, big-endian
    size), in order; bytes past the last whole frame are dropped."""
    out = bytearray()
    at = 0
    while at + 8 <= len(framed):
        (size,) = struct.unpack(">I", framed[at + 4 : at + 8])
        out += framed[at + 8 : at + 8 + size]
        at += 8 + size
    return bytes(out)


def error_message(payload: bytes, reason: str) -> str:
    """The engine's ``{"message": ...}``, else the start of the body, else the HTTP reason."""
    try:
        message = json.loads(payload).get("message")
    except (ValueError, AttributeError):
        message = None
    text = message if isinstance(message, str) else payload[:300].decode("utf-8", "replace").strip()
    return text or reason
