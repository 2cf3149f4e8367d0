"""Batch grading with a fake sandbox: discovery, hostile archives, the cache, the outputs."""

from __future__ import annotations

import csv
import json
import os
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner import cli
from runner.batch import ResultCache, discover, grade_batch
from runner.exercise import Exercise
from runner.lms import write_batch
from runner.sandbox.fake import FakeSandbox
from runner.submission import collect_submission

from .fakes import Cli, answering, sample, says_pass


def make_submissions(folder: Path) -> Path:
    folder.mkdir()
    (folder / "alice").mkdir()
    (folder / "alice" / "bookshop.py").write_text("# PASS\n")
    (folder / "alice" / "conftest.py").write_text("raise SystemExit\n")
    (folder / "bob.py").write_text("# nope\n")
    with zipfile.ZipFile(folder / "carol.zip", "w") as zipped:
        zipped.writestr("carol/bookshop.py", "# PASS\n")
        zipped.writestr("carol/sitecustomize.py", "import os\n")
    (folder / "dave_4242_999_bookshop-2.py").write_text("# PASS\n")
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    (folder / "empty").mkdir()
    (folder / "essay.pdf").write_bytes(b"%PDF-1.4")
    return folder


def test_discover_names_and_conventions(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    items = discover(make_submissions(tmp_path / "subs"), sqlalchemy_exercise)
    found = {item.student: (item.form, item.convention) for item in items}
    assert found == {
        "alice": ("folder", "name"),
        "bob": ("file", "name"),
        "broken": ("zip", "name"),
        "carol": ("zip", "name"),
        "dave_4242": ("file", "canvas"),
        "empty": ("folder", "name"),
        "essay": ("file", "name"),
    }


def test_batch_grades_everything_and_records_errors(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    sandbox = answering(sqlalchemy_exercise, says_pass)
    items = discover(make_submissions(tmp_path / "subs"), sqlalchemy_exercise)
    entries = grade_batch(sqlalchemy_exercise, items, lambda: sandbox, jobs=3, cache=None)
    by_id = {e.item.student: e.result for e in entries}
    assert {k: v.status for k, v in by_id.items()} == {
        "alice": "passed", "bob": "failed", "broken": "error", "carol": "passed",
        "dave_4242": "passed", "empty": "error", "essay": "error",
    }  # fmt: skip
    assert "not a readable zip" in by_id["broken"].message
    assert "bookshop.py is missing" in by_id["empty"].message
    assert "not a submission" in by_id["essay"].message
    assert all(set(r.files) == {"bookshop.py"} for r in sandbox.requests), "only declared files travel"


def hostile_zip(path: Path, entries: dict[str, bytes], symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, data in entries.items():
            zipped.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo("bookshop.py")
            info.external_attr = 0o120777 << 16
            zipped.writestr(info, symlink)
    return path


def test_hostile_archives(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    hostile_zip(folder / "slip.zip", {"../../bookshop.py": b"# PASS", "/etc/bookshop.py": b"# PASS"})
    hostile_zip(folder / "link.zip", {}, symlink="/etc/passwd")
    hostile_zip(folder / "bomb.zip", {"bookshop.py": b"#" * (50 * 1024 * 1024)})
    items = discover(folder, sqlalchemy_exercise)
    entries = grade_batch(sqlalchemy_exercise, items, lambda: answering(sqlalchemy_exercise, says_pass), jobs=2, cache=None)
    by_id = {e.item.student: e.result for e in entries}
    assert all(r.status == "error" for r in by_id.values()), {k: v.message for k, v in by_id.items()}
    assert "does not contain bookshop.py" in by_id["slip"].message
    assert "does not contain bookshop.py" in by_id["link"].message
    assert "unpacks to" in by_id["bomb"].message
    assert not (tmp_path / "bookshop.py").exists()


def test_cache_serves_unchanged_and_regrades_changed(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    folder = make_submissions(tmp_path / "subs")
    sandbox = answering(sqlalchemy_exercise, says_pass)
    cache = ResultCache(tmp_path / "cache", sqlalchemy_exercise, sandbox)
    items = discover(folder, sqlalchemy_exercise)
    grade_batch(sqlalchemy_exercise, items, lambda: sandbox, jobs=2, cache=cache)
    assert len(sandbox.requests) == 2, "alice, carol and dave hand in the same file: it runs once"
    again = grade_batch(sqlalchemy_exercise, items, lambda: sandbox, jobs=2, cache=cache)
    assert len(sandbox.requests) == 2
    assert sum(e.cached for e in again) == 4
    (folder / "bob.py").write_text("# PASS now\n")
    third = grade_batch(sqlalchemy_exercise, items, lambda: sandbox, jobs=2, cache=cache)
    assert len(sandbox.requests) == 3, "only the changed submission is graded again"
    assert {e.item.student: e.result.status for e in third}["bob"] == "passed"
    alice = collect_submission(folder / "alice", sqlalchemy_exercise)
    assert cache.get(alice) is not None
    new_suite = ResultCache(tmp_path / "cache", replace(sqlalchemy_exercise, suite_hash="changed"), sandbox)
    assert new_suite.get(alice) is None, "a changed hidden suite invalidates every cached result"


def test_cli_batch_writes_gradebook_summary_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: Path, sqlalchemy_exercise: Exercise
) -> None:
    monkeypatch.chdir(root)
    sandboxes: list[FakeSandbox] = []

    def one_per_thread(backend: str, image: str, prewarm: bool) -> FakeSandbox:
        sandboxes.append(answering(sqlalchemy_exercise, says_pass))
        return sandboxes[-1]

    grade = Cli()
    grade.use(one_per_thread)
    folder = make_submissions(tmp_path / "subs")
    out = tmp_path / "out"
    result = grade.invoke(["batch", str(folder), "--exercise", "04_sqlalchemy", "--out", str(out), "-j", "2"])
    assert result.exit_code == 0, result.output
    with (out / "gradebook.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["student"] for r in rows] == ["alice", "bob", "broken", "carol", "dave_4242", "empty", "essay"]
    assert rows[0]["percent"] == "100" and rows[1]["status"] == "failed"
    assert len(rows[0]) == 6 + len(sqlalchemy_exercise.tests)
    assert rows[[r["student"] for r in rows].index("dave_4242")]["lms_user_id"] == "4242"
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == 7 and json.loads(lines[0])["schema_version"] == 1
    summary = (out / "summary.html").read_text()
    assert "<svg" in summary and 'href="reports/alice.html"' in summary and "http" not in summary.split("<body>")[1]
    assert len(list((out / "reports").glob("*.html"))) == 7
    assert "canvas" in result.output
    # Not a terminal (a CI log): a line per finished submission.
    assert sum(line.startswith(tuple(f"{n}/7 " for n in range(1, 8))) for line in result.output.splitlines()) == 7
    assert 1 <= len(sandboxes) <= 2 and all(box.closes == 1 for box in sandboxes), "one sandbox per thread, each closed"


def test_batch_refuses_the_local_backend_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.chdir(root)
    folder = make_submissions(tmp_path / "subs")
    result = CliRunner().invoke(cli.main, ["batch", str(folder), "--exercise", "04", "--backend", "local"])
    assert result.exit_code == 2
    assert "--allow-local" in result.output


def test_student_ids_cannot_escape_the_reports_folder(tmp_path: Path, sqlalchemy_exercise: Exercise) -> None:
    from runner.render import safe_name, spreadsheet_safe

    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("a\nb c") == "a_b_c"
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert os.sep not in safe_name("x/y")
    out = tmp_path / "out"
    write_batch([replace(sample(sqlalchemy_exercise), submission=name) for name in ("../../escaped", "/abs/olute")], out)
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert written and all(out in path.parents for path in written), written
