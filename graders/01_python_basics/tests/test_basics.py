"""Hidden suite for 01_python_basics: the six functions of exercise.ipynb."""
from __future__ import annotations

import builtins
import contextlib
import copy
import io
import math
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

WriteText = Callable[[str, str], str]


def _mentions_number(message: str, number: int) -> bool:
    """True when `number` appears in `message` as a whole number (6 matches 'line 6', not '16')."""
    return re.search(rf"(?<!\d){number}(?!\d)", message) is not None


# --- word_counts -------------------------------------------------------------------------------


@pytest.mark.points(2, hint="Split on any whitespace (str.split() with no argument) and count each word.")
def test_word_counts_counts_words(student: ModuleType) -> None:
    got = student.word_counts("the cat\tand the\nhat   the")
    expected = {"the": 3, "cat": 1, "and": 1, "hat": 1}
    assert got == expected, f"word_counts('the cat\\tand the\\nhat   the') should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="Strip string.punctuation from both ends of each word: str.strip(string.punctuation).")
def test_word_counts_strips_punctuation_at_both_ends(student: ModuleType) -> None:
    text = '"quoted" (parens) ...dots... hello, world! hello?'
    got = student.word_counts(text)
    expected = {"quoted": 1, "parens": 1, "dots": 1, "hello": 2, "world": 1}
    assert got == expected, f"word_counts({text!r}) should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="Only the ends of a word are stripped: \"don't\" and 'well-known' keep their inner marks.")
def test_word_counts_keeps_inner_punctuation(student: ModuleType) -> None:
    text = "don't stop, 'til it's well-known... don't!"
    got = student.word_counts(text)
    expected = {"don't": 2, "stop": 1, "til": 1, "it's": 1, "well-known": 1}
    assert got == expected, f"word_counts({text!r}) should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="Lowercase each word so 'Python' and 'PYTHON' count as the same word.")
def test_word_counts_lowercases(student: ModuleType) -> None:
    text = "Python python PYTHON PyThOn."
    got = student.word_counts(text)
    expected = {"python": 4}
    assert got == expected, f"word_counts({text!r}) should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="A word that is only punctuation ('--', '...') is empty after stripping: skip it.")
def test_word_counts_skips_punctuation_only_words(student: ModuleType) -> None:
    text = "hello -- world ... !!! ?"
    got = student.word_counts(text)
    expected = {"hello": 1, "world": 1}
    assert got == expected, f"word_counts({text!r}) should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="Text with no words gives an empty dict.")
def test_word_counts_empty_text(student: ModuleType) -> None:
    for text in ("", " \n\t  "):
        got = student.word_counts(text)
        assert got == {}, f"word_counts({text!r}) should be {{}}, got {got!r}"


# --- read_file ---------------------------------------------------------------------------------


@pytest.mark.points(2, hint="Open the file with encoding='utf-8' and return all of it with .read().")
def test_read_file_returns_whole_utf8_text(student: ModuleType, write_text: WriteText) -> None:
    content = "Grüße aus Köln ☕\nSecond line: naïve café\nthird line\n"
    path = write_text("greeting.txt", content)
    got = student.read_file(path)
    assert got == content, f"read_file on a UTF-8 file holding {content!r} should return that text, got {got!r}"
    empty = write_text("empty.txt", "")
    got = student.read_file(empty)
    assert got == "", f"read_file on an existing empty file should return '', got {got!r}"


@pytest.mark.points(2, hint="Catch FileNotFoundError and return the exact string 'File not found!' (do not print it).")
def test_read_file_missing_file(student: ModuleType, write_text: WriteText) -> None:
    existing = write_text("present.txt", "x")
    for path in (existing + ".missing", existing + "_dir/nested/missing.txt"):
        got = student.read_file(path)
        assert got == "File not found!", (
            f"read_file on a file that does not exist should return 'File not found!', got {got!r}"
        )


@pytest.mark.points(1, hint="Return the message and print nothing: the caller decides what to show.")
def test_read_file_missing_file_prints_nothing(student: ModuleType, write_text: WriteText) -> None:
    missing = write_text("present.txt", "x") + ".missing"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        got = student.read_file(missing)
    assert got == "File not found!", f"read_file on a file that does not exist should return 'File not found!', got {got!r}"
    quiet = printed.getvalue() == ""
    assert quiet, (
        f"read_file should return the message, not print it; it printed {printed.getvalue()!r}"
    )


