"""The Docker backend: one fresh, locked-down container per run, always removed afterwards."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from concurrent.futures import Future
from datetime import UTC
from typing import Any

from ..errors import SandboxFailed, SandboxUnavailable
from ..exercise import Boundary, Limits
from ..harness import SUPERVISOR
from . import DEFAULT_IMAGE, HOST_GRACE_S, STUDENT_UID, RunOutcome, RunRequest, diagnostics_tail, parse_supervisor_output

SANDBOX_PYTHON = "/opt/venv/bin/python"
#: The container's own writable folders besides /work: nothing else uses them, so the grader process may
#: empty them between the runs of one job (16_testing: no run may leave state for the next).
SCRATCH = ("/tmp", "/dev/shm", "/dev/mqueue")
#: How many times a container's removal is tried before it is left to `sweep_exited`.
REMOVE_ATTEMPTS = 3
LABEL = "org.backend-roadmap.grade"
#: Set by `grade sandbox build` (runner/sandbox/image.py) to the image's Python version.
PYTHON_LABEL = "org.backend-roadmap.grade.python"


def connect() -> Any:
    """A Docker client that answers, or :class:`SandboxUnavailable` saying how to get one."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except DockerException as exc:
        reason = str(exc).splitlines()[0][:200]
        raise SandboxUnavailable(
            f"cannot reach the Docker engine ({reason}); start it, or grade without isolation: --backend local",
            reason=f"no Docker engine answered ({reason})",
        ) from exc
    return client


class DockerSandbox:
    """Runs each request in a new container: no network, read-only root, non-root grader process, limits."""

    name = "docker"
    isolated = True

    def __init__(self, image: str = DEFAULT_IMAGE, client: Any = None, prewarm: bool = False) -> None:
        from docker.errors import ImageNotFound

        self.client = client or connect()
        self.image = image
        self.prewarm = prewarm
        self.running: set[str] = set()
        self.warm: tuple[str, Any, tuple[str, Limits, Boundary]] | None = None
        #: A container :meth:`prepare` is starting on another thread, and its shape.
        self.starting: tuple[Future[tuple[str, Any]], tuple[str, Limits, Boundary]] | None = None
        self.closed = False
        try:
            found = self.client.images.get(image)
        except ImageNotFound as exc:
            raise SandboxUnavailable(f"the sandbox image {image} is missing: build it with `grade sandbox build`") from exc
        self._image_id: str = found.id
        self._python: str | None = (found.labels or {}).get(PYTHON_LABEL)
        sweep_exited(self.client)

    def image_id(self) -> str | None:
        return self._image_id

    def python_version(self) -> str | None:
        return self._python

    def host_config(self, limits: Limits) -> Any:
        memory = f"{limits.memory_mb}m"
        return self.client.api.create_host_config(
            network_mode="none",
            read_only=True,
            tmpfs={
                "/tmp": "rw,nosuid,nodev,size=64m,mode=1777",
                "/work": "rw,nosuid,nodev,size=128m,mode=1777",
            },
            # Only what the supervisor needs to start the grader process as another user and to kill
            # it; the grader process, once it is uid 1000, has none.
            cap_drop=["ALL"],
            cap_add=["SETUID", "SETGID", "KILL"],
            security_opt=["no-new-privileges"],
            mem_limit=memory,
            memswap_limit=memory,
            pids_limit=limits.pids,
            nano_cpus=int(limits.cpus * 1e9),
            log_config={"type": "json-file", "config": {"max-size": "80m"}},
        )

    def launch(self, kind: str, limits: Limits, boundary: Boundary) -> tuple[str, Any]:
        """Create and start a container whose supervisor waits for its job on stdin."""
        config = RunRequest.supervisor_config_for(kind, limits, "/work", STUDENT_UID, None, SCRATCH, boundary)
        container = self.client.api.create_container(
            self.image,
            command=[SANDBOX_PYTHON, "-I", "-B", "-c", SUPERVISOR.read_text(), config],
            user="0:0",
            working_dir="/work",
            stdin_open=True,
            network_disabled=True,
            labels={LABEL: "sandbox"},
            host_config=self.host_config(limits),
        )
        container_id = str(container["Id"])
        self.running.add(container_id)
        stdin = self.client.api.attach_socket(container_id, params={"stdin": 1, "stream": 1})
        self.client.api.start(container_id)
        return container_id, stdin

    def prepare(self, kind: str, limits: Limits, boundary: Boundary) -> None:
        """Start, on another thread, the container the next run of this shape will use: its
        creation and its supervisor's start overlap what the host does before the run (collecting
        and checking the submission). Nothing to do when one is ready or starting. The engine is
        used from that thread only until :meth:`run` (or :meth:`close`) waits for it."""
        if self.closed or self.warm is not None or self.starting is not None:
            return
        shape = (kind, limits, boundary)
        started: Future[tuple[str, Any]] = Future()

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
        from docker.errors import DockerException
        from requests.exceptions import RequestException

        self.running.discard(container_id)
        # A loaded engine (a fork bomb being reaped) can take longer than one API timeout to
        # remove a container; try again rather than leave it behind for `sweep_exited`.
        for attempt in range(REMOVE_ATTEMPTS):
            try:
                self.client.api.remove_container(container_id, force=True)
                return
            except DockerException as exc:
                if getattr(exc, "status_code", None) == 404:  # already gone
                    return
            except RequestException:
                pass
            time.sleep(1.0 + attempt)

    def run(self, request: RunRequest) -> RunOutcome:
        from docker.errors import DockerException
        from requests.exceptions import ConnectionError as RequestsConnectionError
        from requests.exceptions import ReadTimeout, RequestException

        api = self.client.api
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
            raw = stdin._sock
            try:
                raw.sendall(request.job_tar())
                raw.shutdown(socket.SHUT_WR)
            finally:
                stdin.close()
                raw.close()
            if self.prewarm and not self.closed:
                # Start the next container while this one works: a fresh one for every run.
                self.warm = (*self.launch(*shape), shape)
            host_timed_out = False
            try:
                api.wait(container_id, timeout=request.limits.submission_timeout_s + HOST_GRACE_S)
            except (ReadTimeout, RequestsConnectionError):
                host_timed_out = True
                api.kill(container_id)
                api.wait(container_id, timeout=30)
            state = api.inspect_container(container_id)["State"]
            stdout = api.logs(container_id, stdout=True, stderr=False)
            stderr = api.logs(container_id, stdout=False, stderr=True, tail=20)
        except (DockerException, RequestException, OSError) as exc:
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


