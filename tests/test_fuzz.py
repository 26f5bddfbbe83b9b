"""Stateful fuzzing: random call sequences against the emulator, invariants after every step.

Hypothesis drives one or two pipelines (Source → Approve → Deploy, in a drawn execution mode)
through starts, answers, stops, retries, transition changes, updates, clock moves and action
control, and after each step reads GetPipelineState, ListPipelineExecutions and
ListActionExecutions (every response shape-checked) to check what must always hold.

An AWS error is accepted only if botocore's model lists it for the operation (or it is a
ValidationException); anything else, a 5xx or NotImplemented included, fails the run. Where
the outcome of a call follows from what was read just before, the rule asserts it.

The suite runs a short campaign; ``FUZZ_EXAMPLES=2000`` (and optionally ``FUZZ_STEPS``) runs a
longer one. The plain tests at the end replay sequences the fuzzer found.
"""

from __future__ import annotations

import collections
import datetime
import json
import os
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore import xform_name
from botocore.exceptions import ClientError
from freezegun import freeze_time
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from moto.moto_api._internal import mock_random
from pipelines import (
    BUILD,
    MANUAL,
    REGION,
    START,
    TRUST_POLICY,
    Client,
    CreatePipeline,
    Declaration,
    declaration,
    deploy_stage,
    key_paths,
    newest_execution_id,
    shape_checked,
    source_stage,
    stage_state,
)

from moto_approvals import Approvals, ApprovalsMock, PendingApproval, mock_approvals
from moto_approvals.validation import service_model

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
STEPS = int(os.environ.get("FUZZ_STEPS", "25"))

#: Examples and steps run in this process (a long campaign reports them).
RUN_COUNTS: collections.Counter[str] = collections.Counter()

EXECUTION_STATUSES = frozenset(
    {"Cancelled", "InProgress", "Stopped", "Stopping", "Succeeded", "Superseded", "Failed"}
)
ACTIVE = frozenset({"InProgress", "Stopping"})
FINISHED = EXECUTION_STATUSES - ACTIVE
STAGES = ("Source", "Approve", "Deploy")
EXPIRED_SUMMARY = "Approval timed out"
DEFAULT_TIMEOUT = datetime.timedelta(days=7)

MODES = st.sampled_from(["SUPERSEDED", "QUEUED", "PARALLEL"])
#: What runs after the first approval, at runOrder 2 of the Approve stage.
VARIANTS = st.sampled_from(["approval", "two_approvals", "build"])
TIMEOUTS = st.sampled_from([5, 60, 1440, None])
TICKS = st.sampled_from(
    [
        datetime.timedelta(minutes=1),
        datetime.timedelta(minutes=5),
        datetime.timedelta(hours=1),
        datetime.timedelta(days=1),
        datetime.timedelta(days=7),
    ]
)
RESULTS = st.sampled_from(
    [
        {"status": "Approved", "summary": "Looks good"},
        {"status": "Approved", "summary": ""},
        {"status": "Rejected", "summary": "Not today"},
    ]
)
PIPE = st.integers(0, 1)
#: Draw a target among all executions, or among those the call is likely to work on.
PICKS = st.sampled_from(["likely", "any"])

Json = dict[str, Any]


def allowed_errors(operation: str) -> frozenset[str]:
    """The error codes botocore's model lists for the operation, plus ValidationException."""
    shapes = service_model().operation_model(operation).error_shapes
    return frozenset(shape.name for shape in shapes) | {"ValidationException"}


def approval_stage_for(variant: str, timeout: int | None) -> Declaration:
    limit = {} if timeout is None else {"timeoutInMinutes": timeout}
    actions: list[Declaration] = [{"name": "ManualApproval", "actionTypeId": MANUAL, **limit}]
    if variant == "two_approvals":
        actions.append({"name": "SecondApproval", "actionTypeId": MANUAL, "runOrder": 2, **limit})
    elif variant == "build":
        actions.append(
            {
                "name": "Compile",
                "actionTypeId": BUILD,
                "runOrder": 2,
                "configuration": {"ProjectName": "app"},
                "inputArtifacts": [{"name": "App"}],
            }
        )
    return {"name": "Approve", "actions": actions}


