"""The Docker backend: one fresh, locked-down container per run, always removed afterwards.

The engine is spoken to with :class:`~runner.sandbox.engine.Engine` (the standard library; the
docker SDK's import would cost a cold ``grade`` more than the container's start)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from ..errors import SandboxFailed, SandboxUnavailable
from ..exercise_toml import Boundary, Limits
from ..harness import SUPERVISOR
from . import DEFAULT_IMAGE, HOST_GRACE_S, STUDENT_UID, RunOutcome, RunRequest, diagnostics_tail, parse_supervisor_output
from .engine import Engine, EngineError

#: What a container is started for: an exercise's kind, limits and boundary.
Shape = tuple[str, Limits, Boundary]

SANDBOX_PYTHON = "/opt/venv/bin/python"
#: The container's own writable folders besides /work: nothing else uses them, so the grader process may
#: empty them between the runs of one job (16_testing: no run may leave state for the next).
SCRATCH = ("/tmp", "/dev/shm", "/dev/mqueue")
#: How many times a container's removal is tried before it is left to `sweep_exited`.
REMOVE_ATTEMPTS = 3
LABEL = "org.backend-roadmap.grade"
#: Set by `grade sandbox build` (runner/sandbox/image.py) to the image's Python version.
PYTHON_LABEL = "org.backend-roadmap.grade.python"


def connect(host: str | None = None) -> Engine:
    """An engine that answers (``DOCKER_HOST``, else the local socket), or :class:`SandboxUnavailable`
    saying how to get one."""
    try:
        engine = Engine(host)
        engine.ping()
    except (EngineError, OSError, ValueError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise SandboxUnavailable(
            f"cannot reach the Docker engine ({reason}); start it, or grade without isolation: --backend local",
            reason=f"no Docker engine answered ({reason})",
        ) from exc
    return engine


class DockerSandbox:
    """Runs each request in a new container: no network, read-only root, non-root grader process, limits."""

    name = "docker"
    isolated = True

    def __init__(self, image: str = DEFAULT_IMAGE, engine: Engine | None = None, prewarm: bool = False) -> None:
        self.engine = engine or connect()
        self.image = image
        self.prewarm = prewarm
        self.running: set[str] = set()
        self.warm: tuple[str, socket.socket, Shape] | None = None
        #: A container :meth:`prepare` is starting on another thread, and its shape.
        self.starting: tuple[Future[tuple[str, socket.socket]], Shape] | None = None
        self.closed = False
        try:
            found = self.engine.image(image)
        except EngineError as exc:
            if exc.status != 404:
                raise SandboxUnavailable(f"the Docker engine cannot show the image {image}: {exc}") from exc
            raise SandboxUnavailable(f"the sandbox image {image} is missing: build it with `grade sandbox build`") from exc
        except OSError as exc:
            raise SandboxUnavailable(f"the Docker engine stopped answering: {exc}") from exc
        self._image_id: str = str(found["Id"])
        self._python: str | None = ((found.get("Config") or {}).get("Labels") or {}).get(PYTHON_LABEL)
        sweep_exited(self.engine)

    def image_id(self) -> str | None:
        return self._image_id

    def python_version(self) -> str | None:
        return self._python

    def launch(self, kind: str, limits: Limits, boundary: Boundary) -> tuple[str, socket.socket]:
        """Create and start a container whose supervisor waits for its job on stdin."""
        config = RunRequest.supervisor_config_for(kind, limits, "/work", STUDENT_UID, None, SCRATCH, boundary)
        container_id = self.engine.create(
            {
                "Image": self.image,
                "Cmd": [SANDBOX_PYTHON, "-I", "-B", "-c", SUPERVISOR.read_text(), config],
                "User": "0:0",
                "WorkingDir": "/work",
                # Stdin open and attached once: the end of the attached stream is the end of the job.
                "OpenStdin": True,
                "StdinOnce": True,
                "AttachStdin": True,
                "AttachStdout": True,
                "AttachStderr": True,
                "Tty": False,
                "NetworkDisabled": True,
                "Labels": {LABEL: "sandbox"},
                "HostConfig": host_config(limits),
            }
        )
        self.running.add(container_id)
        stdin = self.engine.attach_stdin(container_id)
        try:
            self.engine.start(container_id)
        except BaseException:
            stdin.close()
            raise
        return container_id, stdin

    def prepare(self, kind: str, limits: Limits, boundary: Boundary) -> None:
        """Start, on another thread, the container the next run of this shape will use: its
        creation and its supervisor's start overlap what the host does before the run (collecting
        and checking the submission). Nothing to do when one is ready or starting. The engine is
        used from that thread only until :meth:`run` (or :meth:`close`) waits for it."""
        if self.closed or self.warm is not None or self.starting is not None:
            return
        shape = (kind, limits, boundary)
        started: Future[tuple[str, socket.socket]] = Future()

        def start() -> None:
            try:
                started.set_result(self.launch(*shape))
            except BaseException as exc:  # handed to the run that waits for it
                started.set_exception(exc)

        self.starting = (started, shape)
        threading.Thread(target=start, name="grade-prepare", daemon=True).start()

    def take_started(self) -> None:
        """Wait for the container :meth:`prepare` is starting and make it the warm one."""
        starting, self.starting = self.starting, None
        if starting is not None:
            container_id, stdin = starting[0].result()
            self.warm = (container_id, stdin, starting[1])

    def discard(self, container_id: str) -> None:
        self.running.discard(container_id)
        # A loaded engine (a fork bomb being reaped) can take longer than one API timeout to
        # remove a container; try again rather than leave it behind for `sweep_exited`.
        for attempt in range(REMOVE_ATTEMPTS):
            try:
                self.engine.remove(container_id)
                return
            except EngineError as exc:
                if exc.status == 404:  # already gone
                    return
            except OSError:
                pass
            time.sleep(1.0 + attempt)

    def run(self, request: RunRequest) -> RunOutcome:
        engine = self.engine
        started = time.monotonic()
        container_id: str | None = None
        try:
            if self.closed:
                raise SandboxFailed("the sandbox was closed (interrupted)")
            self.take_started()
            warm, self.warm = self.warm, None
            shape = (request.kind, request.limits, request.boundary)
            if warm is not None and warm[2] == shape:
                container_id, stdin, _ = warm
            else:
                if warm is not None:
                    hang_up(warm[1])
                    self.discard(warm[0])
                container_id, stdin = self.launch(*shape)
            try:
                stdin.sendall(request.job_tar())
                stdin.shutdown(socket.SHUT_WR)
            finally:
                stdin.close()
            if self.prewarm and not self.closed:
                # Start the next container while this one works: a fresh one for every run.
                self.warm = (*self.launch(*shape), shape)
            host_timed_out = False
            try:
                engine.wait(container_id, timeout=request.limits.submission_timeout_s + HOST_GRACE_S)
            except TimeoutError:
                host_timed_out = True
                engine.kill(container_id)
                engine.wait(container_id, timeout=30)
            state = engine.inspect(container_id)["State"]
            stdout = engine.logs(container_id, stdout=True, stderr=False)
            stderr = engine.logs(container_id, stdout=False, stderr=True, tail=20)
        except (EngineError, OSError) as exc:
            reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            raise SandboxFailed(f"the Docker engine failed while grading: {reason}") from exc
        finally:
            if container_id is not None:
                self.discard(container_id)
        events, exit_record = parse_supervisor_output(stdout)
        return RunOutcome(
            events=tuple(events),
            exit=exit_record,
            duration_s=time.monotonic() - started,
            oom_killed=bool(state.get("OOMKilled")),
            host_timed_out=host_timed_out,
            diagnostics=diagnostics_tail(stderr),
            extra={"container_exit": state.get("ExitCode")},
        )

    def close(self) -> None:
        """Kill whatever this sandbox is running now and refuse new runs."""

        self.closed = True
        with contextlib.suppress(Exception):  # what failed to start has nothing to remove
            self.take_started()
        warm, self.warm = self.warm, None
        if warm is not None:
            hang_up(warm[1])
        for container_id in list(self.running):
            self.discard(container_id)


def host_config(limits: Limits) -> dict[str, Any]:
    """The container's locks and limits (the Engine API's ``HostConfig``)."""
    memory = limits.memory_mb * 1024 * 1024
    return {
        "NetworkMode": "none",
        "ReadonlyRootfs": True,
        "Tmpfs": {
            "/tmp": "rw,nosuid,nodev,size=64m,mode=1777",
            "/work": "rw,nosuid,nodev,size=128m,mode=1777",
        },
        # Only what the supervisor needs to start the grader process as another user and to kill
        # it; the grader process, once it is uid 1000, has none.
        "CapDrop": ["ALL"],
        "CapAdd": ["SETUID", "SETGID", "KILL"],
        "SecurityOpt": ["no-new-privileges"],
        "Memory": memory,
        "MemorySwap": memory,
        "PidsLimit": limits.pids,
        "NanoCpus": int(limits.cpus * 1e9),
        "LogConfig": {"Type": "json-file", "Config": {"max-size": "80m"}},
    }


def hang_up(stdin: socket.socket) -> None:
    """Close a container's attached stdin (its supervisor then reads the end of its job: none)."""
    with contextlib.suppress(OSError):
        stdin.close()


