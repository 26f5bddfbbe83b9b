"""What a job looks like on the wire: JobData, ThirdPartyJobData and the Lambda event.

A worker reads the action's resolved configuration, where its artifacts are in the artifact
store, the credentials to reach them, the continuation token of a continued job and the
store's KMS key (API Reference: ``JobData``; User Guide, action-reference-Lambda, "Example
JSON event").
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moto_approvals.domain import ArtifactLocation, Declaration
from moto_approvals.engine.jobs import Job
from moto_approvals.engine.rule_jobs import RuleJob

Json = dict[str, Any]


@dataclass(frozen=True)
class JobContext:
    """What the job's pipeline adds to it: who owns it, and how its artifacts are stored."""

    account_id: str
    pipeline_name: str
    pipeline_arn: str
    encryption_key: Json | None


def encryption_key(declaration: Declaration, region: str) -> Json | None:
    """The artifact store's ``encryptionKey`` for actions running in ``region``, if any."""
    store = declaration.get("artifactStore") or (declaration.get("artifactStores") or {}).get(
        region
    )
    key = (store or {}).get("encryptionKey")
    return {"id": key["id"], "type": key["type"]} if key else None


def artifact_credentials(job_id: str) -> Json:
    """Temporary credentials for the artifact store: moto's S3 accepts any, so these are
    derived from the job id (stable for the job, different between jobs)."""
    digest = hashlib.sha256(job_id.encode()).hexdigest().upper()
    return {
        "accessKeyId": "ASIA" + digest[:16],
        "secretAccessKey": digest[16:56],
        "sessionToken": "FwoGZXIvYXdzE" + digest[:40],
    }


def _artifact(location: ArtifactLocation, null_revision: bool) -> Json:
    data: Json = {"name": location.name}
    if location.revision_id is not None:
        data["revision"] = location.revision_id
    elif null_revision:
        data["revision"] = None  # the Lambda event says null; the API omits the member
    data["location"] = {
        "type": "S3",
        "s3Location": {"bucketName": location.bucket, "objectKey": location.key},
    }
    return data


def _common(job: Job | RuleJob, context: JobContext, lambda_event: bool) -> Json:
    """What every job's data carries; an action's job reads its run, a rule's its rule."""
    inputs: Sequence[ArtifactLocation]
    outputs: Sequence[ArtifactLocation]
    if isinstance(job, RuleJob):
        configuration = job.configuration
        inputs, outputs = job.input_artifacts, job.output_artifacts
    else:
        configuration = job.run.configuration
        inputs, outputs = job.run.input_artifacts, job.run.output_artifacts
    data: Json = {
        "actionConfiguration": {"configuration": dict(configuration)},
        "inputArtifacts": [_artifact(a, lambda_event) for a in inputs],
        "outputArtifacts": [_artifact(a, lambda_event) for a in outputs],
        "artifactCredentials": artifact_credentials(job.job_id),
    }
    if job.continuation_token is not None:
        data["continuationToken"] = job.continuation_token
    if context.encryption_key is not None:
        data["encryptionKey"] = dict(context.encryption_key)
    return data


def job_data(job: Job, context: JobContext) -> Json:
    """``JobData`` (PollForJobs, GetJobDetails) and ``ThirdPartyJobData``."""
    run = job.run
    pipeline_context = {
        "pipelineName": context.pipeline_name,
        "stage": {"name": run.stage_name},
        "action": {"name": run.action_name, "actionExecutionId": run.action_execution_id},
        "pipelineArn": context.pipeline_arn,
        "pipelineExecutionId": run.pipeline_execution_id,
    }
    return {
        "actionTypeId": dict(run.action.action_type_id),
        "pipelineContext": pipeline_context,
        **_common(job, context, lambda_event=False),
    }


def job_item(job: Job, context: JobContext) -> Json:
    """A ``Job`` of PollForJobs; its nonce is the one AcknowledgeJob must send back."""
    item: Json = {"id": job.job_id, "data": job_data(job, context)}
    if job.nonce is not None:
        item["nonce"] = job.nonce
    item["accountId"] = context.account_id
    return item


def rule_job_data(job: RuleJob, context: JobContext) -> Json:
    """``JobData`` of a LambdaInvoke rule's job: a rule is no action, so the pipeline context
    names the stage only and there is no action type (the API leaves both optional)."""
    run = job.rule_run
    pipeline_context = {
        "pipelineName": context.pipeline_name,
        "stage": {"name": run.stage_name},
        "pipelineArn": context.pipeline_arn,
        "pipelineExecutionId": run.pipeline_execution_id,
    }
    return {"pipelineContext": pipeline_context, **_common(job, context, lambda_event=False)}


def job_details(job: Job | RuleJob, context: JobContext) -> Json:
    """GetJobDetails' ``JobDetails``."""
    data = rule_job_data(job, context) if isinstance(job, RuleJob) else job_data(job, context)
    return {"id": job.job_id, "data": data, "accountId": context.account_id}


def third_party_job_details(job: Job, context: JobContext) -> Json:
    """GetThirdPartyJobDetails' ``ThirdPartyJobDetails``."""
    details: Json = {"id": job.job_id, "data": job_data(job, context)}
    if job.nonce is not None:
        details["nonce"] = job.nonce
    return details


def lambda_event(job: Job | RuleJob, context: JobContext) -> Json:
    """The event CodePipeline invokes a Lambda function with (action-reference-Lambda); a
    LambdaInvoke rule's function gets the same, with the rule's configuration."""
    return {
        "CodePipeline.job": {
            "id": job.job_id,
            "accountId": context.account_id,
            "data": _common(job, context, lambda_event=True),
        }
    }
