"""Hand-written mutants: one unified diff each against the original, applied strictly in memory.

The original is the reference solution ``solution/`` or, for kind ``tests``, the target module
``target/`` (runner/exercise.py: ``mutant_base``).

A mutant is ``graders/NN_topic/mutants/NAME.diff``. Line 1 is a one-line description of the bug
(for kind ``tests`` it is shown to students as the test's name); the rest is a unified diff as
``diff -u --label a/FILE --label b/FILE solution/FILE edited/FILE`` prints it, one such diff per
changed file, concatenated.

Contract: :func:`apply_mutant` returns the original's files with the patched ones replaced, or
raises :class:`~runner.errors.MutantError` naming the diff, the file, the hunk and the line.
Application is strict: every hunk's context and removed lines must match the original exactly at
the line its header states (no fuzz, no offset search); a file the diff names must exist in the
original; a diff with no change, or one that changes nothing, is refused.

Trust rule: diffs are the course's own files, but they drift when an original changes, so nothing
in one is assumed: it is parsed (by ``unidiff``), then every line of it must belong to a file header
or a hunk. Only :func:`load_mutants` and :func:`write_mutant` touch the disk; nothing here runs code.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import MutantError

if TYPE_CHECKING:  # unidiff is imported when a diff is parsed: loading an exercise does not need it
    from unidiff.patch import Hunk as ParsedHunk
    from unidiff.patch import PatchedFile, PatchSet

#: Where an exercise's mutants live, below its grader folder, and their file suffix.
MUTANTS_FOLDER = "mutants"
DIFF_SUFFIX = ".diff"
#: Lines of context around each change in the diffs :func:`make_diff` writes (as ``diff -u``).
CONTEXT_LINES = 3
#: A description may not start like a diff's own lines, so it is never taken for one.
DIFF_STARTS = ("---", "+++", "@@", "diff ")
NO_NEWLINE = "\\ No newline at end of file\n"


@dataclass(frozen=True)
class Mutant:
    """One mutant as stored: its name (the file's stem), where it is, and its raw bytes."""

    name: str
    path: Path
    data: bytes

    @property
    def description(self) -> str:
        """Line 1 of the file, as written (checked only when the mutant is applied)."""
        return self.data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()


@dataclass(frozen=True)
class Hunk:
    """One hunk, checked for shape: 0-based start indexes and the exact lines of each side
    (each ends with a newline unless the diff marks it as the file's last, without one)."""

    number: int
    header: str
    source_start: int
    target_start: int
    source: tuple[str, ...]
    target: tuple[str, ...]


@dataclass(frozen=True)
class FilePatch:
    """The hunks of one file, in order."""

    file: str
    hunks: tuple[Hunk, ...]


def load_mutants(grader: Path) -> list[Mutant]:
    """Every ``NAME.diff`` in ``grader/mutants``, by name (none when the folder is missing)."""
    folder = grader / MUTANTS_FOLDER
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.iterdir() if p.suffix == DIFF_SUFFIX and p.is_file())
    return [Mutant(name=p.stem, path=p, data=p.read_bytes()) for p in paths]


def apply_mutant(mutant: Mutant, original: dict[str, bytes]) -> dict[str, bytes]:
    """The original's files with those the diff patches replaced; :class:`MutantError` when the
    diff is malformed, names a file the original lacks, does not match it, or changes nothing."""
    patches = parse_mutant(mutant)
    files = dict(original)
    for patch in patches:
        if patch.file not in original:
            known = ", ".join(sorted(original)) or "nothing"
            raise MutantError(str(mutant.path), f"the original has no such file (it has {known})", patch.file)
        try:
            text = original[patch.file].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MutantError(str(mutant.path), "the original file is not UTF-8 text", patch.file) from exc
        files[patch.file] = patch_text(str(mutant.path), patch, text).encode("utf-8")
    if files == original:
        raise MutantError(str(mutant.path), "the diff changes nothing: the mutant would be the original")
    return files


