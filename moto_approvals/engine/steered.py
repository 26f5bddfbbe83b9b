"""Actions the test steers: every action no other kind runs (builds, deploys, sources).

By default such an action succeeds the moment it starts; the test can make later runs fail,
or hold them InProgress until it completes them (``Approvals.fail_action`` and friends).
"""

from __future__ import annotations

import datetime

from moto_approvals.domain import ActionBehaviour, ActionDefinition, ActionRun, ActionStatus
from moto_approvals.engine.kinds import ActionFlow

FAILED_ACTION_SUMMARY = "Action failed (set by the test)"


class SteeredActions:
    """The fallback kind: runs any action, as the test's behaviour for it says."""

    def __init__(self, flow: ActionFlow) -> None:
        self._flow = flow
        self.behaviours: dict[tuple[str, str], ActionBehaviour] = {}
        self._held: dict[str, ActionRun] = {}

    def behaviour(self, action: ActionDefinition) -> ActionBehaviour:
        return self.behaviours.get((action.stage_name, action.name), ActionBehaviour.SUCCEED)

    # -- ActionKind ------------------------------------------------------------------------

    def runs(self, run: ActionRun) -> bool:
        return True

    def start(self, run: ActionRun, now: datetime.datetime) -> None:
        behaviour = self.behaviour(run.action)
        if behaviour is ActionBehaviour.SUCCEED:
            self._flow.finish_action(run, ActionStatus.SUCCEEDED, now)
        elif behaviour is ActionBehaviour.FAIL:
            self._flow.finish_action(run, ActionStatus.FAILED, now, FAILED_ACTION_SUMMARY)
        else:
            self._held[run.action_execution_id] = run

    def next_deadline(self) -> datetime.datetime | None:
        return None  # a held action waits for the test, however long

    def expire(self, at: datetime.datetime) -> None:
        pass

    # -- test-side control -----------------------------------------------------------------

    def complete(
        self,
        stage_name: str,
        action_name: str,
        succeeded: bool,
        summary: str | None,
        now: datetime.datetime,
        pipeline_execution_id: str | None = None,
    ) -> int:
        """Finish held (InProgress) runs of the action; returns how many."""
        for key, run in list(self._held.items()):
            if run.status is not ActionStatus.IN_PROGRESS:
                del self._held[key]
        held = [
            run
            for run in self._held.values()
            if (run.stage_name, run.action_name) == (stage_name, action_name)
            and pipeline_execution_id in (None, run.pipeline_execution_id)
        ]
        status = ActionStatus.SUCCEEDED if succeeded else ActionStatus.FAILED
        for run in held:
            self._flow.finish_action(run, status, now, summary)
            del self._held[run.action_execution_id]
        return len(held)
