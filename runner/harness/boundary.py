"""The process boundary's wire format: length-prefixed messages and a tagged, data-only JSON codec.

Shipped twice into the sandbox under ``boundary = "process"``: to the grader process (beside
``remote.py``) and to the student process (beside ``student.py``). Standard library only.

Framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. A reader refuses a
message longer than :data:`MAX_MESSAGE_BYTES` (the connection is then useless and is dropped).

Values: ``None``, ``bool``, ``int``, finite ``float`` and ``str`` are JSON's own; a ``list`` is a
JSON array; everything else is an object with a ``"$"`` tag: ``float`` (``nan``, ``inf``,
``-inf``), ``bytes`` (base64), ``tuple``, ``dict`` (a list of key/value pairs, so keys of any
plain type), ``set``, ``frozenset``, ``class`` (an exception class, by module, name and bases) and
``handle`` (a remote reference: an id and the name of its type).

Why a protocol of our own: rpyc and execnet are not in the sandbox image, and rpyc's proxies
forward ``==``, truth and ``repr`` to the other side, which must never decide an assertion;
multiprocessing connections unpickle what they receive, which runs code named by the sender. What
is left of them that we need is this framing. (docs/security.md, "The process boundary".)

Trust rule: :func:`decode` rebuilds only exact built-in types from plain JSON. It never calls
``pickle``, ``marshal``, ``eval`` or anything named by the data; handles and classes are made by
callbacks the receiving side supplies. A message that is not well-formed raises
:class:`ProtocolError`. Untrusted bytes may therefore be decoded without running any code.
"""

from __future__ import annotations

import base64
import json
import math
import socket
import struct
from collections.abc import Callable
from typing import Any

#: The longest message either side reads.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
#: How deep a value may nest (a test may pass 100 levels of nested lists, inside its arguments list).
MAX_DEPTH = 200
HEADER = struct.Struct(">I")
PLAIN = (type(None), bool, int, str)
SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class ProtocolError(Exception):
    """A message that is not a well-formed value of this protocol, or a connection that broke."""


def send_message(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    sock.sendall(HEADER.pack(len(data)) + data)


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, missing = [], size
    while missing:
        chunk = sock.recv(min(missing, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def recv_message(sock: socket.socket) -> dict[str, Any]:
    """One message; :class:`EOFError` when the other side closed, :class:`ProtocolError` on garbage."""
    (size,) = HEADER.unpack(recv_exactly(sock, HEADER.size))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"a message of {size} bytes is more than {MAX_MESSAGE_BYTES}")
    try:
        message = json.loads(recv_exactly(sock, size).decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"a message that is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message that is not an object")
    return message


def encode(value: object, other: Callable[[object], dict[str, Any]], depth: int = 0) -> Any:
    """``value`` as JSON data; ``other(value)`` encodes what is not plain data (or raises)."""
    if depth > MAX_DEPTH:
        raise ValueError("a value nested too deeply to cross the process boundary")
    kind = type(value)
    if kind in PLAIN:
        return value
    if kind is float:
        number: float = value  # type: ignore[assignment]
        return number if math.isfinite(number) else {"$": "float", "v": repr(number)}
    if kind is bytes:
        return {"$": "bytes", "v": base64.b64encode(value).decode()}  # type: ignore[arg-type]
    if kind is list:
        return [encode(item, other, depth + 1) for item in value]  # type: ignore[attr-defined]
    if kind is tuple or kind is set or kind is frozenset:
        return {"$": kind.__name__, "v": [encode(item, other, depth + 1) for item in value]}  # type: ignore[attr-defined]
    if kind is dict:
        pairs = [[encode(k, other, depth + 1), encode(v, other, depth + 1)] for k, v in value.items()]  # type: ignore[attr-defined]
        return {"$": "dict", "v": pairs}
    return other(value)


def decode(
    data: Any,
    handle: Callable[[dict[str, Any]], object],
    klass: Callable[[dict[str, Any]], object] | None = None,
    depth: int = 0,
) -> Any:
    """Rebuild a value from :func:`encode`'s JSON as exact built-in types; ``handle`` and ``klass``
    make the receiving side's objects for ``handle`` and ``class`` tags."""
    if depth > MAX_DEPTH:
        raise ProtocolError("a value nested too deeply")
    kind = type(data)
    if kind in PLAIN or kind is float:
        return data
    if kind is list:
        return [decode(item, handle, klass, depth + 1) for item in data]
    if kind is not dict:
        raise ProtocolError(f"an unexpected JSON value of type {kind.__name__}")
    tag, inner = data.get("$"), data.get("v")
    if tag == "handle":
        return handle(data)
    if tag == "class" and klass is not None:
        return klass(data)
    if tag == "float" and inner in SPECIAL_FLOATS:
        return SPECIAL_FLOATS[inner]
    if tag == "bytes" and type(inner) is str:
        try:
            return base64.b64decode(inner, validate=True)
        except ValueError:
            raise ProtocolError("bytes that are not base64") from None
    if type(inner) is not list:
        raise ProtocolError(f"an unknown or malformed tag {str(tag)[:40]!r}")
    items = [decode(item, handle, klass, depth + 1) for item in inner]
    try:
        if tag == "tuple":
            return tuple(items)
        if tag == "set":
            return set(items)
        if tag == "frozenset":
            return frozenset(items)
        if tag == "dict" and all(type(pair) is list and len(pair) == 2 for pair in items):
            return dict(items)
    except TypeError:
        raise ProtocolError("an unhashable set member or dict key") from None
    raise ProtocolError(f"an unknown or malformed tag {str(tag)[:40]!r}")
