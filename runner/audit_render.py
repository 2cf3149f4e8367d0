"""The mutation audit as text: the table's rows, each exercise's survivors, and a Markdown page.

Contract: pure functions of :class:`~runner.audit.AuditResult`s; they return strings and never
print (the CLI prints them). Diffs are shown as the audit made them (unified, one line of context).
"""

from __future__ import annotations

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