@dataclass
class Pipe:
    """What the fuzzer knows of one pipeline."""

    name: str
    mode: str
    variant: str
    version: int = 1
    #: timeoutInMinutes of the approvals, per pipeline version.
    timeouts: dict[int, int | None] = field(default_factory=dict)
    #: Expected inbound transition state per stage.
    transitions: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(STAGES, True))
    #: Every execution id, oldest first, and the status last observed.
    executions: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    #: Executions successfully retried since the last observation.
    retried: set[str] = field(default_factory=set)
    #: Successful retries per (execution, stage).
    retries: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    #: (startTime, lastUpdateTime) last observed per execution.
    times: dict[str, tuple[datetime.datetime, datetime.datetime]] = field(default_factory=dict)

    @property
    def actions(self) -> dict[str, list[str]]:
        approve = ["ManualApproval"]
        if self.variant == "two_approvals":
            approve.append("SecondApproval")
        elif self.variant == "build":
            approve.append("Compile")
        return {"Source": ["Fetch"], "Approve": approve, "Deploy": ["Ship"]}

    @property
    def approval_actions(self) -> list[str]:
        return [a for a in self.actions["Approve"] if a != "Compile"]

    @property
    def controllable(self) -> list[tuple[str, str]]:
        """The non-approval actions the test steers (hold, fail, succeed, complete)."""
        targets = [("Deploy", "Ship")]
        if self.variant == "build":
            targets.append(("Approve", "Compile"))
        return targets

    def declaration(self, role_arn: str) -> Declaration:
        stages = [
            source_stage(),
            approval_stage_for(self.variant, self.timeouts[self.version]),
            deploy_stage(),
        ]
        return declaration(role_arn, self.name, stages, pipelineType="V2", executionMode=self.mode)

    def timeout(self, version: int) -> datetime.timedelta:
        minutes = self.timeouts[version]
        return DEFAULT_TIMEOUT if minutes is None else datetime.timedelta(minutes=minutes)


@dataclass
class Snapshot:
    """One pipeline, read through the API."""

    state: Json
    executions: list[Json]  # newest first
    actions: list[Json]  # newest first
    pending: list[PendingApproval]

    def status(self, execution_id: str) -> str:
        return str(
            next(e for e in self.executions if e["pipelineExecutionId"] == execution_id)["status"]
        )

    def stage(self, name: str) -> Json:
        found: Json = next(s for s in self.state["stageStates"] if s["stageName"] == name)
        return found

    def latest_runs(self, execution_id: str) -> dict[tuple[str, str], str]:
        """The status of the latest run of each action the execution ran."""
        latest: dict[tuple[str, str], str] = {}
        for entry in self.actions:  # newest first: the first run seen is the latest
            if entry["pipelineExecutionId"] == execution_id:
                latest.setdefault((entry["stageName"], entry["actionName"]), entry["status"])
        return latest

    def in_progress_approvals(self) -> list[Json]:
        return [
            a
            for a in self.actions
            if a["status"] == "InProgress" and a["input"]["actionTypeId"]["category"] == "Approval"
        ]


def token_of(entry: Json) -> str:
    return str(entry["output"]["executionResult"]["externalExecutionId"])


@dataclass(frozen=True)
class Outcome:
    response: Json | None
    code: str | None

    @property
    def ok(self) -> bool:
        return self.code is None


class CodePipelineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.pipes: list[Pipe] = []
        self._mock: ApprovalsMock | None = None
        self._freezer: Any = None  # freezegun's controller
        self.clock: Any = None  # freezegun's FrozenDateTimeFactory
        self.approvals: Approvals | None = None
        self.codepipeline: Client = clients()["codepipeline"]
        self.role_arn = ""
        #: Every approval token seen: (pipe index, stage, action).
        self.tokens: dict[str, tuple[int, str, str]] = {}
        #: Tokens this run answered successfully.
        self.answered: set[str] = set()

    # -- set-up and tear-down --------------------------------------------------------------

    @initialize(
        modes=st.lists(MODES, min_size=1, max_size=2),
        variants=st.lists(VARIANTS, min_size=2, max_size=2),
        timeouts=st.lists(TIMEOUTS, min_size=2, max_size=2),
    )
    def create_pipelines(self, modes: list[str], variants: list[str], timeouts: list[Any]) -> None:
        self._freezer = freeze_time(START, ignore=["hypothesis"])
        self.clock = self._freezer.start()
        self._mock = mock_approvals()
        self.approvals = self._mock.start()
        # Ids and tokens come from moto's random source: seeded, a replayed example draws the
        # same tokens, so Hypothesis sees the same choices.
        mock_random.seed(0)
        iam = clients()["iam"]
        policy = json.dumps(TRUST_POLICY)
        role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=policy)
        self.role_arn = str(role["Role"]["Arn"])
        for index, mode in enumerate(modes):
            pipe = Pipe(name=("alpha", "beta")[index], mode=mode, variant=variants[index])
            pipe.timeouts[1] = timeouts[index]
            self.codepipeline.create_pipeline(pipeline=pipe.declaration(self.role_arn))
            self.pipes.append(pipe)

    def teardown(self) -> None:
        RUN_COUNTS["examples"] += 1
        try:
            if self._mock is not None:
                self._mock.stop()
        finally:
            if self._freezer is not None:
                self._freezer.stop()

    # -- helpers ---------------------------------------------------------------------------

    def pipe(self, index: int) -> Pipe:
        return self.pipes[index % len(self.pipes)]

    @property
    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.timezone.utc)

    @property
    def handle(self) -> Approvals:
        assert self.approvals is not None
        return self.approvals

    def call(self, operation: str, **params: Any) -> Outcome:
        """Call an operation; an error is fine only if the model lists it for the operation."""
        try:
            response: Json = getattr(self.codepipeline, xform_name(operation))(**params)
        except ClientError as error:
            code = str(error.response["Error"]["Code"])
            status = int(error.response["ResponseMetadata"]["HTTPStatusCode"])
            assert status < 500, f"{operation}({params}) answered HTTP {status}: {error}"
            assert code in allowed_errors(operation), (
                f"{operation}({params}) raised {code}, which the model does not list: {error}"
            )
            event(f"{operation}: {code}")
            return Outcome(None, code)
        event(f"{operation}: ok")
        return Outcome(response, None)

    def snapshot(self, pipe: Pipe) -> Snapshot:
        state = self.codepipeline.get_pipeline_state(name=pipe.name)
        executions = [
            summary
            for page in self.codepipeline.get_paginator("list_pipeline_executions").paginate(
                pipelineName=pipe.name
            )
            for summary in page["pipelineExecutionSummaries"]
        ]
        actions = [
            detail
            for page in self.codepipeline.get_paginator("list_action_executions").paginate(
                pipelineName=pipe.name
            )
            for detail in page["actionExecutionDetails"]
        ]
        pending = self.handle.pending_approvals(pipe.name)
        return Snapshot(state, executions, actions, pending)

    def draw_execution(
        self, data: st.DataObject, pipe: Pipe, statuses: set[str] | frozenset[str] | None
    ) -> str:
        """Any execution, or one last seen in one of ``statuses`` if there is such a one."""
        likely = [e for e in pipe.executions if statuses and pipe.statuses.get(e) in statuses]
        return data.draw(st.sampled_from(likely or pipe.executions), label="execution")

    def execution_status(self, pipe: Pipe, execution_id: str) -> str:
        found = self.codepipeline.get_pipeline_execution(
            pipelineName=pipe.name, pipelineExecutionId=execution_id
        )
        return str(found["pipelineExecution"]["status"])

    # -- rules: executions -----------------------------------------------------------------

    @rule(index=PIPE)
    def start_execution(self, index: int) -> None:
        pipe = self.pipe(index)
        outcome = self.call("StartPipelineExecution", name=pipe.name)
        assert outcome.response is not None, f"StartPipelineExecution failed: {outcome.code}"
        execution_id = str(outcome.response["pipelineExecutionId"])
        assert execution_id not in pipe.executions
        # The newest execution is never superseded, and the Source stage always succeeds.
        assert self.execution_status(pipe, execution_id) == "InProgress"

    @rule(
        data=st.data(),
        index=PIPE,
        abandon=st.booleans(),
        reason=st.sampled_from([None, "x"]),
        pick=PICKS,
    )
    def stop_execution(
        self, data: st.DataObject, index: int, abandon: bool, reason: str | None, pick: str
    ) -> None:
        pipe = self.pipe(index)
        execution_id = self.draw_execution(data, pipe, ACTIVE if pick == "likely" else None)
        before = self.execution_status(pipe, execution_id)
        params: Json = (
            {"abandon": abandon} if reason is None else {"abandon": abandon, "reason": reason}
        )
        outcome = self.call(
            "StopPipelineExecution",
            pipelineName=pipe.name,
            pipelineExecutionId=execution_id,
            **params,
        )
        if before == "InProgress" or (before == "Stopping" and abandon):
            assert outcome.ok, f"stopping a {before} execution (abandon={abandon}): {outcome.code}"
        elif before == "Stopping":
            assert outcome.code == "DuplicatedStopRequestException", outcome
        else:
            assert outcome.code == "PipelineExecutionNotStoppableException", (before, outcome)
        if outcome.ok:
            after = self.execution_status(pipe, execution_id)
            # Abandoning finishes every action at once; waiting may leave one running.
            assert after in (("Stopped",) if abandon else ("Stopping", "Stopped")), after

    @rule(
        data=st.data(),
        index=PIPE,
        stage=st.sampled_from(STAGES),
        mode=st.sampled_from(["FAILED_ACTIONS", "ALL_ACTIONS"]),
        pick=PICKS,
    )
    def retry_stage(
        self, data: st.DataObject, index: int, stage: str, mode: str, pick: str
    ) -> None:
        pipe = self.pipe(index)
        before = self.snapshot(pipe)
        # Likely to work: a stage whose latest execution failed or stopped there.
        targets = sorted(
            (s["latestExecution"]["pipelineExecutionId"], s["stageName"])
            for s in before.state["stageStates"]
            if s.get("latestExecution", {}).get("status") in ("Failed", "Stopped")
        )
        if pick == "likely" and targets:
            execution_id, stage = data.draw(st.sampled_from(targets), label="target")
        else:
            execution_id = self.draw_execution(data, pipe, None)
        status = before.status(execution_id)
        latest = before.stage(stage).get("latestExecution") or {}
        # ListPipelineExecutions shows no version; GetPipelineExecution does.
        ran_version = self.codepipeline.get_pipeline_execution(
            pipelineName=pipe.name, pipelineExecutionId=execution_id
        )["pipelineExecution"]["pipelineVersion"]
        outcome = self.call(
            "RetryStageExecution",
            pipelineName=pipe.name,
            stageName=stage,
            pipelineExecutionId=execution_id,
            retryMode=mode,
        )
        refusals = ("StageNotRetryableException", "NotLatestPipelineExecutionException")
        if status not in ("Failed", "Stopped"):
            assert outcome.code in refusals, f"retried a {status} execution: {outcome}"
        must_work = (
            latest.get("pipelineExecutionId") == execution_id
            and latest.get("status") in ("Failed", "Stopped")
            and status in ("Failed", "Stopped")
            and ran_version == pipe.version
        )
        # A stopped stage whose actions all succeeded has no failed action to run again.
        if must_work and not (mode == "FAILED_ACTIONS" and latest["status"] == "Stopped"):
            assert outcome.ok, f"the latest {status} execution in {stage}: {outcome.code}"
        if outcome.ok:
            assert outcome.response is not None
            assert outcome.response["pipelineExecutionId"] == execution_id
            pipe.retried.add(execution_id)
            pipe.retries[(execution_id, stage)] += 1
            after = self.snapshot(pipe).stage(stage)["latestExecution"]
            assert after["pipelineExecutionId"] == execution_id, after

    @rule(data=st.data(), index=PIPE, latest_form=st.booleans())
    def read_one_execution(self, data: st.DataObject, index: int, latest_form: bool) -> None:
        """The per-execution reads agree with the pipeline-wide ones."""
        pipe = self.pipe(index)
        execution_id = self.draw_execution(data, pipe, None)
        seen = self.snapshot(pipe)
        assert self.execution_status(pipe, execution_id) == seen.status(execution_id)
        selector: Json = {"pipelineExecutionId": execution_id}
        if latest_form:
            selector = {"latestInPipelineExecution": {**selector, "startTimeRange": "All"}}
        filtered = [
            detail
            for page in self.codepipeline.get_paginator("list_action_executions").paginate(
                pipelineName=pipe.name, filter=selector, PaginationConfig={"PageSize": 3}
            )
            for detail in page["actionExecutionDetails"]
        ]
        expected = [a for a in seen.actions if a["pipelineExecutionId"] == execution_id]
        assert filtered == expected

    # -- rules: approvals ------------------------------------------------------------------

    @rule(data=st.data(), source=st.sampled_from(["state", "actions"]), result=RESULTS)
    def answer_pending(self, data: st.DataObject, source: str, result: Json) -> None:
        """Answer a token read just now: GetPipelineState's, or ListActionExecutions'."""
        candidates: list[tuple[int, str, str, str]] = []
        for index, pipe in enumerate(self.pipes):
            if source == "state":
                state = self.codepipeline.get_pipeline_state(name=pipe.name)
                for stage in state["stageStates"]:
                    for action in stage["actionStates"]:
                        token = action.get("latestExecution", {}).get("token")
                        if token is not None:
                            candidates.append(
                                (index, stage["stageName"], action["actionName"], token)
                            )
            else:
                for entry in self.snapshot(pipe).in_progress_approvals():
                    candidates.append(
                        (index, entry["stageName"], entry["actionName"], token_of(entry))
                    )
        if candidates:
            self.answer_checked(data.draw(st.sampled_from(sorted(candidates))), result)

    @rule(data=st.data(), result=RESULTS)
    def answer_seen(self, data: st.DataObject, result: Json) -> None:
        """Answer any token seen so far: pending, answered, expired, abandoned or cancelled."""
        if self.tokens:
            token = data.draw(st.sampled_from(sorted(self.tokens)))
            self.answer_checked((*self.tokens[token], token), result)

    def answer_checked(self, target: tuple[int, str, str, str], result: Json) -> None:
        index, stage, action, token = target
        pipe = self.pipes[index]
        pending = {p.token: p.pipeline_execution_id for p in self.snapshot(pipe).pending}
        before = pending.get(token) and self.execution_status(pipe, pending[token])
        outcome = self.answer(pipe, stage, action, token, result)
        if token in pending:
            assert outcome.ok, f"answering a pending approval: {outcome.code}"
            self.answered.add(token)
            after = self.execution_status(pipe, pending[token])
            if before == "Stopping":
                # Stop and wait: once the approval is answered, nothing else starts.
                assert after == "Stopped", after
            elif result["status"] == "Rejected":
                assert after == "Failed", after
            else:
                assert after in ("InProgress", "Succeeded", "Failed"), after
            again = {"status": "Approved", "summary": "A second click"}
            repeat = self.answer(pipe, stage, action, token, again)
            assert repeat.code == "ApprovalAlreadyCompletedException", repeat
        elif token in self.answered:
            assert outcome.code == "ApprovalAlreadyCompletedException", outcome
        else:
            assert outcome.code == "InvalidApprovalTokenException", outcome

    @rule(data=st.data(), result=RESULTS, elsewhere=st.sampled_from(["action", "pipeline"]))
    def answer_with_the_wrong_action(
        self, data: st.DataObject, result: Json, elsewhere: str
    ) -> None:
        if not self.tokens:
            return
        token = data.draw(st.sampled_from(sorted(self.tokens)))
        index, stage, action = self.tokens[token]
        pipe = self.pipes[index]
        if elsewhere == "pipeline" and len(self.pipes) > 1:
            pipe = self.pipes[1 - index]
            if action not in pipe.actions[stage]:
                action = "ManualApproval"  # an action the other pipeline has
        else:
            others = [a for a in pipe.actions["Approve"] if a != action] + ["Ship"]
            action = data.draw(st.sampled_from(others))
            stage = "Deploy" if action == "Ship" else stage
        outcome = self.answer(pipe, stage, action, token, result)
        assert outcome.code == "InvalidApprovalTokenException", outcome

    def answer(self, pipe: Pipe, stage: str, action: str, token: str, result: Json) -> Outcome:
        return self.call(
            "PutApprovalResult",
            pipelineName=pipe.name,
            stageName=stage,
            actionName=action,
            result=result,
            token=token,
        )

    # -- rules: transitions, updates, time -------------------------------------------------

    @rule(
        index=PIPE,
        stage=st.sampled_from(STAGES),
        kind=st.sampled_from(["Inbound", "Outbound"]),
        enable=st.booleans(),
    )
    def set_transition(self, index: int, stage: str, kind: str, enable: bool) -> None:
        pipe = self.pipe(index)
        params: Json = {"pipelineName": pipe.name, "stageName": stage, "transitionType": kind}
        if enable:
            outcome = self.call("EnableStageTransition", **params)
        else:
            outcome = self.call("DisableStageTransition", reason="Fuzzing (hold)", **params)
        assert outcome.ok, outcome
        target = STAGES.index(stage) + (1 if kind == "Outbound" else 0)
        if target < len(STAGES):
            pipe.transitions[STAGES[target]] = enable

    @rule(index=PIPE, timeout=TIMEOUTS)
    def update_pipeline(self, index: int, timeout: int | None) -> None:
        pipe = self.pipe(index)
        before = self.snapshot(pipe)
        active = [e["pipelineExecutionId"] for e in before.executions if e["status"] in ACTIVE]
        pipe.version += 1
        pipe.timeouts[pipe.version] = timeout
        outcome = self.call("UpdatePipeline", pipeline=pipe.declaration(self.role_arn))
        assert outcome.ok, outcome
        after = self.snapshot(pipe)
        for execution_id in active:
            assert after.status(execution_id) == "Cancelled", execution_id

    @rule(delta=TICKS)
    def tick(self, delta: datetime.timedelta) -> None:
        assert self.clock is not None
        self.clock.tick(delta)

    # -- rules: action control -------------------------------------------------------------

    @rule(data=st.data(), index=PIPE, behaviour=st.sampled_from(["hold", "fail", "succeed"]))
    def steer_action(self, data: st.DataObject, index: int, behaviour: str) -> None:
        pipe = self.pipe(index)
        stage, action = data.draw(st.sampled_from(pipe.controllable))
        getattr(self.handle, f"{behaviour}_action")(pipe.name, stage, action)

    @rule(data=st.data(), index=PIPE, succeeded=st.booleans(), one=st.booleans())
    def complete_action(self, data: st.DataObject, index: int, succeeded: bool, one: bool) -> None:
        pipe = self.pipe(index)
        stage, action = data.draw(st.sampled_from(pipe.controllable))
        running = [
            a
            for a in self.snapshot(pipe).actions
            if (a["stageName"], a["actionName"]) == (stage, action) and a["status"] == "InProgress"
        ]
        execution_id = None
        if one:
            owners = sorted({a["pipelineExecutionId"] for a in running}) or pipe.executions
            execution_id = data.draw(st.sampled_from(owners), label="execution")
        held = [a for a in running if execution_id in (None, a["pipelineExecutionId"])]
        try:
            done = self.handle.complete_action(
                pipe.name, stage, action, succeeded=succeeded, pipeline_execution_id=execution_id
            )
        except ValueError:
            assert not held, f"{len(held)} held runs, yet complete_action found none"
            return
        assert done == len(held)

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def engine_invariants(self) -> None:
        if not self.pipes:
            return  # before the pipelines exist
        RUN_COUNTS["steps"] += 1
        for index, pipe in enumerate(self.pipes):
            seen = self.snapshot(pipe)
            for entry in seen.actions:
                if entry["input"]["actionTypeId"]["category"] == "Approval":
                    token = token_of(entry)
                    self.tokens.setdefault(token, (index, entry["stageName"], entry["actionName"]))
            self.check_state(pipe, seen)
            self.check_history(pipe, seen)
            self.check_occupancy(pipe, seen)
            self.check_approvals(pipe, seen)
            self.check_runs(pipe, seen)

    def check_state(self, pipe: Pipe, seen: Snapshot) -> None:
        """Tokens, transitions and the version as GetPipelineState shows them."""
        state = seen.state
        assert state["pipelineVersion"] == pipe.version
        token_paths = key_paths(state, "token")
        for path in token_paths:
            assert ".actionStates[" in path and path.endswith(".latestExecution.token"), path
        if pipe.mode == "PARALLEL":
            assert not token_paths, f"PARALLEL state shows tokens at {token_paths}"
        for stage in state["stageStates"]:
            name = stage["stageName"]
            assert stage["inboundTransitionState"]["enabled"] is pipe.transitions[name], name
            for action in stage["actionStates"]:
                latest = action.get("latestExecution")
                if latest is None:
                    continue
                if "token" in latest:
                    assert latest["status"] == "InProgress", latest
                    assert latest["token"] == latest.get("externalExecutionId"), latest
                elif (
                    pipe.mode != "PARALLEL"
                    and latest["status"] == "InProgress"
                    and action["actionName"] in pipe.approval_actions
                ):
                    raise AssertionError(f"a pending approval shows no token: {latest}")
            if pipe.mode == "SUPERSEDED":
                assert len(stage.get("inboundExecutions", [])) <= 1, stage

    def check_history(self, pipe: Pipe, seen: Snapshot) -> None:
        """Statuses are valid, and finished executions stay finished unless retried."""
        current = {e["pipelineExecutionId"]: str(e["status"]) for e in seen.executions}
        lost = set(pipe.statuses) - set(current)
        assert not lost, f"executions disappeared: {lost}"
        for execution_id in reversed(list(current)):  # oldest first
            if execution_id not in pipe.executions:
                pipe.executions.append(execution_id)
        for execution_id, status in current.items():
            assert status in EXECUTION_STATUSES, status
            before = pipe.statuses.get(execution_id)
            if execution_id in pipe.retried or before is None or before == status:
                continue
            assert before not in FINISHED, f"{execution_id}: {before} became {status}"
            if before == "Stopping":
                assert status in ("Stopped", "Cancelled"), f"{execution_id}: Stopping → {status}"
        pipe.statuses = current
        pipe.retried.clear()
        for summary in seen.executions:
            execution_id = summary["pipelineExecutionId"]
            first_seen = pipe.times.setdefault(
                execution_id, (summary["startTime"], summary["lastUpdateTime"])
            )
            assert summary["startTime"] == first_seen[0], summary
            assert summary["lastUpdateTime"] >= first_seen[1], summary
            assert summary["lastUpdateTime"] >= summary["startTime"], summary
            pipe.times[execution_id] = (summary["startTime"], summary["lastUpdateTime"])
        for execution_id, status in current.items():
            latest = seen.latest_runs(execution_id)
            if status == "Succeeded":
                expected = {(s, a) for s, actions in pipe.actions.items() for a in actions}
                assert set(latest) == expected, f"{execution_id} succeeded with {set(latest)}"
                failed = {key: run for key, run in latest.items() if run != "Succeeded"}
                assert not failed, f"{execution_id} succeeded, yet its latest runs are {failed}"
            elif status == "Failed":
                assert "Failed" in latest.values(), f"{execution_id} failed with {latest}"

    def check_occupancy(self, pipe: Pipe, seen: Snapshot) -> None:
        """Stage locks, and no execution left stuck."""
        running = [a for a in seen.actions if a["status"] == "InProgress"]
        inside: dict[str, set[str]] = collections.defaultdict(set)
        for entry in running:
            inside[entry["stageName"]].add(entry["pipelineExecutionId"])
            status = seen.status(entry["pipelineExecutionId"])
            assert status in ACTIVE, f"an action runs for a {status} execution: {entry}"
        waiting: set[str] = set()
        for stage in seen.state["stageStates"]:
            name = stage["stageName"]
            latest = stage.get("latestExecution")
            queue = [e["pipelineExecutionId"] for e in stage.get("inboundExecutions", [])]
            if "inboundExecution" in stage:
                queue.append(stage["inboundExecution"]["pipelineExecutionId"])
            waiting.update(queue)
            if latest is not None and latest["status"] in ACTIVE:
                owner = latest["pipelineExecutionId"]
                assert seen.status(owner) == latest["status"], (name, latest)
            if pipe.mode != "PARALLEL":
                assert len(inside[name]) <= 1, f"{name} runs {inside[name]} at once"
                if inside[name]:
                    assert latest is not None and inside[name] == {latest["pipelineExecutionId"]}
            if queue:
                free = latest is None or latest["status"] not in ACTIVE
                blocked = not pipe.transitions[name] or (pipe.mode != "PARALLEL" and not free)
                assert blocked, f"{queue} wait at {name}, which is open and free"
        busy = {e for ids in inside.values() for e in ids}
        for execution_id, status in pipe.statuses.items():
            if status == "Stopping":
                assert execution_id in busy, f"{execution_id} is Stopping with nothing running"
            elif status == "InProgress":
                assert execution_id in busy | waiting, f"{execution_id} is stuck"

    def check_runs(self, pipe: Pipe, seen: Snapshot) -> None:
        """Action runs: unique ids, run order, stage order, and what the state shows of them."""
        ids = [a["actionExecutionId"] for a in seen.actions]
        assert len(ids) == len(set(ids)), "an actionExecutionId repeats"
        approvals = [
            a for a in seen.actions if a["input"]["actionTypeId"]["category"] == "Approval"
        ]
        tokens = [token_of(a) for a in approvals]
        assert len(tokens) == len(set(tokens)), "an externalExecutionId repeats"
        newest: dict[tuple[str, str], Json] = {}
        for entry in seen.actions:
            newest.setdefault((entry["stageName"], entry["actionName"]), entry)
        start_order = {e["pipelineExecutionId"]: -i for i, e in enumerate(seen.executions)}
        for stage in seen.state["stageStates"]:
            name = stage["stageName"]
            for action in stage["actionStates"]:
                run = newest.get((name, action["actionName"]))
                latest = action.get("latestExecution")
                if run is None:
                    assert latest is None, (name, action)
                    continue
                assert latest is not None, (name, action)
                assert latest["actionExecutionId"] == run["actionExecutionId"], (latest, run)
                assert latest["status"] == run["status"], (latest, run)
            entered = stage.get("latestExecution")
            in_stage = [a for a in seen.actions if a["stageName"] == name]
            if entered is None:
                assert not in_stage, f"{name} ran actions but shows no latestExecution"
                continue
            retries = pipe.retries[(entered["pipelineExecutionId"], name)]
            metadata = stage.get("retryStageMetadata", {})
            assert metadata.get("manualStageRetryAttempt", 0) == retries, (name, metadata)
            if pipe.mode == "PARALLEL":
                continue
            # One execution at a time: the newest run in the stage is the entered execution's.
            assert in_stage[0]["pipelineExecutionId"] == entered["pipelineExecutionId"], name
            # Nobody overtakes: executions first enter each stage in the order they started.
            firsts: list[str] = []
            for entry in reversed(in_stage):
                if entry["pipelineExecutionId"] not in firsts:
                    firsts.append(entry["pipelineExecutionId"])
            order = [start_order[e] for e in firsts]
            assert order == sorted(order), f"{name} was entered out of start order: {firsts}"
        for execution_id in start_order:
            runs = [a for a in seen.actions if a["pipelineExecutionId"] == execution_id]
            for position, entry in enumerate(runs):
                if entry["actionName"] not in ("SecondApproval", "Compile"):
                    continue
                # runOrder 2 starts only once the latest runOrder-1 run before it succeeded.
                earlier = [a for a in runs[position:] if a["actionName"] == "ManualApproval"]
                assert earlier and earlier[0]["status"] == "Succeeded", entry

    def check_approvals(self, pipe: Pipe, seen: Snapshot) -> None:
        """The handle's pending approvals are the running approvals, each within its timeout."""
        running = seen.in_progress_approvals()
        assert {p.token for p in seen.pending} == {token_of(a) for a in running}
        now = self.now
        for approval in seen.pending:
            assert approval.expires_at > now, approval
            assert seen.status(approval.pipeline_execution_id) in ACTIVE
        for entry in seen.actions:
            if entry["input"]["actionTypeId"]["category"] != "Approval":
                continue
            assert entry["lastUpdateTime"] <= now
            limit = pipe.timeout(entry["pipelineVersion"])
            if entry["status"] == "InProgress":
                assert entry["startTime"] + limit > now, entry
            summary = entry["output"]["executionResult"].get("externalExecutionSummary")
            if entry["status"] == "Failed" and summary == EXPIRED_SUMMARY:
                assert entry["lastUpdateTime"] - entry["startTime"] == limit, entry


