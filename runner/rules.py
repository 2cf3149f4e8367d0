"""The rules map: every normative sentence of an exercise's README has a hidden test.

Contract: ``graders/NN_topic/rules.toml`` lists ``[[rule]]`` tables (``id``, a verbatim ``quote`` of
the README, the hidden ``tests`` that fail when the rule is broken, optional ``mutants`` that break
it) and ``[[informative]]`` tables (a ``quote`` and the ``reason`` it states no gradable rule).
:func:`check_rules` returns every way the map and the README disagree, as data
(:class:`RuleProblem`): a quote not in the README, a rule without tests, an unknown test or
mutant, a hidden test no rule names, a normative sentence no quote covers, a duplicate id.

A *normative sentence* is a prose sentence (split on ``.``, ``:`` and ``;`` before whitespace),
a whole list item, or a whole table row (not the header row), outside fenced code blocks, headings
and the section titled "Checking your work", that contains one of :data:`NORMATIVE_WORDS` (whole
words, any case) or an HTTP status code (a 3-digit number 100-599 standing alone). A quote covers
a sentence when one contains the other, both with whitespace runs collapsed to one space.

Trust: the rules file and README are the course's own files (trusted); nothing is executed. A
malformed rules file is reported as a problem, never raised. ``python -m runner.rules`` prints
the problems (this module's :func:`main` is a ``__main__`` tool; the library functions never print).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import ExerciseError
from .exercise import GATE_TEST, Exercise, all_exercises, exercise_path, find_root, load_exercise

RULES_FILE = "rules.toml"
README_FILE = "README.md"
#: Sections whose sentences are instructions for running things, not rules.
SKIPPED_SECTIONS = ("checking your work",)
NORMATIVE_WORDS = (
    "must", "raise", "raises", "return", "returns", "only", "never", "always", "exactly",
    "at most", "at least", "do not", "does not", "error", "invalid",
)  # fmt: skip

_NORMATIVE = re.compile(r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in NORMATIVE_WORDS) + r")\b", re.IGNORECASE)
_STATUS_CODE = re.compile(r"(?<![\w.])[1-5][0-9]{2}(?!\w|\.\w)")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}")
_CODE_SPAN = re.compile(r"`[^`]*`")
_SENTENCE_END = re.compile(r"(?<=[.:;])\s+")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.")

ProblemCode = Literal[
    "no-rules-file", "invalid", "quote-missing", "no-test", "unknown-test", "unknown-mutant",
    "orphan-test", "uncovered", "duplicate-id",
]  # fmt: skip


@dataclass(frozen=True)
class Rule:
    """A README rule and the hidden tests (and mutants) that fail when it is broken."""

    id: str
    quote: str
    tests: tuple[str, ...]
    mutants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Informative:
    """A README sentence that looks normative but states no gradable rule, and why."""

    quote: str
    reason: str


@dataclass(frozen=True)
class RulesMap:
    """One exercise's ``rules.toml``."""

    rules: tuple[Rule, ...]
    informatives: tuple[Informative, ...]


@dataclass(frozen=True)
class RuleProblem:
    """One disagreement between a rules file and its README or suite. ``subject`` is the rule id,
    test id, mutant name or README sentence it is about."""

    file: str
    code: ProblemCode
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.code} {self.subject}: {self.detail}"


def collapse(text: str) -> str:
    """Whitespace runs to one space, ends stripped: how quotes and sentences are compared."""
    return " ".join(text.split())


def is_normative(sentence: str) -> bool:
    return bool(_NORMATIVE.search(sentence) or _STATUS_CODE.search(sentence))


