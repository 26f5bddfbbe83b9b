"""Third-party actions and their workers: PollForThirdPartyJobs, AcknowledgeThirdPartyJob,
GetThirdPartyJobDetails, PutThirdPartyJobSuccessResult and PutThirdPartyJobFailureResult."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from job_fixtures import (
    JENKINS,
    PARTNER,
    UNKNOWN_JOB,
    action_execution,
    custom_stages,
    register_jenkins,
    register_partner,
)
from pipelines import Client, CreatePipeline, execution_status, newest_execution_id, source_stage

from moto_approvals import Approvals

Job = dict[str, Any]
TOKEN = "client-token-1"


@pytest.fixture
def job(approvals: Approvals, create_pipeline: CreatePipeline, codepipeline: Client) -> Job:
    """Source → Deploy (a PARTNER action), its job polled: ``clientId`` and ``jobId``."""
    register_partner(codepipeline)
    deploy = {
        "name": "Deploy",
        "actions": [{"name": "Ship", "actionTypeId": PARTNER, "inputArtifacts": [{"name": "App"}]}],
    }
    create_pipeline(stages=[source_stage(), deploy])
    (found,) = codepipeline.poll_for_third_party_jobs(actionTypeId=PARTNER)["jobs"]
    return dict(found)


@pytest.fixture
def nonce(job: Job, codepipeline: Client) -> str:
    details = codepipeline.get_third_party_job_details(jobId=job["jobId"], clientToken=TOKEN)
    return str(details["jobDetails"]["nonce"])


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def test_a_poll_hands_out_the_job_id_and_a_client_id(job: Job) -> None:
    assert set(job) == {"clientId", "jobId"}
    assert job["clientId"] != job["jobId"]


def test_polling_a_type_its_provider_never_declared_is_action_type_not_found(
    codepipeline: Client, approvals: Approvals
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.poll_for_third_party_jobs(actionTypeId=PARTNER)
    assert _code(err) == "ActionTypeNotFoundException"
    assert err.value.response["Error"]["Message"]


def test_polling_a_custom_type_as_third_party_is_rejected(
    codepipeline: Client, approvals: Approvals
) -> None:
    custom = {**PARTNER, "owner": "Custom"}
    with pytest.raises(ClientError) as err:
        codepipeline.poll_for_third_party_jobs(actionTypeId=custom)
    assert _code(err) == "ValidationException"
    assert "Custom" in err.value.response["Error"]["Message"]


def test_job_details_show_the_data_and_the_nonce(job: Job, codepipeline: Client) -> None:
    details = codepipeline.get_third_party_job_details(jobId=job["jobId"], clientToken=TOKEN)

    found = details["jobDetails"]
    assert found["id"] == job["jobId"]
    assert found["nonce"]
    assert found["data"]["actionTypeId"] == PARTNER
    assert found["data"]["pipelineContext"]["action"]["name"] == "Ship"
    assert [a["name"] for a in found["data"]["inputArtifacts"]] == ["App"]


def test_acknowledging_with_the_nonce_puts_the_job_in_progress(
    nonce: str, job: Job, codepipeline: Client
) -> None:
    reply = codepipeline.acknowledge_third_party_job(
        jobId=job["jobId"], nonce=nonce, clientToken=TOKEN
    )
    assert reply["status"] == "InProgress"


def test_acknowledging_with_another_nonce_is_an_invalid_nonce(
    nonce: str, job: Job, codepipeline: Client
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.acknowledge_third_party_job(
            jobId=job["jobId"], nonce="not-it", clientToken=TOKEN
        )
    assert _code(err) == "InvalidNonceException"


def test_a_success_finishes_the_execution(nonce: str, job: Job, codepipeline: Client) -> None:
    codepipeline.acknowledge_third_party_job(jobId=job["jobId"], nonce=nonce, clientToken=TOKEN)

    codepipeline.put_third_party_job_success_result(
        jobId=job["jobId"],
        clientToken=TOKEN,
        executionDetails={"summary": "Deployed", "externalExecutionId": "d-1"},
    )

    ship = action_execution(codepipeline, "Deploy", "Ship")
    assert ship["status"] == "Succeeded"
    assert ship["output"]["executionResult"]["externalExecutionSummary"] == "Deployed"
    assert execution_status(codepipeline, newest_execution_id(codepipeline)) == "Succeeded"


def test_a_failure_fails_the_execution_with_its_message(
    nonce: str, job: Job, codepipeline: Client
) -> None:
    codepipeline.acknowledge_third_party_job(jobId=job["jobId"], nonce=nonce, clientToken=TOKEN)

    codepipeline.put_third_party_job_failure_result(
        jobId=job["jobId"],
        clientToken=TOKEN,
        failureDetails={"type": "ConfigurationError", "message": "No such environment"},
    )

    ship = action_execution(codepipeline, "Deploy", "Ship")
    assert ship["output"]["executionResult"]["errorDetails"]["message"] == "No such environment"
    assert execution_status(codepipeline, newest_execution_id(codepipeline)) == "Failed"


def test_answering_a_finished_job_is_an_invalid_job_state(
    nonce: str, job: Job, codepipeline: Client
) -> None:
    codepipeline.put_third_party_job_success_result(jobId=job["jobId"], clientToken=TOKEN)
    with pytest.raises(ClientError) as err:
        codepipeline.put_third_party_job_failure_result(
            jobId=job["jobId"],
            clientToken=TOKEN,
            failureDetails={"type": "JobFailed", "message": "late"},
        )
    assert _code(err) == "InvalidJobStateException"
    assert err.value.response["Error"]["Message"]


FAILURE = {"type": "JobFailed", "message": "no"}
CALLS = [
    ("acknowledge_third_party_job", {"nonce": "n"}),
    ("get_third_party_job_details", {}),
    ("put_third_party_job_success_result", {}),
    ("put_third_party_job_failure_result", {"failureDetails": FAILURE}),
]
CALL_IDS = [name for name, _ in CALLS]


@pytest.mark.parametrize(("operation", "extra"), CALLS, ids=CALL_IDS)
def test_every_operation_answers_an_unknown_job_with_job_not_found(
    codepipeline: Client, approvals: Approvals, operation: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as err:
        getattr(codepipeline, operation)(jobId=UNKNOWN_JOB, clientToken=TOKEN, **extra)
    assert _code(err) == "JobNotFoundException"
    assert err.value.response["Error"]["Message"]


@pytest.mark.parametrize(("operation", "extra"), CALLS, ids=CALL_IDS)
def test_every_operation_answers_another_client_token_with_invalid_client_token(
    nonce: str, job: Job, codepipeline: Client, operation: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as err:
        getattr(codepipeline, operation)(jobId=job["jobId"], clientToken="other", **extra)
    assert _code(err) == "InvalidClientTokenException"
    assert err.value.response["Error"]["Message"]


def test_a_third_party_job_id_is_not_a_custom_job(job: Job, codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.get_job_details(jobId=job["jobId"])
    assert _code(err) == "JobNotFoundException"


def test_third_party_job_details_of_a_custom_job_is_invalid_job(
    codepipeline: Client, approvals: Approvals, create_pipeline: CreatePipeline
) -> None:
    register_jenkins(codepipeline)
    create_pipeline(stages=custom_stages())
    (polled,) = codepipeline.poll_for_jobs(actionTypeId=JENKINS, queryParam={"Project": "app"})[
        "jobs"
    ]

    with pytest.raises(ClientError) as err:
        codepipeline.get_third_party_job_details(jobId=polled["id"], clientToken=TOKEN)

    assert _code(err) == "InvalidJobException"
    assert "GetJobDetails" in err.value.response["Error"]["Message"]
