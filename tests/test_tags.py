"""Tags on pipelines: CreatePipeline, TagResource, UntagResource, ListTagsForResource."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from pipelines import REGION, Client, CreatePipeline, declaration, error_of

ARN = f"arn:aws:codepipeline:{REGION}:{DEFAULT_ACCOUNT_ID}:release"
SYSTEM_TAGS = (
    "Not allowed to modify system tags. System tags start with 'aws:'. "
    "msg=[Caller is an end user and not allowed to mutate system tags]"
)
TOO_MANY = f"Tag limit exceeded for resource [{ARN}]."


def tags(count: int, prefix: str = "k") -> list[dict[str, str]]:
    return [{"key": f"{prefix}{i:02}", "value": str(i)} for i in range(count)]


def listed(codepipeline: Client) -> list[dict[str, str]]:
    found: list[dict[str, str]] = codepipeline.list_tags_for_resource(resourceArn=ARN)["tags"]
    return found


def test_create_pipeline_returns_and_stores_its_tags_by_key(
    codepipeline: Client, role_arn: str
) -> None:
    given = [{"key": "team", "value": "web"}, {"key": "env", "value": "prod"}]

    created = codepipeline.create_pipeline(pipeline=declaration(role_arn), tags=given)

    expected = [{"key": "env", "value": "prod"}, {"key": "team", "value": "web"}]
    assert created["tags"] == expected
    assert listed(codepipeline) == expected


def test_create_pipeline_with_a_system_tag_stores_nothing(
    codepipeline: Client, role_arn: str
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(
            pipeline=declaration(role_arn), tags=[{"key": "aws:owner", "value": "me"}]
        )

    assert error_of(err) == ("InvalidTagsException", SYSTEM_TAGS)
    assert codepipeline.list_pipelines()["pipelines"] == []


def test_create_pipeline_with_51_tags_stores_nothing(codepipeline: Client, role_arn: str) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.create_pipeline(pipeline=declaration(role_arn), tags=tags(51))

    assert error_of(err) == ("TooManyTagsException", TOO_MANY)
    assert codepipeline.list_pipelines()["pipelines"] == []


def test_a_pipeline_refused_for_its_tags_can_be_created_without_them(
    codepipeline: Client, role_arn: str
) -> None:
    with pytest.raises(ClientError):
        codepipeline.create_pipeline(pipeline=declaration(role_arn), tags=tags(51))

    codepipeline.create_pipeline(pipeline=declaration(role_arn), tags=tags(50))

    assert len(listed(codepipeline)) == 50
    executions = codepipeline.list_pipeline_executions(pipelineName="release")
    assert len(executions["pipelineExecutionSummaries"]) == 1


def test_tag_resource_adds_and_overwrites_tags(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.tag_resource(resourceArn=ARN, tags=[{"key": "team", "value": "web"}])

    codepipeline.tag_resource(
        resourceArn=ARN, tags=[{"key": "team", "value": "api"}, {"key": "env", "value": "dev"}]
    )

    assert listed(codepipeline) == [
        {"key": "env", "value": "dev"},
        {"key": "team", "value": "api"},
    ]


def test_tag_resource_beyond_50_tags_changes_nothing(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.tag_resource(resourceArn=ARN, tags=tags(49))

    with pytest.raises(ClientError) as err:
        codepipeline.tag_resource(resourceArn=ARN, tags=tags(2, prefix="new"))

    assert error_of(err) == ("TooManyTagsException", TOO_MANY)
    assert len(listed(codepipeline)) == 49


def test_overwriting_tags_at_the_limit_is_allowed(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.tag_resource(resourceArn=ARN, tags=tags(50))

    codepipeline.tag_resource(resourceArn=ARN, tags=[{"key": "k00", "value": "changed"}])

    assert listed(codepipeline)[0] == {"key": "k00", "value": "changed"}


def test_tag_resource_with_a_system_tag_changes_nothing(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.tag_resource(
            resourceArn=ARN,
            tags=[{"key": "team", "value": "web"}, {"key": "aws:owner", "value": "me"}],
        )

    assert error_of(err) == ("InvalidTagsException", SYSTEM_TAGS)
    assert listed(codepipeline) == []


def test_untag_resource_removes_the_keys_and_ignores_unknown_ones(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.tag_resource(resourceArn=ARN, tags=tags(3))

    codepipeline.untag_resource(resourceArn=ARN, tagKeys=["k00", "k02", "absent"])

    assert listed(codepipeline) == [{"key": "k01", "value": "1"}]


def test_untag_resource_of_a_system_tag_is_invalid_tags(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.tag_resource(resourceArn=ARN, tags=tags(1))

    with pytest.raises(ClientError) as err:
        codepipeline.untag_resource(resourceArn=ARN, tagKeys=["k00", "aws:owner"])

    assert error_of(err) == ("InvalidTagsException", SYSTEM_TAGS)
    assert listed(codepipeline) == tags(1)


def test_list_tags_for_resource_pages(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()
    codepipeline.tag_resource(resourceArn=ARN, tags=tags(3))

    first = codepipeline.list_tags_for_resource(resourceArn=ARN, maxResults=2)
    second = codepipeline.list_tags_for_resource(resourceArn=ARN, nextToken=first["nextToken"])

    assert [t["key"] for t in first["tags"]] == ["k00", "k01"]
    assert [t["key"] for t in second["tags"]] == ["k02"]
    assert "nextToken" not in second


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda c: c.list_tags_for_resource(resourceArn=ARN), id="list"),
        pytest.param(lambda c: c.tag_resource(resourceArn=ARN, tags=tags(1)), id="tag"),
        pytest.param(lambda c: c.untag_resource(resourceArn=ARN, tagKeys=["k"]), id="untag"),
    ],
)
def test_tagging_a_missing_pipeline_is_resource_not_found(
    codepipeline: Client, operation: object
) -> None:
    with pytest.raises(ClientError) as err:
        operation(codepipeline)  # type: ignore[operator]

    assert error_of(err) == (
        "ResourceNotFoundException",
        f"The account with id '{DEFAULT_ACCOUNT_ID}' does not include a pipeline with the name "
        "'release'",
    )


@pytest.mark.parametrize(
    "arn",
    [
        pytest.param(f"arn:aws:codepipeline:eu-west-1:{DEFAULT_ACCOUNT_ID}:release", id="region"),
        pytest.param(f"arn:aws:codepipeline:{REGION}:210987654321:release", id="account"),
    ],
)
def test_an_arn_outside_the_callers_account_and_region_is_invalid_arn(
    codepipeline: Client, create_pipeline: CreatePipeline, arn: str
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.tag_resource(resourceArn=arn, tags=tags(1))

    assert error_of(err) == (
        "InvalidArnException",
        f"The ARN '{arn}' does not name a CodePipeline resource of account "
        f"'{DEFAULT_ACCOUNT_ID}' in region '{REGION}'.",
    )
    assert listed(codepipeline) == []


def test_an_arn_that_is_not_a_codepipeline_arn_is_a_validation_error(
    codepipeline: Client,
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.list_tags_for_resource(resourceArn="arn:aws:s3:::bucket")

    assert error_of(err) == (
        "ValidationException",
        "1 validation error detected: Value 'arn:aws:s3:::bucket' at 'resourceArn' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        "arn:aws(-[\\w]+)*:codepipeline:.+:[0-9]{12}:.+",
    )


def test_list_tags_for_resource_with_a_foreign_token_is_invalid_next_token(
    codepipeline: Client, create_pipeline: CreatePipeline
) -> None:
    create_pipeline()

    with pytest.raises(ClientError) as err:
        codepipeline.list_tags_for_resource(resourceArn=ARN, nextToken="not-a-token")

    assert error_of(err)[0] == "InvalidNextTokenException"
