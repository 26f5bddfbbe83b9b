"""The executions and action runs of one pipeline, oldest first, and what reads look up in them.

Each item carries an ordinal that grows with start order (an execution's ``sequence``, an action
run's ``ordinal``), so a page token can name a position: the next page is found by bisection,
not by scanning the history. History can be capped: the oldest finished executions are dropped
first, an execution in flight never is.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping

from moto_approvals import placeholders
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
        #: A view: each execution holds its own (no second dict entry per execution).
        self.runs_by_execution: Mapping[str, tuple[ActionRun, ...]] = _RunsOf(self.executions)
        self._run_ordinals = itertools.count(1)
        # source action -> revision id -> the newest execution that fetched that revision
        # (nested, so no key tuple per execution).
        self._revisions: dict[str, dict[str, PipelineExecution]] = {}

    def add_execution(self, execution: PipelineExecution) -> None:
        """A new execution; its ``sequence`` is higher than every execution's before it."""
        self.executions[execution.pipeline_execution_id] = execution
        self._order.append(execution)
        # A placeholder is found from its id (:meth:`with_revision`); only fixed ones are kept.
        for action_name, revision in execution.fixed_sources.items():
            self._revisions.setdefault(action_name, {})[revision.revision_id] = execution

    def add_run(self, run: ActionRun) -> None:
        """A new run of an execution already added."""
        run.ordinal = next(self._run_ordinals)
        self.action_runs.append(run)
        execution = self.executions[run.pipeline_execution_id]
        execution.action_runs = (*execution.action_runs, run)

    # -- reading ---------------------------------------------------------------------------

    def executions_newest_first(self) -> NewestFirst[PipelineExecution]:
        return NewestFirst(self._order, _sequence)

    def runs_newest_first(self) -> NewestFirst[ActionRun]:
        return NewestFirst(self.action_runs, _ordinal)

    def with_revision(self, action_name: str, revision_id: str) -> PipelineExecution | None:
        """The newest execution whose source action fetched this revision."""
        known = self._revisions.get(action_name, {}).get(revision_id)
        # A fixed revision with a placeholder's id was named after the placeholder ran.
        if known is not None:
            return known
        execution = self.executions.get(placeholders.execution_id_of(revision_id) or "")
        if execution is None or action_name in execution.fixed_sources:
            return None
        action = next(
            (a for a in execution.definition.source_actions if a.name == action_name), None
        )
        revision = execution.source_revision(action) if action is not None else None
        return execution if revision is not None and revision.revision_id == revision_id else None

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
        runs = [r for e in dropped for r in e.action_runs]
        self._remove_runs(runs)
        for execution in dropped:
            key = execution.pipeline_execution_id
            del self.executions[key]
            for action_name, revision in execution.fixed_sources.items():
                known = self._revisions.get(action_name, {})
                if known.get(revision.revision_id) is execution:
                    del known[revision.revision_id]
        return dropped

    def _remove_runs(self, runs: Iterable[ActionRun]) -> None:
        # In place: the runtime and its readers hold this list.
        for run in sorted(runs, key=_ordinal, reverse=True):
            index = bisect.bisect_left(self.action_runs, run.ordinal, key=_ordinal)
            if index < len(self.action_runs) and self.action_runs[index] is run:
                del self.action_runs[index]


class _RunsOf(Mapping[str, tuple[ActionRun, ...]]):
    """Each execution's action runs, read from the executions themselves."""

    __slots__ = ("_executions",)

    def __init__(self, executions: dict[str, PipelineExecution]) -> None:
        self._executions = executions

    def __getitem__(self, key: str) -> tuple[ActionRun, ...]:
        return self._executions[key].action_runs

    def __iter__(self) -> Iterator[str]:
        return iter(self._executions)

    def __len__(self) -> int:
        return len(self._executions)
