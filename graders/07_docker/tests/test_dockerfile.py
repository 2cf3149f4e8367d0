"""Hidden suite for 07_docker: a production Dockerfile for a small Flask app, judged statically.

Every test gets the parsed Dockerfile through the `dockerfile` fixture (conftest.py). Nothing is
built or run: the tests read the instructions the way a reviewer would.

PYTEST_DONT_REWRITE: a failed assert reports its own message only, without pytest's comparison dump.
"""

import re

import pytest
from conftest import APP_PORT, PIP_INSTALL, REQUIREMENTS_FILE, Dockerfile, Instruction

SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE")
ROOT_USERS = {"root", "0"}
BUILT_IN_USERS = {"nobody", "daemon", "www-data"}  # already in the Debian-based python images
CODE_SOURCES = {".", "./", "*", "./*", "app.py", "./app.py", "*.py", "./*.py"}
GOOD_BINDS = {f"0.0.0.0:{APP_PORT}", f":{APP_PORT}", f"[::]:{APP_PORT}"}


# --- helpers ---------------------------------------------------------------------------------


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """'docker.io/library/python:3.12-slim@sha256:..' -> ('python', '3.12-slim', 'sha256:..')."""
    name, _, digest = image.partition("@")
    tag = None
    if ":" in name.rsplit("/", 1)[-1]:
        name, tag = name.rsplit(":", 1)
    repository = name.rsplit("/", 1)[-1].lower()
    return repository, tag, digest or None


def is_requirements_copy(ins: Instruction) -> bool:
    """COPY requirements.txt ...: a COPY from the build context of requirements files only."""
    sources = ins.sources()
    return (
        ins.keyword == "COPY"
        and not ins.copies_from_stage()
        and bool(sources)
        and all(REQUIREMENTS_FILE.match(source.rstrip("/").rsplit("/", 1)[-1]) for source in sources)
    )


def is_code_copy(ins: Instruction) -> bool:
    """A COPY or ADD from the build context that brings more than requirements files (the code)."""
    return (
        ins.keyword in ("COPY", "ADD")
        and not ins.copies_from_stage()
        and bool(ins.sources())  # a here-document is inline content, not a copy from the build context
        and not is_requirements_copy(ins)
    )


def installs_requirements(ins: Instruction) -> bool:
    """RUN pip install -r requirements.txt (or --requirement)."""
    text = ins.script()
    return (
        ins.keyword == "RUN"
        and bool(PIP_INSTALL.search(text))
        and bool(re.search(r"(?:^|\s)(?:-r\s*|--requirement[=\s]+)\S*requirements", text))
    )


def is_local_add(ins: Instruction) -> bool:
    """ADD of files from the build context (not a URL, not a tar archive to unpack)."""
    remote_or_archive = re.compile(r"^(https?://|git@)|\.(tar|tar\.gz|tgz|tar\.bz2|tar\.xz|txz)$")
    return ins.keyword == "ADD" and not all(remote_or_archive.search(source) for source in ins.sources())


def final_command(dockerfile: Dockerfile) -> list[Instruction]:
    """The last ENTRYPOINT and the last CMD of the final stage (those that exist), in that order."""
    found = [dockerfile.final(keyword)[-1] for keyword in ("ENTRYPOINT", "CMD") if dockerfile.final(keyword)]
    return found


def user_name(ins: Instruction) -> str:
    """USER app:app -> 'app'."""
    return ins.value.strip().split(":", 1)[0]


def last_user(dockerfile: Dockerfile) -> Instruction | None:
    users = dockerfile.final("USER")
    return users[-1] if users else None


# --- the base image --------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Pin the base image's version: FROM python:3.12-slim, never python:latest, an untagged python, or a bare python:slim.",
)
def test_base_images_are_pinned(dockerfile: Dockerfile) -> None:
    stage_names = dockerfile.stage_names()
    problems = []
    for ins, image in zip(dockerfile.every("FROM"), dockerfile.images, strict=False):
        _, tag, digest = split_image(image)
        if image.lower() in stage_names or image.lower() == "scratch" or digest:
            continue  # an earlier stage, the empty image, or pinned by digest
        if tag is None:
            problems.append(f"{ins} has no tag, which means {image}:latest: pin a slim tag such as python:3.12-slim")
        elif tag == "latest":
            problems.append(f"{ins}: 'latest' changes under you; pin a slim tag such as python:3.12-slim")
        elif not re.match(r"\d+\.\d+", tag):
            problems.append(
                f"{ins}: the tag {tag!r} does not pin the Python version (major.minor), "
                f"so the next build may get another one; use e.g. python:3.12-slim"
            )
    assert not problems, "; ".join(problems)


