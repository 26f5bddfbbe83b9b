"""Jobs: actions that wait for a worker to report back (Lambda invoke, custom, third-party).

When an execution reaches such an action, the action stays InProgress and a job is created;
a worker answers it with ``PutJobSuccessResult`` / ``PutJobFailureResult`` (or their
third-party twins). Success with a continuation token creates a new job for the same run.

Job statuses are AWS's (API Reference, ``JobStatus``): a custom or third-party job is
``Queued`` until a worker polls it (``Dispatched``, with a nonce), ``InProgress`` once
acknowledged, then ``Succeeded``, ``Failed`` or ``TimedOut``. A Lambda job is ``InProgress``
from the start: CodePipeline has handed it to the function.

Timeouts follow the CodePipeline quotas page ("Quotas in AWS CodePipeline", length of time
before an action times out): a Lambda invoke action fails when its function has not replied
within 20 minutes of an invocation, and after 24 hours in all; a custom action after 24 hours;
every other action (third-party ones included) after 1 hour. A timed-out job is ``TimedOut``
and its action ``Failed``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

from moto_approvals.domain import ActionRun, ActionStatus
from moto_approvals.engine.kinds import ActionFlow
from moto_approvals.engine.steered import FAILED_ACTION_SUMMARY
from moto_approvals.exceptions import (
    InvalidClientTokenException,
    InvalidJobStateException,
    InvalidNonceException,
)

LAMBDA_REPLY_WINDOW = datetime.timedelta(minutes=20)
LAMBDA_ACTION_TIMEOUT = datetime.timedelta(hours=24)
CUSTOM_ACTION_TIMEOUT = datetime.timedelta(hours=24)
JOB_ACTION_TIMEOUT = datetime.timedelta(hours=1)
#: Summary of an action whose job timed out; AWS documents only the Failed status.
TIMED_OUT_SUMMARY = "The job timed out: no result was reported in time"
#: How many times a handler may continue one run's job. AWS documents no such limit, but
#: there a continuation is invoked later, while here it is invoked at once: a handler that
#: always continues would loop for ever without the clock moving (README).
MAX_CONTINUATIONS = 100
CONTINUATION_LIMIT_SUMMARY = (
    f"The function continued the job {MAX_CONTINUATIONS} times without finishing it."
)


class JobStatus(str, Enum):
    CREATED = "Created"
    QUEUED = "Queued"
    DISPATCHED = "Dispatched"
    IN_PROGRESS = "InProgress"
    TIMED_OUT = "TimedOut"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"

    @property
    def is_open(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.DISPATCHED, JobStatus.IN_PROGRESS)


class JobFamily(str, Enum):
    """Who answers the job, and through which operations."""

    LAMBDA = "Lambda"
    CUSTOM = "Custom"
    THIRD_PARTY = "ThirdParty"


@dataclass
class Job:
    """One job of one action run; a continuation makes a new one for the same run."""

    job_id: str
    run: ActionRun
    family: JobFamily
    status: JobStatus
    created: datetime.datetime
    deadline: datetime.datetime
    continuation_token: str | None = None
    #: Handed out with the job by a poll; AcknowledgeJob must send it back.
    nonce: str | None = None
    #: A third-party job's client id, and the client token first presented for it.
    client_id: str | None = None
    client_token: str | None = None
    #: False for a held Invoke action: no handler is called, the test answers the job.
    invoke: bool = True
    #: How many jobs of the same run came before this one (continuations).
    continuations: int = 0

    @property
    def is_open(self) -> bool:
        return self.status.is_open and self.run.status is ActionStatus.IN_PROGRESS

    @property
    def type_key(self) -> tuple[str, str, str, str]:
        t = self.run.action.action_type_id
        return (t["category"], t["owner"], t["provider"], t["version"])


@dataclass(frozen=True)
class JobRoute:
    """How a job kind runs an action: its family, and whether a Lambda handler is called."""

    family: JobFamily
    invoke: bool = True


#: Which action runs are jobs, read once their configuration is resolved; the backend sets it
#: (it knows the registered Lambda handlers and action types). ``None``: not a job.
Router = Callable[[ActionRun], JobRoute | None]


def _no_jobs(run: ActionRun) -> JobRoute | None:
    # Until the backend routes actions to jobs, every action runs as before.
    return None


@dataclass(frozen=True)
class JobResult:
    """What a worker reports with PutJobSuccessResult (or its third-party twin)."""

    continuation_token: str | None = None
    summary: str | None = None
    external_execution_id: str | None = None
    external_execution_url: str | None = None
    output_variables: Mapping[str, str] | None = None
    percent_complete: int | None = None


class JobActions:
    """The job kind: runs every action the router routes, one job at a time per run."""

    def __init__(self, flow: ActionFlow) -> None:
        self._flow = flow
        self.route: Router = _no_jobs
        #: Every job by id, finished ones included (a late answer is InvalidJobStateException).
        self.jobs: dict[str, Job] = {}
        # Pruned lazily, so a read costs what is open, not all history.
        self._open: dict[str, Job] = {}
        #: Lambda jobs whose handler is due, oldest first, until the backend takes them.
        self._invocations: list[Job] = []
        #: Fills a new job's entity URL (the backend knows the action types' templates).
        self.entity_url: Callable[[ActionRun], str | None] = lambda run: None
        #: Fills a run's execution URL once a worker reports its external execution id.
        self.execution_url: Callable[[ActionRun, str], str | None] = lambda run, id_: None

    # -- ActionKind ------------------------------------------------------------------------

    def runs(self, run: ActionRun) -> bool:
        return self.route(run) is not None

    def start(self, run: ActionRun, now: datetime.datetime) -> None:
        route = self.route(run)
        assert route is not None  # runs() said so
        run.entity_url = self.entity_url(run)
        self._new_job(run, route.family, route.invoke, now)

    def next_deadline(self) -> datetime.datetime | None:
        return min((job.deadline for job in self.open_jobs()), default=None)

    def expire(self, at: datetime.datetime) -> None:
        for job in self.open_jobs():
            if job.deadline == at:
                job.status = JobStatus.TIMED_OUT
                self._flow.finish_action(job.run, ActionStatus.FAILED, at, TIMED_OUT_SUMMARY)

    # -- jobs ------------------------------------------------------------------------------

    def _new_job(
        self,
        run: ActionRun,
        family: JobFamily,
        invoke: bool,
        now: datetime.datetime,
        continuation_token: str | None = None,
        continuations: int = 0,
    ) -> Job:
        if family is JobFamily.LAMBDA:
            status = JobStatus.IN_PROGRESS
            deadline = min(now + LAMBDA_REPLY_WINDOW, run.start_time + LAMBDA_ACTION_TIMEOUT)
        else:
            status = JobStatus.QUEUED
            timeout = CUSTOM_ACTION_TIMEOUT if family is JobFamily.CUSTOM else JOB_ACTION_TIMEOUT
            deadline = run.start_time + timeout
        job = Job(
            job_id=self._flow.new_id(),
            run=run,
            family=family,
            status=status,
            created=now,
            deadline=deadline,
            continuation_token=continuation_token,
            client_id=self._flow.new_id() if family is JobFamily.THIRD_PARTY else None,
            invoke=invoke,
            continuations=continuations,
        )
        self.jobs[job.job_id] = job
        self._open[job.job_id] = job
        if family is JobFamily.LAMBDA and invoke:
            self._invocations.append(job)
        return job

    def open_jobs(self) -> list[Job]:
        """Jobs waiting for a worker, oldest first."""
        for job_id, job in list(self._open.items()):
            if not job.is_open:
                del self._open[job_id]
        return list(self._open.values())

    def forget(self, pipeline_execution_ids: set[str]) -> None:
        """Drop the jobs of executions the history no longer keeps (all of them finished)."""
        self.jobs = {
            job_id: job
            for job_id, job in self.jobs.items()
            if job.run.pipeline_execution_id not in pipeline_execution_ids
        }

    def take_invocations(self) -> list[Job]:
        """The Lambda jobs created since the last call (each handler is called once)."""
        due, self._invocations = self._invocations, []
        return [job for job in due if job.is_open]

    def complete_held(
        self,
        stage_name: str,
        action_name: str,
        succeeded: bool,
        summary: str | None,
        now: datetime.datetime,
        pipeline_execution_id: str | None = None,
    ) -> int:
        """Answer the open jobs of a held Invoke action as the test says; returns how many."""
        held = [
            job
            for job in self.open_jobs()
            if not job.invoke
            and (job.run.stage_name, job.run.action_name) == (stage_name, action_name)
            and pipeline_execution_id in (None, job.run.pipeline_execution_id)
        ]
        for job in held:
            if succeeded:
                self.succeed(job, JobResult(summary=summary), now)
            else:
                self.fail(job, summary or FAILED_ACTION_SUMMARY, None, now)
        return len(held)

    def poll(
        self,
        family: JobFamily,
        type_key: tuple[str, str, str, str],
        query: Mapping[str, str],
    ) -> list[Job]:
        """Queued jobs of the action type whose configuration matches ``query``, oldest first."""
        return [
            job
            for job in self.open_jobs()
            if job.family is family
            and job.status is JobStatus.QUEUED
            and job.type_key == type_key
            and all(_configuration(job.run).get(k) == v for k, v in query.items())
        ]

    def dispatch(self, job: Job) -> None:
        """A poll handed the job out: it gets its nonce."""
        job.status = JobStatus.DISPATCHED
        job.nonce = self._flow.new_id()

    def acknowledge(self, job: Job, nonce: str) -> JobStatus:
        if job.nonce is None or nonce != job.nonce:
            raise InvalidNonceException()
        if job.status is JobStatus.DISPATCHED and job.is_open:
            job.status = JobStatus.IN_PROGRESS
        return self.status(job)

    def check_client_token(self, job: Job, client_token: str) -> None:
        """The first client token presented for a third-party job is the one it accepts."""
        if job.client_token is None:
            job.client_token = client_token
        elif job.client_token != client_token:
            raise InvalidClientTokenException()

    def status(self, job: Job) -> JobStatus:
        """The job's status; a job whose action ended otherwise (stopped, cancelled) failed."""
        if job.status.is_open and not job.is_open:
            job.status = JobStatus.FAILED
        return job.status

    def _answerable(self, job: Job) -> None:
        # A queued job has not been handed to any worker yet: nobody can be answering it.
        if not job.is_open or job.status is JobStatus.QUEUED:
            self.status(job)
            raise InvalidJobStateException()

    def succeed(self, job: Job, result: JobResult, now: datetime.datetime) -> None:
        self._answerable(job)
        job.status = JobStatus.SUCCEEDED
        run = job.run
        self._note_execution(run, result.external_execution_id, result.external_execution_url)
        if result.summary is not None:
            run.summary = result.summary
        if result.output_variables:
            run.output_variables = {**run.output_variables, **result.output_variables}
        if result.percent_complete is not None:
            run.percent_complete = result.percent_complete
        run.last_status_change = now
        if result.continuation_token is not None:
            invoked = job.invoke and job.family is JobFamily.LAMBDA
            if invoked and job.continuations >= MAX_CONTINUATIONS:
                self._flow.finish_action(run, ActionStatus.FAILED, now, CONTINUATION_LIMIT_SUMMARY)
                return
            token = result.continuation_token
            self._new_job(run, job.family, job.invoke, now, token, job.continuations + 1)
            return
        self._flow.finish_action(run, ActionStatus.SUCCEEDED, now)

    def fail(
        self,
        job: Job,
        message: str,
        external_execution_id: str | None,
        now: datetime.datetime,
        external_execution_url: str | None = None,
    ) -> None:
        self._answerable(job)
        job.status = JobStatus.FAILED
        self._note_execution(job.run, external_execution_id, external_execution_url)
        self._flow.finish_action(job.run, ActionStatus.FAILED, now, message)

    def _note_execution(
        self, run: ActionRun, external_id: str | None, external_url: str | None
    ) -> None:
        """The reported execution id, and its link: given, or from the type's template."""
        if external_id is not None:
            run.job_execution_id = external_id
            if external_url is None:
                external_url = self.execution_url(run, external_id)
        if external_url is not None:
            run.job_execution_url = external_url


def _configuration(run: ActionRun) -> dict[str, str]:
    return run.resolved_configuration or run.action.configuration