@pytest.mark.points(1, hint="Pass encoding='utf-8' to open() in read_file and parse_config: the default depends on the machine.")
def test_read_file_and_parse_config_open_files_as_utf8(student: ModuleType, write_text: WriteText, student_helper: Any) -> None:
    text_path = write_text("greeting.txt", "Grüße\n")
    config_path = write_text("city.cfg", "city = Köln\n")
    # The spy runs beside the notebook's functions and records how they open files.
    spy = student_helper(OPEN_SPY, name="open_spy")
    spy.install([student.read_file, student.parse_config])
    try:
        got_text = student.read_file(text_path)
        got_config = student.parse_config(config_path)
        opened = spy.opened()
    finally:
        spy.uninstall()
    assert got_text == "Grüße\n", f"read_file on a UTF-8 file holding 'Grüße\\n' should return that text, got {got_text!r}"
    assert got_config == {"city": "Köln"}, f"parse_config of 'city = Köln' should be {{'city': 'Köln'}}, got {got_config!r}"
    utf8 = ("utf-8", "utf8")
    records = opened if isinstance(opened, list) else []
    without = sorted(
        {str(name) for name, mode, encoding in records if "b" not in str(mode) and str(encoding).lower().replace("_", "-") not in utf8}
    )
    all_utf8 = not without
    assert all_utf8, f"files should be opened with encoding='utf-8'; these were opened without it: {', '.join(without)}"


#: Records each open() the notebook's functions make: the builtin, and a notebook's own `open` name.
OPEN_SPY = """
import builtins, io

_real = io.open
_opened = []
_patched = []


def _recording(file, mode="r", *args, **kwargs):
    encoding = kwargs.get("encoding", args[1] if len(args) > 1 else None)  # open(file, mode, buffering, encoding)
    _opened.append((str(file).rsplit("/", 1)[-1], str(mode), None if encoding is None else str(encoding)))
    return _real(file, mode, *args, **kwargs)


def install(functions):
    _patched.append((builtins.__dict__, "open", builtins.open))
    builtins.open = _recording
    for function in functions:  # a notebook's namespace may hold its own `open`
        names = getattr(function, "__globals__", None)
        if isinstance(names, dict):
            _patched.append((names, "open", names.get("open", _patched)))
            names["open"] = _recording


def uninstall():
    while _patched:
        names, key, value = _patched.pop()
        if value is _patched:
            names.pop(key, None)
        else:
            names[key] = value


def opened():
    return list(_opened)
"""


# --- safe_divide -------------------------------------------------------------------------------


@pytest.mark.points(1, hint="Return a / b.")
def test_safe_divide_exact(student: ModuleType) -> None:
    got = student.safe_divide(10, 2)
    assert got == 5, f"safe_divide(10, 2) should be 5.0, got {got!r}"


@pytest.mark.points(2, hint="Use true division (/), not floor division (//): the result is a float.")
def test_safe_divide_float_result(student: ModuleType) -> None:
    got = student.safe_divide(7, 2)
    assert got == 3.5, f"safe_divide(7, 2) should be 3.5, got {got!r}"
    got = student.safe_divide(1, 3)
    assert isinstance(got, float) and math.isclose(got, 1 / 3), f"safe_divide(1, 3) should be about 0.3333, got {got!r}"


@pytest.mark.points(2, hint="Check b == 0 before dividing and return None in that case.")
def test_safe_divide_by_zero_returns_none(student: ModuleType) -> None:
    for a, b in ((5, 0), (0, 0), (5, 0.0), (-3, 0)):
        got = student.safe_divide(a, b)
        assert got is None, f"safe_divide({a!r}, {b!r}) should be None, got {got!r}"


@pytest.mark.points(1, hint="Negative numbers divide normally; only b == 0 is special.")
def test_safe_divide_negative(student: ModuleType) -> None:
    for a, b, expected in ((-9, 3, -3.0), (9, -4, -2.25), (-1, -4, 0.25)):
        got = student.safe_divide(a, b)
        assert got == expected, f"safe_divide({a!r}, {b!r}) should be {expected!r}, got {got!r}"


# --- flatten -----------------------------------------------------------------------------------


