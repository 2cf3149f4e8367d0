"""Public tests for 01_python_basics: run `pytest` in exercises/01_python_basics.

They run every code cell of ../exercise.ipynb in one namespace (a cell that raises is skipped, as the
grader does) and check a few examples from README.md. The hidden suite checks much more.
"""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "exercise.ipynb"


def load_notebook(path: Path) -> SimpleNamespace:
    """Exec the notebook's code cells in order into one namespace, ignoring cells that raise."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "exercise"}
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        source = cell["source"]
        if isinstance(source, list):
            source = "".join(source)
        try:
            exec(compile(source, f"<cell {index}>", "exec"), namespace)
        except Exception:
            continue
    return SimpleNamespace(**namespace)


@pytest.fixture(scope="module")
def exercise() -> SimpleNamespace:
    return load_notebook(NOTEBOOK)


def test_word_counts_example(exercise: SimpleNamespace) -> None:
    got = exercise.word_counts("The cat and the hat.")
    expected = {"the": 2, "cat": 1, "and": 1, "hat": 1}
    assert got == expected, f"word_counts('The cat and the hat.') should be {expected!r}, got {got!r}"


def test_safe_divide_examples(exercise: SimpleNamespace) -> None:
    got = exercise.safe_divide(7, 2)
    assert got == 3.5, f"safe_divide(7, 2) should be 3.5, got {got!r}"
    got = exercise.safe_divide(5, 0)
    assert got is None, f"safe_divide(5, 0) should be None, got {got!r}"


def test_flatten_example(exercise: SimpleNamespace) -> None:
    got = exercise.flatten([1, [2, 3], [4, [5, [6]]], 7])
    assert got == [1, 2, 3, 4, 5, 6, 7], f"flatten([1, [2, 3], [4, [5, [6]]], 7]) should be [1, ..., 7], got {got!r}"


def test_parse_config_example(exercise: SimpleNamespace, tmp_path: Path) -> None:
    path = tmp_path / "settings.cfg"
    path.write_text(
        "# web server settings\n\nhost = localhost\nport=8080\n   # an indented comment\n"
        "url = https://example.com/?a=1\n",
        encoding="utf-8",
    )
    got = exercise.parse_config(str(path))
    expected = {"host": "localhost", "port": "8080", "url": "https://example.com/?a=1"}
    assert got == expected, f"parse_config of the README's settings.cfg should be {expected!r}, got {got!r}"
