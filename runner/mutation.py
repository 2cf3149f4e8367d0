"""Mutation operators: small, named changes to a reference's Python source, each one edit.

Contract: :func:`mutations` takes Python source text and yields :class:`Mutation`s, each a text
edit of the source (byte offsets of the UTF-8 text, as :mod:`ast` positions are), never a
re-rendering of the module, so a mutant's diff against the reference is the changed tokens
only. Nothing is run here; the code is only parsed. Skipped: docstrings, type annotations,
``__all__``, the arguments of print and logging calls, and ``if __name__ == "__main__"`` blocks.
A mutation may not compile (the caller checks and drops it).
"""

from __future__ import annotations

import ast
import enum
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass


class Operator(enum.StrEnum):
    """The operators, by the name ``grade audit --operator`` takes."""

    COMPARISON = "comparison"
    BOUNDARY = "boundary"
    ARITHMETIC = "arithmetic"
    BOOLEAN = "boolean"
    CONSTANT = "constant"
    REMOVED_CALL = "removed-call"
    REMOVED_STATEMENT = "removed-statement"
    SWAPPED_ARGUMENTS = "swapped-arguments"


@dataclass(frozen=True)
class Mutation:
    """Replace the source bytes ``start:end`` with ``replacement``; ``line``/``col`` locate it for people."""

    operator: Operator
    line: int
    col: int
    start: int
    end: int
    replacement: str

    def apply(self, source: str) -> str:
        data = source.encode()
        return (data[: self.start] + self.replacement.encode() + data[self.end :]).decode()


#: Comparison operator token -> its mutant: ordering to its neighbour, the rest to their negation.
COMPARISON_SWAPS = {
    "<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==",
    "is": "is not", "is not": "is", "in": "not in", "not in": "in",
}  # fmt: skip
ARITHMETIC_SWAPS = {"+": "-", "-": "+", "*": "/", "/": "*", "//": "/", "%": "*"}
BOOLEAN_SWAPS = {"and": "or", "or": "and"}
#: One token between two operands; longest alternatives first.
OPERATOR_TOKEN = re.compile(r"is\s+not\b|not\s+in\b|\bis\b|\bin\b|\band\b|\bor\b|//=?|\*\*=?|<<=?|>>=?|[<>=!]=|[-+*/%@&|^<>]=?")
LOGGING_NAMES = frozenset({"print", "logging", "logger", "log", "LOGGER", "LOG", "warnings"})


