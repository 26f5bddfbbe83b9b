"""Pipeline executions: starting, reading and listing them, and CreatePipeline's checks."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pipelines import (
    APPROVE,
    REJECT,
    Client,
    Declaration,
    approval_stage,
    approval_token,
    caller_arn,
    declaration,
    deploy_stage,
    source_stage,
)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NOT_FOUND = "Account '123456789012' does not have a pipeline with name 'nope'"
INVALID_NEXT_TOKEN = (
    "The next token was specified in an invalid format. Make sure that the next token you "
    "provide is the token returned by a previous call."
)
ENV = [{"name": "Env", "defaultValue": "dev"}]


@pytest.fixture
def unchecked(codepipeline: Client, client_factory: Callable[..., Client]) -> Client:
    """A client that sends what boto3 would refuse (botocore checks numeric minimums)."""
    return client_factory("codepipeline", config=Config(parameter_validation=False))


def error_of(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = err.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def summaries(codepipeline: Client, pipeline: str = "release") -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = codepipeline.list_pipeline_executions(pipelineName=pipeline)[
        "pipelineExecutionSummaries"
    ]
    return listed


def execution(codepipeline: Client, execution_id: str, pipeline: str = "release") -> Any:
    return codepipeline.get_pipeline_execution(
        pipelineName=pipeline, pipelineExecutionId=execution_id
    )["pipelineExecution"]


def answer(codepipeline: Client, result: dict[str, str]) -> None:
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=result,
        token=approval_token(codepipeline),
    )


def start_several(codepipeline: Client, count: int) -> list[str]:
    """Start ``count`` executions; returns their ids, oldest first."""
    return [
        str(codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"])
        for _ in range(count)
    ]


# -- starting ----------------------------------------------------------------------------


def test_creating_a_pipeline_starts_one_execution(
    codepipeline: Client,
    create_pipeline: Callable[..., Declaration],
    client_factory: Callable[..., Client],
) -> None:
    create_pipeline()

    [summary] = summaries(codepipeline)

    assert UUID.fullmatch(summary["pipelineExecutionId"])
    assert summary["trigger"] == {
        "triggerType": "CreatePipeline",
        "triggerDetail": caller_arn(client_factory("sts")),
    }


def test_starting_an_execution_returns_a_new_id(
    codepipeline: Client,
    create_pipeline: Callable[..., Declaration],
    client_factory: Callable[..., Client],
) -> None:
    create_pipeline()
    [first] = summaries(codepipeline)

    started = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    assert UUID.fullmatch(started)
    assert started != first["pipelineExecutionId"]
    assert execution(codepipeline, started)["trigger"] == {
        "triggerType": "StartPipelineExecution",
        "triggerDetail": caller_arn(client_factory("sts")),
    }


def test_a_repeated_client_request_token_starts_nothing_new(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    first = codepipeline.start_pipeline_execution(name="release", clientRequestToken="deploy-42")
    again = codepipeline.start_pipeline_execution(name="release", clientRequestToken="deploy-42")

    assert again["pipelineExecutionId"] == first["pipelineExecutionId"]
    assert len(summaries(codepipeline)) == 2  # CreatePipeline's and this one


def test_a_repeated_uuid_client_request_token_starts_nothing_new(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()
    token = "9b2f4c1e-8d3a-4f6b-a1c2-3d4e5f607182"  # as SDKs generate them

    first = codepipeline.start_pipeline_execution(name="release", clientRequestToken=token)
    again = codepipeline.start_pipeline_execution(name="release", clientRequestToken=token)

    assert again["pipelineExecutionId"] == first["pipelineExecutionId"]


def test_a_token_differing_only_in_letter_case_is_another_token(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()
    token = "9b2f4c1e-8d3a-4f6b-a1c2-3d4e5f607182"

    lower = codepipeline.start_pipeline_execution(name="release", clientRequestToken=token)
    upper = codepipeline.start_pipeline_execution(name="release", clientRequestToken=token.upper())

    assert lower["pipelineExecutionId"] != upper["pipelineExecutionId"]


def test_different_client_request_tokens_start_different_executions(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    first = codepipeline.start_pipeline_execution(name="release", clientRequestToken="a")
    second = codepipeline.start_pipeline_execution(name="release", clientRequestToken="b")

    assert first["pipelineExecutionId"] != second["pipelineExecutionId"]
    assert len(summaries(codepipeline)) == 3


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda c: c.start_pipeline_execution(name="nope"), id="start"),
        pytest.param(lambda c: c.list_pipeline_executions(pipelineName="nope"), id="list"),
        pytest.param(
            lambda c: c.get_pipeline_execution(
                pipelineName="nope", pipelineExecutionId=str(uuid.uuid4())
            ),
            id="get",
        ),
    ],
)
def test_executions_of_an_unknown_pipeline_are_not_found(
    codepipeline: Client, operation: Callable[[Client], Any]
) -> None:
    with pytest.raises(ClientError) as err:
        operation(codepipeline)

    assert error_of(err) == ("PipelineNotFoundException", NOT_FOUND)


# -- variables ---------------------------------------------------------------------------


def test_declared_variables_take_their_default_values(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(pipelineType="V2", variables=ENV)

    started = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    assert execution(codepipeline, started)["variables"] == [
        {"name": "Env", "resolvedValue": "dev"}
    ]


def test_a_variable_given_at_start_overrides_its_default(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(pipelineType="V2", variables=ENV)

    started = codepipeline.start_pipeline_execution(
        name="release", variables=[{"name": "Env", "value": "prod"}]
    )["pipelineExecutionId"]

    assert execution(codepipeline, started)["variables"] == [
        {"name": "Env", "resolvedValue": "prod"}
    ]


def test_the_creation_execution_resolves_defaults_too(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(pipelineType="V2", variables=ENV)
    [summary] = summaries(codepipeline)

    resolved = execution(codepipeline, summary["pipelineExecutionId"])["variables"]

    assert resolved == [{"name": "Env", "resolvedValue": "dev"}]


def test_an_undeclared_variable_is_refused(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(pipelineType="V2", variables=ENV)

    with pytest.raises(ClientError) as err:
        codepipeline.start_pipeline_execution(
            name="release", variables=[{"name": "Region", "value": "eu-west-1"}]
        )

    assert error_of(err) == (
        "ValidationException",
        "Variable(s) Region are not declared in pipeline release.",
    )
    assert len(summaries(codepipeline)) == 1


# -- reading one execution ---------------------------------------------------------------


def test_an_execution_waiting_at_an_approval_is_in_progress(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()
    [summary] = summaries(codepipeline)

    found = execution(codepipeline, summary["pipelineExecutionId"])

    assert found["pipelineName"] == "release"
    assert found["pipelineVersion"] == 1
    assert found["pipelineExecutionId"] == summary["pipelineExecutionId"]
    assert found["status"] == "InProgress"
    assert found["executionMode"] == "SUPERSEDED"
    assert found["trigger"]["triggerType"] == "CreatePipeline"


@pytest.mark.parametrize(
    ("result", "status"),
    [
        pytest.param(APPROVE, "Succeeded", id="approved"),
        pytest.param(REJECT, "Failed", id="rejected"),
    ],
)
def test_an_answered_execution_reports_how_it_ended(
    codepipeline: Client,
    create_pipeline: Callable[..., Declaration],
    result: dict[str, str],
    status: str,
) -> None:
    create_pipeline()
    [summary] = summaries(codepipeline)

    answer(codepipeline, result)

    assert execution(codepipeline, summary["pipelineExecutionId"])["status"] == status
    assert summaries(codepipeline)[0]["status"] == status


def test_a_pipeline_without_approvals_runs_to_completion(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(stages=[source_stage(), deploy_stage()])

    [summary] = summaries(codepipeline)

    assert summary["status"] == "Succeeded"


def test_an_unknown_execution_is_not_found(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()
    unknown = str(uuid.uuid4())

    with pytest.raises(ClientError) as err:
        execution(codepipeline, unknown)

    assert error_of(err) == (
        "PipelineExecutionNotFoundException",
        f"Pipeline execution ID {unknown} does not belong to the pipeline release.",
    )


def test_an_execution_id_that_is_not_a_uuid_is_invalid(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        execution(codepipeline, "latest")

    assert error_of(err) == (
        "ValidationException",
        "1 validation error detected: Value 'latest' at 'pipelineExecutionId' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    )


def test_an_execution_of_another_pipeline_is_not_found(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()
    create_pipeline("other")
    [other] = summaries(codepipeline, "other")

    with pytest.raises(ClientError) as err:
        execution(codepipeline, other["pipelineExecutionId"])

    assert error_of(err)[0] == "PipelineExecutionNotFoundException"


# -- listing -----------------------------------------------------------------------------


def test_executions_are_listed_newest_first(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(stages=[source_stage(), deploy_stage()])
    [created] = summaries(codepipeline)

    started = start_several(codepipeline, 3)

    listed = [s["pipelineExecutionId"] for s in summaries(codepipeline)]
    assert listed == [*reversed(started), created["pipelineExecutionId"]]


def test_pages_walk_every_execution_exactly_once(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(stages=[source_stage(), deploy_stage()])
    start_several(codepipeline, 4)
    everything = [s["pipelineExecutionId"] for s in summaries(codepipeline)]

    walked: list[str] = []
    pages = 0
    kwargs: dict[str, Any] = {"pipelineName": "release", "maxResults": 2}
    while True:
        page = codepipeline.list_pipeline_executions(**kwargs)
        pages += 1
        assert len(page["pipelineExecutionSummaries"]) <= 2
        walked += [s["pipelineExecutionId"] for s in page["pipelineExecutionSummaries"]]
        if "nextToken" not in page:
            break
        kwargs["nextToken"] = page["nextToken"]

    assert walked == everything
    assert pages == 3


def test_an_execution_started_between_pages_does_not_shift_the_walk(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline(stages=[source_stage(), deploy_stage()])
    start_several(codepipeline, 3)
    everything = [s["pipelineExecutionId"] for s in summaries(codepipeline)]
    first = codepipeline.list_pipeline_executions(pipelineName="release", maxResults=2)

    start_several(codepipeline, 1)
    rest = codepipeline.list_pipeline_executions(
        pipelineName="release", maxResults=10, nextToken=first["nextToken"]
    )

    walked = first["pipelineExecutionSummaries"] + rest["pipelineExecutionSummaries"]
    assert [s["pipelineExecutionId"] for s in walked] == everything


def test_a_made_up_next_token_is_refused(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.list_pipeline_executions(pipelineName="release", nextToken="not-a-token")

    assert error_of(err) == ("InvalidNextTokenException", INVALID_NEXT_TOKEN)


def test_listed_executions_carry_their_times_and_trigger(
    codepipeline: Client, create_pipeline: Callable[..., Declaration]
) -> None:
    create_pipeline()

    [summary] = summaries(codepipeline)

    assert summary["status"] == "InProgress"
    assert summary["startTime"] <= summary["lastUpdateTime"]
    assert summary["trigger"]["triggerType"] == "CreatePipeline"
    assert summary["executionMode"] == "SUPERSEDED"


# -- CreatePipeline keeps moto's checks and the model's ----------------------------------


def test_a_pipeline_with_one_stage_is_refused(codepipeline: Client, role_arn: str) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(pipeline=declaration(role_arn, stages=[approval_stage()]))

    assert error_of(err) == (
        "InvalidStructureException",
        "Pipeline has only 1 stage(s). There should be a minimum of 2 stages in a pipeline",
    )


def test_an_action_name_with_a_space_is_refused(codepipeline: Client, role_arn: str) -> None:
    pipeline = declaration(role_arn)
    pipeline["stages"][0]["actions"][0]["name"] = "Fetch it"

    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(pipeline=pipeline)

    assert error_of(err) == (
        "ValidationException",
        "1 validation error detected: Value 'Fetch it' at "
        "'pipeline.stages.1.member.actions.1.member.name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+",
    )


def test_an_approval_timeout_under_five_minutes_is_refused(
    unchecked: Client, role_arn: str
) -> None:
    stages = [source_stage(), approval_stage(timeoutInMinutes=4), deploy_stage()]

    with pytest.raises(ClientError) as err:
        unchecked.create_pipeline(pipeline=declaration(role_arn, stages=stages))

    assert error_of(err) == (
        "ValidationException",
        "1 validation error detected: Value '4' at "
        "'pipeline.stages.2.member.actions.1.member.timeoutInMinutes' failed to satisfy "
        "constraint: Member must have value greater than or equal to 5",
    )


def test_a_refused_pipeline_is_not_created(
    codepipeline: Client, unchecked: Client, role_arn: str
) -> None:
    stages = [source_stage(), approval_stage(timeoutInMinutes=4), deploy_stage()]
    with pytest.raises(ClientError):
        unchecked.create_pipeline(pipeline=declaration(role_arn, stages=stages))

    with pytest.raises(ClientError) as err:
        codepipeline.list_pipeline_executions(pipelineName="release")

    assert error_of(err)[0] == "PipelineNotFoundException"