def hang_up(stdin: Any) -> None:
    """Close a container's attached stdin (its supervisor then reads the end of its job: none)."""
    with contextlib.suppress(OSError):
        stdin._sock.close()
        stdin.close()


def image_summary(client: Any, image: str) -> dict[str, Any] | None:
    """Id, creation time and size of ``image``, or None when it is missing."""
    from docker.errors import ImageNotFound

    try:
        found = client.images.get(image)
    except ImageNotFound:
        return None
    return {"id": found.id, "created": found.attrs.get("Created"), "size": found.attrs.get("Size")}


def sweep_exited(client: Any, older_than_s: float = 60.0) -> int:
    """Remove this grader's containers that stopped (or were never started) a while ago: a grader
    killed outright, or a pre-started container whose grader went away, leaves them behind.

    Runs on every sandbox start, so it costs one round trip when there is nothing to remove: the
    engine filters by status (running containers, other graders' at work, are never listed)."""
    from datetime import datetime

    from docker.errors import DockerException

    removed = 0
    now = datetime.now(UTC)
    with contextlib.suppress(DockerException):
        stopped = client.api.containers(all=True, filters={"label": LABEL, "status": ["exited", "created", "dead"]})
        for summary in stopped:
            with contextlib.suppress(ValueError, TypeError, KeyError, DockerException):
                if summary.get("State") == "exited":
                    finished = client.api.inspect_container(summary["Id"])["State"].get("FinishedAt", "")[:19]
                    ended = datetime.fromisoformat(finished).replace(tzinfo=UTC)
                else:
                    ended = datetime.fromtimestamp(float(summary["Created"]), UTC)
                if (now - ended).total_seconds() > older_than_s:
                    client.api.remove_container(summary["Id"], force=True)
                    removed += 1
    return removed


def leftover_containers(client: Any, settle_s: float = 0.0) -> list[str]:
    """This grader's containers that are no longer running but still exist, as ``id (status)``
    (there should be none; running ones belong to a grader at work). ``settle_s`` waits that long
    for removals the engine is still carrying out."""
    deadline = time.monotonic() + settle_s
    while True:
        containers = client.containers.list(all=True, filters={"label": LABEL})
        found = [f"{c.id} ({c.status})" for c in containers if c.status != "running"]
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.5)


def engine_summary(client: Any) -> dict[str, Any]:
    info = client.info()
    return {
        "server_version": info.get("ServerVersion"),
        "cgroup": f"v{info.get('CgroupVersion', '?')} ({info.get('CgroupDriver', '?')})",
        "memory_limit": info.get("MemoryLimit"),
        "swap_limit": info.get("SwapLimit"),
        "pids_limit": info.get("PidsLimit"),
        "runtimes": json.dumps(sorted(info.get("Runtimes", {}))),
    }
