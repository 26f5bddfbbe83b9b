"""What the world hears of an execution: the approval SNS message and EventBridge events.

SNS: format from real captures (approvals-json-format): every key always present, in this
order; ``externalEntityLink`` and ``customData`` are JSON null when not configured; ``expires``
is the deadline truncated to the minute. The topic is looked up in moto's SNS backend of the
topic's own account and region, so a test subscribes an SQS queue or reads it as with any topic.

EventBridge: one "CodePipeline <Pipeline|Stage|Action> Execution State Change" event per state
change, in order, on the default bus of the pipeline's account and region, through moto's
events backend, so rules and their targets (SQS, Lambda, logs) see them
(detect-state-changes-cloudwatch-events).
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from moto_approvals.domain import (
    ActionRun,
    ArtifactLocation,
    EventLevel,
    EventState,
    PipelineExecution,
    StateChange,
)

#: AWS shortens long pipeline names in the subject; 24 characters is the longest seen kept.
SUBJECT_NAME_LIMIT = 24
SUBJECT_LIMIT = 100  # SNS's own limit on a subject
_VARIABLE = re.compile(r"#\{variables\.([A-Za-z0-9@\-_]+)\}")

_log = logging.getLogger("moto_approvals")


class _SigningWarmUp:
    """moto signs every SNS message it delivers with ``cryptography``, which keeps the
    ``datetime`` class it first meets. If that first time is under freezegun, every later
    unfrozen delivery fails with "'datetime' object is not an instance of 'FakeDatetime'".
    Signing a throwaway certificate while the clock is real, as early as possible, avoids it.
    """

    done = False

    @classmethod
    def run(cls) -> None:
        if cls.done or datetime.datetime.__module__ != "datetime":  # frozen: try later
            return
        cls.done = True
        try:
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.x509.oid import NameOID

            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "moto-approvals")])
            now = datetime.datetime(2000, 1, 1)
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(
                key.public_key()
            ).serial_number(1).not_valid_before(now).not_valid_after(
                now + datetime.timedelta(days=1)
            ).sign(key, hashes.SHA256())
        except Exception:  # no cryptography, or another one: nothing to warm
            _log.debug("SNS signing warm-up skipped", exc_info=True)


_SigningWarmUp.run()


AWS_CONSOLE = "https://console.aws.amazon.com/codesuite/codepipeline/pipelines"
#: Where a server started with ``--console-links`` serves its console, for the request being
#: answered. A context variable, not a setting: set by the server around each request it
#: handles (so two servers in one process keep their own), absent everywhere else.
_console_base: ContextVar[str | None] = ContextVar("moto_approvals_console_base", default=None)


@contextmanager
def console_links(base_url: str | None) -> Iterator[None]:
    """Within the block, approval messages link to the console at ``base_url`` (when given)."""
    token = _console_base.set(base_url.rstrip("/") if base_url else None)
    try:
        yield
    finally:
        _console_base.reset(token)


def _local_console(base: str, account_id: str, region: str, pipeline_name: str) -> str:
    parts = (account_id, region, "pipelines", pipeline_name)
    return f"{base}/approvals/#/" + "/".join(urllib.parse.quote(p, safe="") for p in parts)


def console_link(pipeline_name: str, region: str, account_id: str) -> str:
    """The message's ``consoleLink``: AWS's pipeline page, or this server's console's."""
    base = _console_base.get()
    if base is not None:
        return _local_console(base, account_id, region, pipeline_name)
    return f"{AWS_CONSOLE}/{pipeline_name}/view?region={region}"


def review_link(
    run: ActionRun, execution: PipelineExecution, region: str, account_id: str, token: str
) -> str:
    """The message's ``approvalReviewLink``: AWS's review page, or the console's approval form.

    The console finds the waiting approval by stage and action, so its link carries no token.
    """
    link = console_link(execution.pipeline_name, region, account_id)
    if _console_base.get() is not None:
        parts = ("approve", run.stage_name, run.action_name)
        return f"{link}/" + "/".join(urllib.parse.quote(p, safe="") for p in parts)
    return f"{link}#/{run.stage_name}/{run.action_name}/approve/{token}"


def resolve_variables(text: str, execution: PipelineExecution) -> str:
    """``#{variables.NAME}`` replaced by the execution's value; other references kept."""
    values = {v["name"]: v["value"] for v in execution.variables}
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def approval_subject(pipeline_name: str, action_name: str) -> str:
    if len(pipeline_name) > SUBJECT_NAME_LIMIT:
        pipeline_name = pipeline_name[:SUBJECT_NAME_LIMIT] + "..."
    subject = f"APPROVAL NEEDED: AWS CodePipeline {pipeline_name} for action {action_name}"
    return subject[:SUBJECT_LIMIT]


def approval_message(
    run: ActionRun, execution: PipelineExecution, region: str, account_id: str
) -> dict[str, Any]:
    assert run.token is not None and run.expires_at is not None
    config = run.configuration  # references resolved when the approval started

    def configured(key: str) -> str | None:
        value = config.get(key)
        return None if value is None else resolve_variables(value, execution)

    return {
        "region": region,
        "consoleLink": console_link(execution.pipeline_name, region, account_id),
        "approval": {
            "pipelineName": execution.pipeline_name,
            "stageName": run.stage_name,
            "actionName": run.action_name,
            "token": run.token,
            "expires": run.expires_at.strftime("%Y-%m-%dT%H:%MZ"),
            "externalEntityLink": configured("ExternalEntityLink"),
            "approvalReviewLink": review_link(run, execution, region, account_id, run.token),
            "customData": configured("CustomData"),
        },
    }