def load_rules(path: Path) -> RulesMap:
    """Read and validate a rules file; a malformed one raises :class:`~runner.errors.ExerciseError`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ExerciseError(f"{path} is not readable TOML: {exc}") from exc
    unknown = set(data) - {"rule", "informative"}
    if unknown:
        raise ExerciseError(f"{path}: unknown top-level keys {sorted(unknown)}; use [[rule]] and [[informative]] tables")
    rules = tuple(_rule(path, n, table) for n, table in enumerate(_tables(path, data, "rule"), 1))
    informatives = tuple(_informative(path, n, table) for n, table in enumerate(_tables(path, data, "informative"), 1))
    return RulesMap(rules, informatives)


def _tables(path: Path, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    tables = data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ExerciseError(f"{path}: '{key}' must be an array of tables, written [[{key}]]")
    return tables


def _text(path: Path, where: str, table: dict[str, Any], key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ExerciseError(f"{path}: {where} needs a non-empty string '{key}'")
    return value


def _names(path: Path, where: str, table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ExerciseError(f"{path}: {where}: '{key}' must be a list of non-empty strings")
    return tuple(value)


def _rule(path: Path, number: int, table: dict[str, Any]) -> Rule:
    where = f"rule #{number}"
    extra = set(table) - {"id", "quote", "tests", "mutants"}
    if extra:
        raise ExerciseError(f"{path}: {where}: unknown keys {sorted(extra)} (allowed: id, quote, tests, mutants)")
    rule_id = _text(path, where, table, "id")
    if not _ID.match(rule_id):
        raise ExerciseError(f"{path}: {where}: id {rule_id!r} must be kebab-case, e.g. 'add-review-201'")
    where = f"rule {rule_id}"
    return Rule(rule_id, _text(path, where, table, "quote"), _names(path, where, table, "tests"),
                _names(path, where, table, "mutants"))  # fmt: skip


def _informative(path: Path, number: int, table: dict[str, Any]) -> Informative:
    where = f"informative #{number}"
    extra = set(table) - {"quote", "reason"}
    if extra:
        raise ExerciseError(f"{path}: {where}: unknown keys {sorted(extra)} (allowed: quote, reason)")
    return Informative(_text(path, where, table, "quote"), _text(path, where, table, "reason"))


def normative_sentences(markdown: str) -> list[str]:
    """The README's normative sentences, whitespace collapsed, in document order."""
    return [s for s in sentences(markdown) if is_normative(s)]


def sentences(markdown: str) -> list[str]:
    """Every sentence, list item and table row outside code blocks, headings and skipped sections."""
    found: list[str] = []
    for block, text in _blocks(markdown):
        if block == "prose":
            found += split_prose(text)
        else:
            found.append(collapse(text))
    return [s for s in found if s]


def split_prose(text: str) -> list[str]:
    """Split a paragraph after ``.``, ``:`` or ``;`` followed by whitespace, never inside a code
    span, nor after a common abbreviation (``e.g.``)."""
    masked = _CODE_SPAN.sub(lambda m: "\0" * len(m.group()), text)
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(masked):
        if masked[: match.start()].lower().endswith(_ABBREVIATIONS):
            continue
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    return [collapse(p) for p in pieces if p.strip()]


def _blocks(markdown: str) -> Iterator[tuple[Literal["prose", "item", "row"], str]]:
    """Paragraphs, list items and table rows (header rows dropped), with their lines joined."""
    in_fence = False
    skip_level = 0  # heading level of the skipped section we are in; 0 when none
    current: list[str] = []
    current_block: Literal["prose", "item", "row"] = "prose"
    previous_line = ""
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            yield from _flush(current_block, current)
            continue
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            yield from _flush(current_block, current)
            level = len(heading.group(1))
            if skip_level and level <= skip_level:
                skip_level = 0
            if heading.group(2).strip().lower() in SKIPPED_SECTIONS:
                skip_level = level
            continue
        if in_fence or skip_level:
            continue
        stripped = line.strip()
        item = _LIST_ITEM.match(line)
        if not stripped:
            yield from _flush(current_block, current)
        elif stripped.startswith("|"):
            yield from _flush(current_block, current)
            if not _TABLE_SEPARATOR.match(stripped) and previous_line.startswith("|"):
                yield "row", stripped
        elif item:
            yield from _flush(current_block, current)
            current_block = "item"
            current.append(item.group(1))
        else:
            if not current:
                current_block = "prose"
            current.append(stripped.removeprefix(">").strip())
        previous_line = stripped
    yield from _flush(current_block, current)


def _flush(block: Literal["prose", "item", "row"], lines: list[str]) -> Iterator[tuple[Literal["prose", "item", "row"], str]]:
    if lines:
        yield block, " ".join(lines)
        lines.clear()


