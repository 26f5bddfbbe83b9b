"""The control API and the Approvals handle over HTTP, against running_server."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from pipelines import (
    LAMBDA_RULE,
    REGION,
    Client,
    approval_stage,
    build_stage,
    execution_status,
    newest_execution_id,
    own_server,
    reset_server,
    server_pipeline,
    source_stage,
    stage_state,
)
from test_git_triggers import connection_stage

from moto_approvals import Approvals, PipelineNotFoundError, StageNotFoundError

ACCOUNT = "123456789012"
API = f"/approvals/api/{ACCOUNT}/{REGION}"
RELEASE = f"{API}/pipelines/release"
CONSOLE_ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/moto-approvals/console"
NO_EXECUTION = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with own_server() as endpoint:
        yield endpoint


def _reset_with_pipeline(url: str, **extra: Any) -> Client:
    """A fresh server state holding one pipeline "release"; its first execution started."""
    reset_server(url)
    return server_pipeline(url, **extra)


@pytest.fixture
def codepipeline(url: str) -> Client:
    return _reset_with_pipeline(url)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url) as reply:
        return json.loads(reply.read())


def call(url: str, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Any:
    """The status, headers and decoded JSON reply of a control API request."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, reply.headers, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, json.loads(error.read())


def answer(url: str, status: str, summary: str) -> Any:
    """Answer the pending approval of "release" through the control API."""
    token = Approvals(endpoint_url=url).pending_approvals("release")[0].token
    body = {
        "stageName": "Approve",
        "actionName": "ManualApproval",
        "token": token,
        "result": {"status": status, "summary": summary},
    }
    return call(url, "POST", f"{RELEASE}/approvals", body)


def test_the_handle_over_http_lists_the_pending_approval(url: str, codepipeline: Client) -> None:
    pending = Approvals(endpoint_url=url).pending_approvals("release")

    assert [(p.stage_name, p.action_name) for p in pending] == [("Approve", "ManualApproval")]


def test_the_handle_over_http_raises_the_in_process_error(url: str, codepipeline: Client) -> None:
    with pytest.raises(PipelineNotFoundError, match="No pipeline named 'missing' in account"):
        Approvals(endpoint_url=url).pending_approvals("missing")


def test_an_approval_through_the_api_lets_the_execution_succeed(
    url: str, codepipeline: Client
) -> None:
    assert answer(url, "Approved", "ship it")[0] == 200

    executions = codepipeline.list_pipeline_executions(pipelineName="release")
    assert executions["pipelineExecutionSummaries"][0]["status"] == "Succeeded"


def test_data_json_shows_the_executions(url: str, codepipeline: Client) -> None:
    data = _get(f"{url}/moto-api/data.json")["codepipeline"]

    assert [e["status"] for e in data["PipelineExecution"]] == ["InProgress"]
    assert len(data["CodePipeline"][0]["executions"]) == 1


def test_the_console_page_is_served(url: str) -> None:
    with urllib.request.urlopen(f"{url}/approvals/") as reply:
        assert b'<script src="console.js"' in reply.read()


def test_an_answer_from_the_console_is_made_by_the_console_role(
    url: str, codepipeline: Client
) -> None:
    answer(url, "Rejected", "not today")

    state = codepipeline.get_pipeline_state(name="release")
    latest = state["stageStates"][1]["actionStates"][0]["latestExecution"]
    assert latest["lastUpdatedBy"] == CONSOLE_ROLE


# -- errors: always a JSON body {"__type", "message"} -----------------------------------------

_GOOD_APPROVAL = {
    "stageName": "Approve",
    "actionName": "ManualApproval",
    "token": NO_EXECUTION,
    "result": {"status": "Approved", "summary": ""},
}


