"""The ``grade`` command: the only module that imports Click or prints."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click
from click.shell_completion import CompletionItem
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from . import __version__, flows
from .errors import GraderError, UsageError
from .exercise import GRADERS_ENV, Exercise, all_exercises, exercise_path, find_root, load_exercise, select_exercises, use_graders
from .feedback import NAMES_SHOWN, feedback, first_line, names_list, shortened
from .focus import combined, completions, failed_selection, keyword_selection, resolve_exercise, suggestions
from .render import STATUS_LABELS, STATUS_TONES, preload, write_reports
from .results import SubmissionResult, load_results
from .sandbox import DEFAULT_IMAGE, Sandbox, prepare_for
from .untrusted import clean_text

if TYPE_CHECKING:
    from .grading import VerifyRow

console = Console(highlight=False)
if not console.is_terminal:
    # Logs (CI, pipes) are read in wide windows; 80 columns would fold every table.
    console.width = max(console.width, 160)
errors = Console(stderr=True, highlight=False)
#: The commands runner/cli_tools.py adds to ``main``: it is imported when one of them runs or when
#: the commands are listed, so ``grade EXERCISE`` does not pay for the course staff's tools.
TOOL_COMMANDS = ("audit", "export", "list", "mutant", "report", "sandbox", "watch", "worker")
TONE_STYLES = {"good": "green", "bad": "red", "warn": "yellow"}
F = TypeVar("F", bound=Callable[..., Any])


def shown(text: object) -> str:
    """``text`` made safe for the terminal: no escape sequence or control character (newline and
    tab aside) ever reaches it, and rich's markup in it is printed, not interpreted."""
    value = str(text)
    return escape(clean_text(value, len(value)))


def debug_traceback() -> None:
    """With ``GRADE_DEBUG`` set, the traceback of the error being handled, its causes first, after its line."""
    if os.environ.get("GRADE_DEBUG"):
        errors.print_exception()


def reports_errors(func: F) -> F:
    """Turn grader failures into one line on stderr and their exit code; a traceback only with ``GRADE_DEBUG``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GraderError as exc:
            errors.print(f"[bold red]error:[/] {shown(str(exc))}", soft_wrap=True)
            debug_traceback()
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            errors.print("[bold red]interrupted[/]: nothing was left running")
            sys.exit(130)
        except OSError as exc:
            errors.print(f"[bold red]error:[/] {shown(str(exc))}", soft_wrap=True)
            debug_traceback()
            sys.exit(3)
        except Exception as exc:
            if os.environ.get("GRADE_DEBUG"):
                raise
            message = f"internal error: {type(exc).__name__}: {exc} (a grader bug; GRADE_DEBUG=1 shows the traceback)"
            errors.print(f"[bold red]error:[/] {shown(message)}", soft_wrap=True)
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


def warn(message: str) -> None:
    errors.print(f"[yellow]warning:[/] {shown(message)}", soft_wrap=True)


def default_opener(backend: str, image: str, prewarm: bool) -> Sandbox:
    """:func:`runner.flows.open_sandbox`, its warnings on stderr."""
    return flows.open_sandbox(backend, image, prewarm, warn=warn)


def sandbox_opener() -> flows.SandboxOpener:
    """How this command gets sandboxes: the opener its caller passed as Click's ``obj`` (tests
    inject fakes: ``CliRunner().invoke(main, args, obj=opener)``), else :func:`default_opener`.
    Call it on the command's thread: the opener it returns may then be used from any thread."""
    injected = click.get_current_context().find_root().obj
    return cast(flows.SandboxOpener, injected) if injected is not None else default_opener


def open_sandbox(backend: str, image: str, prewarm: bool = False) -> Sandbox:
    return sandbox_opener()(backend, image, prewarm)


def styled(status: str) -> str:
    return f"[{style(status)}]{STATUS_LABELS.get(status, status)}[/]"


def style(status: str) -> str:
    """The terminal's colour for ``status``: its tone's (:data:`runner.render.STATUS_TONES`)."""
    return TONE_STYLES.get(STATUS_TONES.get(status, ""), "white")


def indented(markup: str, by: int = 2) -> Padding:
    """``markup`` printed ``by`` columns in, its wrapped lines too."""
    return Padding(markup, (0, 0, 0, by))


