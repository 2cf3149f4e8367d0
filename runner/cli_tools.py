"""``grade watch`` and ``grade list`` (the student's re-grade loop, the scores so far) and the
course staff's ``grade`` commands:
authoring (mutant, audit), re-rendering saved results (report), exports (template, Gradescope),
the sandbox image (build, check) and Celery workers.

Part of the command line with :mod:`runner.cli` (the only two modules that print): it adds its
commands to ``runner.cli.main`` when that module imports it.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from rich.table import Table

from . import cli, flows  # cli's console is looked up when a command runs (tests replace it)
from .audit import DEFAULT_MIN_RATE, AuditOptions, AuditResult, MutantOutcome, audit_exercise
from .audit_render import AUDIT_COLUMNS, audit_details, audit_rows, audit_verdict, write_audit
from .classroom import WORKFLOW, make_template
from .cli import backend_option, image_option, main, reports_errors, shown
from .distributed import DEFAULT_VISIBILITY_S
from .errors import GraderError, UsageError
from .exercise import all_exercises, exercise_path, find_root, load_exercise, select_exercises
from .focus import resolve_exercise
from .gradescope import VISIBILITIES, Visibility, build_autograder
from .lms import BATCH_FORMATS
from .mutation import Operator
from .render import FORMATS, write_reports
from .results import load_results
from .sandbox.image import DEFAULT_BASE


@main.command("worker")
@click.option("--broker", required=True, metavar="redis://HOST:6379/0", help="The Redis broker `grade batch --broker` sends to.")
@click.option("-c", "--concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Submissions this worker grades at once (one Docker sandbox each).")  # fmt: skip
@click.option("-n", "--name", help="Worker name (default: grade-PID@HOSTNAME); shown in the results.")
@click.option("--visibility-timeout", type=click.FloatRange(10, 86400), default=DEFAULT_VISIBILITY_S, show_default=True,
              help="Seconds after which a silent worker's task goes to another worker; longer than any run.")  # fmt: skip
@click.option("--loglevel", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]), default="INFO", show_default=True)
@image_option
@reports_errors
def worker(broker: str, concurrency: int, name: str | None, visibility_timeout: float, loglevel: str, image: str) -> None:
    """Grade the tasks a distributed `grade batch --broker` sends, in this machine's Docker sandbox."""
    from .distributed import run_worker

    sys.exit(run_worker(broker, concurrency=concurrency, image=image, name=name,
                        visibility_timeout_s=visibility_timeout, loglevel=loglevel))  # fmt: skip


