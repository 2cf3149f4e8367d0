"""Grading on many machines: Celery workers, a Redis broker and a Redis result backend.

    grade worker --broker redis://HOST:6379/0 [--concurrency N]      on each machine with Docker
    grade batch SUBMISSIONS --exercise NN --broker redis://HOST:6379/0

Only stage 3 travels. The machine running ``grade batch`` keeps the rest of the pipeline (it
collects, caches, scores and renders). :class:`CelerySandbox` is a :class:`~runner.sandbox.Sandbox`
whose ``run`` sends one task; a worker runs it in its own :class:`~runner.sandbox.docker.DockerSandbox`
and answers with the raw outcome, which the dispatcher scores like a local one: it is untrusted
until checked, and the must-fail sentinel is chosen by the dispatcher.

Files travel content-addressed:

- each file is a blob named by its SHA-256 (``grade:blob:<hex>``);
- a tree (a submission, a hidden suite) is a manifest named by its tree hash (``grade:tree:<hash>``).

The worker hashes again everything it fetched, so it grades exactly the suite the dispatcher
holds, never a stale or altered one.

Tasks are acknowledged late, once their result is stored: a worker that dies mid-task leaves its
message to another worker after the visibility timeout. The dispatcher takes exactly one result
per task id, so nothing is lost and nothing counts twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import PurePosixPath
from typing import Any

from . import __version__
from .errors import InfraError, SandboxFailed, SandboxUnavailable
from .exercise import Limits, tree_hash
from .extras import require
from .sandbox import PerThread, RunOutcome, RunRequest, Sandbox, diagnostics_tail

QUEUE = "grade"
TASK = "grade.run"
IDENTITY_COMMAND = "grade_identity"
BLOB_TTL_S = 7 * 24 * 3600
#: A task whose worker went silent this long comes back to the queue; longer than any run.
DEFAULT_VISIBILITY_S = 300.0
POLL_S = 0.2
LIVENESS_EVERY_S = 5.0


class BlobError(ValueError):
    """A tree or blob is missing from the broker, or its content does not match its name."""


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)


def safe_url(url: str) -> str:
    """The broker URL without its password, for messages."""
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url))


def broker_errors() -> tuple[type[BaseException], ...]:
    """What a lost broker raises, from redis-py, kombu or the socket."""
    import redis
    from kombu.exceptions import OperationalError

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OperationalError, OSError)


def check_broker(url: str) -> Any:
    """A Redis client that answers, or :class:`SandboxUnavailable` with one line saying so."""
    require("workers", "grading over a broker (grade worker, grade batch --broker)")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise SandboxUnavailable(f"--broker must be a Redis URL such as redis://HOST:6379/0, not {safe_url(url)}")
    client = redis_client(url)
    try:
        client.ping()
    except broker_errors() as exc:
        raise SandboxUnavailable(f"cannot reach the broker at {safe_url(url)} ({exc}): is redis-server running there?") from exc
    except Exception as exc:  # redis-py's AuthenticationError, ResponseError and the like
        raise SandboxUnavailable(f"the broker at {safe_url(url)} refused us: {exc}") from exc
    return client


class BlobStore:
    """Files by content in Redis: blobs named by their SHA-256, trees by their tree hash."""

    def __init__(self, client: Any, ttl_s: int = BLOB_TTL_S) -> None:
        self.client = client
        self.ttl_s = ttl_s
        self.sent: set[str] = set()

    def put_tree(self, files: dict[str, bytes]) -> str:
        """Store ``files`` (name -> content) and return the tree's hash; a tree this store has
        already sent (a batch's hidden suite, once per task) is not sent again."""
        tree = tree_hash(files)
        if tree in self.sent:
            return tree
        digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        pipe = self.client.pipeline(transaction=False)
        for name, data in files.items():
            pipe.set(f"grade:blob:{digests[name]}", data, ex=self.ttl_s)
        pipe.set(f"grade:tree:{tree}", json.dumps(digests, sort_keys=True), ex=self.ttl_s)
        pipe.execute()
        self.sent.add(tree)
        return tree

    def get_tree(self, tree: str) -> dict[str, bytes]:
        """The files of ``tree``; :class:`BlobError` unless every byte matches its hash."""
        raw = self.client.get(f"grade:tree:{tree}")
        if raw is None:
            raise BlobError(f"tree {tree[:12]} is not on the broker (expired or never sent)")
        digests = json.loads(raw)
        if not isinstance(digests, dict) or not all(isinstance(d, str) for d in digests.values()):
            raise BlobError(f"tree {tree[:12]} is not a manifest")
        for name in digests:
            path = PurePosixPath(name)
            if not name or path.is_absolute() or ".." in path.parts:
                raise BlobError(f"tree {tree[:12]} names a file outside its folder: {name!r}")
        blobs = self.client.mget([f"grade:blob:{digest}" for digest in digests.values()]) if digests else []
        files: dict[str, bytes] = {}
        for (name, digest), data in zip(digests.items(), blobs, strict=True):
            if data is None:
                raise BlobError(f"blob {digest[:12]} ({name}) is not on the broker")
            if hashlib.sha256(data).hexdigest() != digest:
                raise BlobError(f"blob {digest[:12]} ({name}) does not match its hash")
            files[name] = data
        if tree_hash(files) != tree:
            raise BlobError(f"tree {tree[:12]} does not match its hash")
        return files


def make_app(broker: str, visibility_timeout_s: float = DEFAULT_VISIBILITY_S) -> Any:
    """A Celery app on ``broker`` (Redis), JSON only, late acknowledgement, one task at a time per slot."""
    from celery import Celery

    app = Celery("grade", broker=broker, backend=broker, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_track_started=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=5,
        redis_socket_connect_timeout=5,
        redis_socket_timeout=30,
        broker_transport_options={
            "visibility_timeout": visibility_timeout_s,
            # Look for messages of dead workers every 2 s instead of kombu's ~100 s.
            "unacked_restore_interval": 2,
            "unacked_restore_throttle": 1,
            "socket_connect_timeout": 5,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def outcome_to_dict(outcome: RunOutcome) -> dict[str, Any]:
    """The outcome as JSON-ready data (what the result backend stores)."""
    return {**asdict(outcome), "events": list(outcome.events)}


def outcome_from_dict(data: Any) -> RunOutcome:
    """Rebuild a worker's outcome; ``ValueError`` when it is not one. Its events stay untrusted."""
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise ValueError("not a run outcome")
    exit_record = data.get("exit")
    extra = data.get("extra") or {}
    if (exit_record is not None and not isinstance(exit_record, dict)) or not isinstance(extra, dict):
        raise ValueError("not a run outcome")
    return RunOutcome(
        events=tuple(e for e in data["events"] if isinstance(e, dict)),
        exit=exit_record,
        duration_s=float(data.get("duration_s", 0.0)),
        oom_killed=bool(data.get("oom_killed")),
        host_timed_out=bool(data.get("host_timed_out")),
        diagnostics=diagnostics_tail(str(data.get("diagnostics", ""))),
        extra=extra,
    )


def sentinel_file(sentinel: str | None) -> str | None:
    """The file that holds the sentinel test ``file.py::test_name``."""
    return sentinel.split("::")[0] if sentinel else None


def payload_for(request: RunRequest, store: BlobStore, image_id: str | None) -> dict[str, Any]:
    """The task's JSON: trees by hash, the dispatcher's sentinel inline (it is new every run)."""
    sentinel = sentinel_file(request.sentinel)
    suite = {name: data for name, data in request.suite.items() if name != sentinel}
    return {
        "version": __version__,
        "kind": request.kind,
        "module": request.module,
        "files": store.put_tree(request.files),
        "suite": store.put_tree(suite),
        "sentinel": request.sentinel,
        "sentinel_source": request.suite[sentinel].decode() if sentinel else None,
        "limits": request.limits.to_dict(),
        "boundary": request.boundary,
        "image_id": image_id,
    }


def request_from_payload(payload: dict[str, Any], store: BlobStore) -> RunRequest:
    """The worker's side of :func:`payload_for`: fetch and check every file."""
    suite = store.get_tree(payload["suite"])
    sentinel = payload.get("sentinel")
    name = sentinel_file(sentinel)
    if name:
        suite[name] = str(payload["sentinel_source"]).encode()
    return RunRequest(
        kind=str(payload["kind"]),
        module=payload.get("module"),
        files=store.get_tree(payload["files"]),
        suite=suite,
        limits=Limits(**payload["limits"]),
        sentinel=sentinel,
        boundary="process" if payload.get("boundary") == "process" else "shared",
    )


def execute(payload: dict[str, Any], store: BlobStore, sandbox: Any, worker: str) -> dict[str, Any]:
    """What a worker does with one task: ``{"outcome": ...}``, or ``{"error": ...}`` for the grader."""
    if payload.get("version") != __version__:
        return {"error": f"worker {worker} runs grade {__version__}, the batch grade {payload.get('version')}: upgrade one"}
    if payload.get("image_id") and sandbox.image_id() != payload["image_id"]:
        return {"error": f"worker {worker} has sandbox image {str(sandbox.image_id())[:19]}, the batch expects "
                         f"{str(payload['image_id'])[:19]}: rebuild it with `grade sandbox build`"}  # fmt: skip
    try:
        request = request_from_payload(payload, store)
    except (BlobError, KeyError, TypeError, ValueError) as exc:
        return {"error": f"worker {worker} could not read the job: {exc}"}
    try:
        outcome = sandbox.run(request)
    except InfraError as exc:
        return {"error": f"worker {worker}: {exc}"}
    return {"outcome": outcome_to_dict(outcome), "worker": worker}


def check_workers(replies: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The workers that answered, by name; :class:`SandboxUnavailable` unless they agree on the
    grader's version and the sandbox image (results must not depend on who graded them)."""
    workers: dict[str, dict[str, Any]] = {}
    for reply in replies:
        for name, identity in reply.items():
            if isinstance(identity, dict) and "image_id" in identity:
                workers[name] = identity
    if not workers:
        return workers
    versions = {w.get("version") for w in workers.values()}
    if versions != {__version__}:
        found = ", ".join(f"{name}: {w.get('version')}" for name, w in sorted(workers.items()))
        raise SandboxUnavailable(f"every worker must run grade {__version__} like this machine ({found}): upgrade them")
    images = {w["image_id"] for w in workers.values()}
    if len(images) > 1:
        found = ", ".join(f"{name}: {str(w['image_id'])[:19]}" for name, w in sorted(workers.items()))
        raise SandboxUnavailable(f"the workers have different sandbox images ({found}): build the same image on each")
    return workers


class CelerySandbox:
    """Runs each request on whichever ``grade worker`` takes it, in that worker's Docker sandbox.

    Thread-safe: a batch calls ``run`` from as many threads as it wants tasks in flight.
    """

    #: The backend results and messages show: Docker sandboxes, on the ``grade worker``s reached
    #: through Celery (each result's ``sandbox.host`` names the worker).
    name = "docker via celery"
    isolated = True

    def __init__(self, broker: str, *, wait_s: float = 10.0) -> None:
        self.store = BlobStore(check_broker(broker))
        self.url = safe_url(broker)
        self.app = make_app(broker)
        self.wait_s = wait_s
        self.workers = self.find_workers(wait_s)
        if not self.workers:
            raise SandboxUnavailable(
                f"no grade worker answered on {self.url} within {wait_s:g} s: "
                f"start one with `grade worker --broker {self.url}` on a machine with Docker"
            )
        self._image_id: str | None = next(iter(self.workers.values()))["image_id"]
        self.lock = threading.Lock()
        self.pending: set[str] = set()
        self.failure: str | None = None
        self.broker_lost = False
        self.closed = False
        self.last_seen = time.monotonic()
        self.last_check = time.monotonic()

    def image_id(self) -> str | None:
        return self._image_id

    def python_version(self) -> str | None:
        return next((str(w["python"]) for w in self.workers.values() if w.get("python")), None)

    @property
    def concurrency(self) -> int:
        """Task slots over all workers that answered."""
        return sum(int(w.get("concurrency", 1)) for w in self.workers.values())

    @property
    def visibility_timeout_s(self) -> float:
        return max(float(w.get("visibility_timeout_s", DEFAULT_VISIBILITY_S)) for w in self.workers.values())

    def find_workers(self, wait_s: float) -> dict[str, dict[str, Any]]:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                replies = self.app.control.broadcast(IDENTITY_COMMAND, reply=True, timeout=1.0)
            except broker_errors() as exc:
                raise SandboxUnavailable(f"cannot reach the broker at {self.url} ({exc})") from exc
            workers = check_workers(replies or [])
            if workers or time.monotonic() >= deadline:
                return workers

    def run(self, request: RunRequest) -> RunOutcome:
        if self.failure:
            raise SandboxFailed(self.failure)
        task_id = str(uuid.uuid4())
        try:
            payload = payload_for(request, self.store, self._image_id)
            with self.lock:
                if self.closed:
                    raise SandboxFailed("the batch was interrupted")
                self.pending.add(task_id)
                # A task nobody waits for any more is dropped by the worker that receives it late.
                self.app.send_task(TASK, args=[payload], task_id=task_id, queue=QUEUE, expires=self.patience(request.limits))
            reply = self.wait(task_id, request.limits)
        except broker_errors() as exc:
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            self.broker_lost = True
            self.failure = f"lost the broker at {self.url} ({reason})"
            raise SandboxFailed(self.failure) from exc
        except SandboxFailed:
            # Given up on: a worker that turns up later must not grade it for nobody.
            self.revoke([task_id])
            raise
        finally:
            with self.lock:
                self.pending.discard(task_id)
        if "error" in reply:
            raise SandboxFailed(str(reply["error"]))
        try:
            outcome = outcome_from_dict(reply.get("outcome"))
        except (TypeError, ValueError) as exc:
            raise SandboxFailed(f"a worker answered something that is not a run outcome ({exc})") from exc
        # The worker that answered is the result's host (``SandboxInfo.host``).
        return replace(outcome, extra={**outcome.extra, "host": reply.get("worker")})

    def wait(self, task_id: str, limits: Limits) -> dict[str, Any]:
        """The task's reply. Waits through a worker's death (its task comes back to the queue)
        while some worker is alive; raises :class:`SandboxFailed` when none is, when the task
        failed, or after far longer than any run."""
        from celery import states

        backend = self.app.backend
        patience = self.patience(limits)
        started = time.monotonic()
        while True:
            meta = backend.get_task_meta(task_id, cache=False)
            status = meta.get("status")
            if status == states.SUCCESS:
                with contextlib.suppress(*broker_errors()):
                    backend.forget(task_id)
                result = meta.get("result")
                return result if isinstance(result, dict) else {"error": "a worker answered something that is not JSON"}
            if status in states.PROPAGATE_STATES:
                raise SandboxFailed(f"the grading task {status.lower()} on a worker: {meta.get('result')}")
            if self.closed:
                raise SandboxFailed("the batch was interrupted")
            if time.monotonic() - started > patience:
                raise SandboxFailed(f"no worker finished the task in {patience:.0f} s")
            self.check_alive()
            time.sleep(POLL_S)

    def patience(self, limits: Limits) -> float:
        """How long a task may take from sending to result: a run, a redelivery or two, a queue."""
        return limits.submission_timeout_s + 2 * self.visibility_timeout_s + 600

    def check_alive(self) -> None:
        """Every few seconds (shared by all threads): is any worker answering? Gives up after ``wait_s``."""
        with self.lock:
            now = time.monotonic()
            if now - self.last_check < LIVENESS_EVERY_S:
                return
            self.last_check = now
        answered = self.app.control.ping(timeout=1.0, limit=1)
        with self.lock:
            if answered:
                self.last_seen = time.monotonic()
            elif time.monotonic() - self.last_seen > max(self.wait_s, 2 * LIVENESS_EVERY_S):
                self.failure = f"no grade worker is alive on {self.url}: start one"
        if self.failure:
            raise SandboxFailed(self.failure)

    def close(self) -> None:
        """Refuse new runs and revoke the tasks still out, so no worker grades them for nobody."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            pending = sorted(self.pending)
        self.revoke(pending)

    def revoke(self, task_ids: list[str]) -> None:
        if task_ids and not self.broker_lost:
            with contextlib.suppress(*broker_errors()):
                self.app.control.revoke(task_ids)


def default_worker_name() -> str:
    return f"grade-{os.getpid()}@{socket.gethostname()}"


def serve(
    app: Any, broker: str, name: str, sandbox_factory: Callable[[], Sandbox], identity: dict[str, Any]
) -> Callable[[], None]:
    """Make ``app`` the grading worker ``name``: the task (one sandbox per worker thread, from
    ``sandbox_factory``) and the identity command. Returns what closes those sandboxes."""
    from celery.worker.control import inspect_command

    store = BlobStore(redis_client(broker))
    sandboxes = PerThread(sandbox_factory)

    @inspect_command(name=IDENTITY_COMMAND)  # type: ignore[untyped-decorator]
    def grade_identity(state: Any, **kwargs: Any) -> dict[str, Any]:
        return identity

    @app.task(name=TASK)  # type: ignore[untyped-decorator]
    def run_task(payload: dict[str, Any]) -> dict[str, Any]:
        return execute(payload, store, sandboxes.get(), name)

    return sandboxes.close


def run_worker(
    broker: str,
    *,
    concurrency: int,
    image: str,
    name: str | None = None,
    visibility_timeout_s: float = DEFAULT_VISIBILITY_S,
    loglevel: str = "INFO",
) -> int:
    """Serve grading tasks from ``broker`` with ``concurrency`` Docker sandboxes until stopped.

    Raises :class:`SandboxUnavailable` when the engine, the image or the broker is not there.
    Returns the worker's exit code.
    """
    from .sandbox.docker import DockerSandbox, connect

    # redis-py 8 deprecates the setex Celery's result backend calls: a warning per result, not ours.
    warnings.filterwarnings("ignore", message="Call to deprecated setex", category=DeprecationWarning)
    check_broker(broker)
    from celery import signals

    client = connect()
    box = DockerSandbox(image, client)
    identity = {
        "version": __version__,
        "image": image,
        "image_id": box.image_id(),
        "python": box.python_version(),
        "concurrency": concurrency,
        "visibility_timeout_s": visibility_timeout_s,
        "host": socket.gethostname(),
    }
    app = make_app(broker, visibility_timeout_s)
    name = name or default_worker_name()
    close_sandboxes = serve(app, broker, name, lambda: DockerSandbox(image, connect(), prewarm=True), identity)
    signals.worker_shutdown.connect(lambda **kwargs: close_sandboxes(), weak=False)
    worker = app.Worker(hostname=name, pool="threads", concurrency=concurrency, queues=[QUEUE], loglevel=loglevel,
                        without_gossip=True, without_mingle=True)  # fmt: skip
    worker.start()
    return int(worker.exitcode or 0)
