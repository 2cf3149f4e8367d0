"""Build the sandbox image from ``sandbox/Dockerfile``, offline if need be."""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SandboxFailed, SandboxUnavailable, UsageError
from . import DEFAULT_IMAGE
from .docker import PYTHON_LABEL, SANDBOX_PYTHON

#: Debian 12's own image; offline, setup.sh makes the same system with debootstrap.
DEFAULT_BASE = "debian:bookworm-slim"
SOURCE_LABEL = "org.backend-roadmap.grade.source"
#: The Python every submission is graded with, whatever the base image came from: Debian 12's
#: python3. A build that ends with another version fails; READMEs and reports say this one.
SANDBOX_PYTHON_VERSION = "3.11.2"


def sdk_client() -> Any:
    """The docker SDK's client (building streams a context: the one use worth its import), or
    :class:`SandboxUnavailable` saying how to get an engine."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except DockerException as exc:
        reason = str(exc).splitlines()[0][:200]
        raise SandboxUnavailable(f"cannot reach the Docker engine ({reason}); start it first", reason=reason) from exc
    return client


def source_hash(sandbox_dir: Path) -> str:
    """What the image is built from: the Dockerfile and the pinned requirements."""
    digest = hashlib.sha256()
    for name in ("Dockerfile", "requirements.txt"):
        digest.update((sandbox_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def image_is_current(sandbox_dir: Path, tag: str = DEFAULT_IMAGE, client: Any = None) -> bool:
    """Whether ``tag`` exists and was built from the current Dockerfile and requirements."""
    from docker.errors import ImageNotFound

    client = client or sdk_client()
    try:
        labels = client.images.get(tag).labels or {}
    except ImageNotFound:
        return False
    return bool(labels.get(SOURCE_LABEL) == source_hash(sandbox_dir))


def build_image(
    sandbox_dir: Path,
    *,
    tag: str = DEFAULT_IMAGE,
    base_image: str = DEFAULT_BASE,
    wheelhouse: Path | None = None,
    on_line: Callable[[str], None] = lambda line: None,
    client: Any = None,
) -> str:
    """Build ``tag`` from ``sandbox_dir`` (Dockerfile + requirements.txt); return the image id.

    With ``wheelhouse`` the image installs from those wheels only (``--no-index``), so the build
    needs no package index; ``base_image`` may be any local image with ``python3 -m venv``.
    """
    from docker.errors import APIError, BuildError

    for name in ("Dockerfile", "requirements.txt"):
        if not (sandbox_dir / name).is_file():
            raise UsageError(f"{sandbox_dir / name} is missing: run grade from the course repository")
    if wheelhouse is not None and not any(wheelhouse.glob("*.whl")):
        raise UsageError(f"{wheelhouse} has no wheels: pip download -d {wheelhouse} -r {sandbox_dir / 'requirements.txt'}")
    client = client or sdk_client()
    with tempfile.TemporaryDirectory(prefix="grade-build-") as tmp:
        context = Path(tmp)
        shutil.copy(sandbox_dir / "Dockerfile", context / "Dockerfile")
        shutil.copy(sandbox_dir / "requirements.txt", context / "requirements.txt")
        wheels = context / "wheelhouse"
        wheels.mkdir()
        if wheelhouse is not None:
            for wheel in wheelhouse.glob("*.whl"):
                shutil.copy(wheel, wheels / wheel.name)
        log_file = Path(tempfile.gettempdir()) / "grade-sandbox-build.log"
        image_id = None
        stream = client.api.build(
            path=str(context), tag=tag, buildargs={"BASE_IMAGE": base_image}, network_mode="host",
            rm=True, forcerm=True, decode=True, labels={SOURCE_LABEL: source_hash(sandbox_dir)},
        )  # fmt: skip
        try:
            with log_file.open("w", encoding="utf-8") as log:
                for chunk in stream:
                    if "error" in chunk:
                        raise BuildError(chunk["error"].strip(), [])
                    if chunk.get("stream", "").strip():
                        log.write(chunk["stream"])
                        on_line(chunk["stream"].rstrip())
                    if "aux" in chunk and "ID" in chunk["aux"]:
                        image_id = chunk["aux"]["ID"]
        except (BuildError, APIError) as exc:
            reason = str(exc).splitlines()[0][:300]
            raise SandboxFailed(f"building {tag} failed: {reason} (full log: {log_file})") from exc
    return label_python(client, str(image_id or client.images.get(tag).id), tag, source_hash(sandbox_dir))


def label_python(client: Any, image_id: str, tag: str, source: str) -> str:
    """Check the built image's interpreter and record its version as a label (a one-line image on
    top of the build); the host reads it from there, never from what a sandbox says."""
    from docker.errors import APIError, ContainerError

    command = [SANDBOX_PYTHON, "-c", "import platform; print(platform.python_version())"]
    try:
        output = client.containers.run(image_id, command, network_disabled=True, remove=True, user="1000:1000")
        version = output.decode().strip()
        if version != SANDBOX_PYTHON_VERSION:
            raise SandboxFailed(
                f"the sandbox image has Python {version}, not {SANDBOX_PYTHON_VERSION}: build it on Debian 12 "
                f"(--base-image {DEFAULT_BASE}, or the debootstrap image scripts/setup.sh makes)"
            )
        dockerfile = io.BytesIO(f"FROM {image_id}\n".encode())
        labels = {SOURCE_LABEL: source, PYTHON_LABEL: version}
        for _ in client.api.build(fileobj=dockerfile, tag=tag, labels=labels, rm=True, decode=True):
            pass
    except (APIError, ContainerError) as exc:
        raise SandboxFailed(f"checking the Python of {tag} failed: {str(exc).splitlines()[0][:300]}") from exc
    return str(client.images.get(tag).id)
