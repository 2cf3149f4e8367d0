"""Stage 1: load an exercise (``exercises/NN_topic``) and its hidden grader (``graders/NN_topic``).

``exercise.toml`` is validated by :mod:`runner.exercise_toml` (its types, limits and kinds are
re-exported here); this module finds the hidden suite and reads its manifest without importing it.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ExerciseError
from .exercise_toml import DEFAULT_BOUNDARY as DEFAULT_BOUNDARY
from .exercise_toml import KINDS as KINDS
from .exercise_toml import Boundary as Boundary
from .exercise_toml import ExerciseConfig, parse_config
from .exercise_toml import Kind as Kind
from .exercise_toml import Limits as Limits

if TYPE_CHECKING:  # mutants are loaded by the commands that use them (a cold `grade` does not)
    from .mutants import Mutant


@dataclass(frozen=True)
class TestSpec:
    """One hidden test as declared in the suite's source: id, points, hint, and whether
    LMS exports keep it hidden from students (``hidden=True`` in the points marker)."""

    id: str
    name: str
    points: int
    hint: str
    hidden: bool = False


@dataclass(frozen=True)
class Exercise:
    """An exercise, its hidden suite's manifest, and where everything is."""

    id: str
    title: str
    topic: str
    kind: str
    files: tuple[str, ...]
    module: str | None
    limits: Limits
    path: Path
    grader_path: Path
    tests: tuple[TestSpec, ...]
    suite_hash: str = field(repr=False)
    boundary: Boundary = DEFAULT_BOUNDARY

    @property
    def suite_path(self) -> Path:
        return self.grader_path / ("mutants" if self.kind == "tests" else "tests")

    @property
    def max_score(self) -> int:
        return sum(t.points for t in self.tests)

    def suite_files(self) -> dict[str, bytes]:
        """The hidden suite's files by relative POSIX path (for kind ``tests``: the target module
        under ``reference/`` and each mutant, applied, under ``mutants/NAME/``: the harness's names).
        A mutant's diff that no longer applies raises :class:`~runner.errors.MutantError`."""
        return suite_files(self.kind, self.grader_path)

    def reference_path(self) -> Path:
        """The reference solution (``solution/``): what ``grade verify`` grades and expects at 100 %
        (for kind ``tests``: the reference tests, which must kill every mutant of the target module)."""
        return self.grader_path / "solution"

    def mutants(self) -> list[Mutant]:
        """The hand-written mutants (``mutants/NAME.diff``); for kind ``tests`` they are the targets."""
        from .mutants import load_mutants

        return load_mutants(self.grader_path)

    def apply(self, mutant: Mutant) -> dict[str, bytes]:
        """``mutant`` applied to the files it is a diff of; :class:`~runner.errors.MutantError` if it does not apply."""
        from .mutants import apply_mutant

        return apply_mutant(mutant, read_tree(mutant_base(self.kind, self.grader_path)))

    def record_mutant(self, name: str, edited: Path, description: str) -> Path:
        """Write ``mutants/NAME.diff``: ``edited`` (a copy of an original file with one bug, named like
        it unless the original has a single file) as a diff against the original (:func:`mutant_base`),
        ``description`` first."""
        from .mutants import MUTANTS_FOLDER, write_mutant

        original = read_tree(mutant_base(self.kind, self.grader_path))
        changed = edited.name if edited.name in original else next(iter(original)) if len(original) == 1 else None
        if changed is None:
            raise ExerciseError(f"{edited} is not named like a file of {self.mutant_folder()}/ ({', '.join(sorted(original))})")
        return write_mutant(self.grader_path / MUTANTS_FOLDER, name, description, original, {changed: edited.read_bytes()})

    def mutant_folder(self) -> str:
        """The folder the mutants are diffs of: ``solution/`` or, for kind ``tests``, ``target/``."""
        return mutant_base(self.kind, self.grader_path).name


#: Kind ``tests``: the target module's folder, the correct module the student's tests run against
#: (its public copy is in the exercise's folder); the mutants are diffs of it.
TARGET_FOLDER = "target"
#: The reference solution's folder: what ``grade verify`` grades and expects at 100 %.
SOLUTION_FOLDER = "solution"
#: Kind ``tests``: where the harness (runner/harness/mutation.py) finds the target module in the
#: suite it receives; the wire's name, which predates "target" (and names the gate test too).
SUITE_TARGET = "reference"
#: Kind ``tests``: the id of the gate test (the student's tests pass against the target module),
#: as the harness reports it; not a rule of the README.
GATE_TEST = "reference"


