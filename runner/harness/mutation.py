"""Kind ``tests`` (16_testing): run the student's tests against the correct module and each mutant.

Contract: reads the targets from ``suite/reference/*.py`` and ``suite/mutants/NAME/*.py`` (then
empties ``suite/``); sends ``collected`` with ``reference`` and ``mutants/NAME``, one ``test`` event
for each mutant and one for the gate (``reference``), then ``done``. A mutant is killed when the
tests fail (pytest exit 1) or time out against it; the host counts kills only if the gate passed.

Trust: the student's tests are untrusted code, and so is whatever they leave behind, so no run may
learn anything from another, and nothing may tell a correct run from a buggy one but behaviour:

- every run gets a fresh working copy of the submission (from bytes read before any test ran), a
  fresh ``TMPDIR`` and ``HOME``, and the module in a folder of the same shape; afterwards every
  process it left is killed (this worker is their subreaper) and everything new in the job folder
  and the scratch folders (``$GRADER_SCRATCH``: the sandbox's own ``/tmp``, ``/dev/shm``) is deleted;
- the gate is several runs, in a random order among the mutants: the reference twice, and variants
  of it that behave the same but differ in formatting, bytes, private names and folder. Every one
  must pass; the gate's message names the run that failed (its output is the public module's);
- a mutant run's output is never sent: only the names of the tests that failed against it, and only
  names that also ran in every gate run, so a name made from the module's source cannot carry it out.
"""

from __future__ import annotations

import ast
import ctypes
import io
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import tokenize
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from worker import Channel, clip, empty_folder  # type: ignore[import-not-found]

PYTEST_EXIT_FAILED = 1
#: How many names of the tests that caught a mutant the report shows.
SHOWN_NAMES = 5
PR_SET_CHILD_SUBREAPER = 36
PRIVATE = re.compile(r"_[A-Za-z0-9]\w*")
RESULT_LINE = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS) (.+?)(?: - .*)?$")
#: The module's folder inside a run's folder, and the one of the variant that moves it.
MODULE_FOLDER = ("module",)
MOVED_FOLDER = ("lib", "site-code")

Files = dict[str, bytes]


@dataclass(frozen=True)
class Target:
    """One run: the event it reports to, what it is in words, the module's files and folder."""

    event: str
    what: str
    files: Files
    folder: tuple[str, ...] = MODULE_FOLDER
    variant: bool = False

    @property
    def gate(self) -> bool:
        return self.event == "reference"


@dataclass
class Ran:
    """What one run of the student's tests did: exit code (None: timed out), output, test names."""

    code: int | None
    output: str
    names: dict[str, str] = field(default_factory=dict)

    def failed(self) -> list[str]:
        return [name for name, status in self.names.items() if status in ("FAILED", "ERROR")]


# -- the variants of the reference ---------------------------------------------------------------


def reformatted(source: bytes, _token: str) -> bytes:
    return (ast.unparse(ast.parse(source)) + "\n").encode()


def commented(source: bytes, token: str) -> bytes:
    """A comment line before a top-level statement (never inside a string), chosen at random."""
    tree = ast.parse(source)
    starts = [min([n.lineno, *(d.lineno for d in getattr(n, "decorator_list", []))]) for n in tree.body[1:]]
    lines = source.splitlines(keepends=True)
    at = random.SystemRandom().choice(starts) - 1 if starts else len(lines)
    return b"".join([*lines[:at], f"# {token}\n".encode(), *lines[at:]])


