"""Read a Dockerfile's logical instructions the way Docker's BuildKit parser does.

Contract: `read_dockerfile(text)` returns one `Logical` per instruction (keyword upper-case, its
arguments with continuation lines joined, the 1-based line it starts on, and the bodies of its
here-documents), or raises `DockerfileSyntaxError` with a message for the student. It follows
the Dockerfile reference:

- parser directives (`# syntax=...`, `# escape=...`, `# check=...`) are read only at the very top,
  before any instruction, comment or empty line; each at most once; `escape` is \\ or `;
- a line ending with the escape character (then only spaces or tabs) continues on the next line;
  inside a continuation, comment lines are dropped and empty lines skipped;
- RUN, COPY and ADD may open here-documents (`<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`, optionally
  after a file descriptor number); their bodies follow the instruction, each up to a line that is
  exactly the delimiter (for `<<-`, after removing leading tabs). A body is content, never
  instructions.

Trust rule: the text is the student's. Anything this reader cannot read with certainty (an unusual
delimiter, an unterminated here-document, an unknown instruction, a bad directive) is refused
with a message, never guessed.
"""

import re
from dataclasses import dataclass

INSTRUCTIONS = frozenset(
    {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER"}
    | {"ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
)
HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
DIRECTIVES = frozenset({"syntax", "escape", "check"})
DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
HEREDOC = re.compile(r"^(\d*)<<(-?)([^<]*)$")
PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class DockerfileSyntaxError(Exception):
    """The Dockerfile cannot be read with certainty; the message says where and why."""


@dataclass(frozen=True)
class Logical:
    keyword: str
    value: str
    line: int
    heredocs: tuple[str, ...] = ()
    heredoc_words: tuple[str, ...] = ()


def read_dockerfile(text: str) -> list[Logical]:
    lines = text.removeprefix("\ufeff").split("\n")
    lines = [line.removesuffix("\r") for line in lines]
    escape, index = read_directives(lines)
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    found: list[Logical] = []
    while index < len(lines):
        raw = lines[index].lstrip(" \t")
        index += 1
        start = index
        if raw.startswith("#") or not raw.strip():
            continue
        joined, ends = strip_continuation(raw, continuation)
        while not ends and index < len(lines):
            more = lines[index]
            index += 1
            if more.lstrip(" \t").startswith("#") or not more.strip():
                continue  # a comment or an empty line inside a continuation is dropped
            part, ends = strip_continuation(more, continuation)
            joined += part
        keyword, value = split_keyword(joined)
        if keyword not in INSTRUCTIONS:
            raise DockerfileSyntaxError(
                f"line {start}: {keyword.lower()!r} is not a Dockerfile instruction, so docker build would stop there"
            )
        bodies: list[str] = []
        words: list[str] = []
        if keyword in HEREDOC_INSTRUCTIONS:
            for word, name, chomp in heredocs_of(value, start):
                body, index = read_body(lines, index, name, chomp, start)
                bodies.append(body)
                words.append(word)
        found.append(Logical(keyword, value, start, tuple(bodies), tuple(words)))
    return found


def read_directives(lines: list[str]) -> tuple[str, int]:
    """The escape character and the index of the first line after the parser directives."""
    escape = "\\"
    seen: set[str] = set()
    for index, line in enumerate(lines):
        match = DIRECTIVE.match(line)
        if not match or match.group(1).lower() not in DIRECTIVES:
            return escape, index  # the first line that is not a directive ends them (it is read normally)
        name, value = match.group(1).lower(), match.group(2)
        if name in seen:
            raise DockerfileSyntaxError(f"line {index + 1}: only one '# {name}=' parser directive can be used")
        seen.add(name)
        if name == "escape":
            if value not in ("\\", "`"):
                raise DockerfileSyntaxError(f"line {index + 1}: '# escape={value}' must be a backslash or a backtick")
            escape = value
    return escape, len(lines)


def strip_continuation(line: str, continuation: re.Pattern[str]) -> tuple[str, bool]:
    """(the line without its continuation escape, whether the instruction ends on this line)."""
    match = continuation.search(line)
    if match:
        return line[: match.start()], False
    return line, True


def split_keyword(joined: str) -> tuple[str, str]:
    parts = joined.strip().split(None, 1)
    return parts[0].upper(), (parts[1] if len(parts) > 1 else "")


def raw_words(value: str) -> list[str]:
    """Words split on whitespace outside quotes, quotes kept (how BuildKit looks for here-documents)."""
    words, current, quote = [], "", ""
    for char in value:
        if quote:
            current += char
            if char == quote:
                quote = ""
        elif char in "'\"":
            current += char
            quote = char
        elif char in " \t":
            if current:
                words.append(current)
            current = ""
        else:
            current += char
    if current:
        words.append(current)
    return words


def heredocs_of(value: str, line: int) -> list[tuple[str, str, bool]]:
    """(word, delimiter, strip leading tabs) for each here-document the instruction opens."""
    if value.lstrip().startswith("["):
        return []  # exec form: no here-documents
    found = []
    for word in raw_words(value):
        match = HEREDOC.match(word)
        if not match or not match.group(3):
            continue
        rest = match.group(3)
        if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "'\"":
            rest = rest[1:-1]
        if not PLAIN_NAME.match(rest):
            raise DockerfileSyntaxError(
                f"line {line}: the here-document {word!r} has a delimiter the grader cannot read with certainty; "
                "use a plain word such as <<EOF (or <<-EOF, <<'EOF', <<\"EOF\")"
            )
        found.append((word, rest, match.group(2) == "-"))
    return found


def read_body(lines: list[str], index: int, name: str, chomp: bool, start: int) -> tuple[str, int]:
    """The body of one here-document starting at lines[index], and the index after its delimiter."""
    body: list[str] = []
    while index < len(lines):
        line = lines[index]
        index += 1
        candidate = line.lstrip("\t") if chomp else line
        if candidate == name:
            return "\n".join(body), index
        body.append(candidate)
    raise DockerfileSyntaxError(
        f"line {start}: the here-document <<{name} is never closed: docker build needs a line holding only {name}"
    )
