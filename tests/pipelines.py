"""Pipeline declarations and small readers shared by the tests."""

from __future__ import annotations

from typing import Any

REGION = "us-east-1"
Client = Any  # boto3's generated clients have no static type
Declaration = dict[str, Any]

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
MANUAL = {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}
SOURCE = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
BUILD = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
DEPLOY = {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"}
APPROVE = {"status": "Approved", "summary": "Looks good"}
REJECT = {"status": "Rejected", "summary": "Not today"}


def source_stage(name: str = "Source") -> Declaration:
    return {
        "name": name,
        "actions": [
            {
                "name": "Fetch",
                "actionTypeId": SOURCE,
                "configuration": {"S3Bucket": "src", "S3ObjectKey": "app.zip"},
                "outputArtifacts": [{"name": "App"}],
            }
        ],
    }


def approval_stage(
    name: str = "Approve", action: str = "ManualApproval", **extra: Any
) -> Declaration:
    return {"name": name, "actions": [{"name": action, "actionTypeId": MANUAL, **extra}]}


def deploy_stage(name: str = "Deploy", action: str = "Ship") -> Declaration:
    return {
        "name": name,
        "actions": [
            {
                "name": action,
                "actionTypeId": DEPLOY,
                "configuration": {"BucketName": "prod", "Extract": "true"},
                "inputArtifacts": [{"name": "App"}],
            }
        ],
    }


def declaration(
    role_arn: str, name: str = "release", stages: list[Declaration] | None = None, **extra: Any
) -> Declaration:
    return {
        "name": name,
        "roleArn": role_arn,
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": stages or [source_stage(), approval_stage(), deploy_stage()],
        **extra,
    }


def approval_token(codepipeline: Client, pipeline: str = "release", stage: str = "Approve") -> str:
    """The token GetPipelineState shows for the stage's first action."""
    state = codepipeline.get_pipeline_state(name=pipeline)
    stage_state = next(s for s in state["stageStates"] if s["stageName"] == stage)
    return str(stage_state["actionStates"][0]["latestExecution"]["token"])


def stage_state(codepipeline: Client, stage: str, pipeline: str = "release") -> dict[str, Any]:
    state = codepipeline.get_pipeline_state(name=pipeline)
    found: dict[str, Any] = next(s for s in state["stageStates"] if s["stageName"] == stage)
    return found