@pytest.mark.parametrize(
    ("method", "path", "body", "error_type", "message"),
    [
        (
            "GET",
            f"/approvals/api/12345/{REGION}/pipelines",
            None,
            "AccountNotFoundError",
            "'12345' is not an AWS account ID: expected 12 digits.",
        ),
        (
            "GET",
            f"/approvals/api/{ACCOUNT}/mars-1/pipelines",
            None,
            "RegionNotFoundError",
            "'mars-1' is not a region moto knows for CodePipeline.",
        ),
        (
            "GET",
            f"{API}/pipelines/missing",
            None,
            "PipelineNotFoundException",
            "Account '123456789012' does not have a pipeline with name 'missing'",
        ),
        (
            "GET",
            f"{API}/pipelines/missing/approvals",
            None,
            "PipelineNotFoundError",
            f"No pipeline named 'missing' in account {ACCOUNT}, region {REGION}.",
        ),
        (
            "POST",
            f"{RELEASE}/stages/Missing/transition",
            {"transitionType": "Inbound"},
            "StageNotFoundException",
            "The stage was specified in an invalid format or cannot be found.",
        ),
        (
            "POST",
            f"{RELEASE}/approvals",
            {**_GOOD_APPROVAL, "actionName": "Missing"},
            "ActionNotFoundException",
            "The specified action cannot be found.",
        ),
        (
            "PUT",
            f"{RELEASE}/stages/Deploy/actions/Missing/behaviour",
            {"behaviour": "fail"},
            "ActionNotFoundError",
            f"Stage 'Deploy' of pipeline 'release' in account {ACCOUNT}, region {REGION} has "
            "no action named 'Missing'.",
        ),
        (
            "POST",
            f"{RELEASE}/executions/{NO_EXECUTION}/stop",
            {},
            "PipelineExecutionNotFoundException",
            f"Pipeline execution ID {NO_EXECUTION} does not belong to the pipeline release.",
        ),
        (
            "GET",
            f"{RELEASE}/nothing-here",
            None,
            "NotFound",
            None,
        ),
    ],
    ids=[
        "account",
        "region",
        "pipeline",
        "pipeline-of-the-handle",
        "stage",
        "action",
        "action-of-the-handle",
        "execution",
        "route",
    ],
)
def test_what_the_path_names_and_does_not_exist_is_a_404(
    url: str,
    codepipeline: Client,
    method: str,
    path: str,
    body: Any,
    error_type: str,
    message: str | None,
) -> None:
    status, headers, reply = call(url, method, path, body)

    assert status == 404
    assert headers["Content-Type"] == "application/json"
    assert reply["__type"] == error_type
    if message is not None:
        assert reply["message"] == message


def test_a_method_the_route_does_not_take_is_a_405(url: str, codepipeline: Client) -> None:
    status, headers, reply = call(url, "DELETE", f"{RELEASE}/approvals")

    assert status == 405
    assert headers["Allow"] == "GET, HEAD, POST"
    assert reply == {"__type": "MethodNotAllowed", "message": "DELETE is not allowed here."}


@pytest.mark.parametrize(
    ("method", "path", "raw", "error_type", "message"),
    [
        ("POST", "approvals", b"{not json", "ValueError", "The request body is not valid JSON."),
        ("POST", "approvals", b"[1]", "ValueError", "The request body must be a JSON object."),
        (
            "POST",
            "approvals",
            json.dumps({**_GOOD_APPROVAL, "stageName": 5}).encode(),
            "SerializationException",
            "Unexpected value type at 'stageName': expected string, got number",
        ),
        (
            "POST",
            "approvals",
            json.dumps({**_GOOD_APPROVAL, "result": {"status": "Maybe", "summary": ""}}).encode(),
            "ValidationException",
            None,
        ),
        (
            "POST",
            "stages/Deploy/transition",
            b'{"transitionType": "Inbound", "enabled": "no"}',
            "ValidationException",
            "enabled must be true or false.",
        ),
        (
            "POST",
            f"executions/{NO_EXECUTION}/stop",
            b'{"abandon": "yes"}',
            "SerializationException",
            "Unexpected value type at 'abandon': expected boolean, got string",
        ),
        (
            "POST",
            "stages/Deploy/actions/Ship/complete",
            b'{"succeeded": "yes"}',
            "ValueError",
            "succeeded must be true or false.",
        ),
        (
            "PUT",
            "stages/Deploy/actions/Ship/behaviour",
            b'{"behaviour": 5}',
            "ValueError",
            "behaviour must be one of succeed, fail, hold, got 5.",
        ),
        (
            "PUT",
            "stages/Deploy/rules/Check/result",
            b'{"result": ["FAILED"]}',
            "ValueError",
            "result must be a string.",
        ),
        (
            "POST",
            "git/push",
            b'{"branch": "main", "tags": "v1"}',
            "ValueError",
            "tags must be a list of strings.",
        ),
        (
            "POST",
            "git/pull-request",
            b'{"sourceBranch": 5, "destinationBranch": "main"}',
            "ValueError",
            "sourceBranch must be a string.",
        ),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "wrong-type",
        "not-in-enum",
        "enabled-not-boolean",
        "abandon-not-boolean",
        "succeeded-not-boolean",
        "unknown-behaviour",
        "result-not-a-string",
        "tags-not-a-list",
        "branch-not-a-string",
    ],
)
def test_a_bad_body_is_a_400(
    url: str,
    codepipeline: Client,
    method: str,
    path: str,
    raw: bytes,
    error_type: str,
    message: str | None,
) -> None:
    status, headers, reply = call(url, method, f"{RELEASE}/{path}", raw=raw)

    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert reply["__type"] == error_type
    if message is not None:
        assert reply["message"] == message


# -- stop, retry and transitions over the API -------------------------------------------------


def test_stopping_through_the_api_stops_the_execution(url: str, codepipeline: Client) -> None:
    execution_id = newest_execution_id(codepipeline)

    status, _, reply = call(
        url,
        "POST",
        f"{RELEASE}/executions/{execution_id}/stop",
        {"abandon": True, "reason": "wrong branch"},
    )

    assert (status, reply) == (200, {"pipelineExecutionId": execution_id})
    assert execution_status(codepipeline, execution_id) == "Stopped"
    summary = codepipeline.list_pipeline_executions(pipelineName="release")[
        "pipelineExecutionSummaries"
    ][0]
    assert summary["stopTrigger"] == {"reason": "wrong branch"}


