from __future__ import annotations

import os
from pathlib import Path

import pytest

from runner.errors import SubmissionError
from runner.exercise import Exercise
from runner.submission import collect_submission

from .fakes import working_copy


def test_only_declared_files_are_taken(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    folder = working_copy(tmp_path, sqlalchemy_exercise, conftest__py="raise SystemExit", sitecustomize__py="x = 1")
    submission = collect_submission(folder, sqlalchemy_exercise)
    assert set(submission.files) == {"bookshop.py"}
    assert submission.syntax_problem is None
    assert submission.id == "04_sqlalchemy"


def test_missing_file(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    (folder / "bookshop.py").unlink()
    with pytest.raises(SubmissionError, match=r"bookshop\.py is missing"):
        collect_submission(folder, sqlalchemy_exercise)


def test_symlink_is_refused(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    (folder / "bookshop.py").unlink()
    os.symlink("/etc/passwd", folder / "bookshop.py")
    with pytest.raises(SubmissionError, match="not a regular file"):
        collect_submission(folder, sqlalchemy_exercise)


def test_syntax_error_is_recorded_with_its_line(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    folder = working_copy(tmp_path, sqlalchemy_exercise, bookshop__py="import os\n\ndef broken(:\n    pass\n")
    submission = collect_submission(folder, sqlalchemy_exercise)
    assert submission.syntax_problem is not None
    assert submission.syntax_problem.line == 3
    assert "line 3" in submission.syntax_problem.message


def test_invalid_notebook_json(tmp_path: Path, basics_exercise: Exercise) -> None:
    folder = working_copy(tmp_path, basics_exercise, exercise__ipynb='{"cells": [\n  {"cell_type": }\n')
    with pytest.raises(SubmissionError, match="invalid JSON at line 2"):
        collect_submission(folder, basics_exercise)


def test_notebook_that_is_json_but_not_a_notebook(tmp_path: Path, basics_exercise: Exercise) -> None:
    folder = working_copy(tmp_path, basics_exercise, exercise__ipynb='{"hello": 1}')
    with pytest.raises(SubmissionError, match="not a valid notebook"):
        collect_submission(folder, basics_exercise)


def test_content_hash_follows_the_files(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    folder = working_copy(tmp_path, sqlalchemy_exercise)
    first = collect_submission(folder, sqlalchemy_exercise).content_hash
    assert collect_submission(folder, sqlalchemy_exercise).content_hash == first
    (folder / "bookshop.py").write_text("x = 1\n")
    assert collect_submission(folder, sqlalchemy_exercise).content_hash != first
