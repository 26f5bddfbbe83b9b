"""The job kind inside the engine: jobs wait, answer, continue and time out."""

from __future__ import annotations

import datetime
import itertools

import pytest
from pipelines import source_stage

from moto_approvals.domain import ActionStatus, ExecutionStatus, PipelineDefinition
from moto_approvals.engine import PipelineRuntime
from moto_approvals.engine.jobs import (
    CUSTOM_ACTION_TIMEOUT,
    JobFamily,
    JobResult,
    JobRoute,
    JobStatus,
)
from moto_approvals.exceptions import InvalidJobStateException, InvalidNonceException

NOW = datetime.datetime(2026, 1, 5, 9, 0)
CUSTOM = {"category": "Build", "owner": "Custom", "provider": "Jenkins", "version": "1"}


def _runtime() -> PipelineRuntime:
    counter = itertools.count()
    declaration = {
        "name": "release",
        "stages": [
            source_stage(),
            {"name": "Build", "actions": [{"name": "Compile", "actionTypeId": CUSTOM}]},
        ],
    }
    runtime = PipelineRuntime(
        PipelineDefinition.from_declaration(declaration),
        lambda: f"00000000-0000-0000-0000-{next(counter):012d}",
    )
    runtime.jobs.route = lambda run: (
        JobRoute(JobFamily.CUSTOM) if run.action.action_type_id["owner"] == "Custom" else None
    )
    return runtime


def test_a_custom_action_waits_as_a_queued_job() -> None:
    runtime = _runtime()
    execution = runtime.start_execution(NOW, "StartPipelineExecution", "me")
    (job,) = runtime.jobs.open_jobs()
    assert job.status is JobStatus.QUEUED
    assert execution.status is ExecutionStatus.IN_PROGRESS


def test_a_dispatched_job_acknowledged_and_succeeded_finishes_the_execution() -> None:
    runtime = _runtime()
    execution = runtime.start_execution(NOW, "StartPipelineExecution", "me")
    (job,) = runtime.jobs.poll(JobFamily.CUSTOM, ("Build", "Custom", "Jenkins", "1"), {})
    runtime.jobs.dispatch(job)
    assert job.nonce is not None
    assert runtime.jobs.acknowledge(job, job.nonce) is JobStatus.IN_PROGRESS
    runtime.jobs.succeed(job, JobResult(summary="built", output_variables={"v": "1"}), NOW)
    runtime.settle(NOW)
    assert execution.status is ExecutionStatus.SUCCEEDED
    assert job.run.summary == "built"
    assert job.run.output_variables == {"v": "1"}


def test_a_wrong_nonce_is_rejected() -> None:
    runtime = _runtime()
    runtime.start_execution(NOW, "StartPipelineExecution", "me")
    (job,) = runtime.jobs.open_jobs()
    runtime.jobs.dispatch(job)
    with pytest.raises(InvalidNonceException):
        runtime.jobs.acknowledge(job, "not-the-nonce")


def test_a_continuation_token_queues_a_new_job_for_the_same_run() -> None:
    runtime = _runtime()
    runtime.start_execution(NOW, "StartPipelineExecution", "me")
    (job,) = runtime.jobs.open_jobs()
    runtime.jobs.dispatch(job)
    runtime.jobs.succeed(job, JobResult(continuation_token="step-2"), NOW)
    (following,) = runtime.jobs.open_jobs()
    assert following.job_id != job.job_id
    assert following.continuation_token == "step-2"
    assert following.run is job.run
    assert job.run.status is ActionStatus.IN_PROGRESS


def test_answering_a_finished_job_is_an_invalid_job_state() -> None:
    runtime = _runtime()
    runtime.start_execution(NOW, "StartPipelineExecution", "me")
    (job,) = runtime.jobs.open_jobs()
    runtime.jobs.dispatch(job)
    runtime.jobs.fail(job, "broken", None, NOW)
    with pytest.raises(InvalidJobStateException):
        runtime.jobs.succeed(job, JobResult(), NOW)


def test_a_custom_job_nobody_answers_times_out_after_24_hours() -> None:
    runtime = _runtime()
    execution = runtime.start_execution(NOW, "StartPipelineExecution", "me")
    (job,) = runtime.jobs.open_jobs()
    runtime.advance(NOW + CUSTOM_ACTION_TIMEOUT - datetime.timedelta(seconds=1))
    assert runtime.jobs.status(job) is JobStatus.QUEUED
    runtime.advance(NOW + CUSTOM_ACTION_TIMEOUT)
    assert job.status is JobStatus.TIMED_OUT
    assert execution.status is ExecutionStatus.FAILED
