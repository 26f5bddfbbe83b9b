"""Tests for model-driven request and response validation against the real codepipeline model."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from moto_approvals.exceptions import SerializationException, ValidationException
from moto_approvals.validation import output_violations, service_model, validate_input

TOKEN = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
EXECUTION_ID = "11111111-2222-3333-4444-555555555555"
UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NAME_PATTERN = "[A-Za-z0-9.@\\-_]+"
ACTION = "pipeline.stages.1.member.actions.1.member"


def approval(**overrides: Any) -> dict[str, Any]:
    """A valid PutApprovalResult request, with top-level members replaced."""
    params: dict[str, Any] = {
        "pipelineName": "my-pipeline",
        "stageName": "Approve",
        "actionName": "Manual",
        "result": {"summary": "Looks good", "status": "Approved"},
        "token": TOKEN,
    }
    params.update(overrides)
    return params


def pipeline() -> dict[str, Any]:
    """A valid CreatePipeline request with one stage holding one manual approval action."""
    action = {
        "name": "Manual",
        "actionTypeId": {
            "category": "Approval",
            "owner": "AWS",
            "provider": "Manual",
            "version": "1",
        },
        "configuration": {"CustomData": "please approve"},
        "timeoutInMinutes": 60,
    }
    return {
        "pipeline": {
            "name": "my-pipeline",
            "roleArn": "arn:aws:iam::123456789012:role/pipeline",
            "artifactStore": {"type": "S3", "location": "my-bucket"},
            "stages": [{"name": "Approve", "actions": [action]}],
        }
    }


def with_action(**changes: Any) -> dict[str, Any]:
    """The CreatePipeline request with members of its first action replaced."""
    params = copy.deepcopy(pipeline())
    params["pipeline"]["stages"][0]["actions"][0].update(changes)
    return params


def validation_message(operation: str, params: dict[str, Any]) -> str:
    with pytest.raises(ValidationException) as err:
        validate_input(operation, params)
    return err.value.message


def test_service_model_is_cached() -> None:
    assert service_model() is service_model()


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        pytest.param("PutApprovalResult", approval(), id="put-approval-result"),
        pytest.param("CreatePipeline", pipeline(), id="create-pipeline"),
        pytest.param("ListPipelines", {}, id="no-members"),
    ],
)
def test_valid_request_passes(operation: str, params: dict[str, Any]) -> None:
    validate_input(operation, params)


def test_token_pattern_message() -> None:
    assert validation_message("PutApprovalResult", approval(token="abc")) == (
        "1 validation error detected: Value 'abc' at 'token' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {UUID_PATTERN}"
    )


def test_pattern_is_a_full_match() -> None:
    message = validation_message("PutApprovalResult", approval(token=TOKEN + "\n"))
    assert "at 'token' failed to satisfy constraint: Member must satisfy regular" in message


def test_status_enum_message() -> None:
    params = approval(result={"summary": "ok", "status": "approved"})
    assert validation_message("PutApprovalResult", params) == (
        "1 validation error detected: Value 'approved' at 'result.status' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Approved, Rejected]"
    )


def test_summary_too_long_message() -> None:
    summary = "x" * 513
    params = approval(result={"summary": summary, "status": "Approved"})
    assert validation_message("PutApprovalResult", params) == (
        f"1 validation error detected: Value '{summary}' at 'result.summary' failed to satisfy "
        "constraint: Member must have length less than or equal to 512"
    )


@pytest.mark.parametrize(
    "summary", [pytest.param("", id="empty"), pytest.param("x" * 512, id="at-max")]
)
def test_summary_within_bounds_is_valid(summary: str) -> None:
    validate_input("PutApprovalResult", approval(result={"summary": summary, "status": "Rejected"}))


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({k: v for k, v in approval().items() if k != "token"}, id="absent"),
        pytest.param(approval(token=None), id="explicit-null"),
    ],
)
def test_missing_required_member_message(params: dict[str, Any]) -> None:
    assert validation_message("PutApprovalResult", params) == (
        "1 validation error detected: "
        "Value null at 'token' failed to satisfy constraint: Member must not be null"
    )


def test_missing_nested_required_member() -> None:
    message = validation_message("PutApprovalResult", approval(result={"summary": "ok"}))
    assert message == (
        "1 validation error detected: "
        "Value null at 'result.status' failed to satisfy constraint: Member must not be null"
    )


def test_length_and_pattern_on_one_value_are_both_reported() -> None:
    name = "a/" + "b" * 99
    assert validation_message("PutApprovalResult", approval(pipelineName=name)) == (
        f"2 validation errors detected: Value '{name}' at 'pipelineName' failed to satisfy "
        "constraint: Member must have length less than or equal to 100; "
        f"Value '{name}' at 'pipelineName' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
    )


def test_violations_follow_member_declaration_order() -> None:
    params = approval(token="abc", actionName="", pipelineName="bad name")
    message = validation_message("PutApprovalResult", params)
    paths = [part.split("' at '")[1].split("'")[0] for part in message.split("; ")]
    assert message.startswith("4 validation errors detected: ")
    assert paths == ["pipelineName", "actionName", "actionName", "token"]


def test_nested_list_path() -> None:
    assert validation_message("CreatePipeline", with_action(name="Manual approval")) == (
        "1 validation error detected: Value 'Manual approval' at "
        f"'{ACTION}.name' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
    )


def test_timeout_below_minimum_message() -> None:
    assert validation_message("CreatePipeline", with_action(timeoutInMinutes=4)) == (
        f"1 validation error detected: Value '4' at '{ACTION}.timeoutInMinutes' failed to "
        "satisfy constraint: Member must have value greater than or equal to 5"
    )


@pytest.mark.parametrize(
    ("timeout", "valid"),
    [
        pytest.param(5, True, id="min"),
        pytest.param(86400, True, id="max"),
        pytest.param(86401, False, id="above-max"),
    ],
)
def test_timeout_range(timeout: int, valid: bool) -> None:
    params = with_action(timeoutInMinutes=timeout)
    if valid:
        validate_input("CreatePipeline", params)
    else:
        assert validation_message("CreatePipeline", params).endswith(
            "Member must have value less than or equal to 86400"
        )


def test_map_value_path_uses_the_key() -> None:
    assert validation_message("CreatePipeline", with_action(configuration={"CustomData": ""})) == (
        f"1 validation error detected: Value '' at '{ACTION}.configuration.CustomData' failed "
        "to satisfy constraint: Member must have length greater than or equal to 1"
    )


def test_map_key_is_checked_against_key_shape() -> None:
    key = "k" * 51
    message = validation_message("CreatePipeline", with_action(configuration={key: "v"}))
    assert message == (
        f"1 validation error detected: Value '{key}' at '{ACTION}.configuration.{key}' failed "
        "to satisfy constraint: Member must have length less than or equal to 50"
    )


def test_number_is_rendered_quoted() -> None:
    assert validation_message("ListPipelines", {"maxResults": 0}) == (
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1"
    )


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        pytest.param(
            "PutApprovalResult",
            approval(result="Approved"),
            "Unexpected value type at 'result': expected structure, got string",
            id="string-for-structure",
        ),
        pytest.param(
            "PutApprovalResult",
            approval(token={"id": TOKEN}),
            "Unexpected value type at 'token': expected string, got object",
            id="object-for-string",
        ),
        pytest.param(
            "CreatePipeline",
            with_action(timeoutInMinutes=True),
            f"Unexpected value type at '{ACTION}.timeoutInMinutes': expected integer, got boolean",
            id="bool-is-not-int",
        ),
        pytest.param(
            "CreatePipeline",
            with_action(timeoutInMinutes="60"),
            f"Unexpected value type at '{ACTION}.timeoutInMinutes': expected integer, got string",
            id="string-for-integer",
        ),
        pytest.param(
            "CreatePipeline",
            with_action(configuration=["CustomData"]),
            f"Unexpected value type at '{ACTION}.configuration': expected map, got array",
            id="array-for-map",
        ),
        pytest.param(
            "ListPipelines",
            {"maxResults": 1.5},
            "Unexpected value type at 'maxResults': expected integer, got number",
            id="float-for-integer",
        ),
    ],
)
def test_type_mismatch_raises_serialization_exception(
    operation: str, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(SerializationException) as err:
        validate_input(operation, params)
    assert err.value.message == message


def test_type_mismatch_wins_over_constraint_violations() -> None:
    with pytest.raises(SerializationException) as err:
        validate_input("PutApprovalResult", approval(pipelineName="bad name", token=7))
    assert err.value.message == "Unexpected value type at 'token': expected string, got number"


def test_unknown_input_member_is_ignored() -> None:
    validate_input("PutApprovalResult", approval(colour="blue"))


def test_unknown_operation_raises_value_error() -> None:
    with pytest.raises(ValueError, match="NoSuchOperation"):
        validate_input("NoSuchOperation", {})


def pipeline_state() -> dict[str, Any]:
    """A conformant raw GetPipelineState response body."""
    return {
        "pipelineName": "my-pipeline",
        "pipelineVersion": 1,
        "created": 1700000000.0,
        "updated": 1700000000.123,
        "stageStates": [
            {
                "stageName": "Approve",
                "inboundTransitionState": {"enabled": True},
                "latestExecution": {"pipelineExecutionId": EXECUTION_ID, "status": "InProgress"},
                "actionStates": [
                    {
                        "actionName": "Manual",
                        "latestExecution": {
                            "actionExecutionId": "a1",
                            "status": "InProgress",
                            "lastStatusChange": 1700000001.5,
                            "token": TOKEN,
                        },
                    }
                ],
            }
        ],
    }


def test_output_accepts_valid_pipeline_state() -> None:
    assert output_violations("GetPipelineState", pipeline_state()) == []


def stage(body: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = body["stageStates"][0]
    return first


def test_output_flags_unknown_key() -> None:
    body = pipeline_state()
    stage(body)["colour"] = "blue"
    assert output_violations("GetPipelineState", body) == [
        "Unknown key at 'stageStates.1.member.colour'"
    ]


def test_output_flags_bad_enum() -> None:
    body = pipeline_state()
    stage(body)["latestExecution"]["status"] = "Running"
    [violation] = output_violations("GetPipelineState", body)
    assert violation.startswith(
        "Value 'Running' at 'stageStates.1.member.latestExecution.status' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Cancelled, InProgress"
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        pytest.param(
            "pipelineVersion",
            "1",
            "Unexpected value type at 'pipelineVersion': expected integer, got string",
            id="string-for-integer",
        ),
        pytest.param(
            "created",
            {"epoch": 1},
            "Unexpected value type at 'created': expected timestamp, got object",
            id="object-for-timestamp",
        ),
        pytest.param(
            "created",
            "2026-01-05T09:00:00.000Z",
            "Unexpected value type at 'created': expected timestamp, got string",
            id="iso-string-for-timestamp",
        ),
        pytest.param(
            "created",
            True,
            "Unexpected value type at 'created': expected timestamp, got boolean",
            id="boolean-for-timestamp",
        ),
        pytest.param(
            "stageStates",
            {},
            "Unexpected value type at 'stageStates': expected list, got object",
            id="object-for-list",
        ),
    ],
)
def test_output_flags_wrong_type(key: str, value: Any, expected: str) -> None:
    body = pipeline_state()
    body[key] = value
    assert output_violations("GetPipelineState", body) == [expected]


def test_output_flags_missing_required_member() -> None:
    body = pipeline_state()
    del stage(body)["latestExecution"]["pipelineExecutionId"]
    assert output_violations("GetPipelineState", body) == [
        "Value null at 'stageStates.1.member.latestExecution.pipelineExecutionId' failed to "
        "satisfy constraint: Member must not be null"
    ]


def test_output_flags_constraint_violation() -> None:
    body = pipeline_state()
    stage(body)["actionStates"][0]["latestExecution"]["percentComplete"] = 101
    assert output_violations("GetPipelineState", body) == [
        "Value '101' at 'stageStates.1.member.actionStates.1.member.latestExecution."
        "percentComplete' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    ]


@pytest.mark.parametrize(
    ("body", "conformant"),
    [
        pytest.param({}, True, id="empty-object"),
        pytest.param(None, True, id="none"),
        pytest.param("", True, id="empty-string"),
        pytest.param({"pipelineName": "p"}, False, id="non-empty"),
    ],
)
def test_output_for_operation_without_output_shape(body: Any, conformant: bool) -> None:
    assert (output_violations("DeletePipeline", body) == []) is conformant
