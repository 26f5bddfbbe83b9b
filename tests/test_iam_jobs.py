"""IAM enforcement of the job operations, on the resources the Service Authorization
Reference names: PollForJobs on the polled action type, every other job operation on ``*``
(the reference lists no resource type for them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import test_iam
from botocore.exceptions import ClientError
from job_fixtures import JENKINS, custom_stages, register_jenkins
from pipelines import REGION, Client, CreatePipeline
from test_iam import ACCOUNT, User, _denied

from moto_approvals import Approvals

JENKINS_ARN = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:actiontype:Custom/Build/Jenkins/1"
PIPELINE_ARN = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:release"
QUERY = {"Project": "app"}


@pytest.fixture
def job_id(approvals: Approvals, create_pipeline: CreatePipeline, codepipeline: Client) -> str:
    """A Jenkins job, polled by the administrator: dispatched, waiting for its worker."""
    register_jenkins(codepipeline)
    create_pipeline(stages=custom_stages())
    (job,) = codepipeline.poll_for_jobs(actionTypeId=JENKINS, queryParam=QUERY)["jobs"]
    return str(job["id"])


def _allow(operation: str, resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": f"codepipeline:{operation}", "Resource": resource}


def _deny(operation: str, resource: str) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": f"codepipeline:{operation}", "Resource": resource}


EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}
# IAM enforcement and its users, as the IAM tests set them up.
enforce = test_iam.enforce
user = test_iam.user
approver_with = test_iam.approver_with

# -- PollForJobs: the action type polled ------------------------------------------------------


@pytest.fixture
def queued(approvals: Approvals, create_pipeline: CreatePipeline, codepipeline: Client) -> None:
    """A Jenkins job still queued."""
    register_jenkins(codepipeline)
    create_pipeline(stages=custom_stages())


def test_an_allow_on_the_action_type_lets_a_worker_poll_it(
    queued: None, approver_with: User
) -> None:
    worker = approver_with(_allow("PollForJobs", JENKINS_ARN))

    jobs = worker.poll_for_jobs(actionTypeId=JENKINS, queryParam=QUERY)["jobs"]

    assert len(jobs) == 1


def test_an_allow_on_another_action_type_is_an_implicit_deny_of_poll_for_jobs(
    queued: None, approver_with: User
) -> None:
    other = JENKINS_ARN.replace("Jenkins", "TeamCity")
    worker = approver_with(_allow("PollForJobs", other))

    with pytest.raises(ClientError) as err:
        worker.poll_for_jobs(actionTypeId=JENKINS, queryParam=QUERY)

    _denied(err, "PollForJobs", JENKINS_ARN, "implicit")


def test_a_deny_on_the_action_type_denies_poll_for_jobs_and_leaves_the_job_queued(
    queued: None, user: User, approver_with: User
) -> None:
    admin = user("admin", EVERYTHING)
    worker = approver_with(EVERYTHING, _deny("PollForJobs", JENKINS_ARN))

    with pytest.raises(ClientError) as err:
        worker.poll_for_jobs(actionTypeId=JENKINS, queryParam=QUERY)

    _denied(err, "PollForJobs", JENKINS_ARN, "explicit")
    assert admin.poll_for_jobs(actionTypeId=JENKINS, queryParam=QUERY)["jobs"]


# -- the rest of the worker family: "*" -------------------------------------------------------

#: (operation, the call on a client given the job id)
WORKER_CALLS: list[tuple[str, Callable[[Client, str], Any]]] = [
    ("GetJobDetails", lambda c, job: c.get_job_details(jobId=job)),
    (
        "PutJobSuccessResult",
        lambda c, job: c.put_job_success_result(jobId=job, executionDetails={"summary": "built"}),
    ),
    (
        "PutJobFailureResult",
        lambda c, job: c.put_job_failure_result(
            jobId=job, failureDetails={"type": "JobFailed", "message": "broken"}
        ),
    ),
]
WORKER_IDS = [operation for operation, _ in WORKER_CALLS]


@pytest.mark.parametrize(("operation", "call"), WORKER_CALLS, ids=WORKER_IDS)
def test_an_allow_on_star_lets_a_worker_answer_its_job(
    job_id: str, approver_with: User, operation: str, call: Callable[[Client, str], Any]
) -> None:
    worker = approver_with(_allow(operation, "*"))

    call(worker, job_id)


@pytest.mark.parametrize(("operation", "call"), WORKER_CALLS, ids=WORKER_IDS)
def test_an_allow_on_a_pipeline_does_not_cover_a_job_operation(
    job_id: str, approver_with: User, operation: str, call: Callable[[Client, str], Any]
) -> None:
    worker = approver_with(_allow(operation, PIPELINE_ARN))

    with pytest.raises(ClientError) as err:
        call(worker, job_id)

    _denied(err, operation, "*", "implicit")


@pytest.mark.parametrize(("operation", "call"), WORKER_CALLS, ids=WORKER_IDS)
def test_a_deny_on_star_denies_a_job_operation_and_leaves_the_job_open(
    job_id: str,
    user: User,
    approver_with: User,
    operation: str,
    call: Callable[[Client, str], Any],
) -> None:
    admin = user("admin", EVERYTHING)
    worker = approver_with(EVERYTHING, _deny(operation, "*"))

    with pytest.raises(ClientError) as err:
        call(worker, job_id)

    _denied(err, operation, "*", "explicit")
    admin.put_job_success_result(jobId=job_id)  # still open: the denied call did nothing


def test_a_deny_on_acknowledge_job_denies_it(job_id: str, approver_with: User) -> None:
    worker = approver_with(EVERYTHING, _deny("AcknowledgeJob", "*"))

    with pytest.raises(ClientError) as err:
        worker.acknowledge_job(jobId=job_id, nonce="any")

    _denied(err, "AcknowledgeJob", "*", "explicit")


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("PollForThirdPartyJobs", lambda c: c.poll_for_third_party_jobs(actionTypeId=JENKINS)),
        (
            "GetThirdPartyJobDetails",
            lambda c: c.get_third_party_job_details(jobId="j", clientToken="t"),
        ),
        (
            "AcknowledgeThirdPartyJob",
            lambda c: c.acknowledge_third_party_job(jobId="j", nonce="n", clientToken="t"),
        ),
        (
            "PutThirdPartyJobSuccessResult",
            lambda c: c.put_third_party_job_success_result(jobId="j", clientToken="t"),
        ),
        (
            "PutThirdPartyJobFailureResult",
            lambda c: c.put_third_party_job_failure_result(
                jobId="j", clientToken="t", failureDetails={"type": "JobFailed", "message": "m"}
            ),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_deny_on_star_denies_a_third_party_job_operation(
    approvals: Approvals, approver_with: User, operation: str, call: Callable[[Client], Any]
) -> None:
    worker = approver_with(EVERYTHING, _deny(operation, "*"))

    with pytest.raises(ClientError) as err:
        call(worker)

    _denied(err, operation, "*", "explicit")
