"""Custom actions and their job workers: PollForJobs, AcknowledgeJob, GetJobDetails,
PutJobSuccessResult and PutJobFailureResult."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from freezegun import freeze_time
from job_fixtures import (
    JENKINS,
    UNKNOWN_JOB,
    action_execution,
    backend,
    build_stage,
    custom_stages,
    register_jenkins,
)
from pipelines import (
    START,
    Client,
    CreatePipeline,
    approval_stage,
    approval_token,
    execution_status,
    newest_execution_id,
    stage_state,
)

from moto_approvals import Approvals

Job = dict[str, Any]
Poll = Callable[..., list[Job]]


@pytest.fixture
def poll(codepipeline: Client) -> Poll:
    def take(**extra: Any) -> list[Job]:
        extra.setdefault("queryParam", {"Project": "app"})
        jobs: list[Job] = codepipeline.poll_for_jobs(actionTypeId=JENKINS, **extra)["jobs"]
        return jobs

    return take


@pytest.fixture
def jenkins(approvals: Approvals, create_pipeline: CreatePipeline, codepipeline: Client) -> None:
    """Source → Build (a JENKINS action) in pipeline "release", its build job queued."""
    register_jenkins(codepipeline)
    create_pipeline(stages=custom_stages())


@pytest.fixture
def job(jenkins: None, poll: Poll) -> Job:
    """The build job, handed out by a poll (Dispatched)."""
    (found,) = poll()
    return found


@pytest.fixture
def acknowledged(job: Job, codepipeline: Client) -> Job:
    codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    return job


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


# -- PollForJobs ---------------------------------------------------------------------------


def test_a_custom_action_waits_in_progress_for_a_worker(
    jenkins: None, codepipeline: Client
) -> None:
    build = stage_state(codepipeline, "Build")
    assert build["latestExecution"]["status"] == "InProgress"
    assert build["actionStates"][0]["latestExecution"]["status"] == "InProgress"


def test_a_poll_hands_out_the_job_with_a_nonce_and_its_data(
    jenkins: None, poll: Poll, codepipeline: Client
) -> None:
    (job,) = poll()

    execution_id = newest_execution_id(codepipeline)
    data = job["data"]
    assert job["nonce"]
    assert job["accountId"] == "123456789012"
    assert data["actionTypeId"] == JENKINS
    assert data["actionConfiguration"] == {"configuration": {"Project": "app"}}
    context = data["pipelineContext"]
    assert context["pipelineName"] == "release"
    assert context["stage"] == {"name": "Build"}
    assert context["action"]["name"] == "Compile"
    assert context["pipelineExecutionId"] == execution_id
    assert context["pipelineArn"] == "arn:aws:codepipeline:us-east-1:123456789012:release"
    assert set(data["artifactCredentials"]) == {"accessKeyId", "secretAccessKey", "sessionToken"}


def test_a_job_carries_its_artifact_locations_in_the_artifact_store(
    job: Job, codepipeline: Client
) -> None:
    (app,) = job["data"]["inputArtifacts"]
    (built,) = job["data"]["outputArtifacts"]

    fetched = action_execution(codepipeline, "Source", "Fetch")["output"]["outputArtifacts"][0]
    assert app["name"] == "App"
    assert app["location"]["s3Location"] == {
        "bucketName": fetched["s3location"]["bucket"],
        "objectKey": fetched["s3location"]["key"],
    }
    assert built["name"] == "Built"
    assert built["location"]["s3Location"]["bucketName"] == "artifacts"
    assert built["location"]["s3Location"]["objectKey"].startswith("release/Built/")


def test_a_polled_job_is_not_handed_out_again(job: Job, poll: Poll) -> None:
    assert poll() == []


def test_a_poll_hands_out_one_job_unless_asked_for_more(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    poll: Poll,
    codepipeline: Client,
) -> None:
    register_jenkins(codepipeline)
    create_pipeline("first", stages=custom_stages())
    create_pipeline("second", stages=custom_stages())

    assert len(poll()) == 1
    assert len(poll(maxBatchSize=5)) == 1  # the other one


def test_a_poll_hands_out_the_oldest_jobs_first(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    poll: Poll,
    codepipeline: Client,
) -> None:
    register_jenkins(codepipeline)
    create_pipeline("first", stages=custom_stages())
    create_pipeline("second", stages=custom_stages())

    jobs = poll(maxBatchSize=5)

    assert [j["data"]["pipelineContext"]["pipelineName"] for j in jobs] == ["first", "second"]


def test_a_poll_returns_only_jobs_whose_configuration_matches_the_query(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    poll: Poll,
    codepipeline: Client,
) -> None:
    register_jenkins(codepipeline)
    create_pipeline(stages=[custom_stages()[0], build_stage(project="other")])

    assert poll(queryParam={"Project": "app"}) == []
    assert len(poll(queryParam={"Project": "other"})) == 1


def test_a_poll_without_the_queryable_property_is_rejected(jenkins: None, poll: Poll) -> None:
    with pytest.raises(ClientError) as err:
        poll(queryParam={})
    assert _code(err) == "ValidationException"
    assert "Project" in err.value.response["Error"]["Message"]


def test_a_poll_on_a_property_that_is_not_queryable_is_rejected(jenkins: None, poll: Poll) -> None:
    with pytest.raises(ClientError) as err:
        poll(queryParam={"Branch": "main"})
    assert _code(err) == "ValidationException"
    assert "Branch" in err.value.response["Error"]["Message"]


def test_polling_a_type_nobody_registered_is_action_type_not_found(
    codepipeline: Client, approvals: Approvals
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.poll_for_jobs(actionTypeId=JENKINS)
    assert _code(err) == "ActionTypeNotFoundException"
    assert err.value.response["Error"]["Message"]


def test_polling_an_aws_owned_type_is_rejected(codepipeline: Client, approvals: Approvals) -> None:
    build = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
    with pytest.raises(ClientError) as err:
        codepipeline.poll_for_jobs(actionTypeId=build)
    assert _code(err) == "ValidationException"
    assert err.value.response["Error"]["Message"] == "ActionType with owner 'AWS' is not supported"


# -- AcknowledgeJob and GetJobDetails --------------------------------------------------------


def test_acknowledging_with_the_nonce_puts_the_job_in_progress(
    job: Job, codepipeline: Client
) -> None:
    reply = codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    assert reply["status"] == "InProgress"


def test_acknowledging_with_another_nonce_is_an_invalid_nonce(
    job: Job, codepipeline: Client
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.acknowledge_job(jobId=job["id"], nonce="not-the-nonce")
    assert _code(err) == "InvalidNonceException"
    assert err.value.response["Error"]["Message"]


def test_job_details_show_the_job_data(job: Job, codepipeline: Client) -> None:
    details = codepipeline.get_job_details(jobId=job["id"])["jobDetails"]

    assert details["id"] == job["id"]
    assert details["accountId"] == job["accountId"]
    assert details["data"] == job["data"]


def test_a_success_finishes_the_action_and_the_execution_moves_on(
    acknowledged: Job, codepipeline: Client
) -> None:
    codepipeline.put_job_success_result(jobId=acknowledged["id"])

    assert execution_status(codepipeline, newest_execution_id(codepipeline)) == "Succeeded"


def test_the_reported_summary_and_external_id_show_in_list_action_executions(
    acknowledged: Job, codepipeline: Client
) -> None:
    codepipeline.put_job_success_result(
        jobId=acknowledged["id"],
        executionDetails={"summary": "Build 42 passed", "externalExecutionId": "42"},
    )

    result = action_execution(codepipeline, "Build", "Compile")["output"]["executionResult"]
    assert result == {
        "externalExecutionId": "42",
        "externalExecutionSummary": "Build 42 passed",
        # The type's executionUrlTemplate, filled with the external id.
        "externalExecutionUrl": "https://ci.example.com/42",
    }


def test_output_variables_reach_a_later_approval(
    approvals: Approvals, create_pipeline: CreatePipeline, poll: Poll, codepipeline: Client
) -> None:
    register_jenkins(codepipeline)
    later = approval_stage(configuration={"CustomData": "Ship #{BuildVariables.version}?"})
    create_pipeline(stages=custom_stages(later))
    (job,) = poll()
    codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])

    codepipeline.put_job_success_result(jobId=job["id"], outputVariables={"version": "1.4.2"})

    build = action_execution(codepipeline, "Build", "Compile")
    approve = action_execution(codepipeline, "Approve", "ManualApproval")
    assert build["output"]["outputVariables"] == {"version": "1.4.2"}
    assert approve["input"]["resolvedConfiguration"]["CustomData"] == "Ship 1.4.2?"
    assert approval_token(codepipeline)


def test_a_continuation_token_queues_a_new_job_that_carries_it(
    acknowledged: Job, poll: Poll, codepipeline: Client
) -> None:
    codepipeline.put_job_success_result(jobId=acknowledged["id"], continuationToken="step-2")

    (again,) = poll()
    assert again["id"] != acknowledged["id"]
    assert again["data"]["continuationToken"] == "step-2"
    assert stage_state(codepipeline, "Build")["latestExecution"]["status"] == "InProgress"


def test_output_variables_with_a_continuation_token_are_rejected(
    acknowledged: Job, codepipeline: Client
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.put_job_success_result(
            jobId=acknowledged["id"], continuationToken="more", outputVariables={"a": "b"}
        )
    assert _code(err) == "ValidationException"
    assert "continuation token" in err.value.response["Error"]["Message"]


def test_output_variables_over_the_quota_are_rejected(
    acknowledged: Job, codepipeline: Client
) -> None:
    variables = {f"v{i}": "x" * 1000 for i in range(130)}
    with pytest.raises(ClientError) as err:
        codepipeline.put_job_success_result(jobId=acknowledged["id"], outputVariables=variables)
    assert _code(err) == "OutputVariablesSizeExceededException"
    assert "122880" in err.value.response["Error"]["Message"]


def test_answering_a_finished_job_is_an_invalid_job_state(
    acknowledged: Job, codepipeline: Client
) -> None:
    codepipeline.put_job_success_result(jobId=acknowledged["id"])
    with pytest.raises(ClientError) as err:
        codepipeline.put_job_success_result(jobId=acknowledged["id"])
    assert _code(err) == "InvalidJobStateException"
    assert err.value.response["Error"]["Message"]


def test_answering_a_job_no_worker_polled_is_an_invalid_job_state(
    jenkins: None, approvals: Approvals, codepipeline: Client
) -> None:
    (queued,) = [
        job_id
        for _, runtime in backend(approvals).loaded_runtimes()
        for job_id in runtime.jobs.jobs
    ]
    with pytest.raises(ClientError) as err:
        codepipeline.put_job_success_result(jobId=queued)
    assert _code(err) == "InvalidJobStateException"


def test_a_failure_fails_the_action_stage_and_execution_with_its_message(
    acknowledged: Job, codepipeline: Client
) -> None:
    codepipeline.put_job_failure_result(
        jobId=acknowledged["id"],
        failureDetails={
            "type": "JobFailed",
            "message": "Compilation failed",
            "externalExecutionId": "43",
        },
    )

    build = action_execution(codepipeline, "Build", "Compile")
    assert build["status"] == "Failed"
    assert build["output"]["executionResult"]["errorDetails"] == {
        "code": "JobFailed",
        "message": "Compilation failed",
    }
    assert build["output"]["executionResult"]["externalExecutionId"] == "43"
    assert stage_state(codepipeline, "Build")["latestExecution"]["status"] == "Failed"
    assert execution_status(codepipeline, newest_execution_id(codepipeline)) == "Failed"


def test_a_job_of_an_abandoned_execution_is_failed(acknowledged: Job, codepipeline: Client) -> None:
    codepipeline.stop_pipeline_execution(
        pipelineName="release", pipelineExecutionId=newest_execution_id(codepipeline), abandon=True
    )

    reply = codepipeline.acknowledge_job(jobId=acknowledged["id"], nonce=acknowledged["nonce"])
    assert reply["status"] == "Failed"
    with pytest.raises(ClientError) as err:
        codepipeline.put_job_success_result(jobId=acknowledged["id"])
    assert _code(err) == "InvalidJobStateException"


# -- the worker loop and timeouts ------------------------------------------------------------


def test_a_worker_loop_polls_acknowledges_continues_and_succeeds(
    jenkins: None, poll: Poll, codepipeline: Client
) -> None:
    steps = 0
    while (jobs := poll()) and steps < 5:
        (job,) = jobs
        codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
        steps += 1
        if steps < 3:
            codepipeline.put_job_success_result(jobId=job["id"], continuationToken=f"{steps}")
        else:
            assert job["data"]["continuationToken"] == "2"
            codepipeline.put_job_success_result(
                jobId=job["id"], executionDetails={"summary": f"done in {steps} steps"}
            )

    assert steps == 3
    assert execution_status(codepipeline, newest_execution_id(codepipeline)) == "Succeeded"


def test_a_custom_job_nobody_answers_times_out_after_24_hours(
    approvals: Approvals, create_pipeline: CreatePipeline, poll: Poll, codepipeline: Client
) -> None:
    register_jenkins(codepipeline)
    with freeze_time(START) as clock:
        create_pipeline(stages=custom_stages())
        (job,) = poll()
        clock.tick(datetime.timedelta(hours=24))

        reply = codepipeline.acknowledge_job(jobId=job["id"], nonce=job["nonce"])

        assert reply["status"] == "TimedOut"
        build = action_execution(codepipeline, "Build", "Compile")
        assert build["status"] == "Failed"
        assert execution_status(codepipeline, newest_execution_id(codepipeline)) == "Failed"


def test_an_encrypted_artifact_store_gives_the_job_its_key(
    approvals: Approvals,
    create_pipeline: CreatePipeline,
    poll: Poll,
    codepipeline: Client,
) -> None:
    register_jenkins(codepipeline)
    key = {"id": "arn:aws:kms:us-east-1:123456789012:key/1234abcd", "type": "KMS"}
    store = {"type": "S3", "location": "artifacts", "encryptionKey": key}
    create_pipeline(stages=custom_stages(), artifactStore=store)

    (job,) = poll()

    assert job["data"]["encryptionKey"] == key


def test_a_continued_job_shows_the_reported_progress_in_the_pipeline_state(
    acknowledged: Job, codepipeline: Client
) -> None:
    codepipeline.put_job_success_result(
        jobId=acknowledged["id"],
        continuationToken="half",
        executionDetails={"summary": "Half way", "percentComplete": 50},
    )

    latest = stage_state(codepipeline, "Build")["actionStates"][0]["latestExecution"]
    assert latest["status"] == "InProgress"
    assert latest["percentComplete"] == 50
    assert latest["summary"] == "Half way"


def test_polling_a_deleted_custom_type_is_action_type_not_found(
    jenkins: None, codepipeline: Client
) -> None:
    codepipeline.delete_custom_action_type(
        category=JENKINS["category"], provider=JENKINS["provider"], version=JENKINS["version"]
    )

    with pytest.raises(ClientError) as err:
        codepipeline.poll_for_jobs(actionTypeId=JENKINS, queryParam={"Project": "app"})
    assert _code(err) == "ActionTypeNotFoundException"
    assert err.value.response["Error"]["Message"]


FAILURE = {"type": "JobFailed", "message": "no"}
JOB_CALLS = [
    ("acknowledge_job", {"nonce": "n"}),
    ("get_job_details", {}),
    ("put_job_success_result", {}),
    ("put_job_failure_result", {"failureDetails": FAILURE}),
]
JOB_CALL_IDS = [name for name, _ in JOB_CALLS]


@pytest.mark.parametrize(("operation", "extra"), JOB_CALLS, ids=JOB_CALL_IDS)
def test_every_job_operation_answers_an_unknown_job_with_job_not_found(
    codepipeline: Client, approvals: Approvals, operation: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as err:
        getattr(codepipeline, operation)(jobId=UNKNOWN_JOB, **extra)
    assert _code(err) == "JobNotFoundException"
    assert err.value.response["Error"]["Message"]


@pytest.mark.parametrize(("operation", "extra"), JOB_CALLS, ids=JOB_CALL_IDS)
def test_every_job_operation_rejects_a_job_id_that_is_not_a_uuid(
    codepipeline: Client, approvals: Approvals, operation: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as err:
        getattr(codepipeline, operation)(jobId="job-1", **extra)
    assert _code(err) == "ValidationException"
    assert "jobId" in err.value.response["Error"]["Message"]


def test_failing_a_finished_job_is_an_invalid_job_state(
    acknowledged: Job, codepipeline: Client
) -> None:
    codepipeline.put_job_success_result(jobId=acknowledged["id"])
    with pytest.raises(ClientError) as err:
        codepipeline.put_job_failure_result(jobId=acknowledged["id"], failureDetails=FAILURE)
    assert _code(err) == "InvalidJobStateException"
    assert err.value.response["Error"]["Message"]


def test_a_reported_current_revision_is_the_revision_of_the_output_artifacts(
    codepipeline: Client, create_pipeline: CreatePipeline, poll: Poll
) -> None:
    register_jenkins(codepipeline)
    package = build_stage(project="package", action="Package")
    package["name"] = "Package"
    package["actions"][0]["inputArtifacts"] = [{"name": "Built"}]
    package["actions"][0]["outputArtifacts"] = []
    del package["actions"][0]["namespace"]
    create_pipeline(stages=custom_stages(package))
    (build,) = poll()
    codepipeline.acknowledge_job(jobId=build["id"], nonce=build["nonce"])

    codepipeline.put_job_success_result(
        jobId=build["id"], currentRevision={"revision": "build-42", "changeIdentifier": "42"}
    )

    (packaging,) = poll(queryParam={"Project": "package"})
    (built,) = packaging["data"]["inputArtifacts"]
    assert built["name"] == "Built"
    assert built["revision"] == "build-42"