def failure(markup: str) -> Table:
    """``x markup``, its wrapped lines under the text rather than under the mark."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row("[red]x[/]", markup)
    return grid


def print_result(result: SubmissionResult, failed_only: bool = False) -> None:
    """What the student reads, in :mod:`runner.feedback`'s order: failed notebook cells, each
    cause once (with its student line, its count and one hint), the other failures with their
    message and hint, then what passed (unless ``failed_only``) and the score."""
    said = feedback(result)
    console.print(f"[bold]{shown(result.exercise_title)}[/]  ({shown(result.submission)})")
    for cell in said.cells:
        where = f", line {cell.line}" if cell.line else ""
        console.print(failure(f"notebook cell {cell.index}{where}: {styled(cell.status)}"))
        if cell.error:
            console.print(indented(shown(first_line(cell.error)[:300])))
    for cause in said.causes:
        console.print(failure(f"[bold]{shown(cause.headline[:400])}[/]"))
        if cause.hint:
            console.print(indented(f"[cyan]hint:[/] {shown(cause.hint)}"))
        console.print(indented(f"[dim]{shown(names_list(cause.tests))}[/]"))
    for test in said.others:
        console.print(failure(f"[bold]{shown(test.name)}[/]  {styled(test.status)} {test.score:g}/{test.max_score:g}"))
        why = shown(shortened(first_line(test.message)))
        if test.location:
            why += f" [dim]({shown(test.location.file)}:{test.location.line})[/]"
        if why:
            console.print(indented(why))
        if test.hint:
            console.print(indented(f"[cyan]hint:[/] {shown(test.hint)}"))
    if said.passed and not failed_only:  # names only while they are few: the report lists them all
        names = f": [dim]{shown(names_list(said.passed))}[/]" if len(said.passed) <= NAMES_SHOWN else ""
        console.print(f"[green]ok[/] {len(said.passed)} passed{names}")
    for flag in result.flags:
        console.print(f"[bold red]flagged:[/] {shown(flag)}")
    console.print(score_line(result))


def score_line(result: SubmissionResult) -> str:
    """The last line: the score, the status and the summary; a partial run says it is not the score."""
    points = f"[bold]{result.score:g}/{result.max_score:g}[/] ({result.percent:g} %)"
    if result.partial:
        points = f"[yellow]partial:[/] {points} of the {len(result.tests)} selected tests, not your score;"
    return f"{points}  {styled(result.status)}  {shown(result.message)}"


def exit_code(result: SubmissionResult) -> int:
    if result.status == "infra_error":
        return 3
    return 0 if result.status == "passed" else 1


class GradeGroup(click.Group):
    """``grade EXERCISE`` (a folder or an id) grades; ``grade COMMAND`` runs a subcommand."""

    def visible_commands(self) -> tuple[str, ...]:
        """The commands a user may type, :data:`TOOL_COMMANDS` included before they are loaded."""
        own = [name for name, command in self.commands.items() if not command.hidden]
        return tuple(sorted({*own, *TOOL_COMMANDS}))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in TOOL_COMMANDS:
            from . import cli_tools  # noqa: F401  (it adds its commands to `main`)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        from . import cli_tools  # noqa: F401

        return super().list_commands(ctx)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        at = 0
        while at < len(args) and (args[at] in ("--graders", "--version", "-h", "--help") or args[at].startswith("--graders=")):
            at += 2 if args[at] == "--graders" else 1  # the group's options; --graders DIR has a value
        if at < len(args) and args[at] not in self.commands and args[at] not in TOOL_COMMANDS:
            word = args[at]  # an exercise, or grading's options first (-k EXPR 04)
            close = suggestions(word, list(self.visible_commands()))
            if close and not Path(word).exists():  # a mistyped command, not an exercise
                raise click.UsageError(f"No such command {word!r}.{close}", ctx)
            args = [*args[:at], "exercise", *args[at:]]
        return super().parse_args(ctx, args)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """The commands, then the exercise ids (``grade 04<TAB>``)."""
        return [*super().shell_complete(ctx, incomplete), *complete_exercises(ctx, self, incomplete)]


@click.group(cls=GradeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
@click.option("--graders", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help=f"Hidden suites kept outside the course repository (DIR/NN_topic/tests); also ${GRADERS_ENV}.")  # fmt: skip
@reports_errors
def main(graders: Path | None) -> None:
    """Grade Python back-end roadmap exercises in a sandbox.

    \b
    grade EXERCISE [-k EXPR]      grade your working copy: exercises/04_sqlalchemy, 04 or 04_sqlalchemy
    grade batch DIR --exercise NN grade a folder of submissions: gradebook, reports, summary
    grade worker --broker URL     grade batches sent by `grade batch --broker URL` (Celery, Redis)
    grade list                    the exercises and your last scores
    grade verify [NN_topic ...]   check the curriculum: reference 100 %, starter and mutants below
    grade mutant NN NAME FILE "…" record a wrong answer as graders/NN_topic/mutants/NAME.diff
    grade audit [NN_topic ...]    mutate each reference automatically: kill rate, surviving diffs
    grade sandbox build|check     build the sandbox image; diagnose the engine
    grade report RESULTS.json     re-render saved results (results.jsonl: gradebook, canvas, moodle)
    grade export template|gradescope  the student template; Gradescope's autograder.zip
    """
    if graders is not None:
        use_graders(graders)


backend_option = click.option(
    "--backend", type=click.Choice(flows.BACKENDS), default="auto", show_default=True,
    help="Where to run code: docker isolates; local only applies limits.",
)  # fmt: skip
image_option = click.option("--image", default=DEFAULT_IMAGE, show_default=True, help="Sandbox image.")


def complete_exercises(ctx: click.Context, param: click.Parameter | click.Command, incomplete: str) -> list[CompletionItem]:
    """Shell completion of an exercise: its ids, else the shell's own folder completion."""
    return [CompletionItem(ident) for ident in completions(incomplete)] or [CompletionItem(incomplete, type="dir")]


