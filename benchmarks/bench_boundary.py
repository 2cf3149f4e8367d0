"""The process boundary's cost: grade a reference in Docker with the hidden tests in the student's
process (``shared``) and in their own (``process``), interleaved, and print the medians.

    .venv/bin/python -m benchmarks.bench_boundary [--runs N] [EXERCISE ...]

Each run is one ``grade_folder`` call on a fresh container (no pre-started one), so the figure
includes the container's start; one warm-up run per exercise and boundary comes first. The
default exercises are the ones graded across the boundary.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path
from typing import get_args

from runner.exercise import Boundary, Exercise, load_exercise
from runner.grading import grade_folder
from runner.sandbox.docker import DockerSandbox

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ("02_http_json", "05_auth_jwt")


def timed(exercise: Exercise, sandbox: DockerSandbox) -> float:
    started = time.monotonic()
    result = grade_folder(exercise, exercise.reference_path(), sandbox)
    elapsed = time.monotonic() - started
    if result.status != "passed":
        raise SystemExit(f"{exercise.id} ({exercise.boundary}): the reference scored {result.status}: {result.message}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("exercises", nargs="*", default=list(DEFAULT))
    args = parser.parse_args()
    sandbox = DockerSandbox()
    print(f"{'exercise':<16} {'shared (s)':>11} {'process (s)':>12} {'ratio':>6}   runs: {args.runs}, medians")
    for ident in args.exercises:
        base = load_exercise(ROOT / "exercises" / ident)
        variants = {b: dataclasses.replace(base, boundary=b) for b in get_args(Boundary)}
        times: dict[str, list[float]] = {b: [] for b in variants}
        for variant in variants.values():
            timed(variant, sandbox)
        for _ in range(args.runs):
            for name, variant in variants.items():
                times[name].append(timed(variant, sandbox))
        shared, process = (statistics.median(times[b]) for b in ("shared", "process"))
        print(f"{ident:<16} {shared:>11.2f} {process:>12.2f} {process / shared:>6.2f}")


if __name__ == "__main__":
    main()
