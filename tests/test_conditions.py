"""Stage conditions (V2), rule executions, rule types, automatic retry and rollback."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from freezegun import freeze_time
from pipelines import (
    ALARM_RULE,
    LAMBDA_RULE,
    START,
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


def gated(rule: dict[str, Any], result: str = "FAIL") -> Declaration:
    stage = approval_stage()
    stage["beforeEntry"] = {"conditions": [{"result": result, "rules": [rule]}]}
    return stage


def alarm_rule(wait: str = "60") -> dict[str, Any]:
    config = {"AlarmName": "errors", "WaitTime": wait}
    return {"name": "NoErrors", "ruleTypeId": ALARM_RULE, "configuration": config}


def put_alarm(cloudwatch: Client, state: str) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName="errors",
        MetricName="Errors",
        Namespace="App",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName="errors", StateValue=state, StateReason="test")


def test_an_alarm_in_alarm_holds_the_stage_until_it_goes_ok(
    create_pipeline: CreatePipeline, codepipeline: Client, client_factory: Any
) -> None:
    cloudwatch = client_factory("cloudwatch")
    put_alarm(cloudwatch, "ALARM")
    create_pipeline(stages=[source_stage(), gated(alarm_rule())], pipelineType="V2")
    state = stage_state(codepipeline, "Approve")
    assert state["beforeEntryConditionState"]["latestExecution"]["status"] == "InProgress"
    assert "latestExecution" not in state["actionStates"][0]
    cloudwatch.set_alarm_state(AlarmName="errors", StateValue="OK", StateReason="test")
    state = stage_state(codepipeline, "Approve")
    assert state["beforeEntryConditionState"]["latestExecution"]["status"] == "Succeeded"
    assert state["actionStates"][0]["latestExecution"]["status"] == "InProgress"


def test_an_alarm_still_in_alarm_after_its_wait_time_fails_the_stage(
    create_pipeline: CreatePipeline, codepipeline: Client, client_factory: Any
) -> None:
    put_alarm(client_factory("cloudwatch"), "ALARM")
    create_pipeline(stages=[source_stage(), gated(alarm_rule(wait="0"))], pipelineType="V2")
    assert stage_state(codepipeline, "Approve")["latestExecution"]["status"] == "Failed"
    assert execution_status(codepipeline, newest_execution_id(codepipeline)) == "Failed"


def test_a_closed_deployment_window_holds_the_execution_until_the_clock_moves_into_it(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    rule = {
        "name": "Window",
        "ruleTypeId": WINDOW_RULE,
        "configuration": {"Cron": "* * 14 ? * * *"},
    }
    with freeze_time(START) as clock:  # 09:00 UTC
        create_pipeline(stages=[source_stage(), gated(rule)], pipelineType="V2")
        assert "latestExecution" not in stage_state(codepipeline, "Approve")["actionStates"][0]
        clock.move_to("2026-01-05 14:05:00")
        state = stage_state(codepipeline, "Approve")
        assert state["actionStates"][0]["latestExecution"]["status"] == "InProgress"


def test_a_failed_rule_with_skip_skips_the_stage(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    rule = {"name": "Check", "ruleTypeId": LAMBDA_RULE, "configuration": {"FunctionName": "f"}}
    build = build_stage()
    build["beforeEntry"] = {"conditions": [{"result": "SKIP", "rules": [rule]}]}
    create_pipeline(stages=[source_stage(), build], pipelineType="V2")
    # The first execution passed the default-succeeding rule; fail it for the next one.
    approvals.set_rule_result("release", "Build", "Check", "FAILED")
    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    assert execution_status(codepipeline, execution_id) == "Succeeded"
    assert stage_state(codepipeline, "Build")["latestExecution"]["status"] == "Skipped"


def test_overriding_a_waiting_entry_condition_enters_the_stage(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    rule = {"name": "Check", "ruleTypeId": LAMBDA_RULE, "configuration": {"FunctionName": "f"}}
    stages = [source_stage(), gated(rule)]
    create_pipeline(stages=stages, pipelineType="V2", executionMode="QUEUED")
    approvals.set_rule_result("release", "Approve", "Check", "IN_PROGRESS")
    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    first = next(
        e["pipelineExecutionId"]
        for e in codepipeline.list_pipeline_executions(pipelineName="release")[
            "pipelineExecutionSummaries"
        ]
        if e["pipelineExecutionId"] != execution_id
    )
    # The first execution got in (the rule succeeded then) and holds the approval stage.
    assert stage_state(codepipeline, "Approve")["latestExecution"]["pipelineExecutionId"] == first
    with pytest.raises(ClientError) as err:
        codepipeline.override_stage_condition(
            pipelineName="release",
            stageName="Approve",
            pipelineExecutionId=first,
            conditionType="BEFORE_ENTRY",
        )
    assert error_of(err)[0] == "ConditionNotOverridableException"
    assert "not in progress" in error_of(err)[1]


def test_list_rule_executions_shows_each_rule_run_newest_first(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    rule = {"name": "Check", "ruleTypeId": LAMBDA_RULE, "configuration": {"FunctionName": "f"}}
    create_pipeline(stages=[source_stage(), build_stage(), gated(rule)], pipelineType="V2")
    details = codepipeline.list_rule_executions(pipelineName="release")["ruleExecutionDetails"]
    assert [(d["ruleName"], d["status"]) for d in details] == [("Check", "Succeeded")]
    assert details[0]["input"]["ruleTypeId"]["provider"] == "LambdaInvoke"


def test_list_rule_types_lists_aws_rule_providers(codepipeline: Client) -> None:
    providers = {t["id"]["provider"] for t in codepipeline.list_rule_types()["ruleTypes"]}
    assert {"CloudWatchAlarm", "DeploymentWindow", "VariableCheck", "LambdaInvoke"} <= providers


def test_on_failure_retry_retries_the_stage_once_automatically(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    build = build_stage()
    build["onFailure"] = {"result": "RETRY", "retryConfiguration": {"retryMode": "ALL_ACTIONS"}}
    create_pipeline(stages=[source_stage(), build], pipelineType="V2")
    approvals.fail_action("release", "Build", "Compile")
    execution_id = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    assert execution_status(codepipeline, execution_id) == "Failed"
    metadata = stage_state(codepipeline, "Build")["retryStageMetadata"]
    assert metadata == {"autoStageRetryAttempt": 1, "latestRetryTrigger": "AutomatedStageRetry"}


def test_on_failure_rollback_starts_a_rollback_to_the_last_success(
    create_pipeline: CreatePipeline, codepipeline: Client, approvals: Approvals
) -> None:
    build = build_stage()
    build["onFailure"] = {"result": "ROLLBACK"}
    create_pipeline(stages=[source_stage(), build], pipelineType="V2")
    good = newest_execution_id(codepipeline)
    approvals.fail_action("release", "Build", "Compile")
    bad = codepipeline.start_pipeline_execution(name="release")["pipelineExecutionId"]
    rollback = newest_execution_id(codepipeline)
    assert rollback not in (good, bad)
    execution = codepipeline.get_pipeline_execution(
        pipelineName="release", pipelineExecutionId=rollback
    )["pipelineExecution"]
    assert execution["executionType"] == "ROLLBACK"
    assert execution["rollbackMetadata"] == {"rollbackTargetPipelineExecutionId": good}
    assert execution["trigger"] == {"triggerType": "AutomatedRollback", "triggerDetail": bad}


def test_rolling_back_a_source_stage_is_refused(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline(stages=[source_stage(), build_stage()], pipelineType="V2")
    with pytest.raises(ClientError) as err:
        codepipeline.rollback_stage(
            pipelineName="release",
            stageName="Source",
            targetPipelineExecutionId=newest_execution_id(codepipeline),
        )
    assert error_of(err) == (
        "UnableToRollbackStageException",
        "A source stage cannot be rolled back.",
    )


def test_rolling_back_a_stage_manually_starts_a_manual_rollback(
    create_pipeline: CreatePipeline, codepipeline: Client
) -> None:
    create_pipeline(stages=[source_stage(), build_stage()], pipelineType="V2")
    target = newest_execution_id(codepipeline)
    rollback = codepipeline.rollback_stage(
        pipelineName="release", stageName="Build", targetPipelineExecutionId=target
    )["pipelineExecutionId"]
    execution = codepipeline.get_pipeline_execution(
        pipelineName="release", pipelineExecutionId=rollback
    )["pipelineExecution"]
    assert execution["status"] == "Succeeded"
    assert execution["trigger"]["triggerType"] == "ManualRollback"