def parse_mutant(mutant: Mutant) -> list[FilePatch]:
    """The description checked and the diff parsed, every line of it accounted for."""
    where = str(mutant.path)
    try:
        text = mutant.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MutantError(where, "the file is not UTF-8 text") from exc
    description, _, body = text.partition("\n")
    if not description.strip() or description.startswith(DIFF_STARTS):
        raise MutantError(where, "line 1 must be a one-line description of the bug, then the diff")
    if not body.strip():
        raise MutantError(where, "the diff is empty: write the bug as a unified diff after line 1")
    from unidiff.errors import UnidiffParseError
    from unidiff.patch import PatchSet

    try:
        parsed = PatchSet(body)
    except UnidiffParseError as exc:
        raise MutantError(where, f"not a unified diff: {str(exc).strip()}") from exc
    stray = sorted(set(range(1, body.count("\n") + 1 + (not body.endswith("\n")))) - set(consumed_lines(parsed)))
    if stray:
        line = body.split("\n")[stray[0] - 1]
        raise MutantError(where, f"line {stray[0] + 1} of the diff is not part of a file header or hunk: {clip(line)}")
    patches = [file_patch(where, patched) for patched in parsed]
    names = [patch.file for patch in patches]
    if len(set(names)) != len(names):
        raise MutantError(where, "the diff patches the same file twice: write each file's hunks once")
    return patches


def consumed_lines(parsed: PatchSet) -> Iterator[int]:
    """The diff's line numbers (1-based, after the description) that unidiff put in a header or hunk."""
    for patched in parsed:
        if patched.diff_line_no is not None:
            yield from (patched.diff_line_no - 1, patched.diff_line_no)
        for hunk in patched:
            previous: int | None = None
            for line in hunk:
                if line.diff_line_no is not None:
                    if previous is None:
                        yield line.diff_line_no - 1
                    previous = line.diff_line_no
                elif line.line_type == "\\" and previous is not None:
                    previous += 1
                else:
                    continue
                yield previous


def file_patch(where: str, patched: PatchedFile) -> FilePatch:
    source, target = patched.source_file, patched.target_file
    if not (source.startswith("a/") and target.startswith("b/") and source[2:] == target[2:] and source[2:]):
        headers = f"'--- {source}' / '+++ {target}'"
        raise MutantError(where, f"file header {headers} must name a/FILE and b/FILE (diff -u --label a/FILE --label b/FILE)")
    hunks = tuple(hunk_of(where, source[2:], number, hunk) for number, hunk in enumerate(patched, 1))
    return FilePatch(file=source[2:], hunks=hunks)


def hunk_of(where: str, file: str, number: int, parsed: ParsedHunk) -> Hunk:
    header = f"@@ -{parsed.source_start},{parsed.source_length} +{parsed.target_start},{parsed.target_length} @@"
    sides: dict[str, list[str]] = {"-": [], "+": []}
    last = " "
    for line in parsed:
        if line.line_type == "\\":
            for side in ("-", "+") if last == " " else (last,):
                if not sides[side] or not sides[side][-1].endswith("\n"):
                    raise MutantError(where, "a 'No newline at end of file' marker follows no line", file, number)
                sides[side][-1] = sides[side][-1][:-1]
            continue
        if line.line_type not in (" ", "-", "+"):
            raise MutantError(where, f"{header}: a blank line follows the hunk (remove it)", file, number)
        for side in ("-", "+") if line.line_type == " " else (line.line_type,):
            if sides[side] and not sides[side][-1].endswith("\n"):
                raise MutantError(where, f"{header}: a line follows the one marked as the file's last", file, number)
            sides[side].append(line.value)
        last = line.line_type
    return Hunk(
        number=number,
        header=header,
        source_start=start_index(parsed.source_start, parsed.source_length),
        target_start=start_index(parsed.target_start, parsed.target_length),
        source=tuple(sides["-"]),
        target=tuple(sides["+"]),
    )


def start_index(start: int, length: int) -> int:
    """A hunk header's start as a 0-based index: an empty side names the line *before* it."""
    return start if length == 0 else start - 1


