"""Manual approvals: a token when the action starts, an answer or a timeout to finish it.

The token lives from the action's start (the SNS message is published "when the pipeline
stops" at it: approvals-json-format) until the answer, the timeout, an abandon or a cancel.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
from collections.abc import Iterable

from moto_approvals.domain import (
    ActionDefinition,
    ActionRun,
    ActionStatus,
    ApprovalStatus,
    PendingApproval,
    PipelineExecution,
    compact_id,
)
from moto_approvals.engine.kinds import ActionFlow
from moto_approvals.exceptions import (
    ApprovalAlreadyCompletedException,
    InvalidApprovalTokenException,
)

#: Summary of an approval that timed out: AWS documents only the Failed status, so this
#: text is the emulator's own (README, "Choices where AWS is silent").
EXPIRED_SUMMARY = "Approval timed out"

#: The working-set size below which stale entries are left alone.
_COMPACT_FLOOR = 64


class ManualApprovals:
    """The manual approval actions of one pipeline (``Approval``/``AWS``/``Manual``/``1``)."""

    def __init__(self, flow: ActionFlow) -> None:
        self._flow = flow
        # Keyed as ApprovalDetails keeps tokens (compact_id).
        self._by_token: dict[str | int, ActionRun] = {}
        # Pruned lazily, so a read costs what is pending, not all history.
        self._open: dict[str | int, ActionRun] = {}
        #: Approvals started since the backend last took them (to announce on SNS).
        self._started: list[ActionRun] = []
        # Deadlines in a heap (ties in start order): a request costs O(log n), not a scan of
        # every open approval. Answered runs are dropped when they reach the top.
        self._deadlines: list[tuple[datetime.datetime, int, ActionRun]] = []
        self._order = itertools.count()
        # Answered approvals leave stale entries behind (in the heap until their deadline): both
        # working sets are compacted whenever they double, so they stay proportional to what
        # is pending, at an amortized constant cost per approval.
        self._compact_at = _COMPACT_FLOOR

    # -- ActionKind ------------------------------------------------------------------------

    def runs(self, run: ActionRun) -> bool:
        return run.action.is_manual_approval

    def start(self, run: ActionRun, now: datetime.datetime) -> None:
        run.token = self._flow.new_id()
        run.expires_at = deadline = now + run.action.approval_timeout
        key = run.token_key  # the run's own (one number per token in history)
        assert key is not None
        self._by_token[key] = run
        self._open[key] = run
        self._started.append(run)
        heapq.heappush(self._deadlines, (deadline, next(self._order), run))
        if max(len(self._deadlines), len(self._open)) > self._compact_at:
            self._compact()

    def _compact(self) -> None:
        self._deadlines = [entry for entry in self._deadlines if entry[2].is_pending_approval]
        heapq.heapify(self._deadlines)
        self.open()  # prunes _open
        self._compact_at = max(_COMPACT_FLOOR, 2 * max(len(self._deadlines), len(self._open)))

    def next_deadline(self) -> datetime.datetime | None:
        while self._deadlines and not self._deadlines[0][2].is_pending_approval:
            heapq.heappop(self._deadlines)
        return self._deadlines[0][0] if self._deadlines else None

    def expire(self, at: datetime.datetime) -> None:
        while self._deadlines and self._deadlines[0][0] <= at:
            _, _, run = heapq.heappop(self._deadlines)
            if run.is_pending_approval and run.expires_at == at:
                self._flow.finish_action(run, ActionStatus.FAILED, at, EXPIRED_SUMMARY)

    # -- answers ---------------------------------------------------------------------------

    def answer(
        self,
        action: ActionDefinition,
        token: str,
        status: ApprovalStatus,
        summary: str,
        answered_by: str,
        now: datetime.datetime,
    ) -> ActionRun:
        """PutApprovalResult's decision; the token checks in AWS's order (README)."""
        if not action.is_manual_approval:
            raise InvalidApprovalTokenException()
        run = self._by_token.get(compact_id(token))
        if run is None or (run.stage_name, run.action_name) != (action.stage_name, action.name):
            raise InvalidApprovalTokenException()
        if run.answer is not None:
            raise ApprovalAlreadyCompletedException()
        if run.status is not ActionStatus.IN_PROGRESS:
            raise InvalidApprovalTokenException()
        run.answer = status
        run.updated_by = answered_by
        outcome = (
            ActionStatus.SUCCEEDED if status is ApprovalStatus.APPROVED else ActionStatus.FAILED
        )
        self._flow.finish_action(run, outcome, now, summary)
        return run

    # -- reading ---------------------------------------------------------------------------

    def open(self) -> list[ActionRun]:
        """Approvals waiting for an answer, oldest first."""
        for token, run in list(self._open.items()):
            if not run.is_pending_approval:
                del self._open[token]
        return list(self._open.values())

    def pending(self) -> list[PendingApproval]:
        return [
            PendingApproval(
                pipeline_name=self._flow.definition.name,
                stage_name=run.stage_name,
                action_name=run.action_name,
                pipeline_execution_id=run.pipeline_execution_id,
                action_execution_id=run.action_execution_id,
                token=run.token,
                expires_at=run.expires_at,
            )
            for run in self.open()
            if run.token and run.expires_at
        ]

    def forget(self, executions: Iterable[PipelineExecution]) -> None:
        """Drop the tokens of executions history no longer keeps."""
        for execution in executions:
            for run in execution.action_runs:
                if run.token_key is not None:
                    self._by_token.pop(run.token_key, None)

    def take_started(self) -> list[ActionRun]:
        """The approvals started since the last call (each is reported once)."""
        started, self._started = self._started, []
        return started
