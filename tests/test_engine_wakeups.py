"""A write moves only the executions something happened to; none that could move is left behind.

The engine steps the executions an event woke (an action of theirs finished, the stage ahead
freed up, a transition opened, a stop), not every execution in flight. These tests drive random
sequences of starts, answers, stops, transitions and retries in each execution mode and check,
after every call, that stepping every execution in flight (as a full scan would) moves nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import random

import pytest
from pipelines import MANUAL, source_stage

from moto_approvals.domain import (
    ApprovalStatus,
    ExecutionMode,
    PipelineDefinition,
    RetryMode,
    TransitionType,
)
from moto_approvals.engine import PipelineRuntime
from moto_approvals.exceptions import CodePipelineError

NOW = datetime.datetime(2026, 1, 5, 9, 0)
BUILD = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}


def _runtime(mode: ExecutionMode) -> PipelineRuntime:
    counter = itertools.count()
    declaration = {
        "name": "release",
        "pipelineType": "V2",
        "executionMode": mode.value,
        "stages": [
            source_stage(),
            {"name": "Approve", "actions": [{"name": "Check", "actionTypeId": MANUAL}]},
            {"name": "Build", "actions": [{"name": "Compile", "actionTypeId": BUILD}]},
            {"name": "Gate", "actions": [{"name": "Sign", "actionTypeId": MANUAL}]},
        ],
    }
    return PipelineRuntime(
        PipelineDefinition.from_declaration(declaration),
        lambda: f"00000000-0000-0000-0000-{next(counter):012d}",
    )


def _one_call(runtime: PipelineRuntime, rng: random.Random, now: datetime.datetime) -> None:
    pending = runtime.pending_approvals()
    in_flight = [e for e in runtime.executions.values() if e.status.is_active]
    done = [e for e in runtime.executions.values() if not e.status.is_active]
    choice = rng.random()
    if choice < 0.3 or not in_flight:
        runtime.start_execution(now, "StartPipelineExecution", "me")
    elif choice < 0.6 and pending:
        approval = rng.choice(pending)
        declared = runtime.definition.stage(approval.stage_name)
        assert declared is not None
        action = declared.action(approval.action_name)
        assert action is not None
        status = ApprovalStatus.APPROVED if rng.random() < 0.8 else ApprovalStatus.REJECTED
        runtime.put_approval_result(action, approval.token, status, "ok", "me", now)
    elif choice < 0.7:
        execution = rng.choice(in_flight)
        runtime.stop_execution(execution.pipeline_execution_id, rng.random() < 0.5, None, now)
    elif choice < 0.85:
        name = rng.choice(["Approve", "Build", "Gate"])
        runtime.set_transition(name, TransitionType.INBOUND, rng.random() < 0.6, "held", "me", now)
    elif done:
        execution = rng.choice(done)
        name = rng.choice(["Approve", "Gate"])
        runtime.retry_stage_execution(
            execution.pipeline_execution_id, name, RetryMode.FAILED_ACTIONS, now
        )


@pytest.mark.parametrize("mode", list(ExecutionMode))
@pytest.mark.parametrize("seed", range(4))
def test_after_every_call_no_execution_in_flight_could_still_move(
    mode: ExecutionMode, seed: int
) -> None:
    runtime = _runtime(mode)
    rng = random.Random(seed)
    for step in range(150):
        now = NOW + datetime.timedelta(seconds=step)
        with contextlib.suppress(CodePipelineError):  # a refused stop or retry changes nothing
            _one_call(runtime, rng, now)
        runtime.take_state_changes()

        for execution in list(runtime.executions.values()):
            if execution.status.is_active:
                runtime._wake(execution)
        runtime._pump(now)

        assert runtime.take_state_changes() == [], f"left behind after call {step}"