def test_retrying_through_the_api_runs_the_failed_stage_again(
    url: str, codepipeline: Client
) -> None:
    execution_id = newest_execution_id(codepipeline)
    answer(url, "Rejected", "not yet")

    status, _, reply = call(
        url,
        "POST",
        f"{RELEASE}/stages/Approve/retry",
        {"pipelineExecutionId": execution_id, "retryMode": "FAILED_ACTIONS"},
    )

    assert (status, reply) == (200, {"pipelineExecutionId": execution_id})
    assert execution_status(codepipeline, execution_id) == "InProgress"
    assert len(Approvals(endpoint_url=url).pending_approvals("release")) == 1


def test_disabling_a_transition_through_the_api_records_the_reason_and_the_console(
    url: str, codepipeline: Client
) -> None:
    status, _, reply = call(
        url,
        "POST",
        f"{RELEASE}/stages/Deploy/transition",
        {"transitionType": "Inbound", "enabled": False, "reason": "Freeze"},
    )

    assert (status, reply) == (200, {})
    inbound = stage_state(codepipeline, "Deploy")["inboundTransitionState"]
    assert (inbound["enabled"], inbound["disabledReason"]) == (False, "Freeze")
    assert inbound["lastChangedBy"] == CONSOLE_ROLE


def test_enabling_a_transition_through_the_api_lets_executions_in(
    url: str, codepipeline: Client
) -> None:
    codepipeline.disable_stage_transition(
        pipelineName="release", stageName="Deploy", transitionType="Inbound", reason="Freeze"
    )

    status, _, _ = call(
        url, "POST", f"{RELEASE}/stages/Deploy/transition", {"transitionType": "Inbound"}
    )

    assert status == 200
    assert stage_state(codepipeline, "Deploy")["inboundTransitionState"]["enabled"] is True


# -- the handle's steering over HTTP ----------------------------------------------------------


def test_a_held_action_completes_through_the_handle_over_http(url: str) -> None:
    codepipeline = _reset_with_pipeline(url, stages=[source_stage(), build_stage()])
    handle = Approvals(endpoint_url=url)
    handle.hold_action("release", "Build", "Compile")
    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    assert handle.complete_action("release", "Build", "Compile", summary="built") == 1
    assert execution_status(codepipeline, execution_id) == "Succeeded"


def _rule_gated_pipeline(url: str) -> Client:
    rule = {"name": "Check", "ruleTypeId": LAMBDA_RULE, "configuration": {"FunctionName": "f"}}
    build = build_stage()
    build["beforeEntry"] = {"conditions": [{"result": "SKIP", "rules": [rule]}]}
    return _reset_with_pipeline(url, stages=[source_stage(), build], pipelineType="V2")


def test_a_rule_result_set_over_http_decides_the_next_execution(url: str) -> None:
    codepipeline = _rule_gated_pipeline(url)

    Approvals(endpoint_url=url).set_rule_result("release", "Build", "Check", "FAILED")
    codepipeline.start_pipeline_execution(name="release")

    assert stage_state(codepipeline, "Build")["latestExecution"]["status"] == "Skipped"


def test_a_rule_result_over_http_for_an_unknown_rule_raises_value_error(url: str) -> None:
    _rule_gated_pipeline(url)

    with pytest.raises(ValueError, match="has no rule Missing; its rules are: Check"):
        Approvals(endpoint_url=url).set_rule_result("release", "Build", "Missing", "FAILED")


def test_a_rule_result_over_http_for_an_unknown_stage_raises_stage_not_found(url: str) -> None:
    _rule_gated_pipeline(url)

    with pytest.raises(StageNotFoundError, match="has no stage named 'Missing'"):
        Approvals(endpoint_url=url).set_rule_result("release", "Missing", "Check", "FAILED")


def test_the_handle_over_http_on_an_unknown_region_raises_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="'mars-1' is not a region moto knows for CodePipeline"):
        Approvals(endpoint_url=url, region_name="mars-1").pending_approvals("release")


def test_a_push_through_the_handle_over_http_starts_an_execution(url: str) -> None:
    codepipeline = _reset_with_pipeline(url, stages=[connection_stage(), approval_stage()])

    started = Approvals(endpoint_url=url).push("release", branch="main", commit_id="a" * 40)

    assert started == newest_execution_id(codepipeline)
    assert execution_status(codepipeline, started) == "InProgress"


def test_a_pull_request_no_trigger_takes_starts_nothing_over_http(url: str) -> None:
    _reset_with_pipeline(url, stages=[connection_stage(), approval_stage()])

    started = Approvals(endpoint_url=url).pull_request(
        "release", source_branch="feature/x", destination_branch="main"
    )

    assert started is None
