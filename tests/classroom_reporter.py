"""GitHub Classroom's grading reporter, re-stated in Python from its source, to test our output
against what it computes. Source: github.com/education/autograding-grading-reporter at 1a54efb
(``releases/v1`` is built from main). It is not published on npm, and GitHub is not reachable from
CI, so it cannot run for real here; each function cites the file and function it re-states.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

CHECK_RUN_NAME = "run-autograding-tests"
"""src/notify-classroom.js, NotifyClassroom: ``checks.listForSuite({check_name: ...})``; it writes the
points only when exactly one check run of the run's check suite has this name."""

PERMISSIONS = {"checks": "write", "actions": "read"}
"""What NotifyClassroom's calls need: actions.getWorkflowRun (actions: read), checks.update (checks: write)."""


@dataclass(frozen=True)
class Runner:
    runner: str
    results: dict[str, Any]


def read_runners(runners_input: str, env: dict[str, str]) -> list[Runner]:
    """src/main.js: for each comma-separated runner, ``process.env[`${runner.trim().toUpperCase()}_RESULTS`]``,
    base64-decoded then JSON-parsed (a missing variable throws and fails the step)."""
    runners = []
    for runner in runners_input.split(","):
        encoded = env[f"{runner.strip().upper()}_RESULTS"]
        runners.append(Runner(runner, json.loads(base64.b64decode(encoded).decode("utf-8"))))
    return runners


def max_score_for_test(results: dict[str, Any]) -> float:
    """src/helpers/test-helpers.js, getMaxScoreForTest: ``runnerResult.max_score || 0``."""
    return float(results.get("max_score") or 0)


def test_score(results: dict[str, Any]) -> float:
    """src/helpers/test-helpers.js, getTestScore: the share of tests with status ``pass`` times the
    runner's max_score (per-test ``score`` is ignored here)."""
    passed = sum(test["status"] == "pass" for test in results["tests"])
    return float(passed) / len(results["tests"]) * max_score_for_test(results)


def console_lines(runners: list[Runner]) -> list[str]:
    """src/console-results.js, ConsoleResults, without colours: what a student reads in the log."""
    lines: list[str] = []
    for runner in runners:
        lines.append(f"Processing: {runner.runner}")
        for test in runner.results["tests"]:
            where = f" - line {test['line_no']}" if test["line_no"] != 0 else ""
            if test["status"] == "pass":
                lines.append(f"PASS {test['name']}{where}")
            elif test["status"] == "error":
                fallback = f"Failed to run test '{test['name']}'"
                lines.append(f"Error: {test['message'] or fallback}")
            else:
                lines.append(f"FAIL {test['name']}{where}")
            if test["test_code"]:
                lines.append(f"Test code:\n{test['test_code']}\n")
        maximum = max_score_for_test(runner.results)
        if maximum != 0:
            lines.append(f"Total points for {runner.runner}: {test_score(runner.results):.2f}/{maximum:g}")
    return lines


def console_total(runners: list[Runner]) -> tuple[float, float]:
    """src/aggregate-results.js, AggregateResults: the "Total:" row of the summary table."""
    return sum(test_score(r.results) for r in runners), sum(max_score_for_test(r.results) for r in runners)


def classroom_points(runners: list[Runner]) -> tuple[float, float]:
    """src/notify-classroom.js, NotifyClassroom: what reaches Classroom (``Points total/max`` on the
    check run): per runner with a max_score, the sum of its tests' ``score``, over the max_scores."""
    total = maximum = 0.0
    for runner in runners:
        if not runner.results.get("max_score"):
            continue
        maximum += runner.results["max_score"]
        total += sum(test["score"] for test in runner.results["tests"])
    return total, maximum


def step_fails(runners: list[Runner]) -> bool:
    """src/main.js: ``core.setFailed`` when a runner's status is ``fail`` or ``error``."""
    return any(r.results["status"] in ("fail", "error") for r in runners)
