"""200 submissions of 04_sqlalchemy spread over `grade worker`s, against a local batch.

    .venv/bin/python -m benchmarks.bench_distributed [--count 200]

The submissions are those of ``bench_batch`` (a fixed mix: correct, wrong, erroring, looping),
all unique, graded with ``--no-cache``. A redis-server on loopback is the broker; the workers are
real ``grade worker`` processes on this machine, each of one process with one Docker sandbox
(``-c 1``). Prints the wall time and throughput for:

- a local batch ``-j 1`` and one worker: the difference per submission is the cost of a task
  (blobs, broker, result backend, polling);
- a local batch ``-j 2`` and two workers: the same at the parallelism of this 2-core machine;
- two workers against one: the speed-up from adding a worker;
- with ``--latency N``, N correct submissions one at a time (``-j 1``: nothing in flight hides the
  round trip) on one worker and locally: the latency a task adds.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_batch import generate, timed_batch
from runner.exercise import Exercise, load_exercise

ROOT = Path(__file__).resolve().parent.parent
GRADE = str(Path(sys.executable).with_name("grade"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_workers(url: str, count: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for index in range(count):
        name = f"bench{index + 1}@{socket.gethostname()}"
        log = (logs / f"worker{index + 1}.log").open("wb")
        workers.append(subprocess.Popen([GRADE, "worker", "--broker", url, "-c", "1", "--name", name, "--loglevel", "WARNING"],
                                        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip
    return workers


def wait_ready(url: str, count: int) -> None:
    """Until ``count`` workers answer: their start is not part of what is measured."""
    from runner.distributed import make_app

    app = make_app(url)
    deadline = time.monotonic() + 120
    while len(app.control.ping(timeout=0.5)) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{count} workers did not start")
    app.close()


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=120)


def latency(exercise: Exercise, work: Path, url: str, count: int) -> None:
    """Correct submissions one at a time, on one worker and locally: what a task's round trip adds."""
    submissions = work / "latency"
    reference = (exercise.reference_path() / "bookshop.py").read_text()
    for index in range(count):
        (submissions / f"s{index:03d}").mkdir(parents=True)
        (submissions / f"s{index:03d}" / "bookshop.py").write_text(f"# {index}\n{reference}")
    local = timed_batch(submissions, work / "lat-local", "--no-cache", "--backend", "docker", "-j", "1")
    workers = start_workers(url, 1, work)
    try:
        wait_ready(url, 1)
        remote = timed_batch(submissions, work / "lat-remote", "--no-cache", "--broker", url, "-j", "1")
    finally:
        stop(workers)
    print(f"{count} correct submissions one at a time (-j 1)")
    print(f"  local        {local:7.1f} s   {local / count:5.2f} s each")
    print(f"  1 worker     {remote:7.1f} s   {remote / count:5.2f} s each, {(remote - local) / count * 1000:+.0f} ms per task")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="submissions for the throughput runs (0: none)")
    parser.add_argument("--latency", type=int, default=0, metavar="N", help="also time N submissions one at a time")
    args = parser.parse_args()
    exercise = load_exercise(ROOT / "exercises" / "04_sqlalchemy")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        submissions = work / "submissions"
        generate(exercise, submissions, args.count)
        port = free_port()
        url = f"redis://127.0.0.1:{port}/0"
        redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp],
                                 stdout=subprocess.DEVNULL)  # fmt: skip
        try:
            if args.latency:
                latency(exercise, work, url, args.latency)
            if not args.count:
                return
            times = {"local -j 1": timed_batch(submissions, work / "l1", "--no-cache", "--backend", "docker", "-j", "1")}
            for count in (1, 2):
                workers = start_workers(url, count, work)
                try:
                    wait_ready(url, count)
                    times[f"{count} worker{'s' if count > 1 else ''}"] = timed_batch(
                        submissions, work / f"w{count}", "--no-cache", "--broker", url, "--wait-workers", "60"
                    )
                finally:
                    stop(workers)
            times["local -j 2"] = timed_batch(submissions, work / "l2", "--no-cache", "--backend", "docker", "-j", "2")
        finally:
            redis.terminate()
            redis.wait()
    print(f"{args.count} submissions of 04_sqlalchemy, every one graded (--no-cache)")
    for label, seconds in times.items():
        print(f"  {label:12} {seconds:7.1f} s   {args.count / seconds * 60:6.1f} submissions/min")
    one, two = times["1 worker"], times["2 workers"]
    print(f"  two workers vs one        {one / two:5.2f}x faster")
    print(f"  one worker vs local -j 1  {one / times['local -j 1']:5.2f}x the time, "
          f"{(one - times['local -j 1']) / args.count * 1000:+.0f} ms per submission")  # fmt: skip
    print(f"  two workers vs local -j 2 {two / times['local -j 2']:5.2f}x the time, "
          f"{(two - times['local -j 2']) / args.count * 1000:+.0f} ms per submission")  # fmt: skip


if __name__ == "__main__":
    main()