def image_summary(engine: Engine, image: str) -> dict[str, Any] | None:
    """Id, creation time and size of ``image``, or None when it is missing."""
    try:
        found = engine.image(image)
    except EngineError as exc:
        if exc.status == 404:
            return None
        raise
    return {"id": found.get("Id"), "created": found.get("Created"), "size": found.get("Size")}


def sweep_exited(engine: Engine, older_than_s: float = 60.0) -> int:
    """Remove this grader's containers that stopped (or were never started) a while ago: a grader
    killed outright, or a pre-started container whose grader went away, leaves them behind.

    Runs on every sandbox start, so it costs one round trip when there is nothing to remove: the
    engine filters by status (running containers, other graders' at work, are never listed)."""
    removed = 0
    now = datetime.now(UTC)
    with contextlib.suppress(EngineError, OSError):
        stopped = engine.containers({"label": [LABEL], "status": ["exited", "created", "dead"]})
        for summary in stopped:
            with contextlib.suppress(ValueError, TypeError, KeyError, EngineError, OSError):
                if summary.get("State") == "exited":
                    finished = engine.inspect(summary["Id"])["State"].get("FinishedAt", "")[:19]
                    ended = datetime.fromisoformat(finished).replace(tzinfo=UTC)
                else:
                    ended = datetime.fromtimestamp(float(summary["Created"]), UTC)
                if (now - ended).total_seconds() > older_than_s:
                    engine.remove(summary["Id"])
                    removed += 1
    return removed


def leftover_containers(engine: Engine, settle_s: float = 0.0) -> list[str]:
    """This grader's containers that are no longer running but still exist, as ``id (status)``
    (there should be none; running ones belong to a grader at work). ``settle_s`` waits that long
    for removals the engine is still carrying out."""
    deadline = time.monotonic() + settle_s
    while True:
        containers = engine.containers({"label": [LABEL]})
        found = [f"{c['Id']} ({c.get('State')})" for c in containers if c.get("State") != "running"]
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.5)


def engine_summary(engine: Engine) -> dict[str, Any]:
    info = engine.json("GET", "/info")
    return {
        "server_version": info.get("ServerVersion"),
        "cgroup": f"v{info.get('CgroupVersion', '?')} ({info.get('CgroupDriver', '?')})",
        "memory_limit": info.get("MemoryLimit"),
        "swap_limit": info.get("SwapLimit"),
        "pids_limit": info.get("PidsLimit"),
        "runtimes": json.dumps(sorted(info.get("Runtimes", {}))),
    }
