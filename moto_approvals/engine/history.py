"""The executions and action runs of one pipeline, oldest first, and what reads look up in them.

Each item carries an ordinal that grows with start order (an execution's ``sequence``, an action
run's ``ordinal``), so a page token can name a position: the next page is found by bisection,
not by scanning the history. History can be capped: the oldest finished executions are dropped
first, an execution in flight never is.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable

from moto_approvals.domain import ActionRun, PipelineExecution
from moto_approvals.pagination import NewestFirst


def _sequence(execution: PipelineExecution) -> int:
    return execution.sequence


def _ordinal(run: ActionRun) -> int:
    return run.ordinal


class History:
    """Every execution and action run of one pipeline, with indexes by id, position, revision."""

    def __init__(self) -> None:
        #: Every execution by id, in start order.
        self.executions: dict[str, PipelineExecution] = {}
        self._order: list[PipelineExecution] = []
        #: Every action run, oldest first (ListActionExecutions reads it newest first).
        self.action_runs: list[ActionRun] = []
        #: Each execution's action runs, oldest first: a filtered read costs that execution only.
        #: Tuples, not lists: exact size, and an execution has few runs.
        self.runs_by_execution: dict[str, tuple[ActionRun, ...]] = {}
        self._run_ordinals = itertools.count(1)
        # (source action, revision id) -> the newest execution that fetched that revision.
        self._revisions: dict[tuple[str, str], PipelineExecution] = {}

    def add_execution(self, execution: PipelineExecution) -> None:
        """A new execution; its ``sequence`` is higher than every execution's before it."""
        self.executions[execution.pipeline_execution_id] = execution
        self._order.append(execution)
        for action_name, revision in execution.source_revisions.items():
            self._revisions[(action_name, revision.revision_id)] = execution

    def add_run(self, run: ActionRun) -> None:
        run.ordinal = next(self._run_ordinals)
        self.action_runs.append(run)
        key = run.pipeline_execution_id
        self.runs_by_execution[key] = (*self.runs_by_execution.get(key, ()), run)

    # -- reading ---------------------------------------------------------------------------

    def executions_newest_first(self) -> NewestFirst[PipelineExecution]:
        return NewestFirst(self._order, _sequence)

    def runs_newest_first(self) -> NewestFirst[ActionRun]:
        return NewestFirst(self.action_runs, _ordinal)

    def with_revision(self, action_name: str, revision_id: str) -> PipelineExecution | None:
        """The newest execution whose source action fetched this revision."""
        return self._revisions.get((action_name, revision_id))

    # -- the cap ---------------------------------------------------------------------------

    def trim(
        self, limit: int, pinned: Callable[[PipelineExecution], bool]
    ) -> list[PipelineExecution]:
        """Drop the oldest executions until ``limit`` remain, skipping pinned ones (in flight,
        or still shown by GetPipelineState); returns those dropped."""
        excess = len(self._order) - limit
        if excess <= 0:
            return []
        dropped: list[PipelineExecution] = []
        for execution in self._order:
            if len(dropped) == excess:
                break
            if not pinned(execution):
                dropped.append(execution)
        if not dropped:
            return []
        gone = {e.pipeline_execution_id for e in dropped}
        if all(a is b for a, b in zip(dropped, self._order, strict=False)):
            del self._order[: len(dropped)]  # the usual case: the oldest, in one move
        else:
            self._order[:] = [e for e in self._order if e.pipeline_execution_id not in gone]
        runs = [r for e in dropped for r in self.runs_by_execution.get(e.pipeline_execution_id, ())]
        self._remove_runs(runs)
        for execution in dropped:
            key = execution.pipeline_execution_id
            del self.executions[key]
            self.runs_by_execution.pop(key, None)
            for action_name, revision in execution.source_revisions.items():
                if self._revisions.get((action_name, revision.revision_id)) is execution:
                    del self._revisions[(action_name, revision.revision_id)]
        return dropped

    def _remove_runs(self, runs: Iterable[ActionRun]) -> None:
        # In place: the runtime and its readers hold this list.
        for run in sorted(runs, key=_ordinal, reverse=True):
            index = bisect.bisect_left(self.action_runs, run.ordinal, key=_ordinal)
            if index < len(self.action_runs) and self.action_runs[index] is run:
                del self.action_runs[index]