def mutant_base(kind: str, grader: Path) -> Path:
    """The folder mutants are diffs of (their original): ``target/`` for kind ``tests``, else ``solution/``."""
    return grader / (TARGET_FOLDER if kind == "tests" else SOLUTION_FOLDER)


def suite_files(kind: str, grader: Path) -> dict[str, bytes]:
    if kind != "tests":
        return read_tree(grader / "tests")
    from .mutants import apply_mutant, load_mutants

    target = read_tree(mutant_base(kind, grader))
    files = {f"{SUITE_TARGET}/{name}": data for name, data in target.items()}
    for mutant in load_mutants(grader):
        files |= {f"mutants/{mutant.name}/{name}": data for name, data in apply_mutant(mutant, target).items()}
    return files


def suite_identity(kind: str, grader: Path) -> dict[str, bytes]:
    """What the suite hash covers: the hidden tests, or for kind ``tests`` the target module and each
    mutant's diff as written (so a new description, shown as the test's name, is a new suite too)."""
    if kind != "tests":
        return read_tree(grader / "tests")
    from .mutants import load_mutants

    return {
        **{f"{SUITE_TARGET}/{name}": data for name, data in read_tree(mutant_base(kind, grader)).items()},
        **{f"mutants/{mutant.path.name}": mutant.data for mutant in load_mutants(grader)},
    }


def mutation_manifest(grader: Path) -> list[TestSpec]:
    """Kind ``tests``: the gate (pass against the target module) and one point per mutant to kill."""
    from .mutants import load_mutants

    mutants = load_mutants(grader)
    if not mutants or not (grader / TARGET_FOLDER).is_dir():
        moved = " (reference/ is now called target/)" if (grader / "reference").is_dir() else ""
        raise ExerciseError(
            f"{grader} needs {TARGET_FOLDER}/ (the correct module the student's tests run against) "
            f"and mutants/NAME.diff for a tests exercise{moved}"
        )
    specs = [
        TestSpec(GATE_TEST, "your tests pass against the correct implementation", 0, "Every test must pass on correct code.")
    ]
    for mutant in mutants:
        specs.append(TestSpec(f"mutants/{mutant.name}", f"catches the bug: {mutant.description or mutant.name}", 1, ""))
    return specs


def read_tree(root: Path) -> dict[str, bytes]:
    """Every regular file below ``root`` (no caches), by relative POSIX path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts
    }


def tree_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


GRADERS_ENV = "GRADE_GRADERS"
"""Names a folder of hidden suites (``<dir>/NN_topic/tests``) kept outside the course repository."""


def graders_dir() -> Path | None:
    """The hidden suites' folder named by :data:`GRADERS_ENV`, if any; it must exist."""
    named = os.environ.get(GRADERS_ENV)
    if not named:
        return None
    folder = Path(named).expanduser().resolve()
    if not folder.is_dir():
        raise ExerciseError(f"{GRADERS_ENV}={named} is not a folder of hidden suites (graders/NN_topic/tests)")
    return folder


def use_graders(folder: Path) -> None:
    """Look for hidden suites in ``folder`` first (``grade --graders DIR``), here and in child processes."""
    if not folder.is_dir():
        raise ExerciseError(f"--graders {folder} is not a folder of hidden suites (graders/NN_topic/tests)")
    os.environ[GRADERS_ENV] = str(folder.resolve())


def find_root(start: Path) -> Path:
    """The curriculum root: the nearest folder at or above ``start`` holding exercises/ and graders/
    (exercises/ alone when the hidden suites live elsewhere, see :func:`graders_dir`)."""
    elsewhere = graders_dir() is not None
    for folder in [start.resolve(), *start.resolve().parents]:
        if (folder / "exercises").is_dir() and (elsewhere or (folder / "graders").is_dir()):
            return folder
    where = "exercises/" if elsewhere else "exercises/ and graders/ folders"
    raise ExerciseError(f"no {where} at or above {start}: run grade from the course repository")


def exercise_path(root: Path, ident: str) -> Path:
    """``04_sqlalchemy`` or ``04`` -> ``root/exercises/04_sqlalchemy``."""
    folder = root / "exercises"
    matches = sorted(p for p in folder.iterdir() if p.is_dir() and (p.name == ident or p.name.split("_")[0] == ident))
    if not matches:
        from .focus import exercise_ids, suggestions  # focus builds on this module

        ids = exercise_ids(root)
        close = suggestions(ident, [*ids, *(i.split("_")[0] for i in ids)])
        raise ExerciseError(f"no exercise {ident!r}.{close or ' Known: ' + ', '.join(ids)}")
    return matches[0]


