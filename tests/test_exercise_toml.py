"""exercise.toml is validated on load: each mistake is one line naming the file, the key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import ConfigError, ExerciseError
from runner.exercise import all_exercises, load_exercise
from runner.exercise_toml import KINDS, LIMIT_RANGES, TOP_LEVEL, Limits, parse_config

FILE = Path("exercises/99_demo/exercise.toml")
BASE = 'kind = "module"\nfiles = ["m.py"]\n'


def refused(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_config(FILE, text)
    error = caught.value
    message = str(error)
    assert "\n" not in message, f"one line, got {message!r}"
    assert message.startswith(f"{FILE}"), f"the message names the file: {message!r}"
    if error.key is not None:
        assert error.key in message, f"the message names the key {error.key}: {message!r}"
    return error


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        (BASE + '[limits]\nmemory_mb = "lots"\n', "[limits] memory_mb", "must be an integer from 64 to 65536, not 'lots'"),
        (BASE + "[limits]\nmemory_mb = 256.5\n", "[limits] memory_mb", "must be an integer"),
        (BASE + "[limits]\ncpus = true\n", "[limits] cpus", "must be a number from 0.1 to 64, not True"),
        (BASE + "[limits]\ntest_timeout_s = 0\n", "[limits] test_timeout_s", "from 0.1 to 600, not 0"),
        (BASE + "[limits]\nsubmission_timeout_s = inf\n", "[limits] submission_timeout_s", "from 1 to 3600, not inf"),
        (BASE + "[limits]\ncell_timeout_s = nan\n", "[limits] cell_timeout_s", "not nan"),
        (BASE + "[limits]\npids = 1_000_000\n", "[limits] pids", "from 16 to 32768"),
        (
            BASE + "[limits]\nmemroy_mb = 256\n",
            "[limits] memroy_mb",
            "is not a limit; allowed: test_timeout_s, submission_timeout_s",
        ),
        (BASE + "[limits]\ntest_timeout_s = 90\n", "[limits] test_timeout_s", "(90) must not exceed submission_timeout_s (60)"),
        (
            BASE + "[grading]\nboundry = 'process'\n",
            "[grading] boundry",
            "is not a key of exercise.toml in [grading]; allowed: boundary",
        ),
        (BASE + "[grading]\nboundary = 'thread'\n", "[grading] boundary", "must be one of shared, process, not 'thread'"),
        (BASE + "[limit]\nmemory_mb = 256\n", "[limit]", "is not a section of exercise.toml; allowed: [limits], [grading]"),
        (BASE + "titel = 'x'\n", "titel", "is not a key of exercise.toml; allowed: id, title, topic, kind, files, module"),
        (BASE + "title = 3\n", "title", "must be a string, not 3"),
        ('kind = "video"\nfiles = ["m.py"]\n', "kind", "must be one of module, notebook, files, tests, not 'video'"),
        ('kind = "module"\n', "files", "is required"),
        ('files = "m.py"\n', "files", "must be a list of distinct file names"),
        ('files = ["../m.py"]\n', "files", "must be a list"),
        ('files = ["m.py", "m.py"]\n', "files", "must be a list"),
        ("files = []\n", "files", "must be a list"),
        (BASE + 'module = "my-module"\n', "module", "must be a Python module name"),
        (BASE + 'id = "../elsewhere"\n', "id", "must be a folder name"),
        (
            'kind = "files"\nfiles = ["Dockerfile"]\n[grading]\nboundary = "process"\n',
            "[grading] boundary",
            "module and notebook exercises",
        ),
    ],
)
def test_each_mistake_is_one_line_naming_the_key_and_what_is_allowed(text: str, key: str, allowed: str) -> None:
    error = refused(text)
    assert error.key == key
    assert allowed in error.problem, f"expected {allowed!r} in {error.problem!r}"


def test_invalid_toml_names_the_file() -> None:
    error = refused("files = [\n")
    assert error.key is None and "is not valid TOML" in str(error)


def test_config_errors_are_exercise_errors_with_exit_code_2() -> None:
    assert issubclass(ConfigError, ExerciseError) and ConfigError.exit_code == 2


def test_a_valid_file_is_typed_with_defaults() -> None:
    config = parse_config(FILE, BASE + "[limits]\nmemory_mb = 256\ntest_timeout_s = 5\n")
    assert config.limits == Limits(memory_mb=256, test_timeout_s=5.0)
    assert isinstance(config.limits.test_timeout_s, float), "an integer timeout becomes a float"
    assert (config.module, config.boundary, config.id, config.title, config.topic) == ("m", "process", None, None, "")


def test_the_boundary_defaults_to_process_where_student_code_can_run_behind_it() -> None:
    assert parse_config(FILE, 'kind = "notebook"\nfiles = ["e.ipynb"]\n').boundary == "process"
    assert parse_config(FILE, 'kind = "files"\nfiles = ["Dockerfile"]\n').boundary == "shared"
    assert parse_config(FILE, BASE + '[grading]\nboundary = "shared"\n').boundary == "shared", "an author may opt out"


def test_every_limit_has_a_range_that_holds_its_default() -> None:
    defaults = Limits().to_dict()
    assert set(LIMIT_RANGES) == set(defaults)
    for name, (low, high) in LIMIT_RANGES.items():
        assert low <= defaults[name] <= high, f"{name}'s default {defaults[name]} is outside {low}..{high}"


def test_load_exercise_reports_the_file(tmp_path: Path) -> None:
    exercise = tmp_path / "exercises" / "99_demo"
    exercise.mkdir(parents=True)
    (exercise / "exercise.toml").write_text(BASE + '[limits]\nmemory_mb = "lots"\n')
    with pytest.raises(ConfigError, match=r"exercise\.toml: \[limits\] memory_mb must be an integer"):
        load_exercise(exercise)


def test_every_exercise_of_the_course_loads(root: Path) -> None:
    exercises = all_exercises(root)
    assert len(exercises) == 16
    assert {e.kind for e in exercises} == set(KINDS)


def test_the_documented_example_is_valid_and_shows_every_key_with_its_default(root: Path) -> None:
    """docs/authoring.md's exercise.toml block parses, names every limit, and shows the defaults."""
    doc = (root / "docs" / "authoring.md").read_text(encoding="utf-8")
    block = doc.split("## exercise.toml", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(Path("docs/authoring.md"), block)
    assert config.limits == Limits(), "the documented [limits] are the defaults"
    for key in [*Limits().to_dict(), *TOP_LEVEL, "boundary"]:
        assert f"\n{key} = " in "\n" + block, f"docs/authoring.md's exercise.toml does not show {key}"
    for key, (low, high) in LIMIT_RANGES.items():
        line = next(line for line in block.splitlines() if line.startswith(f"{key} = "))
        assert f"{low:g} to {high:g}" in line, f"docs/authoring.md should give {key}'s range {low:g} to {high:g}: {line!r}"