@pytest.mark.points(2, hint="When an item is a list, flatten it too (recursion) and add its items.")
def test_flatten_nested_lists(student: ModuleType) -> None:
    nested = [1, [2, 3], [4, [5, 6]], 7]
    got = student.flatten(nested)
    expected = [1, 2, 3, 4, 5, 6, 7]
    assert got == expected, f"flatten({nested!r}) should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="Tuples are flattened like lists: isinstance(item, (list, tuple)).")
def test_flatten_tuples(student: ModuleType) -> None:
    nested: list[object] = [1, (2, 3), [(4,), 5], ((6,),)]
    got = student.flatten(nested)
    expected = [1, 2, 3, 4, 5, 6]
    assert got == expected, f"flatten({nested!r}) should be {expected!r}, got {got!r}"
    outer = (1, (2, [3]))
    got = student.flatten(outer)
    assert got == [1, 2, 3], f"flatten({outer!r}) should be [1, 2, 3], got {got!r}"


@pytest.mark.points(1, hint="Nesting can be arbitrarily deep: keep flattening until no list or tuple is left.")
def test_flatten_deep_nesting(student: ModuleType) -> None:
    nested: list[object] = [0]
    for number in range(1, 100):
        nested = [nested, number]
    got = student.flatten(nested)
    assert got == list(range(100)), (
        f"flatten of 100 levels of nesting should be [0, 1, ..., 99], got {got!r:.200}"
    )
    deep: object = "x"
    for _ in range(30):
        deep = [deep]
    got = student.flatten(deep)
    assert got == ["x"], f"flatten of 'x' inside 30 lists should be ['x'], got {got!r}"


@pytest.mark.points(1, hint="Keep the left-to-right order; strings and None are items, not sequences to flatten.")
def test_flatten_keeps_order_and_leaves(student: ModuleType) -> None:
    nested: list[object] = ["a", ["b", ("c", None)], "e", [["f"], "g"]]
    got = student.flatten(nested)
    expected = ["a", "b", "c", None, "e", "f", "g"]
    assert got == expected, f"flatten({nested!r}) should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="Empty lists and tuples contribute nothing; the result is always a list.")
def test_flatten_empty(student: ModuleType) -> None:
    cases: list[list[object] | tuple[object, ...]] = [[], [[], [[]], ((),)], ()]
    for nested in cases:
        got = student.flatten(nested)
        assert got == [] and isinstance(got, list), f"flatten({nested!r}) should be [], got {got!r}"


# --- merge_inventories -------------------------------------------------------------------------


@pytest.mark.points(2, hint="Start from a copy of a and add each count of b with d.get(key, 0) + count.")
def test_merge_inventories_sums_counts(student: ModuleType) -> None:
    a = {"apple": 3, "pear": 1}
    b = {"apple": 2, "fig": 4}
    got = student.merge_inventories(a, b)
    expected = {"apple": 5, "pear": 1, "fig": 4}
    assert got == expected, f"merge_inventories({a!r}, {b!r}) should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="Every key of either inventory is in the result, even when the other one is empty.")
def test_merge_inventories_keys_from_both_sides(student: ModuleType) -> None:
    cases: list[tuple[dict[str, int], dict[str, int], dict[str, int]]] = [
        ({}, {"fig": 4}, {"fig": 4}),
        ({"pear": 1, "plum": 0}, {}, {"pear": 1, "plum": 0}),
        ({}, {}, {}),
        ({"a": 1}, {"b": 2}, {"a": 1, "b": 2}),
    ]
    for a, b, expected in cases:
        got = student.merge_inventories(a, b)
        assert got == expected, f"merge_inventories({a!r}, {b!r}) should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="Build a new dict (dict(a) or a.copy()) instead of adding into a.")
def test_merge_inventories_leaves_inputs_unchanged(student: ModuleType, student_helper: Any) -> None:
    a = {"apple": 3, "pear": 1}
    b = {"apple": 2, "fig": 4}
    a_before, b_before = copy.deepcopy(a), copy.deepcopy(b)
    # The inputs live where the notebook's function runs; the helper reports what became of them.
    calls = student_helper(CALL_SPY, name="call_spy")
    after = calls.call_and_report(student.merge_inventories, a, b)
    got, (a, b), returned_input = after if isinstance(after, tuple) and len(after) == 3 else (None, (None, None), None)
    assert a == a_before, f"merge_inventories must not change its first input: it should stay {a_before!r}, got {a!r}"
    assert b == b_before, f"merge_inventories must not change its second input: it should stay {b_before!r}, got {b!r}"
    assert returned_input is False, "merge_inventories should return a new dict, got one of its inputs back"


