"""200 submissions of 04_sqlalchemy: ``grade batch -j 2`` in Docker vs bare pytest at the same parallelism.

    .venv/bin/python -m benchmarks.bench_batch [--count 200] [--jobs 2]

The submissions are a mix: correct (40 %), partly wrong (a mutant, 35 %), erroring at import or
with a syntax error (20 %) and looping forever in one function (5 %). Every file is unique (a
comment names its student), so nothing is served from the cache on the first run. Bare pytest
gets the same per-test time limit as the grader (10 s, by SIGALRM in its shim). Prints
throughput for both, their ratio (target: within 1.5x), the cached re-run's speed-up (target:
50x) and the grader process's peak memory.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runner.exercise import Exercise, load_exercise

from .bare import SHIM, TIME_LIMIT

ROOT = Path(__file__).resolve().parent.parent


def generate(exercise: Exercise, folder: Path, count: int) -> None:
    """``count`` unique submission folders: a fixed, repeatable mix of kinds."""
    reference = (exercise.reference_path() / "bookshop.py").read_text()
    mutants = [exercise.apply(m)["bookshop.py"].decode() for m in exercise.mutants()]
    for index in range(count):
        slot = index % 20
        if slot < 8:
            source = reference
        elif slot < 15:
            source = mutants[index % len(mutants)]
        elif slot < 17:
            source = "raise RuntimeError('left a debugging line in')\n" + reference
        elif slot < 19:
            source = reference.replace("def books_page(", "def books_page(:\n    pass\ndef _unused(", 1)
        else:
            loop = "def books_by_author(session, *_):\n    while True:\n        pass\n\ndef _orig(session"
            source = reference.replace("def books_by_author(session", loop, 1)
        student = folder / f"student{index:03d}"
        student.mkdir(parents=True)
        (student / "bookshop.py").write_text(f"# submission of student {index}\n{source}")


def bare_pytest(exercise: Exercise, submissions: Path, work: Path, jobs: int) -> float:
    suite = work / "suite"
    shutil.copytree(exercise.suite_path, suite)
    (work / "grade_bench_shim.py").write_text(SHIM + TIME_LIMIT)
    folders = sorted(p for p in submissions.iterdir() if p.is_dir())

    def run(folder: Path) -> int:
        env = {
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(work),
            "BENCH_SUBMISSION": str(folder),
            "BENCH_MODULE": str(exercise.module),
        }
        command = [sys.executable, "-m", "pytest", "-q", "-p", "grade_bench_shim", "-p", "no:cacheprovider", str(suite)]
        return subprocess.run(command, cwd=work, env=env, capture_output=True, timeout=600).returncode

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(run, folders))
    return time.perf_counter() - started


def grade_batch(submissions: Path, out: Path, jobs: int) -> float:
    return timed_batch(submissions, out, "-j", str(jobs), "--backend", "docker")


def timed_batch(submissions: Path, out: Path, *options: str) -> float:
    """Seconds ``grade batch`` of 04_sqlalchemy takes with ``options``; exits unless it succeeds."""
    command = [str(Path(sys.executable).with_name("grade")), "batch", str(submissions), "--exercise", "04_sqlalchemy",
               "--out", str(out), *options]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grade batch failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    exercise = load_exercise(ROOT / "exercises" / "04_sqlalchemy")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        submissions = work / "submissions"
        generate(exercise, submissions, args.count)
        out = work / "out"
        docker_s = grade_batch(submissions, out, args.jobs)
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        cached_s = grade_batch(submissions, out, args.jobs)
        bare_s = bare_pytest(exercise, submissions, work / "bare", args.jobs)
        statuses = (out / "gradebook.csv").read_text().splitlines()[1:]
    counts: dict[str, int] = {}
    for row in statuses:
        status = row.split(",")[4]
        counts[status] = counts.get(status, 0) + 1
    per_minute = args.count / docker_s * 60
    bare_per_minute = args.count / bare_s * 60
    print(f"{args.count} submissions of 04_sqlalchemy, -j {args.jobs}: {counts}")
    print(f"  grade batch (Docker)     {docker_s:7.1f} s   {per_minute:6.1f} submissions/min")
    print(f"  bare pytest on the host  {bare_s:7.1f} s   {bare_per_minute:6.1f} submissions/min")
    print(f"  ratio                    {docker_s / bare_s:7.2f}x  (target within 1.5x)")
    print(f"  cached re-run            {cached_s:7.2f} s   {docker_s / cached_s:6.0f}x faster (target 50x)")
    print(f"  grader peak memory       {peak_mib:7.0f} MiB (max RSS of the grade process)")


if __name__ == "__main__":
    main()
