"""The mutation audit as text: the table's rows, each exercise's survivors, and a Markdown page.

Contract: pure functions of :class:`~runner.audit.AuditResult`s; they return strings (or, for
:func:`write_audit`, write the files they are given) and never print (the CLI prints them).
Diffs are shown as the audit made them (unified, one line of context).
"""

from __future__ import annotations

import json
from pathlib import Path

from .audit import AuditResult

AUDIT_COLUMNS = ("Exercise", "Mutants", "Graded", "Killed", "Survived", "Equivalent", "Not graded", "Kill rate")


def rate_text(result: AuditResult) -> str:
    if result.not_applicable is not None:
        return "not applicable"
    rate = "—" if result.kill_rate is None else f"{result.kill_rate:.1f} %"
    return rate + (f", {len(result.stale)} stale equivalents" if result.stale else "")


def audit_rows(results: list[AuditResult]) -> list[tuple[str, ...]]:
    """One row per exercise, in :data:`AUDIT_COLUMNS` order."""
    rows: list[tuple[str, ...]] = []
    for r in results:
        if r.not_applicable is not None:
            rows.append((r.exercise, "—", "—", "—", "—", "—", "—", rate_text(r)))
            continue
        mutants = f"{r.generated}" + (f" (sample of {r.sampled})" if r.sampled else "")
        counts = (r.graded, r.count("killed"), r.count("survived"), r.count("equivalent"), r.count("not_graded"))
        rows.append((r.exercise, mutants, *(str(n) for n in counts), rate_text(r)))
    return rows


def audit_details(result: AuditResult) -> str:
    """What to read after the table: why it was not audited, each survivor's diff, what was not graded, stale equivalents."""
    if result.not_applicable is not None:
        return f"{result.exercise}: not applicable: {result.not_applicable}\n"
    lines = []
    for outcome in result.survivors():
        m = outcome.mutant
        lines.append(f"survived {m.id} ({m.operator.value}, {m.unit}:{m.line})\n{m.diff}")
    for outcome in result.outcomes:
        if outcome.status == "not_graded":
            lines.append(f"not graded {outcome.mutant.id}: {outcome.message}\n")
    for stale in result.stale:
        lines.append(f"stale equivalent {stale.id} ({stale.diff.strip()}): no generated mutant has this id any more\n")
    return "".join(lines)


def audit_markdown(results: list[AuditResult]) -> str:
    """A table and, per exercise, its survivors' diffs in a collapsed list."""
    out = ["| " + " | ".join(AUDIT_COLUMNS) + " |", "|" + "---|" * len(AUDIT_COLUMNS)]
    out += ["| " + " | ".join(row) + " |" for row in audit_rows(results)]
    for r in results:
        if r.not_applicable is not None:
            out += ["", f"**{r.exercise}**: not applicable: {r.not_applicable}."]
            continue
        survivors = r.survivors()
        if not survivors:
            continue
        out += ["", "<details>", f"<summary>{r.exercise}: {len(survivors)} survivors</summary>", ""]
        for outcome in survivors:
            m = outcome.mutant
            out += [f"`{m.id}` {m.operator.value}, {m.unit}:{m.line}", "", "```diff", m.diff.rstrip("\n"), "```", ""]
        out.append("</details>")
    return "\n".join(out) + "\n"


def write_audit(results: list[AuditResult], json_file: Path | None = None, markdown: Path | None = None) -> list[Path]:
    """Save the outcomes as JSON (each mutant with its diff) and/or Markdown; the paths written."""
    texts = {json_file: json.dumps([r.to_dict() for r in results], indent=2) + "\n", markdown: audit_markdown(results)}
    written = [path for path in texts if path is not None]
    for path in written:
        path.write_text(texts[path], encoding="utf-8")
    return written


def audit_verdict(results: list[AuditResult], min_rate: float) -> tuple[int, str]:
    """The exit code and its one-line reason: 3 when a mutant was not graded (infrastructure),
    1 when an exercise is below ``min_rate`` or has stale equivalents, else 0."""
    failing = [r.exercise for r in results if not r.passes(min_rate)]
    not_graded = sum(r.count("not_graded") for r in results)
    if not_graded:
        return 3, f"error: {not_graded} mutants were not graded (an infrastructure failure); run the audit again"
    if failing:
        return 1, f"below {min_rate:g} % or with stale equivalents: {', '.join(failing)}"
    return 0, f"every audited exercise kills at least {min_rate:g} % of its mutants"
