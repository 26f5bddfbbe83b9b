"""The optional cap on retained history: ``mock_approvals(history_limit=...)``,
``$MOTO_APPROVALS_HISTORY_LIMIT``, ``moto-approvals serve --history-limit``.

AWS keeps executions for 12 months; the emulator keeps every one unless capped. Capped, a
pipeline keeps at most that many executions: the oldest finished ones are dropped first, an
execution in flight never is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from pipelines import (
    REGION,
    TRUST_POLICY,
    Client,
    approval_stage,
    build_stage,
    declaration,
    error_of,
    source_stage,
)

from moto_approvals import mock_approvals
from moto_approvals.models import HISTORY_LIMIT_VARIABLE
from moto_approvals.server import main

#: Every execution of this pipeline succeeds as it starts.
INSTANT = [source_stage(), build_stage()]


def _client(stages: list[dict[str, Any]], **extra: Any) -> Client:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    codepipeline = boto3.client("codepipeline", region_name=REGION)
    codepipeline.create_pipeline(pipeline=declaration(role["Role"]["Arn"], stages=stages, **extra))
    return codepipeline


def _execution_ids(codepipeline: Client) -> list[str]:
    summaries = codepipeline.list_pipeline_executions(pipelineName="release")
    return [s["pipelineExecutionId"] for s in summaries["pipelineExecutionSummaries"]]


@pytest.fixture
def capped() -> Iterator[Client]:
    with mock_approvals(history_limit=3):
        yield _client(INSTANT)


def test_a_capped_pipeline_keeps_its_newest_executions(capped: Client) -> None:
    started = [capped.start_pipeline_execution(name="release") for _ in range(4)]

    newest_first = [s["pipelineExecutionId"] for s in reversed(started)][:3]
    assert _execution_ids(capped) == newest_first


def test_a_dropped_execution_is_not_found(capped: Client) -> None:
    (oldest,) = _execution_ids(capped)
    for _ in range(3):
        capped.start_pipeline_execution(name="release")

    with pytest.raises(ClientError) as err:
        capped.get_pipeline_execution(pipelineName="release", pipelineExecutionId=oldest)

    assert error_of(err)[0] == "PipelineExecutionNotFoundException"


def test_the_action_runs_of_a_dropped_execution_go_with_it(capped: Client) -> None:
    for _ in range(5):
        capped.start_pipeline_execution(name="release")

    details = capped.list_action_executions(pipelineName="release")["actionExecutionDetails"]
    assert len(details) == 3 * 2  # two actions in each of the three kept executions
    assert {d["pipelineExecutionId"] for d in details} == set(_execution_ids(capped))


def test_a_token_naming_a_dropped_execution_is_invalid(capped: Client) -> None:
    capped.start_pipeline_execution(name="release")
    page = capped.list_pipeline_executions(pipelineName="release", maxResults=1)
    for _ in range(3):
        capped.start_pipeline_execution(name="release")

    with pytest.raises(ClientError) as err:
        capped.list_pipeline_executions(pipelineName="release", nextToken=page["nextToken"])

    assert error_of(err)[0] == "InvalidNextTokenException"


def test_the_request_token_of_a_dropped_execution_starts_a_new_one(capped: Client) -> None:
    first = capped.start_pipeline_execution(name="release", clientRequestToken="deploy-1")
    for _ in range(3):
        capped.start_pipeline_execution(name="release")

    again = capped.start_pipeline_execution(name="release", clientRequestToken="deploy-1")

    assert again["pipelineExecutionId"] != first["pipelineExecutionId"]


def test_the_approval_token_of_a_dropped_execution_is_invalid() -> None:
    with mock_approvals(history_limit=2) as approvals:
        codepipeline = _client([source_stage(), approval_stage()])

        def approve(token: str) -> None:
            codepipeline.put_approval_result(
                pipelineName="release",
                stageName="Approve",
                actionName="ManualApproval",
                result={"summary": "ok", "status": "Approved"},
                token=token,
            )

        (first,) = approvals.pending_approvals("release")
        approve(first.token)
        for _ in range(2):
            codepipeline.start_pipeline_execution(name="release")
            approve(approvals.pending_approvals("release")[0].token)

        with pytest.raises(ClientError) as err:
            approve(first.token)

    assert error_of(err)[0] == "InvalidApprovalTokenException"


def test_executions_in_flight_are_never_dropped() -> None:
    with mock_approvals(history_limit=2):
        codepipeline = _client(
            [source_stage(), approval_stage()], pipelineType="V2", executionMode="PARALLEL"
        )
        for _ in range(3):
            codepipeline.start_pipeline_execution(name="release")

        summaries = codepipeline.list_pipeline_executions(pipelineName="release")
        statuses = [s["status"] for s in summaries["pipelineExecutionSummaries"]]
        assert statuses == ["InProgress"] * 4


def test_the_environment_variable_caps_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HISTORY_LIMIT_VARIABLE, "2")
    with mock_approvals():
        codepipeline = _client(INSTANT)
        for _ in range(3):
            codepipeline.start_pipeline_execution(name="release")

        assert len(_execution_ids(codepipeline)) == 2


def test_a_variable_that_is_not_a_positive_number_is_ignored_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(HISTORY_LIMIT_VARIABLE, "ten")
    with mock_approvals():
        codepipeline = _client(INSTANT)
        for _ in range(2):
            codepipeline.start_pipeline_execution(name="release")

        assert len(_execution_ids(codepipeline)) == 3
    assert f"{HISTORY_LIMIT_VARIABLE}='ten' is not a positive whole number" in caplog.text


def test_without_a_cap_every_execution_is_kept() -> None:
    with mock_approvals():
        codepipeline = _client(INSTANT)
        for _ in range(4):
            codepipeline.start_pipeline_execution(name="release")

        assert len(_execution_ids(codepipeline)) == 5


def test_the_cap_is_set_only_while_the_block_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HISTORY_LIMIT_VARIABLE, raising=False)
    with mock_approvals(history_limit=5):
        assert os.environ[HISTORY_LIMIT_VARIABLE] == "5"

    assert HISTORY_LIMIT_VARIABLE not in os.environ


@pytest.mark.parametrize("limit", [0, -1, 2.5, "10"])
def test_a_cap_that_is_not_a_positive_whole_number_is_refused(limit: Any) -> None:
    with pytest.raises(ValueError, match="history_limit must be a positive number"):
        mock_approvals(history_limit=limit)


def test_the_server_refuses_a_bad_cap_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--history-limit", "0"])

    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "moto-approvals serve: error: argument --history-limit: not a positive number of "
        "executions: '0' (see moto-approvals serve --help)\n"
    )