@main.command("mutant")
@click.argument("exercise")
@click.argument("name")
@click.argument("edited", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("description")
@reports_errors
def mutant(exercise: str, name: str, edited: Path, description: str) -> None:
    """Record EDITED (a copy of a solution/ file, or target/ for kind tests, with one bug) as the mutant
    NAME of EXERCISE: a diff against that original, with DESCRIPTION (one line: the bug) first.
    `grade verify` then grades it."""
    target = load_exercise(exercise_path(find_root(Path.cwd()), exercise)).record_mutant(name, edited, description)
    cli.console.print(f"wrote {target}")


@main.command("audit")
@click.argument("exercises", nargs=-1)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Mutants graded at once.")
@click.option("--operator", "operators", multiple=True, type=click.Choice([*map(str, Operator)]), help="Only these (repeatable).")
@click.option("--limit", type=click.IntRange(1), help="Grade at most N mutants per exercise (a sample with a fixed seed).")
@click.option("--min-rate", type=click.FloatRange(0, 100), default=DEFAULT_MIN_RATE, show_default=True, help="Exit 1 under it.")
@click.option("--json", "json_file", type=click.Path(path_type=Path), help="Also write every outcome to this JSON file.")
@click.option("--markdown", type=click.Path(path_type=Path), help="Also write the table and the survivors as Markdown.")
@backend_option
@image_option
@reports_errors
def audit(
    exercises: tuple[str, ...], jobs: int, operators: tuple[str, ...], limit: int | None, min_rate: float,
    json_file: Path | None, markdown: Path | None, backend: str, image: str,
) -> None:  # fmt: skip
    """Mutate each reference automatically and grade every mutant: kill rate and surviving diffs."""
    chosen = select_exercises(find_root(Path.cwd()), exercises)
    options = AuditOptions(frozenset(Operator(o) for o in operators) or frozenset(Operator), limit, jobs=jobs)
    factory = functools.partial(cli.sandbox_opener(), backend, image, True)  # each next container starts while one runs
    results: list[AuditResult] = []
    with cli.console.status("auditing") as status:
        say = status.update if cli.console.is_terminal else cli.console.print  # logs get a line per mutant

        def show(ex: str, outcome: MutantOutcome, done: int, total: int) -> None:
            say(f"{ex}: mutant {done}/{total} {outcome.mutant.id} {outcome.status}")

        for exercise in chosen:
            say(f"{exercise.id}: grading the reference")
            results.append(audit_exercise(exercise, factory, options, functools.partial(show, exercise.id)))
            cli.console.print(shown(audit_details(results[-1])), end="")
    table = Table(*AUDIT_COLUMNS, title="Mutation audit")
    for row in audit_rows(results):
        table.add_row(*row)
    cli.console.print(table)
    for path in write_audit(results, json_file=json_file, markdown=markdown):
        cli.console.print(f"wrote {path}")
    code, why = audit_verdict(results, min_rate)
    cli.console.print(shown(why))
    sys.exit(code)


@main.command("report")
@click.argument("results_file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice([*sorted(FORMATS), *BATCH_FORMATS]), default="html", show_default=True,
              help="results.json: html junit md gradescope exercism; .jsonl: gradebook canvas moodle summary")  # fmt: skip
@click.option("--assignment", help="canvas, moodle: the grade column's name (Canvas: 'Title (assignment id)' updates it).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Where to write (default: beside RESULTS_FILE).")
@reports_errors
def report(results_file: Path, fmt: str, assignment: str | None, output: Path | None) -> None:
    """Re-render saved results in another format; runs no code and needs no Docker."""
    from .lms import rerender

    target, count = rerender(results_file, fmt, output, assignment, Path.cwd())
    cli.console.print(f"wrote {shown(str(target))} ({count} results)")


@main.group("export")
def export_group() -> None:
    """Make what another platform runs: a Classroom student template, a Gradescope autograder."""


@export_group.command("template")
@click.argument("out", type=click.Path(path_type=Path))
@reports_errors
def export_template(out: Path) -> None:
    """Make the student template (exercises/, the workflow, a README; no graders/) in OUT."""
    written = make_template(find_root(Path.cwd()), out)
    cli.console.print(f"wrote {len(written)} files to {shown(str(out))}: exercises/, {WORKFLOW}, README.md; no graders/")


@export_group.command("gradescope")
@click.argument("exercise_id")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Default: reports/NN_topic/autograder.zip.")
@click.option("--hidden-visibility", type=click.Choice(VISIBILITIES), default="hidden", show_default=True,
              help="Gradescope visibility of tests marked hidden=True (hidden also hides the total).")  # fmt: skip
@reports_errors
def export_gradescope(exercise_id: str, output: Path | None, hidden_visibility: Visibility) -> None:
    """Gradescope's autograder.zip for EXERCISE_ID: setup.sh, run_autograder, the runner, the hidden suite."""
    root = find_root(Path.cwd())
    exercise = load_exercise(exercise_path(root, exercise_id))
    target = output or Path("reports") / exercise.id / "autograder.zip"
    members = build_autograder(root, exercise, target, hidden_visibility)
    cli.console.print(f"wrote {shown(str(target))}: {len(members)} files; upload it as the assignment's autograder")


@main.group("sandbox")
def sandbox_group() -> None:
    """Build the sandbox image or diagnose the engine."""


@sandbox_group.command("build")
@click.option("--base-image", default=DEFAULT_BASE, show_default=True, help="Debian 12 image to build on (its python3 grades).")
@click.option("--wheelhouse", type=click.Path(path_type=Path, file_okay=False),
              help="Install from these wheels only (offline); see sandbox/requirements.txt.")  # fmt: skip
@click.option("--if-changed", is_flag=True, help="Do nothing when the image is built from the current Dockerfile and pins.")
@image_option
@reports_errors
def sandbox_build(base_image: str, wheelhouse: Path | None, if_changed: bool, image: str) -> None:
    """Build the image every submission runs in."""
    from .sandbox.image import build_image, image_is_current

    root = find_root(Path.cwd())
    if if_changed and image_is_current(root / "sandbox", image):
        cli.console.print(f"{image} is up to date")
        return
    with cli.console.status(f"building {image} from {base_image}") as status:
        image_id = build_image(root / "sandbox", tag=image, base_image=base_image, wheelhouse=wheelhouse,
                               on_line=lambda line: status.update(shown(line[:100])))  # fmt: skip
    cli.console.print(f"built {image} ({image_id[:19]})")


@sandbox_group.command("check")
@image_option
@reports_errors
def sandbox_check(image: str) -> None:
    """Diagnose the engine and the image, and run a trivial sandboxed job."""
    marks = {"ok": "[green]ok[/]  ", "warn": "[yellow]warn[/]", "fail": "[red]FAIL[/]"}
    for check in flows.check_sandbox(image):
        cli.console.print(f"{marks[check.level]} {shown(check.text)}")
        for detail in check.details:
            cli.console.print(f"      {shown(detail)}")


@main.command("list")
@click.option("--reports", "reports_dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@reports_errors
def list_exercises(reports_dir: Path) -> None:
    """The exercises, their titles and points, and your last local score."""
    root = find_root(Path.cwd())
    table = Table(title="Exercises")
    for column in ("Exercise", "Title", "Kind", "Points", "Last score"):
        table.add_column(column)
    for exercise in all_exercises(root):
        last = "—"
        saved = reports_dir / exercise.id / "results.json"
        if saved.is_file():
            try:
                result = load_results(saved)
                last = f"{result.score:g}/{result.max_score:g} {cli.styled(result.status)}"
            except UsageError:
                last = "[dim]unreadable[/]"
        table.add_row(exercise.id, shown(exercise.title), exercise.kind, str(exercise.max_score), last)
    cli.console.print(table)


@main.command("watch")
@click.argument("exercise_dir", metavar="EXERCISE", shell_complete=cli.complete_exercises)
@click.option("--reports", "reports_dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@backend_option
@image_option
@reports_errors
def watch_command(exercise_dir: str, reports_dir: Path, backend: str, image: str) -> None:
    """Grade EXERCISE (a folder, or an id such as 04) now and again on every save of its files
    (Ctrl-C to stop)."""
    from .watch import WatchRun, file_changes, watch

    try:
        root: Path | None = find_root(Path.cwd())
    except GraderError:
        root = None
    folder = resolve_exercise(exercise_dir, root, main.visible_commands())
    exercise = load_exercise(folder)
    # Each run gets a fresh container; the next one starts while the student edits.
    sandbox = cli.open_sandbox(backend, image, prewarm=True)

    def show(run: WatchRun) -> None:
        if run.error is not None:
            cli.errors.print(f"[red]error:[/] {shown(run.error)}")
        elif run.result is not None:  # the answer first, then its reports
            cli.print_result(run.result)
            write_reports(run.result, reports_dir / exercise.id)
        saved = f" after saving {', '.join(run.changed)}" if run.changed else ""
        watching = ", ".join(exercise.files)
        cli.console.print(f"[dim]run {run.number}: {run.seconds:.2f} s{saved}. Watching {watching}; Ctrl-C to stop.[/]")

    try:
        watch(exercise, folder, sandbox, file_changes(folder), show)
    finally:
        sandbox.close()
