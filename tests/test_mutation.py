"""Each mutation operator on a small source: exactly the expected one-line changes, nothing else."""

from __future__ import annotations

import textwrap

import pytest

from runner.mutation import Operator, mutations


def changes(source: str, operator: Operator) -> list[tuple[str, str]]:
    """(reference line, mutant line) per mutant; a removed line reads as ``""``."""
    source = textwrap.dedent(source)
    found = []
    for mutation in mutations(source, frozenset({operator})):
        before, after = source.splitlines(), mutation.apply(source).splitlines()
        if len(after) < len(before):
            gone = next((b for b, a in zip(before, after, strict=False) if b != a), before[-1])
            found.append((gone.strip(), ""))
            continue
        diff = [(b.strip(), a.strip()) for b, a in zip(before, after, strict=True) if b != a]
        assert len(diff) == 1, f"one line must change, got {diff}"
        found.append(diff[0])
    return found


def test_comparison_swaps_each_operator_to_its_neighbour_or_negation() -> None:
    source = """
    def f(a, b):
        return a < b, a >= b, a == b, a is not None, a not in b, (a) != (b)
    """
    line = "return a < b, a >= b, a == b, a is not None, a not in b, (a) != (b)"
    assert changes(source, Operator.COMPARISON) == [
        (line, line.replace("a < b", "a <= b")),
        (line, line.replace("a >= b", "a > b")),
        (line, line.replace("a == b", "a != b")),
        (line, line.replace("a is not None", "a is None")),
        (line, line.replace("a not in b", "a in b")),
        (line, line.replace("(a) != (b)", "(a) == (b)")),
    ]


def test_comparison_mutates_each_link_of_a_chain() -> None:
    assert changes("ok = 0 <= x < 10\n", Operator.COMPARISON) == [
        ("ok = 0 <= x < 10", "ok = 0 < x < 10"),
        ("ok = 0 <= x < 10", "ok = 0 <= x <= 10"),
    ]


def test_boundary_moves_a_compared_number_by_one_each_way() -> None:
    assert changes("if len(items) > 10 or ratio < 0.5:\n    pass\n", Operator.BOUNDARY) == [
        ("if len(items) > 10 or ratio < 0.5:", "if len(items) > 11 or ratio < 0.5:"),
        ("if len(items) > 10 or ratio < 0.5:", "if len(items) > 9 or ratio < 0.5:"),
        ("if len(items) > 10 or ratio < 0.5:", "if len(items) > 10 or ratio < -0.5:"),
        ("if len(items) > 10 or ratio < 0.5:", "if len(items) > 10 or ratio < 1.5:"),
    ]


def test_arithmetic_swaps_operators_also_when_augmented() -> None:
    source = """
    total = (a + b) * c // d % e
    total -= 1
    """
    line = "total = (a + b) * c // d % e"
    assert changes(source, Operator.ARITHMETIC) == [
        (line, "total = (a - b) * c // d % e"),
        (line, "total = (a + b) / c // d % e"),
        (line, "total = (a + b) * c / d % e"),
        (line, "total = (a + b) * c // d * e"),
        ("total -= 1", "total += 1"),
    ]


def test_boolean_swaps_and_or_drops_not_and_flips_literals() -> None:
    source = """
    if a and not b or c:
        flag = True
    """
    assert changes(source, Operator.BOOLEAN) == [
        ("if a and not b or c:", "if a or not b or c:"),
        ("if a and not b or c:", "if a and b or c:"),
        ("if a and not b or c:", "if a and not b and c:"),
        ("flag = True", "flag = False"),
    ]


def test_constant_changes_ints_strings_and_none_but_not_docstrings_or_annotations() -> None:
    source = '''
    """Module docstring."""
    __all__ = ["f"]
    def f(x: int = 0, name: str = "bob") -> str | None:
        """Docstring."""
        print("not mutated", x)
        limit = 3
        return None
    '''
    assert changes(source, Operator.CONSTANT) == [
        ('def f(x: int = 0, name: str = "bob") -> str | None:', 'def f(x: int = 1, name: str = "bob") -> str | None:'),
        ('def f(x: int = 0, name: str = "bob") -> str | None:', 'def f(x: int = None, name: str = "bob") -> str | None:'),
        ('def f(x: int = 0, name: str = "bob") -> str | None:', 'def f(x: int = 0, name: str = "") -> str | None:'),
        ("limit = 3", "limit = 4"),
        ("return None", "return 0"),
    ]


def test_constant_leaves_numbers_compared_to_boundary_and_is_none_to_comparison() -> None:
    assert changes("ok = x > 10 and y is None and z == 'a'\n", Operator.CONSTANT) == [
        ("ok = x > 10 and y is None and z == 'a'", 'ok = x > 10 and y is None and z == ""'),
    ]


def test_removed_call_turns_a_call_statement_into_pass() -> None:
    source = """
    async def save(session):
        session.add(1)
        await session.commit()
        value = compute()
    """
    assert changes(source, Operator.REMOVED_CALL) == [
        ("session.add(1)", "pass"),
        ("await session.commit()", "pass"),
    ]


def test_removed_statement_removes_whole_lines_in_blocks_of_two_or_more() -> None:
    source = """
    import os
    def f(items):
        total = 0
        for item in items:
            total += item
        return total
    def g():
        return 1
    if __name__ == "__main__":
        a = 1
        b = 2
    """
    assert changes(source, Operator.REMOVED_STATEMENT) == [
        ("total = 0", ""),
        ("for item in items:", ""),
        ("return total", ""),
    ]


def test_removed_statement_removes_a_statement_over_several_lines() -> None:
    source = "x = 1\ny = [\n    1,\n]\n"
    found = mutations(source, frozenset({Operator.REMOVED_STATEMENT}))
    assert [m.apply(source) for m in found] == ["y = [\n    1,\n]\n", "x = 1\n"]


def test_swapped_arguments_swaps_the_first_two_positional_arguments_when_they_differ() -> None:
    source = """
    a = pow(base, exp, mod)
    b = max(x, x)
    c = f(*args, y)
    logger.info("%s %s", one, two)
    """
    assert changes(source, Operator.SWAPPED_ARGUMENTS) == [("a = pow(base, exp, mod)", "a = pow(exp, base, mod)")]


def test_offsets_are_bytes_so_text_after_non_ascii_is_edited_in_place() -> None:
    assert changes("s = 'é' + t\n", Operator.ARITHMETIC) == [("s = 'é' + t", "s = 'é' - t")]


@pytest.mark.parametrize("operator", list(Operator))
def test_every_operator_leaves_the_main_block_alone(operator: Operator) -> None:
    source = 'if __name__ == "__main__":\n    run(1, 2 + 3 > 4 and not x, True, None)\n    run(2, 3)\n'
    assert mutations(source, frozenset({operator})) == []