@pytest.mark.points(2, hint="The final image should start FROM an official python slim image, e.g. python:3.12-slim.")
def test_final_image_is_python_slim(dockerfile: Dockerfile) -> None:
    ins = dockerfile.final("FROM")[0]
    repository, tag, _ = split_image(dockerfile.images[-1])
    assert repository == "python", (
        f"{ins}: the final stage should start from the official python image, "
        f"e.g. FROM python:3.12-slim, got {dockerfile.images[-1]!r}"
    )
    if tag is not None and "alpine" in tag:
        pytest.fail(
            f"{ins}: use a -slim tag, not alpine: Alpine's musl libc cannot use most binary wheels, "
            f"so builds get slower and bigger; expected e.g. python:3.12-slim",
            pytrace=False,
        )
    assert tag is not None and "slim" in tag.split("-"), (
        f"{ins} is the full Debian image: use a slim variant such as python:3.12-slim "
        f"(the full one is about 1 GB of compilers and tools the app never uses)"
    )


# --- layout and layers -----------------------------------------------------------------------


@pytest.mark.points(1, hint="Set WORKDIR /app (an absolute path) before copying anything into the image.")
def test_workdir_is_set_before_copying(dockerfile: Dockerfile) -> None:
    workdirs = dockerfile.final("WORKDIR")
    assert workdirs, "no WORKDIR in the final stage: add WORKDIR /app so files and commands have a fixed home"
    first = workdirs[0]
    path = first.value.strip().strip("\"'")
    assert path.startswith(("/", "$")), f"{first}: use an absolute path such as /app, got {path!r}"
    copies = [ins for ins in dockerfile.final_stage if ins.keyword in ("COPY", "ADD")]
    if copies:
        assert first.line < copies[0].line, f"{copies[0]} comes before {first}: set the WORKDIR first so files land in it"


@pytest.mark.points(
    3,
    hint="COPY requirements.txt and RUN pip install -r requirements.txt BEFORE copying the code, so the "
    "dependency layer stays cached when only the code changes.",
)
def test_dependencies_are_installed_before_the_code_is_copied(dockerfile: Dockerfile) -> None:
    installs = [ins for ins in dockerfile.instructions if installs_requirements(ins)]
    assert installs, "no RUN pip install -r requirements.txt: install the app's dependencies from requirements.txt"
    install = installs[0]
    stage = dockerfile.stage(install.stage)
    before = [ins for ins in stage if ins.line < install.line]
    requirement_copies = [ins for ins in before if is_requirements_copy(ins)]
    early_code = [ins for ins in before if is_code_copy(ins)]
    assert not early_code, (
        f"{early_code[0]} copies the code before {install}: COPY requirements.txt and install it first, "
        f"then copy the code, so that a change to the code does not re-run pip install"
    )
    assert requirement_copies, (
        f"no COPY of requirements.txt alone before {install}: expected COPY requirements.txt . "
        f"then the pip install, then COPY of the code"
    )
    if install.stage != len(dockerfile.images) - 1:
        final = dockerfile.final_stage
        from_stage = [ins for ins in final if ins.keyword == "COPY" and ins.copies_from_stage()]
        code = [ins for ins in final if is_code_copy(ins)]
        if from_stage and code:
            assert from_stage[0].line < code[0].line, (
                f"{code[0]} comes before {from_stage[0]}: bring in the installed dependencies before the code"
            )


@pytest.mark.points(1, hint="Use pip install --no-cache-dir: pip's download cache is dead weight in an image.")
def test_pip_install_uses_no_cache_dir(dockerfile: Dockerfile) -> None:
    installs = [ins for ins in dockerfile.every("RUN") if PIP_INSTALL.search(ins.script())]
    assert installs, "no RUN pip install at all: install requirements.txt with pip install --no-cache-dir -r requirements.txt"
    for ins in installs:
        env_off = any(
            name == "PIP_NO_CACHE_DIR" and value
            for env in dockerfile.stage(ins.stage)
            if env.keyword == "ENV" and env.line < ins.line
            for name, value in env.key_values()
        )
        assert "--no-cache-dir" in ins.script() or env_off, f"{ins} keeps pip's cache in the image layer: add --no-cache-dir"


