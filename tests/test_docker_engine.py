"""The Docker backend's dealings with the engine that need no engine: what the start-up sweep
asks for and removes (a scripted client stands in for docker's)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from runner.sandbox.docker import LABEL, sweep_exited


class ScriptedApi:
    """docker's low-level API as the sweep uses it: a listing, inspections, removals."""

    def __init__(self, listed: list[dict[str, Any]], finished: dict[str, str]) -> None:
        self.listed = listed
        self.finished = finished
        self.filters: dict[str, Any] = {}
        self.removed: list[str] = []

    def containers(self, all: bool, filters: dict[str, Any]) -> list[dict[str, Any]]:
        self.filters = filters
        return self.listed

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        return {"State": {"FinishedAt": self.finished[container_id]}}

    def remove_container(self, container_id: str, force: bool) -> None:
        self.removed.append(container_id)


class ScriptedClient:
    def __init__(self, api: ScriptedApi) -> None:
        self.api = api


def iso(ago_s: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=ago_s)).strftime("%Y-%m-%dT%H:%M:%S.123456789Z")


def test_the_sweep_removes_only_what_stopped_a_while_ago_and_never_lists_running_ones() -> None:
    now = time.time()
    api = ScriptedApi(
        [
            {"Id": "old-exited", "State": "exited", "Created": now - 600},
            {"Id": "new-exited", "State": "exited", "Created": now - 600},
            {"Id": "old-created", "State": "created", "Created": now - 120},
            {"Id": "new-created", "State": "created", "Created": now - 5},
            {"Id": "old-dead", "State": "dead", "Created": now - 300},
        ],
        finished={"old-exited": iso(300), "new-exited": iso(5)},
    )
    assert sweep_exited(ScriptedClient(api)) == 3
    assert api.removed == ["old-exited", "old-created", "old-dead"]
    assert api.filters == {"label": LABEL, "status": ["exited", "created", "dead"]}  # the engine leaves running ones out
