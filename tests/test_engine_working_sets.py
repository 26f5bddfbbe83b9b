"""The engine's working sets stay proportional to what is pending, not to what was answered."""

from __future__ import annotations

import datetime
import itertools

from pipelines import MANUAL, source_stage

from moto_approvals.domain import ActionStatus, ApprovalStatus, PipelineDefinition
from moto_approvals.engine import PipelineRuntime

NOW = datetime.datetime(2026, 1, 5, 9, 0)
EIGHT_DAYS = datetime.timedelta(days=8)


def _parallel_runtime() -> PipelineRuntime:
    counter = itertools.count()
    declaration = {
        "name": "release",
        "pipelineType": "V2",
        "executionMode": "PARALLEL",
        "stages": [
            source_stage(),
            {"name": "Approve", "actions": [{"name": "Check", "actionTypeId": MANUAL}]},
        ],
    }
    return PipelineRuntime(
        PipelineDefinition.from_declaration(declaration),
        lambda: f"00000000-0000-0000-0000-{next(counter):012d}",
    )


def test_answers_out_of_order_leave_no_growing_backlog_and_the_rest_still_expire() -> None:
    runtime = _parallel_runtime()
    stage = runtime.definition.stage("Approve")
    assert stage is not None
    action = stage.action("Check")
    assert action is not None
    runtime.start_execution(NOW, "StartPipelineExecution", "me")  # stays pending throughout
    for _ in range(500):
        runtime.start_execution(NOW, "StartPipelineExecution", "me")
        newest = runtime.pending_approvals()[-1]
        runtime.put_approval_result(action, newest.token, ApprovalStatus.APPROVED, "", "me", NOW)

    # The oldest deadline is live, so answered ones cannot drop off the top of the heap.
    assert len(runtime.approvals._deadlines) <= 2 * 64

    runtime.advance(NOW + EIGHT_DAYS)

    runs = [r for r in runtime.action_runs if r.action_name == "Check"]
    assert [r.status for r in runs].count(ActionStatus.SUCCEEDED) == 500
    assert runs[0].status is ActionStatus.FAILED
    assert runtime.pending_approvals() == []