@main.command("exercise", hidden=True)
@click.argument("exercise_dir", metavar="EXERCISE", shell_complete=complete_exercises)
@click.option("--reports", "reports_dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@click.option("-k", "keyword", metavar="EXPR",
              help="Grade only the hidden tests this pytest -k expression selects: a partial score, not your score.")  # fmt: skip
@click.option("--failed-only", is_flag=True,
              help="Grade only the tests that did not pass in your last full run: a partial score.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the results document on stdout, and nothing else there.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the score line.")
@backend_option
@image_option
@reports_errors
def grade_exercise(
    exercise_dir: str, reports_dir: Path, keyword: str | None, failed_only: bool, as_json: bool, quiet: bool,
    backend: str, image: str,
) -> None:  # fmt: skip
    """Grade the working copy in EXERCISE (a folder, or an id such as 04 or 04_sqlalchemy)."""
    try:
        root: Path | None = find_root(Path.cwd())
    except GraderError:
        root = None
    exercise = load_exercise(folder := resolve_exercise(exercise_dir, root, main.visible_commands()))
    selection = keyword_selection(exercise, keyword) if keyword else None
    if failed_only:
        saved = reports_dir / exercise.id / "results.json"
        last = failed_selection(exercise, load_results(saved)) if saved.is_file() else None
        if last is None:
            why = f"no full run saved in {saved}" if not saved.is_file() else "every test passed in your last full run"
            errors.print(f"[yellow]note:[/] {shown(why)}: grading every selected test")
        selection = combined(selection, last)
    sandbox = open_sandbox(backend, image)
    prepare_for(sandbox, exercise.kind, exercise.limits, exercise.boundary)  # its container starts while grading loads
    templates = threading.Thread(target=preload, name="grade-preload")  # while the container runs
    templates.start()
    from .grading import grade_folder

    chatter = errors if as_json or quiet else console  # --json and -q keep stdout for their answer
    try:
        with chatter.status("grading") as status:
            result = grade_folder(exercise, folder, sandbox, on_stage=lambda st: status.update(shown(st)), selection=selection)
    finally:
        sandbox.close()  # a container started for a run that did not happen (a syntax error) goes too
    if as_json:
        click.echo(result.to_json())
    elif quiet:
        console.print(score_line(result), soft_wrap=True)
    else:
        print_result(result, failed_only=failed_only)
    console.file.flush()  # the answer is read while the reports are written
    templates.join()
    # A partial run never replaces the last full one (its score, --failed-only's source).
    paths = write_reports(result, reports_dir / exercise.id / ("partial" if result.partial else ""))
    if not (as_json or quiet):
        console.print(f"report: {paths['html']}  results: {paths['results']}")
    sys.exit(exit_code(result))


@main.command("batch")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option(
    "--exercise", "exercise_id", required=True, help="The exercise, e.g. 04_sqlalchemy.", shell_complete=complete_exercises
)
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Submissions graded at once.",
              show_default="number of cores; with --broker, twice the workers' slots")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), help="Where to write (default: reports/batch-NN_topic).")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Result cache (default: OUT/.cache).")