_CLIENTS: dict[str, Client] = {}


def clients() -> dict[str, Client]:
    """boto3 clients shared by every example (moto intercepts them whenever a mock runs)."""
    if not _CLIENTS:
        credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        _CLIENTS["codepipeline"] = shape_checked(
            boto3.client("codepipeline", region_name=REGION, **credentials)
        )
        _CLIENTS["iam"] = boto3.client("iam", region_name=REGION, **credentials)
    return _CLIENTS


TestCodePipelineMachine = CodePipelineMachine.TestCase
TestCodePipelineMachine.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# -- sequences the fuzzer found -------------------------------------------------------------


def test_a_retried_parallel_execution_becomes_the_stages_latest_execution(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline(pipelineType="V2", executionMode="PARALLEL")
    first = newest_execution_id(codepipeline)
    codepipeline.start_pipeline_execution(name="release")
    codepipeline.stop_pipeline_execution(
        pipelineName="release", pipelineExecutionId=first, abandon=True
    )

    codepipeline.retry_stage_execution(
        pipelineName="release",
        stageName="Approve",
        pipelineExecutionId=first,
        retryMode="FAILED_ACTIONS",
    )

    stage = stage_state(codepipeline, "Approve")
    assert stage["latestExecution"] == {
        "pipelineExecutionId": first,
        "status": "InProgress",
        "type": "STANDARD",
    }
    assert stage["retryStageMetadata"]["manualStageRetryAttempt"] == 1