class Source:
    """The module's text with byte offsets for :mod:`ast` positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode()
        self.line_starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))

    def offset(self, line: int, col: int) -> int:
        return self.line_starts[line - 1] + col

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def segment(self, start: int, end: int) -> str:
        return self.data[start:end].decode()

    def of(self, node: ast.AST) -> str:
        return self.segment(self.start(node), self.end(node))

    def edit(self, operator: Operator, start: int, end: int, replacement: str) -> Mutation:
        line = next(i for i in range(len(self.line_starts) - 1, 0, -1) if self.line_starts[i - 1] <= start)
        return Mutation(operator, line, start - self.line_starts[line - 1], start, end, replacement)

    def token_between(self, left: ast.AST, right: ast.AST) -> tuple[int, int, str] | None:
        """The operator token between two operands (parentheses and spaces around it ignored)."""
        gap_start, gap_end = self.end(left), self.start(right)
        match = OPERATOR_TOKEN.search(self.segment(gap_start, gap_end))
        if match is None:
            return None
        prefix = len(self.segment(gap_start, gap_end)[: match.start()].encode())
        token = match.group()
        return gap_start + prefix, gap_start + prefix + len(token.encode()), " ".join(token.split())


def call_name(call: ast.Call) -> str:
    """``print`` for ``print(...)``, ``logger`` for ``logger.info(...)`` (the leftmost name)."""
    func: ast.expr = call.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else ""


def is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def is_skipped_statement(stmt: ast.stmt) -> bool:
    """``__all__ = ...`` and ``if __name__ == "__main__":`` are not mutated."""
    if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)
    if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Compare):
        names = [stmt.test.left, *stmt.test.comparators]
        return any(isinstance(n, ast.Name) and n.id == "__name__" for n in names)
    return False


def is_logging_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and call_name(node) in LOGGING_NAMES


@dataclass(frozen=True)
class Visit:
    """A node to mutate, with its parent (``None`` for the module)."""

    node: ast.AST
    parent: ast.AST | None


def visits(tree: ast.Module) -> Iterator[Visit]:
    """Every node except those the module docstring says are skipped."""
    stack: list[Visit] = [Visit(tree, None)]
    while stack:
        visit = stack.pop()
        node = visit.node
        yield visit
        children: list[ast.AST] = []
        for name, value in ast.iter_fields(node):
            if name in ("annotation", "returns"):
                continue
            items = value if isinstance(value, list) else [value]
            for item in items:
                if not isinstance(item, ast.AST):
                    continue
                if isinstance(item, ast.stmt) and (is_docstring_of(node, item) or is_skipped_statement(item)):
                    continue
                if isinstance(node, ast.Call) and is_logging_call(node) and name in ("args", "keywords"):
                    continue
                if isinstance(item, ast.JoinedStr):
                    continue
                children.append(item)
        stack.extend(Visit(child, node) for child in reversed(children))


def is_docstring_of(parent: ast.AST, stmt: ast.stmt) -> bool:
    body = getattr(parent, "body", None)
    return (
        isinstance(parent, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and isinstance(body, list)
        and bool(body)
        and body[0] is stmt
        and is_docstring(stmt)
    )


def comparison(src: Source, visit: Visit) -> Iterator[Mutation]:
    """``<`` -> ``<=`` and back, ``>`` <-> ``>=``, ``==`` <-> ``!=``, ``is`` <-> ``is not``, ``in`` <-> ``not in``."""
    node = visit.node
    if not isinstance(node, ast.Compare):
        return
    operands = [node.left, *node.comparators]
    for left, right in itertools.pairwise(operands):
        found = src.token_between(left, right)
        if found and found[2] in COMPARISON_SWAPS:
            yield src.edit(Operator.COMPARISON, found[0], found[1], COMPARISON_SWAPS[found[2]])


def numeric(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def boundary(src: Source, visit: Visit) -> Iterator[Mutation]:
    """A number compared with something, +1 and -1."""
    node = visit.node
    if not (numeric(node) and isinstance(visit.parent, ast.Compare)):
        return
    assert isinstance(node, ast.Constant) and isinstance(node.value, int | float)
    for delta in (1, -1):
        yield src.edit(Operator.BOUNDARY, src.start(node), src.end(node), repr(node.value + delta))


def arithmetic(src: Source, visit: Visit) -> Iterator[Mutation]:
    """``+`` <-> ``-``, ``*`` <-> ``/``, ``//`` -> ``/``, ``%`` -> ``*`` (also in ``+=`` and the like)."""
    node = visit.node
    if isinstance(node, ast.BinOp):
        found = src.token_between(node.left, node.right)
    elif isinstance(node, ast.AugAssign):
        found = src.token_between(node.target, node.value)
    else:
        return
    if found is None:
        return
    start, end, token = found
    augmented = token.endswith("=")
    swapped = ARITHMETIC_SWAPS.get(token.removesuffix("=") if augmented else token)
    if swapped is not None:
        yield src.edit(Operator.ARITHMETIC, start, end, swapped + ("=" if augmented else ""))


def boolean(src: Source, visit: Visit) -> Iterator[Mutation]:
    """``and`` <-> ``or`` (one place at a time), ``not x`` -> ``x``, ``True`` <-> ``False``."""
    node = visit.node
    if isinstance(node, ast.BoolOp):
        for left, right in itertools.pairwise(node.values):
            found = src.token_between(left, right)
            if found and found[2] in BOOLEAN_SWAPS:
                yield src.edit(Operator.BOOLEAN, found[0], found[1], BOOLEAN_SWAPS[found[2]])
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield src.edit(Operator.BOOLEAN, src.start(node), src.start(node.operand), "")
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield src.edit(Operator.BOOLEAN, src.start(node), src.end(node), str(not node.value))