def patch_text(where: str, patch: FilePatch, text: str) -> str:
    lines = split_lines(text)
    out: list[str] = []
    position = shift = 0
    for hunk in patch.hunks:
        start = hunk.source_start
        if start < position:
            raise MutantError(where, f"{hunk.header} overlaps the hunk before it or is out of order", patch.file, hunk.number)
        if hunk.target_start != start + shift:
            raise MutantError(
                where, f"{hunk.header}: the new side should start at line {start + shift + 1}", patch.file, hunk.number
            )
        for offset, expected in enumerate(hunk.source):
            index = start + offset
            if index >= len(lines):
                found = f"the original has only {len(lines)} lines"
            elif lines[index] != expected:
                found = f"the original has {clip(lines[index])}"
            else:
                continue
            problem = f"{hunk.header}: {found}, the diff expects {clip(expected)}"
            raise MutantError(where, problem, patch.file, hunk.number, index + 1)
        if hunk.target and not hunk.target[-1].endswith("\n") and start + len(hunk.source) != len(lines):
            raise MutantError(where, f"{hunk.header}: 'No newline at end of file' before the file's end", patch.file, hunk.number)
        out += lines[position:start]
        out += hunk.target
        position = start + len(hunk.source)
        shift += len(hunk.target) - len(hunk.source)
    return "".join(out + lines[position:])


def split_lines(text: str) -> list[str]:
    """Lines on ``\\n`` only (as diff counts them), each keeping its newline."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def clip(line: str, width: int = 70) -> str:
    shown = repr(line.rstrip("\n"))
    return shown if len(shown) <= width else shown[: width - 4] + "...'"


def make_diff(description: str, original: dict[str, bytes], edited: dict[str, bytes]) -> str:
    """A mutant file's text: ``description``, then a ``diff -u`` of each file of ``edited`` that differs
    from the original. :class:`MutantError` when the description is not one line or nothing differs."""
    if not description.strip() or "\n" in description or description.startswith(DIFF_STARTS):
        raise MutantError("description", "must be one line that does not start with ---, +++, @@ or 'diff '")
    parts = [description.strip() + "\n"]
    for name in sorted(edited):
        if name not in original:
            raise MutantError("edited files", "the original has no such file", name)
        if edited[name] != original[name]:
            parts.append(unified_diff(name, original[name].decode("utf-8"), edited[name].decode("utf-8")))
    if len(parts) == 1:
        raise MutantError("edited files", "they are the same as the original: there is no bug to record")
    return "".join(parts)


def unified_diff(name: str, before: str, after: str) -> str:
    """``diff -u --label a/NAME --label b/NAME`` of two texts, with GNU diff's no-newline markers."""
    old, new = split_lines(before), split_lines(after)
    out = [f"--- a/{name}\n", f"+++ b/{name}\n"]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        first, last = group[0], group[-1]
        out.append(f"@@ -{hunk_range(first[1], last[2])} +{hunk_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in old[i1:i2]]
                continue
            out += ["-" + line for line in old[i1:i2]]
            out += ["+" + line for line in new[j1:j2]]
    return "".join(line if line.endswith("\n") else line + "\n" + NO_NEWLINE for line in out)


def hunk_range(start: int, stop: int) -> str:
    """A hunk header's ``start,length`` as GNU diff writes it (length 1 omitted; empty: line before)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def write_mutant(folder: Path, name: str, description: str, original: dict[str, bytes], edited: dict[str, bytes]) -> Path:
    """Write ``folder/NAME.diff`` after checking that it applies back to exactly ``edited``."""
    if not name or "/" in name or name.startswith(".") or name != name.strip():
        raise MutantError(name, "a mutant's name is a plain file stem, e.g. off_by_one")
    path = folder / f"{name}{DIFF_SUFFIX}"
    text = make_diff(description, original, edited)
    applied = apply_mutant(Mutant(name, path, text.encode("utf-8")), original)
    if {k: v for k, v in applied.items() if k in edited} != edited:
        raise MutantError(str(path), "the diff written does not apply back to the edited file (please report this)")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
