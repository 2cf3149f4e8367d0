"""A scripted backend for tests: it runs nothing and answers what it is told."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import RunOutcome, RunRequest


class FakeSandbox:
    """Answers each request with ``respond(request)``; remembers every request it was given."""

    name = "fake"
    isolated = True

    def __init__(self, respond: Callable[[RunRequest], RunOutcome]) -> None:
        self.respond = respond
        self.requests: list[RunRequest] = []
        self.closes = 0

    def image_id(self) -> str | None:
        return "sha256:fake"

    def python_version(self) -> str | None:
        return "3.11.2"

    def run(self, request: RunRequest) -> RunOutcome:
        self.requests.append(request)
        return self.respond(request)

    def close(self) -> None:
        """Counted (``closes``), so a test sees that a flow closed what it opened; runs go on."""
        self.closes += 1

    @classmethod
    def with_outcomes(cls, statuses: Mapping[str, str], **exit_fields: Any) -> FakeSandbox:
        """A sandbox whose grader process reports ``statuses`` (test id -> status) and then exits."""

        def respond(request: RunRequest) -> RunOutcome:
            # The must-fail sentinel fails, as in an honest run.
            sentinel = {request.sentinel: "failed"} if request.sentinel else {}
            return outcome({**statuses, **sentinel}, **exit_fields)

        return cls(respond)


def outcome(
    statuses: Mapping[str, str],
    *,
    done: bool = True,
    timed_out: bool = False,
    returncode: int = 0,
    cells: tuple[dict[str, Any], ...] = (),
    extra_events: tuple[dict[str, Any], ...] = (),
    oom_killed: bool = False,
) -> RunOutcome:
    """A :class:`RunOutcome` as the real harness would report these test statuses."""
    events: list[dict[str, Any]] = [*cells, {"type": "collected", "nodeids": list(statuses)}]
    for test_id, status in statuses.items():
        events.append(
            {
                "type": "test",
                "nodeid": test_id,
                "status": status,
                "message": "" if status == "passed" else f"{test_id} did not pass",
                "location": None,
                "output": "",
                "duration_s": 0.01,
            }
        )
    events.extend(extra_events)
    if done:
        events.append({"type": "done"})
    exit_record = {
        "type": "exit",
        "returncode": returncode,
        "timed_out": timed_out,
        "rejected_events": 0,
        "output": "",
        "output_bytes": 0,
        "duration_s": 0.1,
    }
    return RunOutcome(events=tuple(events), exit=exit_record, duration_s=0.1, oom_killed=oom_killed)
