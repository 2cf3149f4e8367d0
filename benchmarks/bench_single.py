"""One submission: ``grade`` in Docker versus the same hidden suite run by bare pytest on the host.

    .venv/bin/python -m benchmarks.bench_single [--runs N]

For 04_sqlalchemy with the reference solution it prints the wall time of the ``grade`` command
(Docker backend, everything included: CLI start, container, harness, reports) and of plain
``python -m pytest`` over the same hidden tests on the host, and their ratio (target: at most
1.25x). For 01_python_basics it prints the time to grade the reference notebook in Docker
(target: at most 1.5 s per submission), cold and as a batch grades them (each next container, with
its kernel, started while the current one runs), and the ``grade`` command against the nbclient
floor: a fresh process running the notebook in a fresh kernel, unsandboxed and ungraded (target:
at most 1.25x). Each figure is the median of ``--runs`` runs after one warm-up run; the pairs
compared as ratios are run in turns.
"""

from __future__ import annotations

import argparse
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from runner.exercise import Exercise, load_exercise
from runner.grading import grade_folder
from runner.sandbox.docker import DockerSandbox
from runner.watch import file_changes, watch

from .bare import SHIM

ROOT = Path(__file__).resolve().parent.parent


def timed(action: Callable[[], object], runs: int) -> float:
    action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def timed_pair(first: Callable[[], object], second: Callable[[], object], runs: int) -> tuple[float, float]:
    """Medians of ``runs`` runs of each, taken in turns (first, second, first, ...) after one
    warm-up each: a machine that slows down or speeds up meanwhile weighs on both alike."""
    first()
    second()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for action, kept in zip((first, second), samples, strict=True):
            started = time.perf_counter()
            action()
            kept.append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])


def working_copy(exercise: Exercise, folder: Path) -> Path:
    shutil.copytree(exercise.path, folder)
    for name in exercise.files:
        shutil.copy(exercise.reference_path() / name, folder / name)
    return folder


def bare_pytest(exercise: Exercise, work: Path) -> Callable[[], object]:
    shutil.copytree(exercise.suite_path, work / "suite")
    (work / "grade_bench_shim.py").write_text(SHIM)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(work), "BENCH_MODULE": str(exercise.module),
           "BENCH_SUBMISSION": str(exercise.reference_path())}  # fmt: skip
    command = [sys.executable, "-m", "pytest", "-q", "-p", "grade_bench_shim", "-p", "no:cacheprovider", "suite"]

    def run() -> object:
        done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"bare pytest failed:\n{done.stdout[-2000:]}")
        return done

    return run


#: The nbclient floor: one fresh process reads the notebook and runs it in a fresh python3 kernel,
#: unsandboxed and ungraded (what any notebook grader built on nbclient pays at least).
FLOOR = """
import sys, nbformat
from nbclient import NotebookClient
NotebookClient(nbformat.read(sys.argv[1], as_version=4), kernel_name="python3", timeout=60).execute()
"""


def nbclient_floor(notebook: Path) -> Callable[[], object]:
    command = [sys.executable, "-c", FLOOR, str(notebook)]

    def run() -> object:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the nbclient floor failed:\n{done.stderr[-2000:]}")
        return done

    return run


def grade_command(folder: Path, reports: Path) -> Callable[[], object]:
    command = [str(Path(sys.executable).with_name("grade")), str(folder), "--backend", "docker", "--reports", str(reports)]

    def run() -> object:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"grade failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        return done

    return run


def watch_latency(exercise: Exercise, folder: Path, runs: int) -> float:
    """Median time from a save to ``grade watch``'s answer: the real loop (watchfiles, a sandbox
    that starts the next container while the student edits), 2 s of "editing" before each save."""
    answers: queue.Queue[float] = queue.Queue()
    stop = threading.Event()
    sandbox = DockerSandbox(prewarm=True)
    loop = threading.Thread(
        target=watch, args=(exercise, folder, sandbox, file_changes(folder, stop), lambda run: answers.put(time.monotonic()))
    )
    loop.start()
    try:
        answers.get(timeout=120)  # the first run, before any save
        samples = []
        for number in range(runs):
            time.sleep(2.0)
            saved = time.monotonic()
            with (folder / exercise.files[0]).open("a") as source:
                source.write(f"# edit {number}\n")
            samples.append(answers.get(timeout=120) - saved)
        return statistics.median(samples)
    finally:
        stop.set()
        loop.join(timeout=30)
        sandbox.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    sqlalchemy = load_exercise(ROOT / "exercises" / "04_sqlalchemy")
    basics = load_exercise(ROOT / "exercises" / "01_python_basics")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pytest_s, grade_s = timed_pair(
            bare_pytest(sqlalchemy, work / "bare"),
            grade_command(working_copy(sqlalchemy, work / "04"), work / "reports"),
            args.runs,
        )
        sandbox = DockerSandbox()
        notebook = working_copy(basics, work / "01")
        notebook_s = timed(lambda: grade_folder(basics, notebook, sandbox), args.runs)
        floor_s, notebook_cli_s = timed_pair(
            nbclient_floor(notebook / basics.files[0]), grade_command(notebook, work / "reports"), args.runs
        )
        warm = DockerSandbox(prewarm=True)
        try:
            notebook_warm_s = timed(lambda: grade_folder(basics, notebook, warm), max(args.runs, 3))
        finally:
            warm.close()
        watch_s = watch_latency(sqlalchemy, working_copy(sqlalchemy, work / "04-watch"), max(args.runs, 3))
    print(f"04_sqlalchemy reference, {len(sqlalchemy.tests)} hidden tests, median of {args.runs} run(s)")
    print(f"  bare pytest on the host   {pytest_s:6.2f} s")
    print(f"  grade (Docker sandbox)    {grade_s:6.2f} s")
    print(f"  ratio                     {grade_s / pytest_s:6.2f}x   (target <= 1.25x)")
    print(f"  grade watch, save->answer {watch_s:6.2f} s")
    print(f"  ratio                     {watch_s / pytest_s:6.2f}x   (target <= 1.1x)")
    print(f"01_python_basics reference notebook, {len(basics.tests)} hidden tests")
    print(f"  graded in Docker          {notebook_s:6.2f} s per submission   (target <= 1.5 s)")
    print(f"  nbclient floor (no grading, no sandbox) {floor_s:6.2f} s")
    print(f"  grade command, all in     {notebook_cli_s:6.2f} s")
    print(f"  ratio                     {notebook_cli_s / floor_s:6.2f}x   (target <= 1.25x)")
    print(f"  one after another, with the next container (and kernel) started ahead: {notebook_warm_s:.2f} s per submission")


if __name__ == "__main__":
    main()