def constant(src: Source, visit: Visit) -> Iterator[Mutation]:
    """An int +1 (not one a comparison holds: see boundary), a non-empty string -> ``""``,
    ``None`` -> ``0`` (not in ``is None``: see comparison) and ``0`` -> ``None``."""
    node = visit.node
    if not isinstance(node, ast.Constant) or (numeric(node) and isinstance(visit.parent, ast.Compare)):
        return
    value = node.value
    start, end = src.start(node), src.end(node)
    if type(value) is int:
        yield src.edit(Operator.CONSTANT, start, end, str(value + 1))
        if value == 0:
            yield src.edit(Operator.CONSTANT, start, end, "None")
    elif isinstance(value, str) and value:
        yield src.edit(Operator.CONSTANT, start, end, '""')
    elif value is None and not isinstance(visit.parent, ast.Compare):
        yield src.edit(Operator.CONSTANT, start, end, "0")


def removed_call(src: Source, visit: Visit) -> Iterator[Mutation]:
    """A call made as a statement (``session.commit()``) -> ``pass``."""
    node = visit.node
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call | ast.Await):
        call = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(call, ast.Call):
            yield src.edit(Operator.REMOVED_CALL, src.start(node), src.end(node), "pass")


#: Statements whose removal is not a useful question (the module fails at once, or it is a call: see removed call).
NOT_REMOVED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Pass, ast.Expr)


def removed_statement(src: Source, visit: Visit) -> Iterator[Mutation]:
    """A statement in a block of two or more, removed with its whole lines."""
    node = visit.node
    for name in ("body", "orelse", "finalbody"):
        block = getattr(node, name, None)
        if not isinstance(block, list) or len(block) < 2 or not isinstance(block[0], ast.stmt):
            continue
        for stmt in block:
            if isinstance(stmt, NOT_REMOVED) or is_skipped_statement(stmt):
                continue
            start, end = src.start(stmt), src.end(stmt)
            line_start = src.line_starts[stmt.lineno - 1]
            line_end = src.line_starts[min(stmt.end_lineno or stmt.lineno, len(src.line_starts) - 1)]
            before, after = src.segment(line_start, start), src.segment(end, line_end)
            if before.strip() or (after.strip() and not after.strip().startswith("#")):
                continue  # shares a line with another statement
            yield src.edit(Operator.REMOVED_STATEMENT, line_start, line_end, "")


def swapped_arguments(src: Source, visit: Visit) -> Iterator[Mutation]:
    """``f(a, b)`` -> ``f(b, a)`` when ``a`` and ``b`` differ."""
    node = visit.node
    if not isinstance(node, ast.Call) or is_logging_call(node) or len(node.args) < 2:
        return
    first, second = node.args[0], node.args[1]
    if isinstance(first, ast.Starred) or isinstance(second, ast.Starred):
        return
    a, b = src.of(first), src.of(second)
    if a != b and "\n" not in a + b:
        between = src.segment(src.end(first), src.start(second))
        yield src.edit(Operator.SWAPPED_ARGUMENTS, src.start(first), src.end(second), b + between + a)


OPERATORS: dict[Operator, Callable[[Source, Visit], Iterator[Mutation]]] = {
    Operator.COMPARISON: comparison,
    Operator.BOUNDARY: boundary,
    Operator.ARITHMETIC: arithmetic,
    Operator.BOOLEAN: boolean,
    Operator.CONSTANT: constant,
    Operator.REMOVED_CALL: removed_call,
    Operator.REMOVED_STATEMENT: removed_statement,
    Operator.SWAPPED_ARGUMENTS: swapped_arguments,
}


def mutations(text: str, operators: frozenset[Operator] = frozenset(Operator)) -> list[Mutation]:
    """Every mutation of ``text`` by ``operators``, in source order; raises SyntaxError if it does not parse."""
    tree = ast.parse(text)
    src = Source(text)
    found = [m for visit in visits(tree) for op in Operator if op in operators for m in OPERATORS[op](src, visit)]
    return sorted(found, key=lambda m: (m.start, m.end, m.operator, m.replacement))
