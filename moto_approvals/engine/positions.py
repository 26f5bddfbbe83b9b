"""Where each execution in flight is: inside a stage, or waiting at its inbound transition.

The flow updates this index on every move (arrive, enter, finish, retry), so asking who is in
a stage or who waits to enter it costs what is at that stage, not every execution in flight:
with a thousand executions queued, a write no longer rescans the queue once per queued
execution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto_approvals.domain import PipelineExecution, Position

Place = tuple[Position, str]


class Positions:
    """Executions inside each stage and waiting at each stage, in arrival order."""

    def __init__(self) -> None:
        self._inside: dict[str, dict[str, PipelineExecution]] = {}
        # Arrival order is insertion order: an execution is inserted when it arrives.
        self._waiting: dict[str, dict[str, PipelineExecution]] = {}
        self._places: dict[str, Place] = {}
        # What a reader built from a stage's queue, kept until someone arrives there or leaves.
        self._memo: dict[str, Any] = {}

    def place(self, execution: PipelineExecution) -> str | None:
        """Record where the execution is now; returns the stage it left, if it left one."""
        key = execution.pipeline_execution_id
        stage = execution.current_stage
        here: Place | None = None
        if stage is not None and execution.status.is_active:
            here = (execution.position, stage.name)
        before = self._places.get(key)
        if before == here:
            return None
        for place in (before, here):
            if place is not None and place[0] is Position.WAITING:
                self._memo.pop(place[1], None)
        if before is not None:
            del self._table(before[0])[before[1]][key]
            del self._places[key]
        if here is not None:
            self._table(here[0]).setdefault(here[1], {})[key] = execution
            self._places[key] = here
        return before[1] if before is not None else None

    def _table(self, position: Position) -> dict[str, dict[str, PipelineExecution]]:
        return self._inside if position is Position.INSIDE else self._waiting

    def occupied(self, stage_name: str) -> bool:
        return bool(self._inside.get(stage_name))

    def waiting(self, stage_name: str) -> list[PipelineExecution]:
        """Executions at the stage's inbound transition, in arrival order."""
        return list(self._waiting.get(stage_name, {}).values())

    def first_waiting(self, stage_name: str) -> PipelineExecution | None:
        return next(iter(self._waiting.get(stage_name, {}).values()), None)

    def memo(self, stage_name: str, build: Callable[[], Any]) -> Any:
        """``build()``, once for each state of the stage's queue: a read of a long queue costs
        its length once, not on every read (the result is shared: readers do not change it)."""
        if stage_name not in self._memo:
            self._memo[stage_name] = build()
        return self._memo[stage_name]
