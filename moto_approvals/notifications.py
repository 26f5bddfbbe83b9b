"""The SNS message AWS publishes when an execution reaches a manual approval.

Format from real captures (approvals-json-format): every key always present, in this order;
``externalEntityLink`` and ``customData`` are JSON null when not configured; ``expires`` is the
deadline truncated to the minute. The topic is looked up in moto's SNS backend of the topic's
own account and region, so a test subscribes an SQS queue or reads it as with any moto topic.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto_approvals.domain import ActionRun, PipelineExecution

#: AWS shortens long pipeline names in the subject; 24 characters is the longest seen kept.
SUBJECT_NAME_LIMIT = 24
SUBJECT_LIMIT = 100  # SNS's own limit on a subject
_VARIABLE = re.compile(r"#\{variables\.([A-Za-z0-9@\-_]+)\}")


def console_link(pipeline_name: str, region: str) -> str:
    return (
        "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/"
        f"{pipeline_name}/view?region={region}"
    )


def resolve_variables(text: str, execution: PipelineExecution) -> str:
    """``#{variables.NAME}`` replaced by the execution's value; other references kept."""
    values = {v["name"]: v["value"] for v in execution.variables}
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def approval_subject(pipeline_name: str, action_name: str) -> str:
    if len(pipeline_name) > SUBJECT_NAME_LIMIT:
        pipeline_name = pipeline_name[:SUBJECT_NAME_LIMIT] + "..."
    subject = f"APPROVAL NEEDED: AWS CodePipeline {pipeline_name} for action {action_name}"
    return subject[:SUBJECT_LIMIT]


def approval_message(run: ActionRun, execution: PipelineExecution, region: str) -> dict[str, Any]:
    assert run.token is not None and run.expires_at is not None
    config = run.action.configuration
    link = console_link(execution.pipeline_name, region)

    def configured(key: str) -> str | None:
        value = config.get(key)
        return None if value is None else resolve_variables(value, execution)

    return {
        "region": region,
        "consoleLink": link,
        "approval": {
            "pipelineName": execution.pipeline_name,
            "stageName": run.stage_name,
            "actionName": run.action_name,
            "token": run.token,
            "expires": run.expires_at.strftime("%Y-%m-%dT%H:%MZ"),
            "externalEntityLink": configured("ExternalEntityLink"),
            "approvalReviewLink": f"{link}#/{run.stage_name}/{run.action_name}/approve/{run.token}",
            "customData": configured("CustomData"),
        },
    }


def publish_approval_needed(run: ActionRun, execution: PipelineExecution, region: str) -> None:
    """Publish to the action's ``NotificationArn``, if it names an existing moto topic."""
    topic_arn = run.action.configuration.get("NotificationArn")
    if not topic_arn:
        return
    from moto.sns.models import sns_backends  # moto's SNS only where a topic is configured

    parts = topic_arn.split(":")
    if len(parts) != 6:
        return
    topic_region, topic_account = parts[3], parts[4]
    topic = sns_backends[topic_account][topic_region].topics.get(topic_arn)
    if topic is None:  # a missing topic does not stop the pipeline: the approval still waits
        return
    topic.publish(
        json.dumps(approval_message(run, execution, region)),
        subject=approval_subject(execution.pipeline_name, run.action_name),
    )
