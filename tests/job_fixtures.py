"""Action types and pipelines shared by the job tests (custom, third-party, Lambda)."""

from __future__ import annotations

from typing import Any

from pipelines import REGION, Client, Declaration, source_stage

from moto_approvals import Approvals
from moto_approvals.models import ApprovalsBackend, approvals_backends

JENKINS = {"category": "Build", "owner": "Custom", "provider": "Jenkins", "version": "1"}
PARTNER = {"category": "Deploy", "owner": "ThirdParty", "provider": "Partner", "version": "1"}
LAMBDA = {"category": "Invoke", "owner": "AWS", "provider": "Lambda", "version": "1"}
#: Job ids are UUIDs; this one belongs to no job.
UNKNOWN_JOB = "0c35520a-b7e6-403d-ba3f-e02120b524c3"


def backend(approvals: Approvals) -> ApprovalsBackend:
    """The handle's backend; a server in this process shares it."""
    found: ApprovalsBackend = approvals_backends[approvals.account_id][REGION]
    return found


def register_jenkins(codepipeline: Client) -> None:
    """The custom type JENKINS, with one required, queryable property ``Project``."""
    codepipeline.create_custom_action_type(
        category=JENKINS["category"],
        provider=JENKINS["provider"],
        version=JENKINS["version"],
        configurationProperties=[
            {"name": "Project", "required": True, "key": True, "secret": False, "queryable": True}
        ],
        settings={"executionUrlTemplate": "https://ci.example.com/{ExternalExecutionId}"},
        inputArtifactDetails={"minimumCount": 0, "maximumCount": 5},
        outputArtifactDetails={"minimumCount": 0, "maximumCount": 5},
    )


def register_partner(codepipeline: Client) -> None:
    """The third-party type PARTNER, as its provider declares it with UpdateActionType."""
    codepipeline.update_action_type(
        actionType={
            "id": PARTNER,
            "executor": {
                "configuration": {"jobWorkerExecutorConfiguration": {}},
                "type": "JobWorker",
            },
            "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
            "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
        }
    )


def build_stage(project: str = "app", action: str = "Compile", **extra: Any) -> Declaration:
    """A stage running one JENKINS action that reads App and writes Built."""
    return {
        "name": "Build",
        "actions": [
            {
                "name": action,
                "actionTypeId": JENKINS,
                "configuration": {"Project": project},
                "inputArtifacts": [{"name": "App"}],
                "outputArtifacts": [{"name": "Built"}],
                "namespace": "BuildVariables",
                **extra,
            }
        ],
    }


def custom_stages(*later: Declaration) -> list[Declaration]:
    return [source_stage(), build_stage(), *later]


def action_execution(codepipeline: Client, stage: str, action: str) -> dict[str, Any]:
    """The newest ListActionExecutions entry of one action."""
    details = codepipeline.list_action_executions(pipelineName="release")["actionExecutionDetails"]
    found: dict[str, Any] = next(
        d for d in details if (d["stageName"], d["actionName"]) == (stage, action)
    )
    return found