@pytest.mark.points(1, hint="Copy the app's files with COPY; ADD is only for URLs and tar archives.")
def test_code_is_copied_with_copy_not_add(dockerfile: Dockerfile) -> None:
    adds = [ins for ins in dockerfile.instructions if is_local_add(ins)]
    assert not adds, (
        f"{adds[0]}: use COPY for local files; ADD also fetches URLs and unpacks archives, "
        f"which is surprising when all you want is a copy"
    )
    code = [
        ins
        for ins in dockerfile.every("COPY")
        if not ins.copies_from_stage() and any(source in CODE_SOURCES for source in ins.sources())
    ]
    assert code, "no COPY brings app.py into the image: expected COPY app.py . (or COPY . . with a .dockerignore)"


# --- who runs it -----------------------------------------------------------------------------


@pytest.mark.points(3, hint="Create a user and switch to it with USER before CMD: the app must not run as root.")
def test_runs_as_a_non_root_user(dockerfile: Dockerfile) -> None:
    user = last_user(dockerfile)
    assert user is not None, (
        "no USER in the final stage, so the app runs as root: create a user (RUN useradd ...) and add USER app before CMD"
    )
    assert user_name(user) not in ROOT_USERS, f"{user}: the last USER is root; switch to a non-root user before CMD"
    for command in final_command(dockerfile):
        assert user.line < command.line, f"{user} comes after {command}: set USER before CMD"


@pytest.mark.points(1, hint="A named USER must exist: create it first, e.g. RUN useradd --system app (or use a numeric uid).")
def test_the_user_exists(dockerfile: Dockerfile) -> None:
    user = last_user(dockerfile)
    assert user is not None, "no USER in the final stage to check: add RUN useradd ... and USER app"
    name = user_name(user)
    if name.isdigit() or name in BUILT_IN_USERS or name.startswith("$") or name in ROOT_USERS:
        return
    word = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])")
    created = [
        ins
        for ins in dockerfile.final_stage
        if ins.keyword == "RUN"
        and ins.line < user.line
        and re.search(r"\b(useradd|adduser)\b", ins.script())
        and word.search(ins.script())
    ]
    assert created, (
        f"{user}, but no RUN useradd/adduser creates {name!r} before it: the container would fail to start "
        f"with 'unable to find user {name}'"
    )


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint="Never bake secrets into ENV or ARG (they stay in the image's history): pass them at run time with docker run -e.",
)
def test_no_secrets_in_env_or_arg(dockerfile: Dockerfile) -> None:
    leaks = [
        f"{ins.keyword} {name}={value} (line {ins.line})"
        for ins in dockerfile.instructions
        if ins.keyword in ("ENV", "ARG")
        for name, value in ins.key_values()
        if value and any(word in name.upper() for word in SECRET_WORDS)
    ]
    assert not leaks, (
        f"{', '.join(leaks)} bakes a secret into the image: pass it at run time with docker run -e NAME=... "
        f"(anyone who pulls the image can read ENV and ARG values with docker history or docker inspect)"
    )


@pytest.mark.points(1, hint="Set ENV PYTHONUNBUFFERED=1 so the app's output reaches docker logs at once.")
def test_python_output_is_unbuffered(dockerfile: Dockerfile) -> None:
    values = [value for ins in dockerfile.final("ENV") for name, value in ins.key_values() if name == "PYTHONUNBUFFERED"]
    assert values and values[-1], (
        f"PYTHONUNBUFFERED should be set to 1 in the final stage (ENV PYTHONUNBUFFERED=1), "
        f"got {'no such ENV' if not values else repr(values[-1])}"
    )


@pytest.mark.points(1, hint="Document the app's port: EXPOSE 8000.")
def test_exposes_the_app_port(dockerfile: Dockerfile) -> None:
    exposes = dockerfile.final("EXPOSE")
    ports = [word.split("/", 1)[0] for ins in exposes for word in ins.words()]
    assert exposes, f"no EXPOSE: the app listens on port {APP_PORT}, add EXPOSE {APP_PORT}"
    assert APP_PORT in ports, (
        f"{exposes[-1]}: the app listens on port {APP_PORT}, expected EXPOSE {APP_PORT}, got port(s) {ports}"
    )


# --- how it starts ---------------------------------------------------------------------------


