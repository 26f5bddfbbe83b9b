"""``--console-links``: approval messages that open this server's console, not AWS's.

Off by default: without the option the message keeps AWS's exact links (test_notifications).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pipelines import (
    APPROVAL_KEYS,
    APPROVAL_MESSAGE_KEYS,
    REGION,
    approval_stage,
    deploy_stage,
    drain,
    reset_server,
    server_client,
    server_pipeline,
    source_stage,
    sqs_queue,
)

from moto_approvals.notifications import console_link, console_links
from moto_approvals.server import running_server

ACCOUNT = "123456789012"
AWS_LINK = (
    "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/release/view?region=us-east-1"
)


@pytest.fixture(scope="module")
def linked_url() -> Iterator[str]:
    with running_server(console_links=True) as endpoint:
        yield endpoint


def approval_message(url: str) -> dict[str, Any]:
    """The SNS message of the approval a new pipeline on the server at ``url`` waits at."""
    reset_server(url)
    sns, sqs = server_client(url, "sns"), server_client(url, "sqs")
    topic_arn = sns.create_topic(Name="approvals")["TopicArn"]
    queue_url, queue_arn = sqs_queue(sqs, "approvals")
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    notified = approval_stage(configuration={"NotificationArn": topic_arn})
    server_pipeline(url, stages=[source_stage(), notified, deploy_stage()])
    (envelope,) = drain(sqs, queue_url)
    message: dict[str, Any] = json.loads(envelope["Message"])
    return message


def test_the_console_link_opens_the_pipeline_in_this_servers_console(linked_url: str) -> None:
    message = approval_message(linked_url)

    assert message["consoleLink"] == (
        f"{linked_url}/approvals/#/{ACCOUNT}/{REGION}/pipelines/release"
    )


def test_the_review_link_opens_the_approval_form(linked_url: str) -> None:
    message = approval_message(linked_url)

    assert message["approval"]["approvalReviewLink"] == (
        f"{linked_url}/approvals/#/{ACCOUNT}/{REGION}/pipelines/release"
        "/approve/Approve/ManualApproval"
    )


def test_the_rest_of_the_message_keeps_its_keys_and_order(linked_url: str) -> None:
    message = approval_message(linked_url)

    assert list(message) == APPROVAL_MESSAGE_KEYS
    assert list(message["approval"]) == APPROVAL_KEYS
    assert message["approval"]["token"]


def test_a_given_address_replaces_the_servers_own() -> None:
    with running_server(console_links="http://approvals.example:8080/") as url:
        message = approval_message(url)

    assert message["consoleLink"] == (
        f"http://approvals.example:8080/approvals/#/{ACCOUNT}/{REGION}/pipelines/release"
    )


def test_a_server_without_the_option_keeps_aws_links(linked_url: str) -> None:
    with running_server() as url:  # beside a linking server in the same process
        message = approval_message(url)

    assert message["consoleLink"] == AWS_LINK
    assert message["approval"]["approvalReviewLink"].startswith(f"{AWS_LINK}#/Approve/")


@pytest.mark.parametrize(
    "address",
    ["localhost:5000", "ftp://example.com", "http://", "http://h:1/?q=1", "http://h:1/#/x"],
    ids=["no-scheme", "not-http", "no-host", "query", "fragment"],
)
def test_an_address_that_is_not_a_web_url_is_refused_before_binding(address: str) -> None:
    with (
        pytest.raises(ValueError, match="invalid console address"),
        running_server(console_links=address),
    ):
        pytest.fail("the server started")


def test_links_follow_the_server_answering_the_request() -> None:
    with console_links("http://127.0.0.1:5000"):
        inside = console_link("release", REGION, ACCOUNT)
    outside = console_link("release", REGION, ACCOUNT)

    assert inside == f"http://127.0.0.1:5000/approvals/#/{ACCOUNT}/{REGION}/pipelines/release"
    assert outside == AWS_LINK
