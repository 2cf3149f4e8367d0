"""Public tests for 07_docker. Run `pytest` in this exercise's folder.

They read the Dockerfile next to tests/ with dockerfile-parse; nothing is built. They are a
sample of the hidden suite, which checks much more (see README.md). They fail on the starter.
"""

import json
from pathlib import Path

from dockerfile_parse import DockerfileParser

FOLDER = Path(__file__).resolve().parent.parent  # the exercise folder, holding Dockerfile


def instructions() -> list[tuple[str, str, int]]:
    """(INSTRUCTION, value, line) for each instruction of ../Dockerfile, comments left out."""
    parser = DockerfileParser(path=str(FOLDER))  # only reads FOLDER/Dockerfile
    return [
        (item["instruction"], item["value"], item["startline"] + 1)
        for item in parser.structure
        if item["instruction"] != "COMMENT"
    ]


def test_base_image_is_a_pinned_python_slim() -> None:
    images = [value.split()[0] for keyword, value, _ in instructions() if keyword == "FROM"]
    assert images, "the Dockerfile should start with FROM"
    image = images[-1]
    assert image.startswith("python:3.") and "-slim" in image, (
        f"FROM {image}: expected a pinned slim tag such as python:3.12-slim"
    )


def test_runs_as_a_non_root_user_set_before_cmd() -> None:
    found = instructions()
    users = [(value, line) for keyword, value, line in found if keyword == "USER"]
    cmds = [line for keyword, _, line in found if keyword == "CMD"]
    assert users, "no USER: the app would run as root; create a user and add USER app before CMD"
    name, line = users[-1]
    assert name.split(":")[0] not in ("root", "0"), f"USER {name} (line {line}) is root; expected a non-root user"
    assert cmds and line < cmds[-1], f"USER {name} (line {line}) should come before CMD"


def test_cmd_is_in_exec_form() -> None:
    cmds = [value for keyword, value, _ in instructions() if keyword == "CMD"]
    assert cmds, 'no CMD: expected CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]'
    try:
        parsed = json.loads(cmds[-1])
    except json.JSONDecodeError:
        parsed = None
    assert isinstance(parsed, list), f'CMD {cmds[-1]} is in shell form; write it as a JSON list: CMD ["gunicorn", ...]'


def test_no_secret_in_env() -> None:
    envs = [(value, line) for keyword, value, line in instructions() if keyword == "ENV"]
    leaks = [f"ENV {value} (line {line})" for value, line in envs if "KEY" in value.upper() or "SECRET" in value.upper()]
    assert not leaks, f"secrets must not be baked into the image, found {leaks}; pass them with docker run -e"