@click.option("--no-cache", is_flag=True, help="Grade everything again.")
@click.option("--allow-local", is_flag=True, help="Allow the local backend, which does not isolate students from each other.")
@click.option("--broker", metavar="redis://HOST:6379/0",
              help="Spread the batch over the `grade worker`s on this Redis broker instead of grading here.")  # fmt: skip
@click.option("--wait-workers", type=click.FloatRange(0, 3600), default=10.0, show_default=True,
              help="With --broker: how long to wait for a worker to answer.")  # fmt: skip
@backend_option
@image_option
@reports_errors
def batch(
    submissions: Path, exercise_id: str, jobs: int | None, out: Path | None, cache_dir: Path | None, no_cache: bool,
    allow_local: bool, broker: str | None, wait_workers: float, backend: str, image: str,
) -> None:  # fmt: skip
    """Grade every submission in SUBMISSIONS (sub-folders, .zip files or single files)."""
    from .batch import BatchEntry, BatchProgress, discover

    root = find_root(Path.cwd())
    exercise = load_exercise(exercise_path(root, exercise_id))
    items = discover(submissions, exercise)
    if not items:
        raise UsageError(f"{submissions} holds no submissions (sub-folders, .zip files or {', '.join(exercise.files)})")
    out = out or Path("reports") / f"batch-{exercise.id}"
    conventions = Counter(item.convention for item in items)
    found = f"{len(items)} submissions of {exercise.id} ({', '.join(f'{n} named by {c}' for c, n in conventions.items())})"
    first: Sandbox
    more: Callable[[], Sandbox] | None
    if broker:
        from .distributed import CelerySandbox

        if backend == "local":
            raise UsageError("--broker grades in the workers' Docker sandboxes: drop --backend local")
        with console.status(f"looking for workers on {shown(broker)}"):
            remote = CelerySandbox(broker, wait_s=wait_workers)
        # Twice the workers' slots keeps each worker's next task queued while it grades one.
        jobs = jobs or min(256, 2 * remote.concurrency)
        workers = ", ".join(f"{name} (x{w.get('concurrency', 1)})" for name, w in sorted(remote.workers.items()))
        console.print(f"{found}, {jobs} in flight on {len(remote.workers)} workers via {shown(remote.url)}: {shown(workers)}")
        first, more = remote, None  # one thread-safe remote sandbox for every thread
    else:
        jobs = jobs or os.cpu_count() or 1
        if backend == "auto" and not allow_local:
            backend = "docker"  # no engine is exit 3 (README), not a fallback that batch would then refuse
        more = functools.partial(sandbox_opener(), backend, image, True)  # a fresh one per thread
        first = more()
        flows.require_isolation(first, allow_local)
        console.print(f"{found}, {jobs} at a time in the {first.name} sandbox")
    cache_dir = None if no_cache else cache_dir or out / ".cache"
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
               TimeRemainingColumn(elapsed_when_finished=True)]  # fmt: skip
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("grading", total=len(items), counts="")

        def show(entry: BatchEntry, progress: BatchProgress) -> None:
            counts = " ".join(f"[{style(s)}]{s} {n}[/]" for s, n in sorted(progress.statuses.items()))
            if progress.cached:
                counts += f" [dim](cached {progress.cached})[/]"
            bar.update(task, completed=progress.done, counts=counts)
            if not console.is_terminal:  # a log (CI) gets a line per finished submission
                console.print(f"{progress.done}/{progress.total} {shown(entry.item.student)}: {styled(entry.result.status)}")

        run = flows.run_batch(exercise, items, first, out, more=more, jobs=jobs, cache_dir=cache_dir, on_entry=show)
    console.print(f"mean {run.mean_percent:.1f} %; " + ", ".join(f"{styled(s)} {n}" for s, n in run.statuses.most_common()))
    console.print(f"gradebook: {run.paths['gradebook']}  summary: {run.paths['summary']}  results: {run.paths['results']}")
    if run.not_graded:
        errors.print(
            f"[bold red]error:[/] {len(run.not_graded)} of {len(run.entries)} submissions were not graded: "
            f"{shown(run.not_graded[0].message)}; what was graded is cached: run the same command again to grade the rest",
            soft_wrap=True,
        )
    sys.exit(run.exit_code)