def all_exercises(root: Path) -> list[Exercise]:
    folder = root / "exercises"
    return [load_exercise(p) for p in sorted(folder.iterdir()) if (p / "exercise.toml").is_file()]


def select_exercises(root: Path, names: tuple[str, ...] | list[str]) -> list[Exercise]:
    """The exercises ``names`` (``04_sqlalchemy`` or ``04``), or every exercise when there are none."""
    return [load_exercise(exercise_path(root, name)) for name in names] if names else all_exercises(root)


def read_config(path: Path) -> ExerciseConfig:
    """The checked ``exercise.toml`` of the exercise folder ``path`` (nothing else is read)."""
    config_file = path / "exercise.toml"
    if not config_file.is_file():
        raise ExerciseError(f"{path} is not an exercise: it has no exercise.toml (try one of exercises/NN_topic)")
    try:
        text = config_file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ExerciseError(f"{config_file} is not UTF-8 text: {exc}") from exc
    return parse_config(config_file, text)


def load_exercise(path: Path) -> Exercise:
    """Read ``exercise.toml``, find the hidden grader and read its tests' points and hints."""
    path = path.resolve()
    config = read_config(path)
    kind = config.kind
    ident = config.id or path.name
    grader = find_grader(path, ident, "mutants" if kind == "tests" else "tests")
    files_of_suite = suite_identity(kind, grader)
    tests = mutation_manifest(grader) if kind == "tests" else read_manifest(grader / "tests", files_of_suite)
    return Exercise(
        id=ident,
        title=config.title or path.name,
        topic=config.topic,
        kind=kind,
        files=config.files,
        module=config.module,
        limits=config.limits,
        path=path,
        grader_path=grader,
        tests=tuple(tests),
        suite_hash=tree_hash(files_of_suite),
        boundary=config.boundary,
    )


def find_grader(path: Path, ident: str, needs: str = "tests") -> Path:
    """The exercise's hidden grader: ``<GRADE_GRADERS>/<id>`` when set, else ``graders/<id>`` beside
    the exercise's ``exercises/`` folder, else in the current course root."""
    candidates = []
    elsewhere = graders_dir()
    if elsewhere is not None:
        candidates.append(elsewhere / ident)
    candidates.append(path.parent.parent / "graders" / ident)
    with contextlib.suppress(ExerciseError):
        candidates.append(find_root(Path.cwd()) / "graders" / ident)
    for grader in candidates:
        if (grader / needs).is_dir():
            return grader
    raise ExerciseError(f"no hidden suite for {ident}: looked in {', '.join(str(c / needs) for c in candidates)}")


def read_manifest(suite: Path, files: dict[str, bytes]) -> list[TestSpec]:
    """Test ids, points and hints from the suite's source, without importing it."""
    specs: list[TestSpec] = []
    for name, data in files.items():
        if not (Path(name).name.startswith("test_") and name.endswith(".py")):
            continue
        try:
            tree = ast.parse(data, filename=str(suite / name))
        except SyntaxError as exc:
            raise ExerciseError(f"hidden test {suite / name} has a syntax error on line {exc.lineno}") from exc
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                for inner in node.body:
                    if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef) and inner.name.startswith("test"):
                        specs.append(spec_for(suite / name, f"{name}::{node.name}::{inner.name}", inner))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                specs.append(spec_for(suite / name, f"{name}::{node.name}", node))
    if not specs:
        raise ExerciseError(f"the hidden suite {suite} has no tests")
    return specs


def spec_for(file: Path, test_id: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> TestSpec:
    points: int | None = None
    hint = ""
    hidden = False
    for deco in node.decorator_list:
        call = deco if isinstance(deco, ast.Call) else None
        target = ast.unparse(call.func if call else deco)
        if target.endswith("mark.parametrize"):
            raise ExerciseError(f"{file}:{node.lineno} {node.name}: hidden tests may not be parametrized; write one test each")
        if call is not None and target.endswith("mark.points"):
            try:
                points = ast.literal_eval(call.args[0]) if call.args else None
                hint = next((ast.literal_eval(k.value) for k in call.keywords if k.arg == "hint"), "")
                hidden = next((ast.literal_eval(k.value) for k in call.keywords if k.arg == "hidden"), False)
            except ValueError:
                points = None
    if not isinstance(points, int) or points <= 0:
        raise ExerciseError(f"{file}:{node.lineno} {node.name} needs @pytest.mark.points(N, hint=...) with N > 0")
    doc = ast.get_docstring(node)
    name = doc.splitlines()[0] if doc else node.name.removeprefix("test_").replace("_", " ")
    return TestSpec(id=test_id, name=name, points=points, hint=str(hint), hidden=hidden is True)
