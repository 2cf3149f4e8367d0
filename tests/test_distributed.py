"""Distributed batches: content-addressed blobs, the task's payload, the workers' identities, and
for real: a redis-server and `grade worker` processes grading in Docker, one killed mid-batch,
and the broker going away and coming back."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner import __version__, cli
from runner.batch import ResultCache, discover, grade_batch
from runner.distributed import (
    BlobError,
    BlobStore,
    CelerySandbox,
    check_workers,
    execute,
    make_app,
    outcome_from_dict,
    outcome_to_dict,
    payload_for,
    redis_client,
    request_from_payload,
    serve,
)
from runner.errors import SandboxUnavailable
from runner.exercise import Exercise
from runner.grading import sentinel_test
from runner.sandbox import RunOutcome, RunRequest
from runner.sandbox.fake import FakeSandbox, outcome
from tests.fakes import answering, says_pass

ROOT = Path(__file__).resolve().parent.parent
GRADE = str(Path(sys.executable).with_name("grade"))
CELERY = str(Path(sys.executable).with_name("celery"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A throwaway redis-server on loopback, no persistence; it can be killed and started again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(self.folder)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis_client(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("CI requires redis-server (Debian package redis-server; .ci/run installs it)")
        pytest.skip("no redis-server here (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


# -- blobs and payloads ---------------------------------------------------------------------------


def test_blobs_round_trip_and_refuse_anything_altered(redis_server: RedisServer) -> None:
    client = redis_client(redis_server.url)
    store = BlobStore(client)
    files = {"bookshop.py": b"x = 1\n", "tests/test_a.py": b"def test(): pass\n"}
    tree = store.put_tree(files)
    assert store.get_tree(tree) == files
    assert client.ttl(f"grade:tree:{tree}") > 0, "blobs expire; the broker does not fill up"

    digest = json.loads(client.get(f"grade:tree:{tree}"))["bookshop.py"]
    client.set(f"grade:blob:{digest}", b"x = 2\n")
    with pytest.raises(BlobError, match="does not match its hash"):
        store.get_tree(tree)
    client.delete(f"grade:blob:{digest}")
    with pytest.raises(BlobError, match="not on the broker"):
        store.get_tree(tree)
    with pytest.raises(BlobError, match="not on the broker"):
        store.get_tree("0" * 64)

    escaping = "e" * 64
    client.set(f"grade:tree:{escaping}", json.dumps({"../../etc/cron.d/x": digest}))
    with pytest.raises(BlobError, match="outside its folder"):
        store.get_tree(escaping)
    stale = store.put_tree({"a.py": b"old\n"})
    client.set(f"grade:tree:{stale}", client.get(f"grade:tree:{store.put_tree({'a.py': b'new'})}"))
    with pytest.raises(BlobError, match="does not match its hash"):
        store.get_tree(stale)


def request_for(exercise: Exercise, files: dict[str, bytes]) -> RunRequest:
    name, source, sentinel = sentinel_test()
    return RunRequest(exercise.kind, exercise.module, files, {**exercise.suite_files(), name: source}, exercise.limits, sentinel)


def test_a_request_travels_by_hash_and_arrives_whole(redis_server: RedisServer, sqlalchemy_exercise: Exercise) -> None:
    store = BlobStore(redis_client(redis_server.url))
    request = request_for(sqlalchemy_exercise, {"bookshop.py": b"# mine\n"})
    payload = payload_for(request, store, "sha256:abc")
    assert payload["suite"] == sqlalchemy_exercise.suite_hash, "the hidden suite is named by its hash"
    assert json.loads(json.dumps(payload)) == payload, "the task is plain JSON"
    assert request_from_payload(payload, store) == request
    across = dataclasses.replace(request, boundary="process")
    assert request_from_payload(payload_for(across, store, "sha256:abc"), store) == across, "the boundary travels too"


def test_worker_refuses_other_versions_images_and_broken_jobs(redis_server: RedisServer, sqlalchemy_exercise: Exercise) -> None:
    store = BlobStore(redis_client(redis_server.url))
    sandbox = FakeSandbox.with_outcomes({t.id: "passed" for t in sqlalchemy_exercise.tests})
    payload = payload_for(request_for(sqlalchemy_exercise, {"bookshop.py": b"# mine\n"}), store, "sha256:fake")

    done = execute(payload, store, sandbox, "w1@host")
    assert done["worker"] == "w1@host"
    assert outcome_from_dict(done["outcome"]).events == sandbox.respond(sandbox.requests[0]).events
    assert "image" in execute({**payload, "image_id": "sha256:other"}, store, sandbox, "w1@host")["error"]
    assert "upgrade" in execute({**payload, "version": "0.0.1"}, store, sandbox, "w1@host")["error"]
    assert "could not read the job" in execute({**payload, "suite": "f" * 64}, store, sandbox, "w1@host")["error"]
    assert len(sandbox.requests) == 1, "nothing ran for a refused job"


def test_outcomes_survive_json_and_garbage_is_refused() -> None:
    original = outcome({"a.py::test_x": "passed"})
    again = outcome_from_dict(json.loads(json.dumps(outcome_to_dict(original))))
    assert again == RunOutcome(tuple(original.events), original.exit, original.duration_s, extra=original.extra)
    garbage: object
    for garbage in (None, [], {"events": "x"}, {"events": [], "exit": "no"}):
        with pytest.raises(ValueError):
            outcome_from_dict(garbage)


def test_workers_must_agree_on_version_and_image() -> None:
    me = {"version": __version__, "image_id": "sha256:a", "concurrency": 2}
    assert set(check_workers([{"w1": me}, {"w2": {**me, "concurrency": 1}}, {"w3": {"ok": "pong"}}])) == {"w1", "w2"}
    assert check_workers([]) == {}
    with pytest.raises(SandboxUnavailable, match="different sandbox images"):
        check_workers([{"w1": me}, {"w2": {**me, "image_id": "sha256:b"}}])
    with pytest.raises(SandboxUnavailable, match="upgrade them"):
        check_workers([{"w1": me}, {"w2": {**me, "version": "0.0.1"}}])


# redis-py 8 deprecates the setex that Celery's result backend calls: library noise, not ours.
@pytest.mark.harness
@pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")
def test_a_batch_through_an_in_process_worker_with_a_fake_sandbox(
    tmp_path: Path, redis_server: RedisServer, sqlalchemy_exercise: Exercise
) -> None:
    from celery.contrib.testing.worker import start_worker

    fake = answering(sqlalchemy_exercise, says_pass)
    app = make_app(redis_server.url)
    identity = {"version": __version__, "image_id": fake.image_id(), "concurrency": 2, "visibility_timeout_s": 10}
    serve(app, redis_server.url, "inproc@test", lambda: fake, identity)
    subs = submissions_of(tmp_path / "subs", {"alice": "# PASS\n", "bob": "# nope\n", "carol": "# PASS\n"})
    items = discover(subs, sqlalchemy_exercise)
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, hostname="inproc@test"):
            remote = CelerySandbox(redis_server.url, wait_s=5)
            assert set(remote.workers) == {"inproc@test"} and remote.image_id() == "sha256:fake"
            cache = ResultCache(tmp_path / "cache", sqlalchemy_exercise, remote)
            entries = grade_batch(sqlalchemy_exercise, items, lambda: remote, jobs=4, cache=cache)
            again = grade_batch(sqlalchemy_exercise, items, lambda: remote, jobs=4, cache=cache)
    finally:
        logging.captureWarnings(False)  # the embedded worker's log set-up turned it on for the process
    assert {e.item.student: e.result.status for e in entries} == {"alice": "passed", "bob": "failed", "carol": "passed"}
    assert {e.result.sandbox.host for e in entries} == {"inproc@test"}
    assert {e.result.sandbox.backend for e in entries} == {"docker via celery"}, "the backend says the workers graded it"
    assert {e.result.grader.image_id for e in entries} == {"sha256:fake"}
    assert len(fake.requests) == 3 and all(e.cached for e in again), "the re-run comes from the cache"
    assert all(set(r.files) == {"bookshop.py"} for r in fake.requests)
    assert all(r.sentinel and r.sentinel.split("::")[0] in r.suite for r in fake.requests), "the sentinel arrives"


# -- the command line without workers -------------------------------------------------------------


def submissions_of(folder: Path, sources: dict[str, str]) -> Path:
    for student, source in sources.items():
        (folder / student).mkdir(parents=True)
        (folder / student / "bookshop.py").write_text(source)
    return folder


def test_unreachable_broker_is_one_line_and_exit_3(tmp_path: Path) -> None:
    subs = submissions_of(tmp_path / "subs", {"alice": "x = 1\n"})
    url = f"redis://:secret@127.0.0.1:{free_port()}/0"
    runner = CliRunner()
    out = str(tmp_path / "o")
    done = runner.invoke(cli.main, ["batch", str(subs), "--exercise", "04_sqlalchemy", "--broker", url, "--out", out])
    assert done.exit_code == 3, done.output
    assert "cannot reach the broker at redis://:**@127.0.0.1" in done.output and "secret" not in done.output
    assert "Traceback" not in done.output
    done = runner.invoke(cli.main, ["worker", "--broker", url])
    assert done.exit_code == 3 and "cannot reach the broker" in done.output
    done = runner.invoke(cli.main, ["batch", str(subs), "--exercise", "04_sqlalchemy", "--broker", "amqp://x"])
    assert done.exit_code == 3 and "must be a Redis URL" in done.output


def test_no_worker_listening_is_a_clear_error(tmp_path: Path, redis_server: RedisServer) -> None:
    subs = submissions_of(tmp_path / "subs", {"alice": "x = 1\n"})
    args = ["batch", str(subs), "--exercise", "04_sqlalchemy", "--broker", redis_server.url, "--wait-workers", "1"]
    done = CliRunner().invoke(cli.main, [*args, "--out", str(tmp_path / "o")])
    assert done.exit_code == 3, done.output
    assert "no grade worker answered" in done.output and "grade worker --broker" in done.output


# -- for real: worker processes grading in Docker -------------------------------------------------


class Worker:
    """A `grade worker` process of its own session, so that killing it kills all it started."""

    def __init__(self, name: str, url: str, folder: Path) -> None:
        self.name = name
        self.log = folder / f"{name.split('@')[0]}.log"
        command = [GRADE, "worker", "--broker", url, "--name", name, "--visibility-timeout", "10"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self) -> None:
        for _ in range(300):
            if f"{self.name} ready" in self.log.read_text():
                return
            assert self.process.poll() is None, self.log.read_text()
            time.sleep(0.1)
        raise AssertionError(f"{self.name} never became ready:\n{self.log.read_text()}")

    def succeeded(self) -> list[str]:
        return re.findall(r"Task grade\.run\[([0-9a-f-]+)\] succeeded", self.log.read_text())

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(tmp_path: Path, redis_server: RedisServer, docker_sandbox: object) -> Iterator[Callable[[str], Worker]]:
    started: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(name, redis_server.url, tmp_path)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def slow_submissions(folder: Path, exercise: Exercise, count: int) -> dict[str, bool]:
    """``count`` submissions that take about 3 s each to import; reference or a mutant in turn.
    Returns whether each student's should score 100 %."""
    reference = (exercise.reference_path() / "bookshop.py").read_text()
    mutants = [exercise.apply(m)["bookshop.py"].decode() for m in exercise.mutants()]
    expected = {}
    for index in range(count):
        student = f"student{index:02d}"
        source = reference if index % 2 == 0 else mutants[index % len(mutants)]
        submissions_of(folder, {student: f"import time\ntime.sleep(3)  # {student}\n{source}"})
        expected[student] = index % 2 == 0
    return expected


