"""Webhooks: PutWebhook, ListWebhooks, DeleteWebhook, (De)RegisterWebhookWithThirdParty."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from pipelines import REGION, Client, CreatePipeline, error_of

ARN = f"arn:aws:codepipeline:{REGION}:{DEFAULT_ACCOUNT_ID}:webhook:on-push"


def webhook(**extra: Any) -> dict[str, Any]:
    return {
        "name": "on-push",
        "targetPipeline": "release",
        "targetAction": "Fetch",
        "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/main"}],
        "authentication": "GITHUB_HMAC",
        "authenticationConfiguration": {"SecretToken": "s3cr3t"},
        **extra,
    }


def test_put_webhook_returns_its_arn_url_and_redacted_secret(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    item = codepipeline.put_webhook(webhook=webhook())["webhook"]

    assert item["arn"] == ARN
    assert item["url"].startswith(f"https://{REGION}.webhooks.aws/trigger?t=")
    assert item["definition"]["authenticationConfiguration"] == {"SecretToken": "<REDACTED>"}


def test_list_webhooks_lists_each_webhook_once_with_its_tags(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.put_webhook(webhook=webhook(), tags=[{"key": "team", "value": "web"}])
    codepipeline.put_webhook(webhook=webhook())  # a replacement keeps URL, ARN and tags

    listed = codepipeline.list_webhooks()["webhooks"]

    assert [w["arn"] for w in listed] == [ARN]
    assert listed[0]["tags"] == [{"key": "team", "value": "web"}]


def test_webhook_tags_are_read_and_written_through_its_arn(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.put_webhook(webhook=webhook())

    codepipeline.tag_resource(resourceArn=ARN, tags=[{"key": "env", "value": "prod"}])
    codepipeline.untag_resource(resourceArn=ARN, tagKeys=["missing"])

    assert codepipeline.list_tags_for_resource(resourceArn=ARN)["tags"] == [
        {"key": "env", "value": "prod"}
    ]


def test_delete_webhook_removes_it_and_succeeds_when_already_gone(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.put_webhook(webhook=webhook())

    codepipeline.delete_webhook(name="on-push")
    codepipeline.delete_webhook(name="on-push")

    assert codepipeline.list_webhooks()["webhooks"] == []


def test_a_webhook_for_a_missing_pipeline_is_pipeline_not_found(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.put_webhook(webhook=webhook())

    assert error_of(err) == (
        "PipelineNotFoundException",
        f"Account '{DEFAULT_ACCOUNT_ID}' does not have a pipeline with name 'release'",
    )


def test_a_filter_that_is_not_a_json_path_is_invalid(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.put_webhook(webhook=webhook(filters=[{"jsonPath": "ref"}]))

    assert error_of(err) == (
        "InvalidWebhookFilterPatternException",
        "Filter 1: jsonPath 'ref' is not a JsonPath expression; write it as '$' followed by "
        "members, such as '$.ref'.",
    )


def test_an_ip_webhook_without_an_ip_range_is_invalid(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.put_webhook(webhook=webhook(authentication="IP"))

    assert error_of(err) == (
        "InvalidWebhookAuthenticationParametersException",
        "Authentication IP takes only AllowedIPRange in authenticationConfiguration; got "
        "SecretToken.",
    )


def test_registering_an_unknown_webhook_is_webhook_not_found(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.register_webhook_with_third_party(webhookName="missing")

    assert error_of(err) == (
        "WebhookNotFoundException",
        "The specified webhook was entered in an invalid format or cannot be found.",
    )


def test_a_webhook_registers_and_deregisters_with_the_third_party(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.put_webhook(webhook=webhook())

    codepipeline.register_webhook_with_third_party(webhookName="on-push")
    codepipeline.deregister_webhook_with_third_party(webhookName="on-push")

    assert len(codepipeline.list_webhooks()["webhooks"]) == 1


def test_a_webhook_on_an_action_outside_the_first_stage_is_a_validation_error(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.put_webhook(webhook=webhook(targetAction="Ship"))

    assert error_of(err) == (
        "ValidationException",
        "Webhook target action 'Ship' is not an action of the first (source) stage 'Source' "
        "of pipeline 'release'.",
    )


def test_a_replaced_webhook_keeps_its_url_and_outlives_its_pipeline(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    first = codepipeline.put_webhook(webhook=webhook())["webhook"]["url"]
    second = codepipeline.put_webhook(webhook=webhook(filters=[]))["webhook"]["url"]

    codepipeline.delete_pipeline(name="release")

    assert second == first
    assert [w["url"] for w in codepipeline.list_webhooks()["webhooks"]] == [first]