def publish_approval_needed(
    run: ActionRun, execution: PipelineExecution, region: str, account_id: str
) -> None:
    """Publish to the action's ``NotificationArn``, if it names an existing moto topic.

    A delivery that fails is logged as a warning: the approval waits all the same, and the
    call that started it succeeds.
    """
    topic_arn = run.action.configuration.get("NotificationArn")
    if not topic_arn:
        return
    _SigningWarmUp.run()
    try:
        _publish(topic_arn, run, execution, region, account_id)
    except Exception:
        _log.warning(
            "moto-approvals could not publish the approval of %s/%s to %s",
            run.stage_name,
            run.action_name,
            topic_arn,
            exc_info=True,
        )


def _publish(
    topic_arn: str, run: ActionRun, execution: PipelineExecution, region: str, account_id: str
) -> None:
    from moto.sns.models import sns_backends  # moto's SNS only where a topic is configured

    parts = topic_arn.split(":")
    if len(parts) != 6:
        return
    topic_region, topic_account = parts[3], parts[4]
    topic = sns_backends[topic_account][topic_region].topics.get(topic_arn)
    if topic is None:  # a missing topic does not stop the pipeline: the approval still waits
        return
    topic.publish(
        json.dumps(approval_message(run, execution, region, account_id)),
        subject=approval_subject(execution.pipeline_name, run.action_name),
    )


EVENT_SOURCE = "aws.codepipeline"
_COMPLETIONS = (EventState.SUCCEEDED, EventState.FAILED)


def _event_time(change: StateChange) -> float:
    # moto's events backend renders ``time`` as the number it is given (its own clock's epoch
    # seconds); the instant of the change, not of the request, keeps expiries in order.
    return (change.at - datetime.datetime(1970, 1, 1)).total_seconds()


def _artifacts(locations: Sequence[ArtifactLocation]) -> list[dict[str, Any]]:
    return [{"name": a.name, "s3location": {"bucket": a.bucket, "key": a.key}} for a in locations]


def state_change_detail(change: StateChange, region: str) -> dict[str, Any]:
    """The event's ``detail``, keys in the documented order."""
    execution = change.execution
    detail: dict[str, Any] = {
        "pipeline": execution.pipeline_name,
        "execution-id": execution.pipeline_execution_id,
    }
    if change.level is EventLevel.PIPELINE:
        if change.state is EventState.STARTED:
            detail["execution-trigger"] = {
                "trigger-type": execution.trigger_type,
                "trigger-detail": execution.trigger_detail,
            }
        if change.state is EventState.STOPPING and execution.stop_reason is not None:
            detail["stop-execution-comments"] = execution.stop_reason
        detail["start-time"] = execution.start_time.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    else:
        detail["stage"] = change.stage_name
    run = change.action_run
    if run is not None:
        detail["action"] = run.action_name
        # Where the action's artifacts are (detect-state-changes-cloudwatch-events).
        if run.input_artifacts:
            detail["input-artifacts"] = _artifacts(run.input_artifacts)
        if run.output_artifacts:
            detail["output-artifacts"] = _artifacts(run.output_artifacts)
    detail["state"] = change.state.value
    if run is not None:
        detail["region"] = run.action.region or region
        type_id = run.action.action_type_id
        detail["type"] = {key: type_id[key] for key in ("owner", "provider", "category", "version")}
    # A number, as AWS sends it (the schema registry says string; real events disagree).
    detail["version"] = float(execution.pipeline_version)
    if run is not None and change.state in _COMPLETIONS:
        result = {
            "external-execution-url": run.external_execution_url,
            "external-execution-summary": run.summary or None,
            "external-execution-id": run.external_execution_id,
            "error-code": run.error_code if change.state is EventState.FAILED else None,
        }
        present = {key: value for key, value in result.items() if value is not None}
        if present:
            detail["execution-result"] = present
    return detail


def state_change_entry(change: StateChange, region: str, pipeline_arn: str) -> dict[str, Any]:
    """A PutEvents entry for moto's events backend."""
    return {
        "Source": EVENT_SOURCE,
        "DetailType": f"CodePipeline {change.level.value} Execution State Change",
        "Detail": json.dumps(state_change_detail(change, region)),
        "Resources": [pipeline_arn],
        "Time": _event_time(change),
    }


def default_bus_rules(account_id: str, region: str) -> list[Any] | None:
    """The rules of moto's default event bus (archives are rules too); None when moto keeps
    them where this cannot see."""
    from moto.events.models import events_backends

    return _rules_of_default_bus(events_backends[account_id][region])


def _rules_of_default_bus(events: Any) -> list[Any] | None:
    rules = getattr(getattr(events, "event_buses", {}).get("default"), "rules", None)
    return None if rules is None else list(rules.values())


def publish_state_changes(
    changes: list[StateChange], account_id: str, region: str, pipeline_arn: str
) -> None:
    """Put the events on the default bus, in order; a failing rule target is logged."""
    if not changes:
        return
    from moto.events.models import events_backends

    try:
        bus = events_backends[account_id][region]
        # No rule on the default bus: nothing could observe an event, so none is built or
        # put, which is most of a write's own cost.
        rules = _rules_of_default_bus(bus)
        if rules is not None and not rules:
            return
        entries = [state_change_entry(change, region, pipeline_arn) for change in changes]
    except Exception:
        _log.warning("moto-approvals could not build events for %s", pipeline_arn, exc_info=True)
        return
    # One entry per call: moto stops a call at the first rule target that fails, and a
    # failure must cost only the event it hit, never the call that caused it.
    for entry in entries:
        try:
            bus.put_events([entry])
        except Exception:
            _log.warning(
                "moto-approvals could not deliver the %s event of %s",
                entry["DetailType"],
                pipeline_arn,
                exc_info=True,
            )
