"""Text and numbers that came from where a student's code ran: the one home of their bounds.

Trust rule: a string that a submission could have produced (a message, an output, a node id, a
file name, an exception's text) is cleaned by :func:`clean_text` once, where it enters the host,
before anything stores or shows it. After that it is valid Unicode (lone surrogates replaced),
holds no control character but newline and tab, and is bounded, with an explicit mark when cut.
Numbers are finite and non-negative (:func:`clean_number`). Each output still escapes its own
syntax (XML, HTML, Markdown, terminal, CI log); this module only guarantees what every output
can rely on.
"""

from __future__ import annotations

import math
import re
from typing import Final

#: Bounds, in characters, of each kind of field; the one place they are set.
MESSAGE_CHARS: Final = 4000
"""A test's failure message."""
ERROR_CHARS: Final = 2000
"""A notebook cell's error, a collection error."""
NAME_CHARS: Final = 200
"""A node id, a file name, a student id, a flag's detail."""
RESULT_CHARS: Final = 1_000_000
"""All the text of one result together (messages, outputs, cells, flags)."""
DIAGNOSTIC_CHARS: Final = 2000
"""What the host keeps of a container's stderr."""

#: C0 and C1 control characters, DEL, and lone surrogates: never kept. Newline and tab are.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
#: Escape sequences are removed whole (not only their ESC), so no ``[2J`` is left behind either.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")
#: Unicode's bidirectional overrides and isolates, which reorder what a reader sees ("Trojan source").
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def cut_mark(dropped: int) -> str:
    """The mark that says a text was cut, and by how much."""
    return f"\n... [truncated: {dropped} more characters]"


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, followed by the truncation mark when cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + cut_mark(len(text) - limit)


def clean_text(value: object, limit: int) -> str:
    """Valid, printable, bounded text from anything; not a string gives ``""``.

    ``\\r\\n`` and lone ``\\r`` become newlines; escape sequences, other control characters,
    bidirectional overrides and lone surrogates are dropped.
    """
    if not isinstance(value, str):
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _BIDI.sub("", text)
    return clip(text, limit)


def clean_line(value: object, limit: int = NAME_CHARS) -> str:
    """:func:`clean_text` on one line: newlines and tabs become spaces (names, ids, titles)."""
    return clean_text(value, limit).replace("\n", " ").replace("\t", " ")


def clean_number(value: object) -> float:
    """A finite, non-negative float from anything; anything else (bool, NaN, inf, text) is 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else 0.0


def clean_int(value: object) -> int | None:
    """An int (not a bool) within a sane range, else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
        return None
    return value


def is_clean(text: str) -> bool:
    """Whether ``text`` already holds only what :func:`clean_text` keeps (bounds aside)."""
    return not (_CONTROL.search(text) or _BIDI.search(text) or "\r" in text)
