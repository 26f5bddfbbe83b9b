"""The job family of operations, for one backend: workers poll, acknowledge and answer jobs.

Which actions run as jobs (:meth:`JobService.route`):

- ``Invoke``/``AWS``/``Lambda``/``1`` whose ``FunctionName`` has a registered handler: a Lambda
  job, its handler called with AWS's event once the backend's lock is released;
- the same action held by the test (``hold_action``) without a handler: a Lambda job nobody
  invokes, listed by ``pending_jobs`` with its event, for the test to answer;
- every ``Custom`` action: a job for ``PollForJobs`` workers;
- every ``ThirdParty`` action of a provider's own type (not AWS's GitHub and the like): a job
  for ``PollForThirdPartyJobs`` workers.

A ``LambdaInvoke`` rule of a stage condition whose function has a registered handler runs as
a Lambda job too (:mod:`moto_approvals.engine.rule_jobs`): the same event, the same handler
calls, answered through the same operations.

Everything else runs as before (:mod:`moto_approvals.engine.steered`). Lookups take the
backend's lock, then let the job's pipeline catch up with the clock, so an answer that comes
after the job timed out is ``InvalidJobStateException``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from moto.core.utils import utcnow

from moto_approvals.action_types import type_key
from moto_approvals.declarations import ARTIFACT_LIMITS
from moto_approvals.domain import ActionBehaviour, ActionRun, PendingJob, RuleRun
from moto_approvals.engine import PipelineRuntime
from moto_approvals.engine.jobs import Job, JobFamily, JobResult, JobRoute, JobStatus
from moto_approvals.engine.rule_jobs import RuleJob
from moto_approvals.exceptions import (
    InvalidJobException,
    JobNotFoundException,
    OutputVariablesSizeExceededException,
    ValidationException,
)
from moto_approvals.job_wire import (
    JobContext,
    encryption_key,
    job_details,
    job_item,
    lambda_event,
    third_party_job_details,
)
from moto_approvals.lambda_invoke import (
    Invocation,
    LambdaHandler,
    Registered,
    function_arn,
    function_name_of,
)

if TYPE_CHECKING:
    from moto_approvals.models import ApprovalsBackend

Json = dict[str, Any]

LAMBDA_INVOKE = ("Invoke", "AWS", "Lambda", "1")
#: PollForJobs and PollForThirdPartyJobs hand out one job unless asked for more (README).
DEFAULT_BATCH_SIZE = 1
#: The most output variables one action may produce, names and values together, in bytes
#: (CodePipeline quotas: "Maximum size of output variables").
MAX_OUTPUT_VARIABLES_BYTES = 122880

_WORKER_FAMILIES = (JobFamily.LAMBDA, JobFamily.CUSTOM)
_THIRD_PARTY = (JobFamily.THIRD_PARTY,)


class JobService:
    """The jobs of one backend: routing, Lambda handlers, and the job operations."""

    def __init__(self, backend: ApprovalsBackend) -> None:
        self._backend = backend
        #: Registered Lambda handlers by function name.
        self.lambdas: dict[str, Registered] = {}
        #: Handler calls prepared under the lock, made by :meth:`invoke_due` outside it.
        self._due: list[Invocation] = []
        # Set while this thread calls handlers: a handler's own calls leave the calls they
        # make due to the loop already running, so continuations loop instead of nesting.
        self._calling = threading.local()

    # -- routing ---------------------------------------------------------------------------

    def attach(self, runtime: PipelineRuntime) -> None:
        """Let the runtime's job kind run the actions :meth:`route` routes."""
        runtime.jobs.route = partial(self.route, runtime)
        runtime.conditions.rule_jobs.handled = self._has_handler

    def route(self, runtime: PipelineRuntime, run: ActionRun) -> JobRoute | None:
        """How the run's action runs; its ``FunctionName`` is read resolved, so a
        ``#{Namespace.Name}`` reference finds the handler of the function it names."""
        action = run.action
        key = type_key(action.action_type_id)
        owner = key[1]
        if owner == "Custom":
            return JobRoute(JobFamily.CUSTOM)
        if owner == "ThirdParty" and key not in ARTIFACT_LIMITS:
            return JobRoute(JobFamily.THIRD_PARTY)
        if key != LAMBDA_INVOKE:
            return None
        if function_name_of(run.configuration.get("FunctionName", "")) in self.lambdas:
            return JobRoute(JobFamily.LAMBDA)
        if runtime.steered.behaviour(action) is ActionBehaviour.HOLD:
            return JobRoute(JobFamily.LAMBDA, invoke=False)
        return None

    def _has_handler(self, run: RuleRun) -> bool:
        """Whether a LambdaInvoke rule's function has a handler to call."""
        return function_name_of(run.configuration.get("FunctionName", "")) in self.lambdas

    # -- Lambda handlers -------------------------------------------------------------------

    def register_lambda(
        self, function_name: str, handler: LambdaHandler, timeout_seconds: int
    ) -> None:
        with self._backend.lock:
            self.lambdas[function_name_of(function_name)] = Registered(handler, timeout_seconds)

    def collect(self, pipeline_name: str, runtime: PipelineRuntime) -> None:
        """Prepare the calls of the Lambda jobs the runtime started (under the lock)."""
        started: list[Job | RuleJob] = [*runtime.jobs.take_invocations()]
        started += runtime.conditions.rule_jobs.take_invocations()
        for job in started:
            configured = _configuration(job).get("FunctionName", "")
            name = function_name_of(configured)
            registered = self.lambdas.get(name)
            if registered is None:  # unregistered since the job started: nobody answers
                continue
            backend = self._backend
            arn = function_arn(
                configured, backend.catalog.partition, backend.region_name, backend.account_id
            )
            event = lambda_event(job, self._context(pipeline_name, job))
            self._due.append(Invocation(job.job_id, pipeline_name, registered, name, arn, event))

    def invoke_due(self) -> None:
        """Call every prepared handler, oldest first; call it only without the lock held.

        A handler that raises fails its job's action with the exception's message. Called
        again from a handler's own call (on this thread), it returns at once: the loop
        already running calls what became due once the handler has returned.
        """
        if getattr(self._calling, "active", False):
            return
        self._calling.active = True
        try:
            while True:
                with self._backend.lock:
                    if not self._due:
                        return
                    invocation = self._due.pop(0)
                failure = invocation.call()
                if failure is not None:
                    self._fail_invocation(invocation, failure)
        finally:
            self._calling.active = False

    def _fail_invocation(self, invocation: Invocation, message: str) -> None:
        with self._backend.lock:
            try:
                with self._job(invocation.job_id, _WORKER_FAMILIES) as (runtime, job):
                    if not job.is_open:  # the handler may have answered before it raised
                        return
                    now = utcnow()
                    if isinstance(job, RuleJob):
                        runtime.conditions.rule_jobs.fail(job, message)
                    else:
                        runtime.jobs.fail(job, message, None, now)
                        job.run.error_code = "JobFailed"  # a Lambda function error
                    runtime.settle(now)
            except JobNotFoundException:  # the pipeline was deleted meanwhile
                return

    def pending_jobs(self, pipeline_name: str) -> list[PendingJob]:
        with self._backend._pipeline(pipeline_name) as runtime:
            return [
                PendingJob(
                    pipeline_name=pipeline_name,
                    stage_name=job.run.stage_name,
                    action_name=job.run.action_name,
                    pipeline_execution_id=job.run.pipeline_execution_id,
                    action_execution_id=job.run.action_execution_id,
                    job_id=job.job_id,
                    event=lambda_event(job, self._context(pipeline_name, job)),
                )
                for job in runtime.jobs.open_jobs()
                if job.family is JobFamily.LAMBDA
            ]

    # -- lookups ---------------------------------------------------------------------------

    def _context(self, pipeline_name: str, job: Job | RuleJob) -> JobContext:
        record = self._backend.catalog.get(pipeline_name)
        if isinstance(job, RuleJob):
            version, region = job.rule_run.pipeline_version, job.rule_run.rule.get("region")
        else:
            version, region = job.run.pipeline_version, job.run.action.region
        declaration = record.declaration(version)
        region = region or self._backend.region_name
        return JobContext(
            account_id=self._backend.account_id,
            pipeline_name=pipeline_name,
            pipeline_arn=record.arn,
            encryption_key=encryption_key(declaration, region),
        )

    @contextmanager
    def _job(
        self, job_id: str, families: tuple[JobFamily, ...]
    ) -> Iterator[tuple[PipelineRuntime, Job | RuleJob]]:
        """The job (of one of ``families``: an action's, or a LambdaInvoke rule's) and its
        runtime, caught up with the clock."""
        with self._backend.lock:
            name = next(
                (n for n, r in self._backend.loaded_runtimes() if _find(r, job_id) is not None),
                None,
            )
            if name is None:
                raise JobNotFoundException()
            with self._backend._pipeline(name) as runtime:
                job = _find(runtime, job_id)
                if job is None or job.family not in families:
                    raise JobNotFoundException()
                yield runtime, job

    def _poll(
        self, family: JobFamily, type_id: Mapping[str, str], max_batch: int | None, query: Json
    ) -> list[tuple[str, Job]]:
        """Hand out the oldest queued jobs of the type, across the backend's pipelines."""
        key = type_key(type_id)
        owner = "Custom" if family is JobFamily.CUSTOM else "ThirdParty"
        action_type = self._backend.action_types.pollable(key, owner)
        queryable = action_type.queryable()
        unknown = sorted(set(query) - set(queryable))
        if unknown:
            raise ValidationException(
                f"queryParam names {', '.join(unknown)}, which the action type does not "
                f"declare queryable (queryable: {', '.join(queryable) or 'none'})."
            )
        missing = [name for name in queryable if name not in query]
        if missing:
            raise ValidationException(
                f"queryParam must give the action type's queryable properties: "
                f"{', '.join(missing)}."
            )
        found: list[tuple[str, PipelineRuntime, Job]] = []
        for name in self._backend.catalog.sorted_names():
            with self._backend._pipeline(name) as runtime:
                found += [(name, runtime, job) for job in runtime.jobs.poll(family, key, query)]
        found.sort(key=lambda item: item[2].created)  # stable: creation order on ties
        chosen = found[: max_batch or DEFAULT_BATCH_SIZE]
        for _, runtime, job in chosen:
            runtime.jobs.dispatch(job)
        return [(name, job) for name, _, job in chosen]

    # -- PollForJobs and the rest of the worker family -------------------------------------

    def poll_for_jobs(
        self, type_id: Mapping[str, str], max_batch: int | None, query: Json | None
    ) -> list[Json]:
        with self._backend.lock:
            polled = self._poll(JobFamily.CUSTOM, type_id, max_batch, query or {})
            return [job_item(job, self._context(name, job)) for name, job in polled]

    def acknowledge_job(self, job_id: str, nonce: str) -> JobStatus:
        with self._job(job_id, _WORKER_FAMILIES) as (runtime, job):
            if isinstance(job, RuleJob):
                return runtime.conditions.rule_jobs.acknowledge(job, nonce)
            return runtime.jobs.acknowledge(job, nonce)

    def get_job_details(self, job_id: str) -> Json:
        with self._job(job_id, _WORKER_FAMILIES) as (runtime, job):
            return job_details(job, self._context(runtime.definition.name, job))

    def put_job_success_result(self, job_id: str, params: Json) -> None:
        variables = params.get("outputVariables")
        if variables is not None and params.get("continuationToken") is not None:
            raise ValidationException(
                "outputVariables can be included only when there is no continuation token on "
                "the request."
            )
        if variables is not None:
            size = sum(len(k.encode()) + len(v.encode()) for k, v in variables.items())
            if size > MAX_OUTPUT_VARIABLES_BYTES:
                raise OutputVariablesSizeExceededException(
                    f"The output variables are {size} bytes; an action may produce at most "
                    f"{MAX_OUTPUT_VARIABLES_BYTES}."
                )
        with self._job(job_id, _WORKER_FAMILIES) as (runtime, job):
            self._succeed(runtime, job, params)

    def put_job_failure_result(self, job_id: str, failure: Json) -> None:
        with self._job(job_id, _WORKER_FAMILIES) as (runtime, job):
            self._fail(runtime, job, failure)

    # -- the third-party family ------------------------------------------------------------

    def poll_for_third_party_jobs(
        self, type_id: Mapping[str, str], max_batch: int | None
    ) -> list[Json]:
        with self._backend.lock:
            polled = self._poll(JobFamily.THIRD_PARTY, type_id, max_batch, {})
            return [{"clientId": job.client_id, "jobId": job.job_id} for _, job in polled]

    @contextmanager
    def _third_party(self, job_id: str, client_token: str) -> Iterator[tuple[PipelineRuntime, Job]]:
        with self._job(job_id, _THIRD_PARTY) as (runtime, job):
            assert isinstance(job, Job)  # only actions run as third-party jobs
            runtime.jobs.check_client_token(job, client_token)
            yield runtime, job

    def acknowledge_third_party_job(self, job_id: str, nonce: str, client_token: str) -> JobStatus:
        with self._third_party(job_id, client_token) as (runtime, job):
            return runtime.jobs.acknowledge(job, nonce)

    def get_third_party_job_details(self, job_id: str, client_token: str) -> Json:
        """A job of the worker family (custom, Lambda) is InvalidJobException here: the
        model lists it for this operation alone, and "invalid format or cannot be found"
        fits a job that exists but is no third-party job (README)."""
        try:
            with self._third_party(job_id, client_token) as (runtime, job):
                return third_party_job_details(job, self._context(runtime.definition.name, job))
        except JobNotFoundException:
            with self._backend.lock:
                runtimes = self._backend.loaded_runtimes()
                if any(_find(runtime, job_id) is not None for _, runtime in runtimes):
                    raise InvalidJobException(
                        f"Job {job_id} is not a third-party job; its details are read with "
                        "GetJobDetails."
                    ) from None
            raise

    def put_third_party_job_success_result(
        self, job_id: str, client_token: str, params: Json
    ) -> None:
        with self._third_party(job_id, client_token) as (runtime, job):
            self._succeed(runtime, job, params)

    def put_third_party_job_failure_result(
        self, job_id: str, client_token: str, failure: Json
    ) -> None:
        with self._third_party(job_id, client_token) as (runtime, job):
            self._fail(runtime, job, failure)

    # -- answers ---------------------------------------------------------------------------

    def _succeed(self, runtime: PipelineRuntime, job: Job | RuleJob, params: Json) -> None:
        details = params.get("executionDetails") or {}
        if isinstance(job, RuleJob):
            # A rule keeps a summary; it has no output variables, revisions or external ids.
            now = utcnow()
            token = params.get("continuationToken")
            runtime.conditions.rule_jobs.succeed(job, details.get("summary"), token, now)
            runtime.settle(now)
            return
        external_id = details.get("externalExecutionId")
        result = JobResult(
            continuation_token=params.get("continuationToken"),
            summary=details.get("summary"),
            external_execution_id=external_id,
            output_variables=params.get("outputVariables"),
            percent_complete=details.get("percentComplete"),
        )
        now = utcnow()
        runtime.jobs.succeed(job, result, now)
        revision = params.get("currentRevision")
        if revision is not None:
            # A source job reports the revision it produced: its artifacts carry it.
            for artifact in job.run.output_artifacts:
                artifact.revision_id = revision["revision"]
        runtime.settle(now)

    def _fail(self, runtime: PipelineRuntime, job: Job | RuleJob, failure: Json) -> None:
        external_id = failure.get("externalExecutionId")
        now = utcnow()
        if isinstance(job, RuleJob):
            runtime.conditions.rule_jobs.fail(job, failure["message"])
            runtime.settle(now)
            return
        # The link comes from the type's executionUrlTemplate (the runtime's jobs know it).
        runtime.jobs.fail(job, failure["message"], external_id, now)
        # Read when the FAILED event is built, on the way out of the lock.
        job.run.error_code = failure["type"]
        runtime.settle(now)


def _find(runtime: PipelineRuntime, job_id: str) -> Job | RuleJob | None:
    """The runtime's job of this id: an action's, else a LambdaInvoke rule's."""
    return runtime.jobs.jobs.get(job_id) or runtime.conditions.rule_jobs.jobs.get(job_id)


def _configuration(job: Job | RuleJob) -> dict[str, str]:
    return job.configuration if isinstance(job, RuleJob) else job.run.configuration
