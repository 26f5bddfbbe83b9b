"""What every kind of action shares with the execution flow.

An execution reaches an action and the flow asks each kind, in order, whether it runs it; the
first that does starts the run. A kind finishes its runs through :meth:`ActionFlow.finish_action`
and may have deadlines (an approval's timeout, a job's); :meth:`PipelineRuntime.advance` applies
them in the order they fell due.
"""

from __future__ import annotations

import datetime
from typing import Protocol

from moto_approvals.domain import (
    ActionRun,
    ActionStatus,
    EventState,
    PipelineDefinition,
    PipelineExecution,
)


class ActionFlow(Protocol):
    """The part of the runtime an action kind drives."""

    @property
    def definition(self) -> PipelineDefinition: ...

    def new_id(self) -> str: ...

    def execution(self, pipeline_execution_id: str) -> PipelineExecution: ...

    def finish_action(
        self,
        run: ActionRun,
        status: ActionStatus,
        now: datetime.datetime,
        summary: str | None = None,
        event: EventState | None = None,
    ) -> None: ...


class ActionKind(Protocol):
    """One way an action runs: a manual approval, a job, an action the test steers."""

    def runs(self, run: ActionRun) -> bool:
        """True if this kind runs the action of a run whose configuration is resolved (an
        Invoke action's ``FunctionName`` may be a variable reference)."""
        ...

    def start(self, run: ActionRun, now: datetime.datetime) -> None:
        """The run has just started (InProgress): begin it, or finish it at once."""
        ...

    def next_deadline(self) -> datetime.datetime | None:
        """The earliest instant at which one of this kind's runs times out, if any."""
        ...

    def expire(self, at: datetime.datetime) -> None:
        """Time out every run whose deadline is ``at``."""
        ...