def check_map(rules: RulesMap, readme: str, test_ids: Sequence[str], mutant_names: Sequence[str], file: str,
              gate: str | None = None) -> list[RuleProblem]:  # fmt: skip
    """Every disagreement between a rules map, the README text, the suite's test ids and the mutants."""
    problems: list[RuleProblem] = []
    text = collapse(readme)
    quotes = [collapse(r.quote) for r in rules.rules] + [collapse(i.quote) for i in rules.informatives]
    seen: set[str] = set()
    for rule in rules.rules:
        if rule.id in seen:
            problems.append(RuleProblem(file, "duplicate-id", rule.id, "another rule has this id; ids must be unique"))
        seen.add(rule.id)
        if collapse(rule.quote) not in text:
            problems.append(RuleProblem(file, "quote-missing", rule.id, f"quote not in the README: {collapse(rule.quote)!r}"))
        if not rule.tests:
            problems.append(RuleProblem(file, "no-test", rule.id, "names no hidden test; a rule needs at least one"))
        for test in rule.tests:
            if test not in test_ids:
                problems.append(RuleProblem(file, "unknown-test", rule.id, f"{test!r} is not a test of the hidden suite"))
        for mutant in rule.mutants:
            if mutant not in mutant_names:
                problems.append(RuleProblem(file, "unknown-mutant", rule.id, f"no mutant {mutant!r} in mutants/"))
    for informative in rules.informatives:
        quote = collapse(informative.quote)
        if quote not in text:
            problems.append(RuleProblem(file, "quote-missing", "informative", f"quote not in the README: {quote!r}"))
    named = {test for rule in rules.rules for test in rule.tests}
    for test in test_ids:
        if test not in named and test != gate:
            problems.append(RuleProblem(file, "orphan-test", test, "no rule names this hidden test"))
    for sentence in normative_sentences(readme):
        if not any(q in sentence or sentence in q for q in quotes):
            problems.append(RuleProblem(file, "uncovered", repr(sentence), "no rule or informative quotes this sentence"))
    return problems


def mutant_names(grader: Path) -> list[str]:
    """Mutants as rules name them: ``mutants/<name>/`` folders and ``mutants/<name>.diff`` files."""
    folder = grader / "mutants"
    if not folder.is_dir():
        return []
    return sorted(p.name if p.is_dir() else p.name.removesuffix(".diff") for p in folder.iterdir()
                  if p.is_dir() or p.suffix == ".diff")  # fmt: skip


def rules_file_label(exercise: Exercise) -> str:
    """``graders/NN_topic/rules.toml`` relative to the course root when it is there."""
    path = exercise.grader_path / RULES_FILE
    try:
        return path.relative_to(exercise.grader_path.parent.parent).as_posix()
    except ValueError:
        return str(path)


def check_rules(exercise: Exercise) -> list[RuleProblem]:
    """Every problem of the exercise's rules map; an empty list when every README rule is tested."""
    label = rules_file_label(exercise)
    path = exercise.grader_path / RULES_FILE
    if not path.is_file():
        return [RuleProblem(label, "no-rules-file", exercise.id, "no rules.toml")]
    readme = exercise.path / README_FILE
    try:
        rules = load_rules(path)
        text = readme.read_text(encoding="utf-8")
    except ExerciseError as exc:
        return [RuleProblem(label, "invalid", exercise.id, str(exc))]
    except (OSError, UnicodeDecodeError) as exc:
        return [RuleProblem(label, "invalid", exercise.id, f"cannot read {readme}: {exc}")]
    gate = GATE_TEST if exercise.kind == "tests" else None
    return check_map(rules, text, [t.id for t in exercise.tests], mutant_names(exercise.grader_path), label, gate)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m runner.rules [--root DIR] [NN_topic ...]``: print every problem; exit 1 if any."""
    parser = argparse.ArgumentParser(prog="python -m runner.rules", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, help="the course repository (default: found from the current folder)")
    parser.add_argument("exercises", nargs="*", metavar="NN_topic", help="exercises to check (default: all)")
    args = parser.parse_args(argv)
    try:
        root = find_root(args.root or Path.cwd())
        chosen = [load_exercise(exercise_path(root, n)) for n in args.exercises] if args.exercises else all_exercises(root)
    except ExerciseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = False
    for exercise in chosen:
        problems = check_rules(exercise)
        for problem in problems:
            print(problem)
        if not problems:
            rules = load_rules(exercise.grader_path / RULES_FILE)
            print(f"{exercise.id}: ok ({len(rules.rules)} rules, {len(rules.informatives)} informative)")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