@pytest.mark.points(
    2,
    hint='Write CMD in exec (JSON) form, CMD ["gunicorn", ...], so the server is PID 1 and gets the stop signal.',
)
def test_cmd_is_in_exec_form(dockerfile: Dockerfile) -> None:
    commands = final_command(dockerfile)
    assert commands, 'no CMD: the image would not know how to start the app; add CMD ["gunicorn", ...]'
    for command in commands:
        assert command.exec_form() is not None, (
            f'{command} is in shell form: write it as a JSON list, e.g. CMD ["gunicorn", "--bind", "0.0.0.0:8000", '
            '"app:app"] (the shell form runs under /bin/sh -c, so the server is not PID 1 and never gets the SIGTERM '
            "of docker stop)"
        )


@pytest.mark.points(
    2,
    hint="Serve app:app with gunicorn bound to 0.0.0.0:8000; gunicorn alone binds 127.0.0.1, unreachable from "
    "outside the container.",
)
def test_gunicorn_serves_the_app_on_all_interfaces(dockerfile: Dockerfile) -> None:
    commands = final_command(dockerfile)
    assert commands, "no CMD: expected gunicorn --bind 0.0.0.0:8000 app:app"
    words = [word for command in commands for word in command.words()]
    shown = " ".join(words)
    assert any(word.rsplit("/", 1)[-1] == "gunicorn" for word in words), (
        f"the container runs {shown!r}: serve the app with gunicorn, a production WSGI server, not the Flask development server"
    )
    assert "app:app" in words, f"the container runs {shown!r}: tell gunicorn which app to serve, app:app"
    binds = []
    for index, word in enumerate(words):
        if word in ("--bind", "-b") and index + 1 < len(words):
            binds.append(words[index + 1])
        elif word.startswith("--bind="):
            binds.append(word.split("=", 1)[1])
        elif word.startswith("-b") and len(word) > 2:
            binds.append(word[2:])
    assert binds, (
        f"the container runs {shown!r}: without --bind gunicorn listens on 127.0.0.1:8000, which nothing "
        f"outside the container can reach; add --bind 0.0.0.0:{APP_PORT}"
    )
    assert any(bind in GOOD_BINDS for bind in binds), (
        f"gunicorn binds {binds}: expected 0.0.0.0:{APP_PORT}, all interfaces on the app's port"
    )


@pytest.mark.points(
    1,
    hint="Add a HEALTHCHECK that requests http://localhost:8000/health; slim images have no curl, so use python -c with urllib.",
)
def test_healthcheck_probes_the_health_endpoint(dockerfile: Dockerfile) -> None:
    checks = dockerfile.final("HEALTHCHECK")
    assert checks, "no HEALTHCHECK: add one that requests http://localhost:8000/health so Docker knows when the app is stuck"
    check = checks[-1]
    match = re.search(r"(?:^|\s)CMD\s+(.+)$", check.value, flags=re.IGNORECASE | re.DOTALL)
    assert match, f"{check}: expected HEALTHCHECK [options] CMD <command>, not NONE"
    command = match.group(1)
    assert APP_PORT in command and "/health" in command, f"{check}: the check should request http://localhost:{APP_PORT}/health"
    tools = [tool for tool in ("curl", "wget") if re.search(rf"\b{tool}\b", command)]
    if tools:
        installed = any(
            re.search(r"\b(apt-get|apt|apk)\b.*\b(install|add)\b", ins.script()) and re.search(rf"\b{tools[0]}\b", ins.script())
            for ins in dockerfile.final("RUN")
        )
        assert installed, (
            f"{check} uses {tools[0]}, which python slim images do not have, so the check always fails; "
            f"use python -c \"import urllib.request; urllib.request.urlopen('http://localhost:{APP_PORT}/health')\" instead"
        )


@pytest.mark.points(
    1,
    hint="If you apt-get install, do it in one RUN with apt-get update, --no-install-recommends, and rm -rf "
    "/var/lib/apt/lists/*.",
)
def test_apt_get_is_used_cleanly(dockerfile: Dockerfile) -> None:
    for ins in dockerfile.every("RUN"):
        text = ins.script()
        if not re.search(r"\bapt(-get)?\s+(-\S+\s+)*install\b", text):
            continue
        missing = [
            need
            for need, pattern in (
                ("apt-get update in the same RUN", r"\bapt(-get)?\s+(-\S+\s+)*update\b"),
                ("--no-install-recommends", r"--no-install-recommends"),
                ("rm -rf /var/lib/apt/lists/*", r"rm\s+-\w*\s+/var/lib/apt/lists"),
            )
            if not re.search(pattern, text)
        ]
        assert not missing, f"{ins} lacks {', '.join(missing)}: the layer keeps a stale, bulky package cache"