def bound_here(tree: ast.AST) -> set[str]:
    """The private names the module itself binds (not ``os._exit`` or a namedtuple's ``_replace``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            found.add(node.attr)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.add(node.asname or node.name.split(".")[0])
    return {name for name in found if PRIVATE.fullmatch(name)}


def renamed(source: bytes, token: str) -> bytes:
    """Every private name (``_x``, not ``__x``) the module binds renamed, the layout kept as it is.

    Names that also appear inside an f-string are kept: before Python 3.12, tokenize sees an
    f-string as one token, so a name in it could not be renamed with the rest."""
    text = source.decode()
    lines = text.splitlines(keepends=True)
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    in_fstrings = {m for t in tokens if t.type == tokenize.STRING and "f" in t.string.split("'")[0].split('"')[0].lower()
                   for m in PRIVATE.findall(t.string)}  # fmt: skip
    chosen = bound_here(ast.parse(text)) - in_fstrings
    for tok in reversed([t for t in tokens if t.type == tokenize.NAME and t.string in chosen]):
        (row, col), end = tok.start, tok.end[1]
        lines[row - 1] = lines[row - 1][:col] + f"{tok.string}_{token}" + lines[row - 1][end:]
    return "".join(lines).encode()


def transformed(files: Files, change: Callable[[bytes, str], bytes]) -> Files:
    token = "v" + "".join(random.SystemRandom().choices("abcdefghjkmnpqrstuvwxyz23456789", k=6))
    return {name: change(data, token) if name.endswith(".py") else data for name, data in files.items()}


def gate_targets(reference: Files) -> list[Target]:
    """The reference twice, and the variants that behave the same but differ in form and place."""
    correct = "the correct implementation"
    variants = [
        (f"{correct}, reformatted (same code, no comments)", transformed(reference, reformatted), MODULE_FOLDER),
        (f"{correct} with a comment added (same code, other bytes)", transformed(reference, commented), MODULE_FOLDER),
        (f"{correct} with its private names (those starting with _) renamed", transformed(reference, renamed), MODULE_FOLDER),
        (f"{correct} placed in another folder", reference, MOVED_FOLDER),
    ]
    return [
        Target("reference", correct, reference),
        Target("reference", f"{correct}, run a second time", reference),
        *(Target("reference", what, files, folder, variant=True) for what, files, folder in variants),
    ]


# -- keeping runs apart --------------------------------------------------------------------------


class Scratch:
    """Folders the student's tests may write to: whatever was not there at the start is deleted."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = [root for root in roots if root.is_dir()]
        self.known: set[str] = set()
        for root in self.roots:
            self.known.add(str(root))
            for folder, dirs, files in os.walk(root):
                self.known.update(os.path.join(folder, name) for name in dirs + files)

    def reset(self) -> None:
        for root in self.roots:
            self.clean(str(root))

    def clean(self, folder: str) -> None:
        with suppress(OSError), os.scandir(folder) as entries:
            for entry in list(entries):
                if entry.path not in self.known:
                    remove(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    self.clean(entry.path)


def remove(path: str) -> None:
    """Delete ``path`` and all below it, whatever modes the student's tests gave them."""
    if os.path.isdir(path) and not os.path.islink(path):
        with suppress(OSError):
            os.chmod(path, 0o700)
        with suppress(OSError), os.scandir(path) as entries:
            for entry in list(entries):
                remove(entry.path)
        with suppress(OSError):
            os.rmdir(path)
    else:
        with suppress(OSError):
            os.unlink(path)


def become_subreaper() -> None:
    """Processes the tests leave behind become this worker's children, so it can end them."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def children() -> list[int]:
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[-1].split()[1]) == me:
                found.append(int(entry))
    return found


def end_leftovers() -> None:
    """Kill every process a run left (they are all this worker's children by now) and reap them."""
    for _ in range(200):
        pids = children()
        if not pids:
            return
        for pid in pids:
            with suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for pid in pids:
            with suppress(OSError):
                os.waitpid(pid, 0)


# -- one run -------------------------------------------------------------------------------------


def run_once(target: Target, submission: Files, runs: Path, job: dict[str, Any], env: dict[str, str]) -> Ran:
    """The student's tests against ``target``, in a folder of their own, with a fresh TMPDIR and HOME."""
    root = Path(tempfile.mkdtemp(dir=runs))
    for name in ("work", "tmp", "home"):
        (root / name).mkdir()
    for name, data in submission.items():
        (root / "work" / name).write_bytes(data)
    module = root.joinpath(*target.folder)
    module.mkdir(parents=True)
    for name, data in target.files.items():
        (module / name).write_bytes(data)
    report = "-rA" if target.gate else "-rfE"
    tb = "--tb=line" if target.gate else "--tb=no"
    command = [sys.executable, "-B", "-s", "-m", "pytest", "-q", "-p", "no:cacheprovider", tb, report, "."]
    run_env = {**env, "HOME": str(root / "home"), "TMPDIR": str(root / "tmp"), "PYTHONPATH": str(module)}
    with tempfile.TemporaryFile(dir=runs) as out:
        proc = subprocess.Popen(command, cwd=root / "work", env=run_env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            code: int | None = proc.wait(timeout=job["test_timeout_s"])
        except subprocess.TimeoutExpired:
            code = None
        with suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        end_leftovers()
        out.seek(0)
        output = out.read(4 * 1024 * 1024).decode("utf-8", "replace")
    remove(str(root))
    names: dict[str, str] = {}
    for line in output.splitlines():
        match = RESULT_LINE.match(line)
        if match:
            names.setdefault(match.group(2), match.group(1))
    return Ran(code, output, names)


# -- the events ----------------------------------------------------------------------------------


def gate_failure(target: Target, ran: Ran, job: dict[str, Any]) -> dict[str, Any]:
    if ran.code is None:
        detail = f"your tests took longer than {job['test_timeout_s']} s against {target.what}"
    else:
        lines = ran.output.splitlines()
        summary = "\n".join([x for x in lines if x.startswith(("FAILED", "ERROR"))] + [x for x in lines if x.startswith("E ")])
        first = summary.splitlines()[0] if summary else f"pytest exit code {ran.code}"
        detail = f"your tests fail against {target.what}: {first}\n{summary}"
    if target.variant:
        detail += "\nA test must pass on any correct cart.py, however it is written and wherever it is: test its behaviour."
    return {"status": "failed", "message": clip(detail, 4000), "output": clip(ran.output, job["output_bytes"])}


def mutant_verdict(ran: Ran, known: set[str]) -> dict[str, Any]:
    """Killed, survived or error, naming only tests that also ran on every correct run."""
    failed = ran.failed()
    shown = [name for name in failed if name in known][:SHOWN_NAMES]
    more = len(failed) - len(shown)
    by = ", ".join(shown) + (f" and {more} more" if shown and more else f"{more} of your tests" if more else "")
    if ran.code is None:
        return {"status": "passed", "message": "killed (your tests timed out)"}
    if ran.code == PYTEST_EXIT_FAILED:
        return {"status": "passed", "message": f"killed by {by}" if by else "killed"}
    if ran.code == 0:
        return {"status": "failed", "message": "survived: every one of your tests passed against this bug"}
    return {
        "status": "error",
        "message": f"pytest could not run your tests against this bug (exit code {ran.code}"
        + (f"; {by}" if by else "")
        + "); its output is not shown, as it would show the bug",
    }


def load_targets(suite: Path) -> tuple[Files, dict[str, Files]]:
    def python_files(folder: Path) -> Files:
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix == ".py"}

    mutants = sorted(p for p in (suite / "mutants").iterdir() if p.is_dir())
    return python_files(suite / "reference"), {f"mutants/{p.name}": python_files(p) for p in mutants}


def run_mutation(job: dict[str, Any], job_path: Path) -> None:
    """Every target in a random order; the gate's event once all its runs passed, or at the first that failed."""
    work = job_path.parent
    channel = Channel(os.environ["GRADER_CHANNEL"])
    reference, mutants = load_targets(work / "suite")
    empty_folder(work / "suite")
    submission = {name: (work / "submission" / name).read_bytes() for name in job["files"]}
    drop = {"GRADER_CHANNEL", "GRADER_SCRATCH", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR", "TEMP", "TMP"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    runs = work / "runs"
    scratch = Scratch([work, *(Path(p) for p in os.environ.get("GRADER_SCRATCH", "").split(os.pathsep) if p)])
    become_subreaper()
    sys.setrecursionlimit(20_000)
    channel.send({"type": "collected", "nodeids": ["reference", *mutants]})
    order = [*gate_targets(reference), *(Target(name, name, files) for name, files in mutants.items())]
    random.SystemRandom().shuffle(order)
    gate_left = sum(t.gate for t in order)
    known: set[str] | None = None
    first_gate: Ran | None = None
    waiting: list[tuple[dict[str, Any], Ran]] = []
    for target in order:
        started = time.monotonic()
        ran = run_once(target, submission, runs, job, env)
        scratch.reset()
        event: dict[str, Any] = {"type": "test", "nodeid": target.event, "duration_s": round(time.monotonic() - started, 4),
                                 "location": None, "output": ""}  # fmt: skip
        if target.gate:
            if ran.code != 0:
                channel.send({**event, **gate_failure(target, ran, job)})
                break
            first_gate = first_gate or ran
            known = set(ran.names) if known is None else known & set(ran.names)
            gate_left -= 1
            if gate_left == 0:
                channel.send({**event, "status": "passed", "message": "", "output": clip(first_gate.output, job["output_bytes"])})
                for pending, result in waiting:
                    channel.send({**pending, **mutant_verdict(result, known)})
            continue
        if gate_left:
            waiting.append((event, ran))
        else:
            channel.send({**event, **mutant_verdict(ran, known or set())})
    channel.send({"type": "done"})
