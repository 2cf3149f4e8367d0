"""Batch grading: a folder of submissions in; results, a gradebook and reports out.

A submission is a sub-folder, a ``.zip`` or a single file; LMS download names (Canvas's
``name_userid_submissionid_file.py``) are understood and grouped per student. Results are cached
by a content hash of (submission files, hidden suite, image, grader, limits), so re-running the
same command grades only what is new or changed, and an interrupted batch resumes where it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import stat
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from . import __version__
from .errors import GraderError, InfraError, SubmissionError
from .exercise import Exercise
from .grading import grade_submission
from .render import render_html
from .results import GraderIdentity, SandboxInfo, SubmissionResult, TestResult, write_atomic
from .sandbox import PerThread, Sandbox
from .submission import MAX_FILE_BYTES, Submission, collect_submission
from .untrusted import clean_line

MAX_ZIP_MEMBERS = 1000
MAX_ZIP_BYTES = 20 * 1024 * 1024
CANVAS = re.compile(r"^(?P<name>[a-z0-9]+)(?:_late)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.IGNORECASE)
RESUBMISSION = re.compile(r"-\d+(?=\.[^.]+$)")


@dataclass(frozen=True)
class BatchItem:
    """One student's submission as found in the folder, before anything is read."""

    student: str
    paths: tuple[Path, ...]
    form: str  # folder | zip | file
    convention: str  # name | canvas


def discover(folder: Path, exercise: Exercise) -> list[BatchItem]:
    """The submissions in ``folder``, one per student, sorted by student id."""
    if not folder.is_dir():
        raise SubmissionError(f"{folder} is not a folder of submissions")
    canvas: dict[str, list[Path]] = {}
    items: list[BatchItem] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        match = CANVAS.match(path.name)
        if match and path.is_file():
            canvas.setdefault(f"{match['name'].lower()}_{match['user']}", []).append(path)
        elif path.is_dir() and not path.is_symlink():
            items.append(BatchItem(path.name, (path,), "folder", "name"))
        elif path.suffix.lower() == ".zip":
            items.append(BatchItem(path.stem, (path,), "zip", "name"))
        else:
            items.append(BatchItem(path.stem if path.suffix else path.name, (path,), "file", "name"))
    for student, paths in canvas.items():
        form = "zip" if len(paths) == 1 and paths[0].suffix.lower() == ".zip" else "file"
        items.append(BatchItem(student, tuple(paths), form, "canvas"))
    return unique_ids([replace(item, student=clean_line(item.student) or "student") for item in items])


def unique_ids(items: list[BatchItem]) -> list[BatchItem]:
    """One id per item, sorted by id. Where two entries would share an id (``alice/`` and
    ``alice.py``), each is named by its whole entry name (``alice``, ``alice.py``); a clash that
    remains gets ``~2``, ``~3``, ... in name order."""
    clashes = Counter(item.student for item in items)
    renamed = [
        replace(item, student=clean_line(item.paths[0].name) or "student")
        if clashes[item.student] > 1 and item.convention == "name"
        else item
        for item in items
    ]
    seen: Counter[str] = Counter()
    unique = []
    for item in sorted(renamed, key=lambda i: (i.student, i.paths[0].name)):
        seen[item.student] += 1
        unique.append(item if seen[item.student] == 1 else replace(item, student=f"{item.student}~{seen[item.student]}"))
    return sorted(unique, key=lambda item: item.student)


def lms_file_name(path: Path) -> str:
    """``doe_123_456_bookshop-1.py`` -> ``bookshop.py``; other names unchanged."""
    match = CANVAS.match(path.name)
    name = match["file"] if match else path.name
    return RESUBMISSION.sub("", name)


@contextmanager
def unpacked(item: BatchItem, exercise: Exercise) -> Iterator[Path]:
    """A folder holding the item's declared files; raises :class:`SubmissionError` when unusable."""
    if item.form == "folder":
        yield item.paths[0]
        return
    with tempfile.TemporaryDirectory(prefix="grade-batch-") as tmp:
        target = Path(tmp)
        if item.form == "zip":
            extract_declared(item.paths[0], exercise, target)
        else:
            place_files(item.paths, exercise, target)
        yield target


def place_files(paths: tuple[Path, ...], exercise: Exercise, target: Path) -> None:
    wanted = set(exercise.files)
    for path in paths:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError(f"{path.name} is not a regular file")
        name = lms_file_name(path)
        if name not in wanted and len(exercise.files) == 1 and Path(name).suffix == Path(exercise.files[0]).suffix:
            name = exercise.files[0]
        if name not in wanted:
            kinds = ", ".join(exercise.files)
            raise SubmissionError(f"{path.name} is not a submission for {exercise.id}: expected a folder, a .zip or {kinds}")
        shutil.copyfile(path, target / name)


