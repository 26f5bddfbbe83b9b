"""LambdaInvoke rules answered by a function: the rule's run waits as a Lambda job.

A ``LambdaInvoke`` rule whose function has a registered handler is evaluated the way a Lambda
invoke action runs: CodePipeline invokes the function with a ``CodePipeline.job`` event and
the function reports with ``PutJobSuccessResult`` / ``PutJobFailureResult`` on the job id. The
rule is InProgress until then; success makes it Succeeded, failure (or a handler that raises)
Failed with the reported message. A continuation token invokes the function again with it.

The rule reference (rule-reference-LambdaInvoke) does not give the rule's own timeout: a rule
that declares ``timeoutInMinutes`` fails then (as every rule does, :mod:`.rules`); otherwise
the function has the Lambda invoke action's 20 minutes to reply to each invocation. A rule
continued more than :data:`~.jobs.MAX_CONTINUATIONS` times fails, as an action does.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from moto_approvals.domain import ActionStatus, ArtifactLocation, PipelineExecution, RuleRun
from moto_approvals.engine.artifacts import artifacts_named
from moto_approvals.engine.jobs import (
    CONTINUATION_LIMIT_SUMMARY,
    LAMBDA_REPLY_WINDOW,
    MAX_CONTINUATIONS,
    JobFamily,
    JobStatus,
)
from moto_approvals.exceptions import InvalidJobStateException, InvalidNonceException

#: (status, summary): a rule's verdict; a status of None means "not yet" (as in .rules).
Verdict = tuple[ActionStatus | None, str | None]


def _no_handler(run: RuleRun) -> bool:
    return False


@dataclass
class RuleJob:
    """One invocation of a LambdaInvoke rule's function; a continuation makes a new one."""

    job_id: str
    rule_run: RuleRun
    status: JobStatus
    created: datetime.datetime
    deadline: datetime.datetime
    input_artifacts: tuple[ArtifactLocation, ...]
    continuation_token: str | None = None
    #: How many jobs of the same rule run came before this one (continuations).
    continuations: int = 0
    #: A rule job is a Lambda job: answered through the worker family, never polled.
    family: JobFamily = JobFamily.LAMBDA

    @property
    def is_open(self) -> bool:
        return self.status.is_open and self.rule_run.status is ActionStatus.IN_PROGRESS

    @property
    def configuration(self) -> dict[str, str]:
        return self.rule_run.configuration

    @property
    def output_artifacts(self) -> tuple[ArtifactLocation, ...]:
        return ()  # a rule produces no artifacts


class RuleJobs:
    """The jobs of one pipeline's LambdaInvoke rules."""

    def __init__(self, new_id: Callable[[], str]) -> None:
        self._new_id = new_id
        #: Whether a rule's function has a handler; the backend sets it (it knows them).
        self.handled: Callable[[RuleRun], bool] = _no_handler
        #: Every rule job by id, finished ones included (a late answer is
        #: InvalidJobStateException).
        self.jobs: dict[str, RuleJob] = {}
        # The latest job of each rule run, and what its function reported.
        self._latest: dict[str, RuleJob] = {}
        self._verdicts: dict[str, Verdict] = {}
        #: Jobs whose function is due, oldest first, until the backend takes them.
        self._invocations: list[RuleJob] = []

    def verdict(
        self, run: RuleRun, execution: PipelineExecution, now: datetime.datetime
    ) -> Verdict | None:
        """The rule's verdict if its function has a handler (None: it has none).

        The first time the rule is asked, its function is invoked; later, the function's
        report decides, or the reply window's end fails the rule.
        """
        job = self._latest.get(run.rule_execution_id)
        if job is None:
            if not self.handled(run):
                return None
            names = [a["name"] for a in run.rule.get("inputArtifacts") or []]
            job = self._new_job(run, now, artifacts_named(execution, names))
        reported = self._verdicts.get(run.rule_execution_id)
        if reported is not None:
            return reported
        if job.status is JobStatus.IN_PROGRESS and now >= job.deadline:
            job.status = JobStatus.TIMED_OUT
            return ActionStatus.FAILED, (
                f"The function {run.configuration.get('FunctionName')} did not report a "
                "result in time."
            )
        return None, f"Waiting for the function {run.configuration.get('FunctionName')}."

    def _new_job(
        self,
        run: RuleRun,
        now: datetime.datetime,
        inputs: tuple[ArtifactLocation, ...],
        continuation_token: str | None = None,
        continuations: int = 0,
    ) -> RuleJob:
        job = RuleJob(
            job_id=self._new_id(),
            rule_run=run,
            status=JobStatus.IN_PROGRESS,
            created=now,
            deadline=now + LAMBDA_REPLY_WINDOW,
            input_artifacts=inputs,
            continuation_token=continuation_token,
            continuations=continuations,
        )
        self.jobs[job.job_id] = job
        self._latest[run.rule_execution_id] = job
        self._invocations.append(job)
        return job

    def take_invocations(self) -> list[RuleJob]:
        """The jobs created since the last call (each function is invoked once per job)."""
        due, self._invocations = self._invocations, []
        return [job for job in due if job.is_open]

    def next_deadline(self) -> datetime.datetime | None:
        """When the earliest open job's reply window ends."""
        return min(
            (job.deadline for job in self._latest.values() if job.is_open),
            default=None,
        )

    def forget(self, pipeline_execution_ids: set[str]) -> None:
        """Drop the jobs of executions the history no longer keeps."""
        gone = {
            job_id
            for job_id, job in self.jobs.items()
            if job.rule_run.pipeline_execution_id in pipeline_execution_ids
        }
        for job_id in gone:
            rule_id = self.jobs.pop(job_id).rule_run.rule_execution_id
            self._latest.pop(rule_id, None)
            self._verdicts.pop(rule_id, None)

    # -- answers (PutJobSuccessResult, PutJobFailureResult, AcknowledgeJob) ------------------

    def _answerable(self, job: RuleJob) -> None:
        if not job.is_open:
            if job.status.is_open:  # the rule ended otherwise (overridden, stopped)
                job.status = JobStatus.FAILED
            raise InvalidJobStateException()

    def succeed(
        self,
        job: RuleJob,
        summary: str | None,
        continuation_token: str | None,
        now: datetime.datetime,
    ) -> None:
        self._answerable(job)
        job.status = JobStatus.SUCCEEDED
        rule_id = job.rule_run.rule_execution_id
        if continuation_token is not None:
            if job.continuations >= MAX_CONTINUATIONS:
                self._verdicts[rule_id] = (ActionStatus.FAILED, CONTINUATION_LIMIT_SUMMARY)
                return
            inputs, count = job.input_artifacts, job.continuations + 1
            self._new_job(job.rule_run, now, inputs, continuation_token, count)
            return
        self._verdicts[rule_id] = (ActionStatus.SUCCEEDED, summary)

    def fail(self, job: RuleJob, message: str) -> None:
        self._answerable(job)
        job.status = JobStatus.FAILED
        self._verdicts[job.rule_run.rule_execution_id] = (ActionStatus.FAILED, message)

    def acknowledge(self, job: RuleJob, nonce: str) -> JobStatus:
        # A Lambda job is never polled, so it has no nonce to send back.
        raise InvalidNonceException()
