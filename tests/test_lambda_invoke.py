"""Lambda invoke actions: registered handlers, held actions answered through pending_jobs,
continuations, failures and timeouts."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from freezegun import freeze_time
from job_fixtures import LAMBDA, action_execution
from pipelines import (
    START,
    TRUST_POLICY,
    Client,
    CreatePipeline,
    approval_stage,
    declaration,
    execution_status,
    newest_execution_id,
    source_stage,
    stage_state,
)

from moto_approvals import Approvals, mock_approvals

Event = dict[str, Any]
Handler = Callable[[Event, Any], None]
SOURCE_BODY = b"print('hello')\n"


def invoke_stage(function: str = "build-fn", **configuration: str) -> dict[str, Any]:
    """A stage with one Invoke action: reads App, writes Built, publishes as LambdaVars."""
    return {
        "name": "Invoke",
        "actions": [
            {
                "name": "Run",
                "actionTypeId": LAMBDA,
                "configuration": {"FunctionName": function, **configuration},
                "inputArtifacts": [{"name": "App"}],
                "outputArtifacts": [{"name": "Built"}],
                "namespace": "LambdaVars",
            }
        ],
    }


@pytest.fixture
def s3(client_factory: Callable[..., Client]) -> Client:
    """The source bucket with app.zip, and the artifact store bucket."""
    client = client_factory("s3")
    client.create_bucket(Bucket="src")
    client.create_bucket(Bucket="artifacts")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", SOURCE_BODY)
    client.put_object(Bucket="src", Key="app.zip", Body=buffer.getvalue())
    return client


@pytest.fixture
def answer(client_factory: Callable[..., Client]) -> Callable[..., None]:
    """PutJobSuccessResult from inside a handler, with a client of its own."""

    def put(event: Event, **result: Any) -> None:
        job_id = event["CodePipeline.job"]["id"]
        client_factory("codepipeline").put_job_success_result(jobId=job_id, **result)

    return put


def _run_status(codepipeline: Client) -> str:
    return str(action_execution(codepipeline, "Invoke", "Run")["status"])


def test_a_handler_builds_from_its_input_and_its_variables_reach_a_later_approval(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    client_factory: Callable[..., Client],
    s3: Client,
) -> None:
    def handler(event: Event, context: Any) -> None:
        job = event["CodePipeline.job"]
        data = job["data"]
        greeting = data["actionConfiguration"]["configuration"]["UserParameters"]
        source = data["inputArtifacts"][0]["location"]["s3Location"]
        target = data["outputArtifacts"][0]["location"]["s3Location"]
        storage = client_factory("s3")
        body = storage.get_object(Bucket=source["bucketName"], Key=source["objectKey"])["Body"]
        with zipfile.ZipFile(io.BytesIO(body.read())) as archive:
            code = archive.read("app.py")
        storage.put_object(Bucket=target["bucketName"], Key=target["objectKey"], Body=code.upper())
        client_factory("codepipeline").put_job_success_result(
            jobId=job["id"], outputVariables={"message": f"{greeting}, {len(code)} bytes"}
        )

    approvals.register_lambda("build-fn", handler)
    later = approval_stage(configuration={"CustomData": "#{LambdaVars.message}"})
    create_pipeline(stages=[source_stage(), invoke_stage(UserParameters="Built"), later])

    run = action_execution(codepipeline, "Invoke", "Run")
    approve = action_execution(codepipeline, "Approve", "ManualApproval")
    built = run["output"]["outputArtifacts"][0]["s3location"]
    written = s3.get_object(Bucket=built["bucket"], Key=built["key"])["Body"].read()
    assert run["status"] == "Succeeded"
    assert written == SOURCE_BODY.upper()
    assert run["output"]["outputVariables"] == {"message": f"Built, {len(SOURCE_BODY)} bytes"}
    assert approve["input"]["resolvedConfiguration"]["CustomData"] == (
        f"Built, {len(SOURCE_BODY)} bytes"
    )


def test_the_handler_gets_aws_event(
    approvals: Approvals, create_pipeline: CreatePipeline, answer: Callable[..., None]
) -> None:
    seen: list[Event] = []

    def handler(event: Event, context: Any) -> None:
        seen.append(event)
        answer(event)

    approvals.register_lambda("build-fn", handler)
    create_pipeline(stages=[source_stage(), invoke_stage(UserParameters="x")])

    (event,) = seen
    job = event["CodePipeline.job"]
    assert set(job) == {"id", "accountId", "data"}
    assert job["accountId"] == approvals.account_id
    assert set(job["data"]) == {
        "actionConfiguration",
        "inputArtifacts",
        "outputArtifacts",
        "artifactCredentials",
    }
    assert job["data"]["actionConfiguration"] == {
        "configuration": {"FunctionName": "build-fn", "UserParameters": "x"}
    }
    assert job["data"]["outputArtifacts"][0]["revision"] is None


def test_the_handler_gets_a_lambda_context(
    approvals: Approvals, create_pipeline: CreatePipeline, answer: Callable[..., None]
) -> None:
    seen: list[Any] = []

    def handler(event: Event, context: Any) -> None:
        seen.append(context)
        answer(event)

    approvals.register_lambda("build-fn", handler, timeout_seconds=60)
    create_pipeline(stages=[source_stage(), invoke_stage()])

    (context,) = seen
    assert context.function_name == "build-fn"
    assert context.invoked_function_arn == (
        f"arn:aws:lambda:us-east-1:{approvals.account_id}:function:build-fn"
    )
    assert context.aws_request_id
    assert context.memory_limit_in_mb == 128
    assert context.log_group_name == "/aws/lambda/build-fn"
    assert 0 < context.get_remaining_time_in_millis() <= 60_000


def test_a_handler_registered_by_name_answers_an_action_naming_its_arn(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    answer: Callable[..., None],
    codepipeline: Client,
) -> None:
    approvals.register_lambda("build-fn", lambda event, context: answer(event))
    arn = f"arn:aws:lambda:us-east-1:{approvals.account_id}:function:build-fn:live"

    create_pipeline(stages=[source_stage(), invoke_stage(arn)])

    assert _run_status(codepipeline) == "Succeeded"


def test_a_handler_that_raises_fails_the_action_with_its_message(
    approvals: Approvals, create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    def handler(event: Event, context: Any) -> None:
        raise RuntimeError("Cannot reach the database")

    approvals.register_lambda("build-fn", handler)
    create_pipeline(stages=[source_stage(), invoke_stage()])

    run = action_execution(codepipeline, "Invoke", "Run")
    assert run["status"] == "Failed"
    assert run["output"]["executionResult"]["errorDetails"]["message"] == (
        "Cannot reach the database"
    )
    assert execution_status(codepipeline, newest_execution_id(codepipeline)) == "Failed"


def test_a_handler_reporting_failure_fails_the_action(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    client_factory: Callable[..., Client],
) -> None:
    def handler(event: Event, context: Any) -> None:
        client_factory("codepipeline").put_job_failure_result(
            jobId=event["CodePipeline.job"]["id"],
            failureDetails={"type": "JobFailed", "message": "Tests failed"},
        )

    approvals.register_lambda("build-fn", handler)
    create_pipeline(stages=[source_stage(), invoke_stage()])

    run = action_execution(codepipeline, "Invoke", "Run")
    assert run["output"]["executionResult"]["errorDetails"]["message"] == "Tests failed"


def test_a_continuation_token_invokes_the_handler_again_with_it(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    answer: Callable[..., None],
) -> None:
    tokens: list[str | None] = []

    def handler(event: Event, context: Any) -> None:
        token = event["CodePipeline.job"]["data"].get("continuationToken")
        tokens.append(token)
        if token is None:
            answer(event, continuationToken="waiting-for-deploy")
        else:
            answer(event, executionDetails={"summary": "Deployed"})

    approvals.register_lambda("build-fn", handler)
    create_pipeline(stages=[source_stage(), invoke_stage()])

    run = action_execution(codepipeline, "Invoke", "Run")
    assert tokens == [None, "waiting-for-deploy"]
    assert run["status"] == "Succeeded"
    assert run["output"]["executionResult"]["externalExecutionSummary"] == "Deployed"


def test_a_handler_that_never_answers_times_out_after_20_minutes(
    approvals: Approvals, create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    approvals.register_lambda("build-fn", lambda event, context: None)
    with freeze_time(START) as clock:
        create_pipeline(stages=[source_stage(), invoke_stage()])
        clock.tick(datetime.timedelta(minutes=19))
        assert _run_status(codepipeline) == "InProgress"

        clock.tick(datetime.timedelta(minutes=1))

        assert _run_status(codepipeline) == "Failed"


def test_an_invoke_action_without_a_handler_succeeds_at_once(
    approvals: Approvals, create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline(stages=[source_stage(), invoke_stage()])

    assert _run_status(codepipeline) == "Succeeded"
    assert approvals.pending_jobs("release") == []


# -- held Invoke actions ---------------------------------------------------------------------


@pytest.fixture
def held(approvals: Approvals, create_pipeline: CreatePipeline, codepipeline: Client) -> None:
    """A pipeline whose Invoke action is held: its second execution waits at it."""
    create_pipeline(stages=[source_stage(), invoke_stage(UserParameters="p")])
    approvals.hold_action("release", "Invoke", "Run")
    codepipeline.start_pipeline_execution(name="release")


def test_a_held_invoke_action_waits_as_a_pending_job_with_its_event(
    held: None, approvals: Approvals, codepipeline: Client
) -> None:
    (job,) = approvals.pending_jobs("release")

    assert (job.stage_name, job.action_name) == ("Invoke", "Run")
    assert job.pipeline_execution_id == newest_execution_id(codepipeline)
    assert job.event["CodePipeline.job"]["id"] == job.job_id
    configuration = job.event["CodePipeline.job"]["data"]["actionConfiguration"]["configuration"]
    assert configuration["UserParameters"] == "p"
    assert stage_state(codepipeline, "Invoke")["latestExecution"]["status"] == "InProgress"


def test_a_test_answers_a_held_invoke_by_calling_its_handler_with_the_event(
    held: None, approvals: Approvals, codepipeline: Client, answer: Callable[..., None]
) -> None:
    def handler(event: Event, context: Any) -> None:
        answer(event, outputVariables={"done": "yes"})

    (job,) = approvals.pending_jobs("release")
    handler(job.event, None)

    run = action_execution(codepipeline, "Invoke", "Run")
    assert run["status"] == "Succeeded"
    assert run["output"]["outputVariables"] == {"done": "yes"}
    assert approvals.pending_jobs("release") == []


def test_complete_action_answers_a_held_invoke(
    held: None, approvals: Approvals, codepipeline: Client
) -> None:
    assert approvals.complete_action("release", "Invoke", "Run", succeeded=False) == 1

    assert _run_status(codepipeline) == "Failed"


def test_a_job_of_an_execution_the_history_cap_dropped_is_not_found() -> None:
    job_ids: list[str] = []

    def handler(event: Event, context: Any) -> None:
        job_ids.append(event["CodePipeline.job"]["id"])
        boto3.client("codepipeline", region_name="us-east-1").put_job_success_result(
            jobId=job_ids[-1]
        )

    with mock_approvals(history_limit=1) as approvals:
        approvals.register_lambda("build-fn", handler)
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(
            RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
        )
        codepipeline = boto3.client("codepipeline", region_name="us-east-1")
        stages = [source_stage(), invoke_stage()]
        codepipeline.create_pipeline(pipeline=declaration(role["Role"]["Arn"], stages=stages))
        for _ in range(2):
            codepipeline.start_pipeline_execution(name="release")

        with pytest.raises(ClientError) as err:
            codepipeline.get_job_details(jobId=job_ids[0])
        assert err.value.response["Error"]["Code"] == "JobNotFoundException"
        codepipeline.get_job_details(jobId=job_ids[-1])  # the kept execution's job remains


def test_a_function_name_given_by_a_variable_finds_the_handler_of_the_name_it_resolves_to(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    answer: Callable[..., None],
) -> None:
    called: list[str] = []

    def handler(event: Event, context: Any) -> None:
        called.append(context.function_name)
        answer(event)

    approvals.register_lambda("deploy-prod", handler)
    create_pipeline(
        stages=[source_stage(), invoke_stage("deploy-#{variables.Env}")],
        pipelineType="V2",
        variables=[{"name": "Env", "defaultValue": "prod"}],
    )

    run = action_execution(codepipeline, "Invoke", "Run")
    assert called == ["deploy-prod"]
    assert run["status"] == "Succeeded"
    assert run["input"]["resolvedConfiguration"]["FunctionName"] == "deploy-prod"


def test_a_handler_that_always_continues_fails_the_action_after_100_continuations(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    answer: Callable[..., None],
) -> None:
    calls: list[str | None] = []

    def handler(event: Event, context: Any) -> None:
        calls.append(event["CodePipeline.job"]["data"].get("continuationToken"))
        answer(event, continuationToken=f"round-{len(calls)}")

    approvals.register_lambda("build-fn", handler)
    create_pipeline(stages=[source_stage(), invoke_stage()])

    run = action_execution(codepipeline, "Invoke", "Run")
    assert len(calls) == 101  # the first invocation and 100 continuations
    assert run["status"] == "Failed"
    assert run["output"]["executionResult"]["errorDetails"]["message"] == (
        "The function continued the job 100 times without finishing it."
    )


def test_a_handler_may_finish_on_its_100th_continuation(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    answer: Callable[..., None],
) -> None:
    calls: list[Event] = []

    def handler(event: Event, context: Any) -> None:
        calls.append(event)
        answer(event, **({"continuationToken": "again"} if len(calls) <= 100 else {}))

    approvals.register_lambda("build-fn", handler)
    create_pipeline(stages=[source_stage(), invoke_stage()])

    assert len(calls) == 101
    assert _run_status(codepipeline) == "Succeeded"