def extract_declared(archive: Path, exercise: Exercise, target: Path) -> None:
    """Copy the declared files out of a zip, refusing links, escapes, devices and bombs."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise SubmissionError(f"{archive.name} has {len(members)} entries; at most {MAX_ZIP_MEMBERS} are read")
            chosen: dict[str, zipfile.ZipInfo] = {}
            for member in members:
                path = PurePosixPath(member.filename)
                mode = member.external_attr >> 16
                if member.is_dir() or path.is_absolute() or ".." in path.parts or "__MACOSX" in path.parts:
                    continue
                if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                    continue
                if path.name in exercise.files:
                    best = chosen.get(path.name)
                    if best is None or len(path.parts) < len(PurePosixPath(best.filename).parts):
                        chosen[path.name] = member
            missing = [name for name in exercise.files if name not in chosen]
            if missing:
                raise SubmissionError(f"{archive.name} does not contain {', '.join(missing)}")
            for name, member in chosen.items():
                if member.file_size > MAX_FILE_BYTES or member.file_size > MAX_ZIP_BYTES:
                    raise SubmissionError(f"{archive.name}: {name} unpacks to {member.file_size} bytes; at most {MAX_FILE_BYTES}")
                with zipped.open(member) as source:
                    data = source.read(MAX_FILE_BYTES + 1)
                if len(data) > MAX_FILE_BYTES:
                    raise SubmissionError(f"{archive.name}: {name} is larger than {MAX_FILE_BYTES} bytes")
                (target / name).write_bytes(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise SubmissionError(f"{archive.name} is not a readable zip file ({exc})") from exc


def error_result(exercise: Exercise, student: str, message: str, sandbox: Sandbox) -> SubmissionResult:
    """A row for a submission that could not be graded at all, with every test at zero."""
    return SubmissionResult(
        exercise=exercise.id,
        exercise_title=exercise.title,
        submission=student,
        status="error",
        score=0.0,
        max_score=float(exercise.max_score),
        message=message,
        duration_s=0.0,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        grader=GraderIdentity(
            version=__version__, suite_hash=exercise.suite_hash, image_id=sandbox.image_id(), python=sandbox.python_version()
        ),
        sandbox=SandboxInfo(backend=sandbox.name, isolated=sandbox.isolated, limits=exercise.limits.to_dict()),
        tests=tuple(
            TestResult(id=t.id, name=t.name, status="error", score=0.0, max_score=float(t.points), message="not run", hint=t.hint)
            for t in exercise.tests
        ),
    )


class ResultCache:
    """Results by content hash, one JSON file each; infrastructure errors are never cached."""

    def __init__(self, folder: Path, exercise: Exercise, sandbox: Sandbox) -> None:
        self.folder = folder
        limits = json.dumps(exercise.limits.to_dict(), sort_keys=True)
        self.salt = f"{__version__}\0{exercise.suite_hash}\0{sandbox.image_id()}\0{sandbox.name}\0{limits}"

    def key(self, submission: Submission) -> str:
        return hashlib.sha256(f"{self.salt}\0{submission.content_hash}".encode()).hexdigest()

    def get(self, submission: Submission) -> SubmissionResult | None:
        path = self.folder / f"{self.key(submission)}.json"
        try:
            return replace(SubmissionResult.from_dict(json.loads(path.read_text())), submission=submission.id)
        except (OSError, ValueError):
            return None

    def put(self, submission: Submission, result: SubmissionResult) -> None:
        if result.status == "infra_error":
            return
        write_atomic(self.folder / f"{self.key(submission)}.json", result.to_json())


def grade_item(exercise: Exercise, item: BatchItem, box: Sandbox, cache: ResultCache | None) -> BatchEntry:
    """Collect, look up, grade and cache one submission; its own failures are its result."""
    try:
        with unpacked(item, exercise) as folder:
            submission = collect_submission(folder, exercise, item.student)
    except SubmissionError as exc:
        return BatchEntry(item, error_result(exercise, item.student, clean_line(str(exc), 500), box), False)
    cached = cache.get(submission) if cache else None
    if cached is not None:
        return BatchEntry(item, cached, True)
    result = grade_submission(exercise, submission, box)
    # Every output is made from this result later: prove now, on its own row, that it can be.
    result.to_json()
    render_html(result)
    if cache:
        cache.put(submission, result)
    return BatchEntry(item, result, False)


@dataclass
class BatchProgress:
    """Counts so far, passed to the progress callback after every submission."""

    total: int
    done: int = 0
    cached: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class BatchEntry:
    """One student's outcome in a batch: the result and how it was obtained."""

    item: BatchItem
    result: SubmissionResult
    cached: bool


def grade_batch(
    exercise: Exercise,
    items: list[BatchItem],
    sandbox_factory: Callable[[], Sandbox],
    *,
    jobs: int,
    cache: ResultCache | None,
    on_entry: Callable[[BatchEntry, BatchProgress], None] = lambda entry, progress: None,
) -> list[BatchEntry]:
    """Grade ``items`` with ``jobs`` sandboxes at once; every submission gets an entry.

    A submission's own failure is a status in its result; an infrastructure failure (the engine
    went away) becomes an ``infra_error`` entry for that submission and is not cached, so running
    the batch again retries it.
    """
    progress = BatchProgress(total=len(items))
    sandboxes = PerThread(sandbox_factory)

    def grade_one(item: BatchItem) -> BatchEntry:
        box = sandboxes.get()
        try:
            return grade_item(exercise, item, box, cache)
        except InfraError as exc:
            result = replace(error_result(exercise, item.student, str(exc), box), status="infra_error")
        except GraderError as exc:
            result = error_result(exercise, item.student, str(exc), box)
        except Exception as exc:  # a grader bug on this one submission: its row says so, the batch goes on
            message = f"the grader failed on this submission (a grader bug, not yours): {type(exc).__name__}: {exc}"
            result = replace(error_result(exercise, item.student, clean_line(message, 500), box), status="infra_error")
        return BatchEntry(item, result, False)

    entries: list[BatchEntry] = []
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="grade")
    interrupted = True
    try:
        pending: set[Future[BatchEntry]] = {pool.submit(grade_one, item) for item in items}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                entry = future.result()
                entries.append(entry)
                progress.done += 1
                progress.cached += entry.cached
                progress.statuses[entry.result.status] += 1
                on_entry(entry, progress)
        interrupted = False
    finally:
        if interrupted:
            # Stop what is running now; those runs are not cached, the next run redoes them.
            sandboxes.close()
        pool.shutdown(wait=True, cancel_futures=True)
        sandboxes.close()
    return sorted(entries, key=lambda entry: entry.item.student)
