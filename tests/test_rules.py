"""Rule timeouts, onSuccess conditions, VariableCheck, overrides and ListRuleExecutions."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from freezegun import freeze_time
from pipelines import (
    LAMBDA_RULE,
    START,
    VARIABLE_RULE,
    WINDOW_RULE,
    Client,
    CreatePipeline,
    Declaration,
    approval_stage,
    build_stage,
    error_of,
    execution_status,
    newest_execution_id,
    source_stage,
    stage_state,
)

from moto_approvals import Approvals

#: Open from 14:00 to 14:59 UTC; START is 09:00.
CLOSED_WINDOW = {
    "name": "Window",
    "ruleTypeId": WINDOW_RULE,
    "configuration": {"Cron": "* * 14 ? * * *"},
}
CHECK = {"name": "Check", "ruleTypeId": LAMBDA_RULE, "configuration": {"FunctionName": "f"}}


def condition(*rules: dict[str, Any], result: str = "FAIL") -> Declaration:
    return {"conditions": [{"result": result, "rules": list(rules)}]}


def gated_approval(rule: dict[str, Any]) -> Declaration:
    return {**approval_stage(), "beforeEntry": condition(rule)}


def checked_build(rule: dict[str, Any]) -> Declaration:
    return {**build_stage(), "onSuccess": condition(rule)}


def variable_rule(operator: str, value: str) -> dict[str, Any]:
    config = {"Variable": "#{variables.env}", "Operator": operator, "Value": value}
    return {"name": "EnvCheck", "ruleTypeId": VARIABLE_RULE, "configuration": config}


def override(codepipeline: Client, stage: str, kind: str, execution_id: str) -> None:
    codepipeline.override_stage_condition(
        pipelineName="release",
        stageName=stage,
        pipelineExecutionId=execution_id,
        conditionType=kind,
    )


# -- timeoutInMinutes -----------------------------------------------------------------------


def test_a_rule_without_a_verdict_fails_when_its_timeout_passes(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    rule = {**CLOSED_WINDOW, "timeoutInMinutes": 10}
    with freeze_time(START) as clock:
        create_pipeline(stages=[source_stage(), gated_approval(rule)], pipelineType="V2")
        clock.tick(datetime.timedelta(minutes=9))
        waiting = stage_state(codepipeline, "Approve")["beforeEntryConditionState"]
        clock.tick(datetime.timedelta(minutes=2))
        state = stage_state(codepipeline, "Approve")

    assert waiting["latestExecution"]["status"] == "InProgress"
    assert state["latestExecution"]["status"] == "Failed"
    (run,) = codepipeline.list_rule_executions(pipelineName="release")["ruleExecutionDetails"]
    assert run["status"] == "Failed"
    assert run["output"]["executionResult"]["externalExecutionSummary"] == (
        "Rule Window timed out after 10 minutes."
    )
    assert run["lastUpdateTime"] == START + datetime.timedelta(minutes=10)


# -- overrides ------------------------------------------------------------------------------


def test_overriding_a_waiting_before_entry_condition_enters_the_stage(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    with freeze_time(START):
        create_pipeline(stages=[source_stage(), gated_approval(CLOSED_WINDOW)], pipelineType="V2")

        override(codepipeline, "Approve", "BEFORE_ENTRY", newest_execution_id(codepipeline))

        state = stage_state(codepipeline, "Approve")
    assert state["beforeEntryConditionState"]["latestExecution"]["status"] == "Overridden"
    assert state["actionStates"][0]["latestExecution"]["status"] == "InProgress"


def test_overriding_a_waiting_on_success_condition_lets_the_stage_succeed(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    with freeze_time(START):
        create_pipeline(stages=[source_stage(), checked_build(CLOSED_WINDOW)], pipelineType="V2")
        execution_id = newest_execution_id(codepipeline)
        waiting = execution_status(codepipeline, execution_id)

        override(codepipeline, "Build", "ON_SUCCESS", execution_id)

        assert waiting == "InProgress"
        assert execution_status(codepipeline, execution_id) == "Succeeded"


def test_overriding_a_condition_of_an_older_execution_is_not_latest(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    create_pipeline(stages=[source_stage(), checked_build(CHECK)], pipelineType="V2")
    older = newest_execution_id(codepipeline)
    codepipeline.start_pipeline_execution(name="release")

    with pytest.raises(ClientError) as err:
        override(codepipeline, "Build", "ON_SUCCESS", older)

    assert error_of(err)[0] == "NotLatestPipelineExecutionException"


@pytest.mark.parametrize(
    ("where", "code"),
    [
        ({"pipelineName": "missing"}, "PipelineNotFoundException"),
        ({"stageName": "Missing"}, "StageNotFoundException"),
        ({"conditionType": "ON_FAILURE"}, "ValidationException"),
    ],
)
def test_override_stage_condition_errors(
    create_pipeline: CreatePipeline, codepipeline: Client, where: dict[str, str], code: str
) -> None:
    create_pipeline(stages=[source_stage(), checked_build(CHECK)], pipelineType="V2")
    params = {
        "pipelineName": "release",
        "stageName": "Build",
        "pipelineExecutionId": newest_execution_id(codepipeline),
        "conditionType": "ON_SUCCESS",
        **where,
    }

    with pytest.raises(ClientError) as err:
        codepipeline.override_stage_condition(**params)

    assert error_of(err)[0] == code


# -- onSuccess and VariableCheck ------------------------------------------------------------


def test_a_failed_on_success_condition_fails_the_stage_after_its_actions_succeeded(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    create_pipeline(stages=[source_stage(), checked_build(CHECK)], pipelineType="V2")
    approvals.set_rule_result("release", "Build", "Check", "FAILED")

    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    state = stage_state(codepipeline, "Build")
    assert state["actionStates"][0]["latestExecution"]["status"] == "Succeeded"
    assert state["onSuccessConditionState"]["latestExecution"]["status"] == "Failed"
    assert execution_status(codepipeline, execution_id) == "Failed"


def test_a_variable_check_compares_a_pipeline_variable(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline(
        stages=[source_stage(), checked_build(variable_rule("EQ", "prod"))],
        pipelineType="V2",
        variables=[{"name": "env", "defaultValue": "prod"}],
    )
    passed = newest_execution_id(codepipeline)

    failed = codepipeline.start_pipeline_execution(
        name="release", variables=[{"name": "env", "value": "dev"}]
    )["pipelineExecutionId"]

    assert execution_status(codepipeline, passed) == "Succeeded"
    assert execution_status(codepipeline, failed) == "Failed"
    latest = codepipeline.list_rule_executions(pipelineName="release")["ruleExecutionDetails"][0]
    assert latest["output"]["executionResult"]["externalExecutionSummary"] == (
        "#{variables.env} is 'dev'; EQ 'prod' is false."
    )


def test_a_variable_check_matches_a_regular_expression(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline(
        stages=[source_stage(), checked_build(variable_rule("MATCHES", "release-[0-9]+"))],
        pipelineType="V2",
        variables=[{"name": "env", "defaultValue": "release-42"}],
    )

    assert execution_status(codepipeline, newest_execution_id(codepipeline)) == "Succeeded"


# -- ListRuleExecutions ---------------------------------------------------------------------


def checked_twice(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> str:
    """An execution whose Build onSuccess rule failed, then passed after a retry."""
    create_pipeline(stages=[source_stage(), checked_build(CHECK)], pipelineType="V2")
    approvals.set_rule_result("release", "Build", "Check", "FAILED")
    execution_id = str(codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"])
    approvals.set_rule_result("release", "Build", "Check", "SUCCEEDED")
    codepipeline.retry_stage_execution(
        pipelineName="release",
        stageName="Build",
        pipelineExecutionId=execution_id,
        retryMode="ALL_ACTIONS",
    )
    return execution_id


def test_list_rule_executions_filters_by_pipeline_execution(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    execution_id = checked_twice(create_pipeline, codepipeline, approvals)

    details = codepipeline.list_rule_executions(
        pipelineName="release", filter={"pipelineExecutionId": execution_id}
    )["ruleExecutionDetails"]

    assert [d["status"] for d in details] == ["Succeeded", "Failed"]
    assert {d["pipelineExecutionId"] for d in details} == {execution_id}


@pytest.mark.parametrize(
    ("time_range", "expected"), [("Latest", ["Succeeded"]), ("All", ["Succeeded", "Failed"])]
)
def test_list_rule_executions_latest_in_execution_keeps_each_rule_s_newest_run_or_all(
    create_pipeline: CreatePipeline,
    codepipeline: Client,
    approvals: Approvals,
    time_range: str,
    expected: list[str],
) -> None:
    execution_id = checked_twice(create_pipeline, codepipeline, approvals)
    latest = {"pipelineExecutionId": execution_id, "startTimeRange": time_range}

    details = codepipeline.list_rule_executions(
        pipelineName="release", filter={"latestInPipelineExecution": latest}
    )["ruleExecutionDetails"]

    assert [d["status"] for d in details] == expected


def test_list_rule_executions_pages_with_max_results(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    checked_twice(create_pipeline, codepipeline, approvals)
    everything = codepipeline.list_rule_executions(pipelineName="release")["ruleExecutionDetails"]

    first = codepipeline.list_rule_executions(pipelineName="release", maxResults=2)
    rest = codepipeline.list_rule_executions(
        pipelineName="release", maxResults=2, nextToken=first["nextToken"]
    )

    assert len(everything) == 3
    assert first["ruleExecutionDetails"] + rest["ruleExecutionDetails"] == everything
    assert "nextToken" not in rest


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"pipelineName": "missing"}, "PipelineNotFoundException"),
        (
            {"filter": {"pipelineExecutionId": "00000000-0000-0000-0000-000000000000"}},
            "PipelineExecutionNotFoundException",
        ),
        ({"nextToken": "not-a-token"}, "InvalidNextTokenException"),
        ({"filter": {"pipelineExecutionId": "not-an-id"}}, "ValidationException"),
    ],
)
def test_list_rule_executions_errors(
    create_pipeline: CreatePipeline, codepipeline: Client, params: dict[str, Any], code: str
) -> None:
    create_pipeline(stages=[source_stage(), checked_build(CHECK)], pipelineType="V2")

    with pytest.raises(ClientError) as err:
        codepipeline.list_rule_executions(**{"pipelineName": "release", **params})

    assert error_of(err)[0] == code


def test_a_failed_on_success_condition_with_rollback_rolls_the_stage_back(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    build = {**build_stage(), "onSuccess": condition(CHECK, result="ROLLBACK")}
    create_pipeline(stages=[source_stage(), build], pipelineType="V2")
    good = newest_execution_id(codepipeline)
    approvals.set_rule_result("release", "Build", "Check", "FAILED")

    bad = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]

    rollback = codepipeline.get_pipeline_execution(
        pipelineName="release", pipelineExecutionId=newest_execution_id(codepipeline)
    )["pipelineExecution"]
    assert execution_status(codepipeline, bad) == "Failed"
    assert rollback["executionType"] == "ROLLBACK"
    assert rollback["rollbackMetadata"] == {"rollbackTargetPipelineExecutionId": good}
    assert rollback["trigger"] == {"triggerType": "AutomatedRollback", "triggerDetail": bad}