@main.command("ci")
@click.option("--base", help="Compare with this ref (default: the merge base with the default branch).")
@click.option("--all", "grade_all", is_flag=True, help="Grade every exercise, changed or not.")
@click.option("--fail-under", type=click.FloatRange(0, 100), help="Pass the check at this percent or more.")
@click.option("--reports", "reports_dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@backend_option
@image_option
@reports_errors
def ci(base: str | None, grade_all: bool, fail_under: float | None, reports_dir: Path, backend: str, image: str) -> None:
    """Grade what a pull request changed: JUnit XML, annotations, step summary, Classroom output."""
    from .ci import changed_exercises, default_base, error_annotations, grade_ci

    root = find_root(Path.cwd())
    exercises = all_exercises(root)
    if not grade_all:
        base = base or default_base(root)
        exercises = changed_exercises(root, exercises, base)
    if not exercises:
        console.print("no exercise's submitted files changed: nothing to grade")
        sys.exit(0)

    def show(exercise: Exercise, result: SubmissionResult) -> None:
        # Annotations are one line each, escaped; everything else that holds text a submission
        # could produce (the table, messages, cells, outputs) is printed with workflow commands off.
        for line in error_annotations(result, exercise.path.relative_to(root).as_posix()):
            click.echo(line)
        with workflow_commands_off():
            print_result(result)
            for cell in result.cells:  # the whole error: the table says its first line only
                if cell.status != "ok" and cell.error:
                    console.print(f"--- error of {exercise.id}: notebook cell {cell.index}")
                    console.print(shown(cell.error), soft_wrap=True)
            for test in result.tests:
                if test.output and test.status != "passed":
                    console.print(f"--- output of {exercise.id}: {shown(test.name)}")
                    console.print(shown(test.output), soft_wrap=True)

    sandbox = open_sandbox(backend, image)
    with console.status("grading") as status:

        def stage(line: str) -> None:
            if console.is_terminal:
                status.update(shown(line))
            else:  # a log (CI) says what it is grading as it goes
                console.print(shown(line))

        run = grade_ci(exercises, sandbox, reports_dir, summary_path=os.environ.get("GITHUB_STEP_SUMMARY"),
                       output_path=os.environ.get("GITHUB_OUTPUT"), on_stage=stage, on_result=show)  # fmt: skip
    console.print(
        f"[bold]{run.score:g}/{run.max_score:g}[/] ({run.percent:.1f} %) over {len(run.results)} exercises; JUnit: {run.junit}"
    )
    sys.exit(run.exit_code(fail_under))


@contextlib.contextmanager
def workflow_commands_off() -> Iterator[None]:
    """GitHub Actions ignores workflow commands (``::error``, ``::add-mask``, ...) between the
    two lines printed here; the token is random, so nothing printed inside can end the fence."""
    from .ci import fence_tokens

    start, end = fence_tokens()
    console.file.flush()
    click.echo(start)
    try:
        yield
    finally:
        console.file.flush()
        click.echo(end)


@main.command("verify")
@click.argument("exercises", nargs=-1, shell_complete=complete_exercises)
@backend_option
@image_option
@reports_errors
def verify(exercises: tuple[str, ...], backend: str, image: str) -> None:
    """Check the curriculum: the reference scores 100 %, the starter 0 %, every mutant below 100 %."""
    from .grading import verify_exercise

    chosen = select_exercises(find_root(Path.cwd()), exercises)
    sandbox = open_sandbox(backend, image)
    table = Table(title="Curriculum self-check")
    for column in ("Exercise", "Variant", "Must score", "Scored", "Status", "Check"):
        table.add_column(column, overflow="fold")
    rows: list[VerifyRow] = []
    with console.status("verifying") as status:
        for exercise in chosen:

            def show(row: VerifyRow) -> None:
                line = f"{row.exercise}: {row.variant} {'ok' if row.ok else 'FAILED'}"
                if console.is_terminal:
                    status.update(shown(line))
                else:  # a log (CI) gets a line per check
                    console.print(shown(line))

            rows += verify_exercise(exercise, sandbox, on_row=show)
    for row in rows:
        scored = f"{row.result.score:g}/{row.result.max_score:g} ({row.result.percent:g} %)" if row.result else "—"
        state = styled(row.result.status) if row.result else shown(row.problem)
        table.add_row(row.exercise, row.variant, row.expectation, scored, state, "[green]ok[/]" if row.ok else "[red]FAIL[/]")
    console.print(table)
    bad = [r for r in rows if not r.ok]
    console.print(f"{len(rows) - len(bad)} of {len(rows)} checks passed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    from runner.entry import main as grade  # as the `grade` executable: runner.cli, not __main__, has the commands

    grade()
