"""ListActionExecutions: what an approval's entry says, filtering and paging."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pipelines import (
    APPROVE,
    MANUAL,
    REJECT,
    SOURCE,
    Client,
    Declaration,
    action_state,
    approval_stage,
    approval_token,
    caller_arn,
    deploy_stage,
    source_stage,
)

CONFIGURATION = {
    "CustomData": "Release 1.4: check the changelog",
    "ExternalEntityLink": "https://example.com/changes/1.4",
}


def details(codepipeline: Client, **kwargs: Any) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = codepipeline.list_action_executions(
        pipelineName="release", **kwargs
    )["actionExecutionDetails"]
    return listed


def approval_entry(codepipeline: Client, **kwargs: Any) -> dict[str, Any]:
    return next(d for d in details(codepipeline, **kwargs) if d["actionName"] == "ManualApproval")


def execution_ids(codepipeline: Client) -> list[str]:
    """Execution ids, newest first."""
    listed = codepipeline.list_pipeline_executions(pipelineName="release")
    return [s["pipelineExecutionId"] for s in listed["pipelineExecutionSummaries"]]


def answer(codepipeline: Client, result: dict[str, str]) -> None:
    codepipeline.put_approval_result(
        pipelineName="release",
        stageName="Approve",
        actionName="ManualApproval",
        result=result,
        token=approval_token(codepipeline),
    )


@pytest.fixture
def configured(codepipeline: Client, create_pipeline: Callable[..., Declaration]) -> Declaration:
    """The default pipeline, its approval configured with custom data and a link."""
    return create_pipeline(
        stages=[source_stage(), approval_stage(configuration=CONFIGURATION), deploy_stage()]
    )


# -- the approval's entry ----------------------------------------------------------------


def test_an_approval_entry_describes_the_manual_approval_action(
    codepipeline: Client, configured: Declaration
) -> None:
    entry = approval_entry(codepipeline)

    assert entry["input"]["actionTypeId"] == MANUAL
    assert entry["input"]["configuration"] == CONFIGURATION
    assert entry["input"]["region"] == "us-east-1"


def test_a_pending_approval_entry_carries_the_token_as_external_execution_id(
    codepipeline: Client, configured: Declaration
) -> None:
    entry = approval_entry(codepipeline)

    assert entry["status"] == "InProgress"
    assert entry["output"]["executionResult"]["externalExecutionId"] == approval_token(codepipeline)
    assert "externalExecutionSummary" not in entry["output"]["executionResult"]
    assert "updatedBy" not in entry


def test_an_approval_entry_names_its_execution_stage_and_action(
    codepipeline: Client, configured: Declaration
) -> None:
    entry = approval_entry(codepipeline)
    latest = action_state(codepipeline, "Approve", "ManualApproval")["latestExecution"]

    assert entry["pipelineExecutionId"] == execution_ids(codepipeline)[0]
    assert entry["actionExecutionId"] == latest["actionExecutionId"]
    assert (entry["stageName"], entry["actionName"]) == ("Approve", "ManualApproval")
    assert entry["pipelineVersion"] == 1
    assert entry["startTime"] <= entry["lastUpdateTime"]


@pytest.mark.parametrize(
    ("result", "status"),
    [
        pytest.param(APPROVE, "Succeeded", id="approved"),
        pytest.param(REJECT, "Failed", id="rejected"),
    ],
)
def test_an_answered_approval_entry_records_the_summary_and_who_answered(
    codepipeline: Client,
    configured: Declaration,
    client_factory: Callable[..., Client],
    result: dict[str, str],
    status: str,
) -> None:
    token = approval_token(codepipeline)

    answer(codepipeline, result)

    entry = approval_entry(codepipeline)
    assert entry["status"] == status
    assert entry["updatedBy"] == caller_arn(client_factory("sts"))
    assert entry["output"]["executionResult"]["externalExecutionSummary"] == result["summary"]
    assert entry["output"]["executionResult"]["externalExecutionId"] == token


def test_a_non_approval_entry_has_no_execution_result(
    codepipeline: Client, configured: Declaration
) -> None:
    fetch = next(d for d in details(codepipeline) if d["actionName"] == "Fetch")

    assert fetch["status"] == "Succeeded"
    assert fetch["input"]["actionTypeId"] == SOURCE
    assert "executionResult" not in fetch["output"]


# -- order, filter and pages -------------------------------------------------------------


def test_entries_are_listed_newest_first(codepipeline: Client, configured: Declaration) -> None:
    answer(codepipeline, APPROVE)

    assert [d["actionName"] for d in details(codepipeline)] == ["Ship", "ManualApproval", "Fetch"]


def test_a_filter_lists_only_one_executions_entries(
    codepipeline: Client, configured: Declaration
) -> None:
    answer(codepipeline, APPROVE)
    codepipeline.start_pipeline_execution(name="release")
    second, first = execution_ids(codepipeline)

    firsts = details(codepipeline, filter={"pipelineExecutionId": first})
    seconds = details(codepipeline, filter={"pipelineExecutionId": second})

    assert [d["actionName"] for d in firsts] == ["Ship", "ManualApproval", "Fetch"]
    assert {d["pipelineExecutionId"] for d in firsts} == {first}
    assert [d["actionName"] for d in seconds] == ["ManualApproval", "Fetch"]
    assert {d["pipelineExecutionId"] for d in seconds} == {second}


def test_without_a_filter_every_execution_is_listed(
    codepipeline: Client, configured: Declaration
) -> None:
    answer(codepipeline, APPROVE)
    codepipeline.start_pipeline_execution(name="release")

    assert len(details(codepipeline)) == 5


def test_a_filter_on_an_unknown_execution_is_not_found(
    codepipeline: Client, configured: Declaration
) -> None:
    unknown = str(uuid.uuid4())

    with pytest.raises(ClientError) as err:
        details(codepipeline, filter={"pipelineExecutionId": unknown})

    assert err.value.response["Error"]["Code"] == "PipelineExecutionNotFoundException"
    assert err.value.response["Error"]["Message"] == (
        f"Pipeline execution ID {unknown} does not belong to the pipeline release."
    )


def test_pages_walk_every_entry_exactly_once(codepipeline: Client, configured: Declaration) -> None:
    answer(codepipeline, APPROVE)
    codepipeline.start_pipeline_execution(name="release")
    everything = [d["actionExecutionId"] for d in details(codepipeline)]

    walked: list[str] = []
    kwargs: dict[str, Any] = {"pipelineName": "release", "maxResults": 2}
    while True:
        page = codepipeline.list_action_executions(**kwargs)
        assert len(page["actionExecutionDetails"]) <= 2
        walked += [d["actionExecutionId"] for d in page["actionExecutionDetails"]]
        if "nextToken" not in page:
            break
        kwargs["nextToken"] = page["nextToken"]

    assert walked == everything
    assert len(walked) == 5


def test_a_made_up_next_token_is_refused(codepipeline: Client, configured: Declaration) -> None:
    with pytest.raises(ClientError) as err:
        details(codepipeline, nextToken="not-a-token")

    assert err.value.response["Error"]["Code"] == "InvalidNextTokenException"
    assert err.value.response["Error"]["Message"] == (
        "The next token was specified in an invalid format. Make sure that the next token you "
        "provide is the token returned by a previous call."
    )


def test_more_than_a_hundred_results_per_page_is_refused(
    codepipeline: Client, configured: Declaration
) -> None:
    with pytest.raises(ClientError) as err:
        details(codepipeline, maxResults=101)

    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '101' at 'maxResults' failed to satisfy "
        "constraint: Member must have value less than or equal to 100"
    )


def test_the_action_executions_of_an_unknown_pipeline_are_not_found(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.list_action_executions(pipelineName="nope")

    assert err.value.response["Error"]["Code"] == "PipelineNotFoundException"
    assert err.value.response["Error"]["Message"] == (
        "Account '123456789012' does not have a pipeline with name 'nope'"
    )