def batch_command(subs: Path, out: Path, url: str, *extra: str) -> list[str]:
    return [GRADE, "batch", str(subs), "--exercise", "04_sqlalchemy", "--broker", url, "--out", str(out), *extra]


def active_on(url: str, name: str) -> list[str]:
    """Ids of the tasks the worker ``name`` started less than a second ago (so it is still well
    inside them), as it tells Celery's inspect."""
    app = make_app(url)
    try:
        replies = app.control.inspect(destination=[name], timeout=1.0, limit=1).active() or {}
    finally:
        app.close()
    return [task["id"] for task in replies.get(name, []) if time.time() - float(task.get("time_start") or 0) < 1.0]


def kill_mid_task(url: str, worker: Worker) -> str:
    """SIGKILL ``worker`` while it is well inside a task; the id of that task."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        active = active_on(url, worker.name)
        if active:
            worker.kill()
            return active[0]
    raise AssertionError(f"{worker.name} never took a task")


def batch_meanwhile(command: list[str], meanwhile: Callable[[], object]) -> subprocess.CompletedProcess[str]:
    """Start ``command`` (a ``grade batch``), do ``meanwhile`` while it runs, then wait for it."""
    batch = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        meanwhile()
        stdout, stderr = batch.communicate(timeout=240)
    finally:
        if batch.poll() is None:
            batch.kill()
    return subprocess.CompletedProcess(command, batch.returncode, stdout, stderr)


def read_results(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


@pytest.mark.docker
def test_a_worker_killed_mid_batch_loses_nothing_and_nothing_counts_twice(
    tmp_path: Path, redis_server: RedisServer, workers: Callable[[str], Worker], sqlalchemy_exercise: Exercise
) -> None:
    first, second = workers("w1@test"), workers("w2@test")
    first.wait_ready()
    second.wait_ready()
    expected = slow_submissions(tmp_path / "subs", sqlalchemy_exercise, 8)
    out = tmp_path / "out"
    lost: list[str] = []
    batch = batch_meanwhile(batch_command(tmp_path / "subs", out, redis_server.url),
                            lambda: lost.append(kill_mid_task(redis_server.url, first)))  # fmt: skip
    assert batch.returncode == 0, batch.stdout + batch.stderr

    results = read_results(out)
    students = Counter(str(r["submission"]) for r in results)
    assert students == Counter(list(expected)), "every submission exactly once"
    for result in results:
        assert (result["percent"] == 100.0) is expected[str(result["submission"])], result["message"]
        assert result["sandbox"]["host"] in (first.name, second.name)  # type: ignore[index]
    done = Counter(first.succeeded() + second.succeeded())
    assert len(done) == 8 and set(done.values()) == {1}, f"each task succeeded once in all: {done}"
    assert lost[0] in second.succeeded() and lost[0] not in first.succeeded(), "the killed worker's task went to the other"
    with (out / "gradebook.csv").open() as handle:
        assert len(handle.read().splitlines()) == 1 + 8
    summary = (out / "summary.html").read_text()
    assert "Graded by" in summary and second.name in summary
    for result in results:
        report = (out / "reports" / f"{result['submission']}.html").read_text()
        assert f"on host {result['sandbox']['host']}" in report  # type: ignore[index]

    # Run again: everything comes from the cache; no worker grades anything.
    graded = len(second.succeeded())
    again = subprocess.run(batch_command(tmp_path / "subs", out, redis_server.url), cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "(cached 8)" in again.stdout
    assert len(second.succeeded()) == graded


@pytest.mark.docker
def test_a_lost_broker_is_a_clear_error_and_the_batch_resumes(
    tmp_path: Path, redis_server: RedisServer, workers: Callable[[str], Worker], sqlalchemy_exercise: Exercise
) -> None:
    worker = workers("w1@test")
    worker.wait_ready()
    expected = slow_submissions(tmp_path / "subs", sqlalchemy_exercise, 6)
    out = tmp_path / "out"

    def kill_broker_after_a_grade() -> None:
        deadline = time.monotonic() + 90
        while not list((out / ".cache").glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list((out / ".cache").glob("*.json")), "nothing was graded before the broker went away"
        redis_server.kill()

    batch = batch_meanwhile(batch_command(tmp_path / "subs", out, redis_server.url, "-j", "1"), kill_broker_after_a_grade)
    assert batch.returncode == 3, batch.stdout + batch.stderr
    assert "lost the broker" in batch.stderr and "run the same command again" in batch.stderr, batch.stderr
    assert "Traceback" not in batch.stdout + batch.stderr
    graded_before = len(list((out / ".cache").glob("*.json")))
    assert 1 <= graded_before < 6

    redis_server.start()  # same port, empty: the worker reconnects by itself
    resumed = subprocess.run(batch_command(tmp_path / "subs", out, redis_server.url, "--wait-workers", "60"),
                             cwd=ROOT, capture_output=True, text=True, timeout=240)  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"(cached {graded_before})" in resumed.stdout
    results = read_results(out)
    assert Counter(str(r["submission"]) for r in results) == Counter(list(expected))
    assert all((r["percent"] == 100.0) is expected[str(r["submission"])] for r in results)


@pytest.mark.docker
def test_a_batch_whose_only_worker_died_stops_with_a_clear_error(
    tmp_path: Path, redis_server: RedisServer, workers: Callable[[str], Worker], sqlalchemy_exercise: Exercise
) -> None:
    worker = workers("w1@test")
    worker.wait_ready()
    slow_submissions(tmp_path / "subs", sqlalchemy_exercise, 3)
    out = tmp_path / "out"
    command = batch_command(tmp_path / "subs", out, redis_server.url, "--wait-workers", "2")
    batch = batch_meanwhile(command, lambda: kill_mid_task(redis_server.url, worker))
    assert batch.returncode == 3, batch.stdout + batch.stderr
    assert "no grade worker is alive" in batch.stderr and "Traceback" not in batch.stdout + batch.stderr
    assert {str(r["status"]) for r in read_results(out)} == {"infra_error"}, "nothing is blamed on the students"
    assert not list((out / ".cache").glob("*.json")), "grader errors are never cached"
