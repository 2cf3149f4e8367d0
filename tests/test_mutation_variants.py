"""The variants of a kind ``tests`` reference (runner/harness/mutation.py): same behaviour, other form.

The harness module runs inside the sandbox, where the harness folder is on ``sys.path``; here it is
imported the same way.
"""

from __future__ import annotations

import ast
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from runner.harness import HARNESS_DIR

ROOT = Path(__file__).resolve().parent.parent
GRADER = ROOT / "graders" / "16_testing"


@pytest.fixture(scope="module")
def mutation() -> Any:
    sys.path.insert(0, str(HARNESS_DIR))
    try:
        import mutation as module  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(HARNESS_DIR))
    return module


@pytest.mark.harness
def test_each_variant_differs_in_form_and_passes_the_solution(mutation: Any, tmp_path: Path) -> None:
    reference = {"cart.py": (GRADER / "target" / "cart.py").read_bytes()}
    targets = mutation.gate_targets(reference)
    assert sum(t.variant for t in targets) == 4 and len(targets) == 6
    public = reference["cart.py"]
    for index, target in enumerate(targets):
        source = target.files["cart.py"]
        if target.variant and target.folder == mutation.MODULE_FOLDER:
            assert hashlib.sha256(source).digest() != hashlib.sha256(public).digest(), target.what
        folder = tmp_path / str(index)
        module = folder.joinpath(*target.folder)
        module.mkdir(parents=True)
        (module / "cart.py").write_bytes(source)
        (folder / "test_cart.py").write_bytes((GRADER / "solution" / "test_cart.py").read_bytes())
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "test_cart.py")],
            env={"PYTHONPATH": str(module), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{target.what}:\n{done.stdout[-2000:]}"
    trees = {ast.dump(ast.parse(t.files["cart.py"])) for t in targets}
    assert len(trees) == 2, "only the renamed variant has another syntax tree (the comment and formatting do not)"


def test_renaming_keeps_names_the_module_does_not_bind(mutation: Any) -> None:
    source = b"import os as _os\nfrom collections import namedtuple\nP = namedtuple('P', 'a')\n_X = 1\n"
    source += b"def f(_a):\n    return f'{_X}', P(1)._replace(a=_a), _os.sep, os_exit_name(_os)\n"
    source += b"def os_exit_name(m):\n    return m._exit.__name__\n"
    renamed = mutation.renamed(source, "t").decode()
    assert "_os_t" in renamed and "_a_t" in renamed, renamed
    assert "._replace(" in renamed and "m._exit" in renamed and "{_X}" in renamed and "_X = 1" in renamed, renamed
    namespace: dict[str, Any] = {}
    exec(compile(renamed, "renamed", "exec"), namespace)
    assert namespace["f"](2)[1:] == ((2,), "/", "_exit")