#: Calls a function beside the notebook and reports its result, its inputs afterwards, and whether
#: it returned one of its inputs.
CALL_SPY = """
def call_and_report(function, *args):
    result = function(*args)
    return result, args, any(result is arg for arg in args)
"""


# --- parse_config ------------------------------------------------------------------------------


@pytest.mark.points(2, hint="Split each line at '=' and strip whitespace around the key and the value.")
def test_parse_config_trims_keys_and_values(student: ModuleType, write_text: WriteText) -> None:
    path = write_text("basic.cfg", "host = localhost\nport=8080\n  name  =  My App  \n")
    got = student.parse_config(path)
    expected = {"host": "localhost", "port": "8080", "name": "My App"}
    assert got == expected, f"parse_config of 'host = localhost', 'port=8080', '  name  =  My App  ' should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="Skip lines that are blank after strip(), and lines whose first non-blank character is '#'.")
def test_parse_config_skips_blank_lines_and_comments(student: ModuleType, write_text: WriteText) -> None:
    content = "# top comment\n\n   \nhost=a\n    # indented comment\n\t# tab-indented comment\n# commented = out\nport = 1\n"
    path = write_text("comments.cfg", content)
    got = student.parse_config(path)
    expected = {"host": "a", "port": "1"}
    assert got == expected, f"parse_config of {content!r} should be {expected!r}, got {got!r}"


@pytest.mark.points(2, hint="A value may contain '=': split at the first '=' only (str.partition or split('=', 1)).")
def test_parse_config_value_containing_equals(student: ModuleType, write_text: WriteText) -> None:
    content = "url = postgres://db/app?sslmode=require\nexpr=a=b=c\n"
    path = write_text("equals.cfg", content)
    got = student.parse_config(path)
    expected = {"url": "postgres://db/app?sslmode=require", "expr": "a=b=c"}
    assert got == expected, f"parse_config of {content!r} should be {expected!r}, got {got!r}"


@pytest.mark.points(1, hint="'key =' is a valid line with an empty value.")
def test_parse_config_empty_value_allowed(student: ModuleType, write_text: WriteText) -> None:
    content = "debug =\nlevel=info\n"
    path = write_text("empty_value.cfg", content)
    got = student.parse_config(path)
    expected = {"debug": "", "level": "info"}
    assert got == expected, f"parse_config of {content!r} should be {expected!r}, got {got!r}"


@pytest.mark.points(3, hint="Raise ValueError naming the line; number lines from 1 and count blank and comment lines too.")
def test_parse_config_line_without_equals_raises_with_line_number(
    student: ModuleType, write_text: WriteText
) -> None:
    content = "# settings\n\nname = demo\n   # indented comment\n\nthis line is wrong\nport = 1\n"
    path = write_text("bad.cfg", content)
    try:
        got = student.parse_config(path)
    except ValueError as error:
        message = str(error)
    else:
        pytest.fail(f"parse_config should raise ValueError for line 6 'this line is wrong' (no '='), but it returned {got!r}")
    assert _mentions_number(message, 6), (
        f"the ValueError for a line without '=' on line 6 (counting from 1, blank and comment lines "
        f"included) should mention 6, got {message!r}"
    )


@pytest.mark.points(1, hint="A line whose key is empty after strip(), like '= value', is malformed too.")
def test_parse_config_empty_key_raises_with_line_number(student: ModuleType, write_text: WriteText) -> None:
    content = "name = demo\n\n# comment\n   = value\n"
    path = write_text("empty_key.cfg", content)
    try:
        got = student.parse_config(path)
    except ValueError as error:
        message = str(error)
    else:
        pytest.fail(f"parse_config should raise ValueError for line 4 '   = value' (empty key), but it returned {got!r}")
    assert _mentions_number(message, 4), (
        f"the ValueError for the empty key on line 4 should mention 4, got {message!r}"
    )


@pytest.mark.points(1, hint="When a key appears twice, the later line wins: assign config[key] = value for every line.")
def test_parse_config_later_duplicate_wins(student: ModuleType, write_text: WriteText) -> None:
    content = "port = 80\nhost = a\nport = 8080\n"
    path = write_text("twice.cfg", content)
    got = student.parse_config(path)
    expected = {"port": "8080", "host": "a"}
    assert got == expected, f"parse_config of {content!r} should be {expected!r} (the later 'port' wins), got {got!r}"
