"""Action types: CreateCustomActionType, DeleteCustomActionType, ListActionTypes,
GetActionType, UpdateActionType, and tags on custom types."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from pipelines import REGION, Client, error_of

from moto_approvals.declarations import ARTIFACT_LIMITS

ARN = f"arn:aws:codepipeline:{REGION}:{DEFAULT_ACCOUNT_ID}:actiontype:Custom/Build/Jenkins/1"
KEY = {"category": "Build", "provider": "Jenkins", "version": "1"}
JENKINS: dict[str, Any] = {
    **KEY,
    "settings": {"entityUrlTemplate": "https://ci.example.com/job/{Config:ProjectName}"},
    "configurationProperties": [
        {"name": "ProjectName", "required": True, "key": True, "secret": False, "queryable": True}
    ],
    "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
    "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
}
THIRD_PARTY_ID = {"category": "Test", "owner": "ThirdParty", "provider": "Scanner", "version": "1"}
SCANNER: dict[str, Any] = {
    "id": THIRD_PARTY_ID,
    "description": "Scans the build",
    "executor": {
        "type": "JobWorker",
        "configuration": {"jobWorkerExecutorConfiguration": {"pollingAccounts": ["111122223333"]}},
        "jobTimeout": 600,
    },
    "inputArtifactDetails": {"minimumCount": 1, "maximumCount": 1},
    "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 0},
    "properties": [
        {"name": "Target", "optional": False, "key": True, "noEcho": False, "queryable": True}
    ],
    "urls": {
        "configurationUrl": "https://scanner.example.com/setup",
        "entityUrlTemplate": "https://scanner.example.com/{Config:Target}",
    },
}


def custom(provider: str = "Jenkins", **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(JENKINS), "provider": provider, **changes}


def listed(codepipeline: Client, **filters: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    kwargs = dict(filters)
    while True:
        page = codepipeline.list_action_types(**kwargs)
        found.extend(page["actionTypes"])
        if "nextToken" not in page:
            return found
        kwargs["nextToken"] = page["nextToken"]


def ids(types: list[dict[str, Any]], owner: str) -> list[str]:
    return [t["id"]["provider"] for t in types if t["id"]["owner"] == owner]


# -- CreateCustomActionType --------------------------------------------------------------------


def test_create_custom_action_type_returns_the_type_and_its_tags(codepipeline: Client) -> None:
    created = codepipeline.create_custom_action_type(
        **JENKINS, tags=[{"key": "team", "value": "ci"}, {"key": "env", "value": "prod"}]
    )

    assert created["actionType"] == {
        "id": {**KEY, "owner": "Custom"},
        "settings": JENKINS["settings"],
        "actionConfigurationProperties": JENKINS["configurationProperties"],
        "inputArtifactDetails": JENKINS["inputArtifactDetails"],
        "outputArtifactDetails": JENKINS["outputArtifactDetails"],
    }
    assert created["tags"] == [{"key": "env", "value": "prod"}, {"key": "team", "value": "ci"}]


def test_a_created_custom_type_is_listed_with_its_owner(codepipeline: Client) -> None:
    codepipeline.create_custom_action_type(**JENKINS)

    assert ids(listed(codepipeline, actionOwnerFilter="Custom"), "Custom") == ["Jenkins"]


def test_creating_an_existing_custom_type_again_is_a_validation_error(
    codepipeline: Client,
) -> None:
    codepipeline.create_custom_action_type(**JENKINS)

    with pytest.raises(ClientError) as err:
        codepipeline.create_custom_action_type(**JENKINS)

    assert error_of(err) == (
        "ValidationException",
        "ActionType (Category: 'Build', Provider: 'Jenkins', Owner: 'Custom', Version: '1') "
        "already exists; register a changed definition under a new version.",
    )


def test_a_deleted_custom_type_cannot_come_back_with_another_definition(
    codepipeline: Client,
) -> None:
    codepipeline.create_custom_action_type(**JENKINS)
    codepipeline.delete_custom_action_type(**KEY)

    with pytest.raises(ClientError) as err:
        codepipeline.create_custom_action_type(**custom(settings={}))

    assert error_of(err) == (
        "ValidationException",
        "ActionType (Category: 'Build', Provider: 'Jenkins', Owner: 'Custom', Version: '1') "
        "was deleted and can be restored only with its original definition; use a version "
        "that has never been used for a new definition.",
    )
    assert ids(listed(codepipeline), "Custom") == []


def test_a_deleted_custom_type_is_restored_by_its_identical_definition(
    codepipeline: Client,
) -> None:
    codepipeline.create_custom_action_type(**JENKINS)
    codepipeline.delete_custom_action_type(**KEY)

    codepipeline.create_custom_action_type(**JENKINS)

    assert ids(listed(codepipeline), "Custom") == ["Jenkins"]


def test_the_51st_custom_type_exceeds_the_limit(codepipeline: Client) -> None:
    for index in range(50):
        codepipeline.create_custom_action_type(**custom(f"P{index}"))

    with pytest.raises(ClientError) as err:
        codepipeline.create_custom_action_type(**custom("P50"))

    assert error_of(err) == (
        "LimitExceededException",
        "The account already has 50 custom action types in this region, the most it may "
        "have; delete one first.",
    )


def test_a_minimum_count_above_the_maximum_is_a_validation_error(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.create_custom_action_type(
            **custom(inputArtifactDetails={"minimumCount": 2, "maximumCount": 1})
        )

    assert error_of(err) == (
        "ValidationException",
        "The input artifact details of ActionType (Category: 'Build', Provider: 'Jenkins', "
        "Owner: 'Custom', Version: '1') have a minimumCount (2) greater than their "
        "maximumCount (1).",
    )


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        pytest.param(
            [
                {"name": "A", "required": True, "key": True, "secret": False, "queryable": True},
                {"name": "B", "required": True, "key": True, "secret": False, "queryable": True},
            ],
            "A custom action type can have at most one queryable configuration property; "
            "'A', 'B' are all queryable.",
            id="two-queryable",
        ),
        pytest.param(
            [{"name": "A", "required": False, "key": True, "secret": False, "queryable": True}],
            "Queryable configuration property 'A' must be required and not secret.",
            id="queryable-optional",
        ),
        pytest.param(
            [{"name": "A", "required": True, "key": True, "secret": True, "queryable": True}],
            "Queryable configuration property 'A' must be required and not secret.",
            id="queryable-secret",
        ),
        pytest.param(
            [
                {"name": "A", "required": True, "key": True, "secret": False},
                {"name": "A", "required": False, "key": False, "secret": False},
            ],
            "Configuration property names must be unique; 'A' is declared more than once.",
            id="repeated-name",
        ),
    ],
)
def test_configuration_properties_that_break_aws_rules_are_refused(
    codepipeline: Client, properties: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.create_custom_action_type(**custom(configurationProperties=properties))

    assert error_of(err) == ("ValidationException", message)
    assert ids(listed(codepipeline), "Custom") == []


def test_a_custom_type_with_a_system_tag_is_not_created(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.create_custom_action_type(**JENKINS, tags=[{"key": "aws:x", "value": "1"}])

    assert error_of(err)[0] == "InvalidTagsException"
    assert ids(listed(codepipeline), "Custom") == []


def test_a_custom_type_with_51_tags_is_not_created(codepipeline: Client) -> None:
    tags = [{"key": f"k{i}", "value": "v"} for i in range(51)]

    with pytest.raises(ClientError) as err:
        codepipeline.create_custom_action_type(**JENKINS, tags=tags)

    assert error_of(err) == ("TooManyTagsException", f"Tag limit exceeded for resource [{ARN}].")
    assert ids(listed(codepipeline), "Custom") == []


def test_a_provider_breaking_the_model_pattern_is_a_validation_error(
    codepipeline: Client,
) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.create_custom_action_type(**custom("no spaces"))

    assert error_of(err)[0] == "ValidationException"


# -- DeleteCustomActionType --------------------------------------------------------------------


def test_a_deleted_custom_type_is_no_longer_listed(codepipeline: Client) -> None:
    codepipeline.create_custom_action_type(**JENKINS)

    codepipeline.delete_custom_action_type(**KEY)

    assert ids(listed(codepipeline), "Custom") == []


def test_poll_for_jobs_fails_once_the_custom_type_is_deleted(codepipeline: Client) -> None:
    poll = {"actionTypeId": {**KEY, "owner": "Custom"}, "queryParam": {"ProjectName": "app"}}
    codepipeline.create_custom_action_type(**JENKINS)
    codepipeline.poll_for_jobs(**poll)

    codepipeline.delete_custom_action_type(**KEY)

    with pytest.raises(ClientError) as err:
        codepipeline.poll_for_jobs(**poll)
    assert error_of(err)[0] == "ActionTypeNotFoundException"


def test_deleting_a_custom_type_that_does_not_exist_changes_nothing(
    codepipeline: Client,
) -> None:
    codepipeline.create_custom_action_type(**JENKINS)

    codepipeline.delete_custom_action_type(**{**KEY, "version": "2"})

    assert ids(listed(codepipeline), "Custom") == ["Jenkins"]


# -- ListActionTypes -----------------------------------------------------------------------


def test_the_aws_owned_types_are_listed_with_their_artifact_counts(codepipeline: Client) -> None:
    """Counts above 5 (CloudFormation's 10 inputs) show as 5, the most the model allows."""
    found = {
        (t["id"]["category"], t["id"]["owner"], t["id"]["provider"], t["id"]["version"]): (
            t["inputArtifactDetails"]["minimumCount"],
            t["inputArtifactDetails"]["maximumCount"],
            t["outputArtifactDetails"]["minimumCount"],
            t["outputArtifactDetails"]["maximumCount"],
        )
        for t in listed(codepipeline)
    }

    shown = {key: tuple(min(n, 5) for n in counts) for key, counts in ARTIFACT_LIMITS.items()}
    assert found == shown


def test_the_owner_filter_keeps_one_owner(codepipeline: Client) -> None:
    codepipeline.create_custom_action_type(**JENKINS)

    owners = {t["id"]["owner"] for t in listed(codepipeline, actionOwnerFilter="AWS")}

    assert owners == {"AWS"}


def test_action_types_come_in_pages_of_50(codepipeline: Client) -> None:
    for index in range(50):
        codepipeline.create_custom_action_type(**custom(f"P{index:02}"))
    total = len(ARTIFACT_LIMITS) + 50

    first = codepipeline.list_action_types()
    second = codepipeline.list_action_types(nextToken=first["nextToken"])

    assert len(first["actionTypes"]) == 50
    assert len(second["actionTypes"]) == total - 50
    assert "nextToken" not in second
    names = [str(t["id"]) for t in first["actionTypes"] + second["actionTypes"]]
    assert len(set(names)) == total


def test_a_malformed_next_token_is_refused(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.list_action_types(nextToken="not-a-token")

    assert error_of(err)[0] == "InvalidNextTokenException"


def test_the_region_filter_lists_that_regions_types(codepipeline: Client) -> None:
    codepipeline.create_custom_action_type(**JENKINS)

    elsewhere = listed(codepipeline, regionFilter="eu-west-1")
    here = listed(codepipeline, regionFilter=REGION)

    assert ids(elsewhere, "Custom") == []
    assert ids(here, "Custom") == ["Jenkins"]


def test_a_region_filter_naming_no_region_is_a_validation_error(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.list_action_types(regionFilter="xx-nowhere-9")

    assert error_of(err) == (
        "ValidationException",
        "regionFilter 'xx-nowhere-9' is not a Region CodePipeline is available in.",
    )


# -- UpdateActionType and GetActionType ------------------------------------------------------


def test_get_action_type_returns_the_declaration_update_action_type_gave(
    codepipeline: Client,
) -> None:
    codepipeline.update_action_type(actionType=SCANNER)

    found = codepipeline.get_action_type(**THIRD_PARTY_ID)["actionType"]

    assert found == SCANNER


def test_an_updated_third_party_type_is_listed_as_action_type_settings(
    codepipeline: Client,
) -> None:
    codepipeline.update_action_type(actionType=SCANNER)

    (scanner,) = listed(codepipeline, actionOwnerFilter="ThirdParty")[-1:]

    assert scanner["id"] == THIRD_PARTY_ID
    assert scanner["settings"] == {
        "thirdPartyConfigurationUrl": "https://scanner.example.com/setup",
        "entityUrlTemplate": "https://scanner.example.com/{Config:Target}",
    }
    assert scanner["actionConfigurationProperties"] == [
        {"name": "Target", "required": True, "key": True, "secret": False, "queryable": True}
    ]


def test_update_action_type_replaces_the_whole_declaration(codepipeline: Client) -> None:
    codepipeline.update_action_type(actionType=SCANNER)
    changed = {**copy.deepcopy(SCANNER), "description": "Scans faster", "properties": []}

    codepipeline.update_action_type(actionType=changed)

    assert codepipeline.get_action_type(**THIRD_PARTY_ID)["actionType"] == changed


def test_get_action_type_of_an_unknown_type_is_not_found(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.get_action_type(**THIRD_PARTY_ID)

    assert error_of(err) == (
        "ActionTypeNotFoundException",
        "ActionType (Category: 'Test', Provider: 'Scanner', Owner: 'ThirdParty', Version: '1') "
        "does not exist; GetActionType describes the action types of providers (owner "
        "ThirdParty) registered in this account and region.",
    )


def test_get_action_type_of_an_aws_owned_type_is_not_found(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.get_action_type(
            category="Build", owner="AWS", provider="CodeBuild", version="1"
        )

    assert error_of(err)[0] == "ActionTypeNotFoundException"


def test_get_action_type_does_not_take_owner_custom(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.get_action_type(**KEY, owner="Custom")

    assert error_of(err)[0] == "ValidationException"


def test_updating_an_aws_owned_type_fails(codepipeline: Client) -> None:
    aws_type = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}

    with pytest.raises(ClientError) as err:
        codepipeline.update_action_type(actionType={**SCANNER, "id": aws_type})

    assert error_of(err) == (
        "RequestFailedException",
        "ActionType (Category: 'Build', Provider: 'CodeBuild', Owner: 'AWS', Version: '1') is "
        "owned by AWS; only a provider's own action types can be updated.",
    )


def test_updating_an_aws_owned_type_that_does_not_exist_is_not_found(
    codepipeline: Client,
) -> None:
    unknown = {"category": "Build", "owner": "AWS", "provider": "Nothing", "version": "1"}

    with pytest.raises(ClientError) as err:
        codepipeline.update_action_type(actionType={**SCANNER, "id": unknown})

    assert error_of(err)[0] == "ActionTypeNotFoundException"


def test_an_update_with_a_minimum_above_the_maximum_is_refused(codepipeline: Client) -> None:
    broken = {**SCANNER, "inputArtifactDetails": {"minimumCount": 3, "maximumCount": 1}}

    with pytest.raises(ClientError) as err:
        codepipeline.update_action_type(actionType=broken)

    assert error_of(err)[0] == "ValidationException"
    assert ids(listed(codepipeline), "ThirdParty") == ["GitHub"]


# -- tags on custom types -------------------------------------------------------------------


def test_a_custom_type_is_tagged_and_untagged_by_its_arn(codepipeline: Client) -> None:
    codepipeline.create_custom_action_type(**JENKINS, tags=[{"key": "team", "value": "ci"}])

    codepipeline.tag_resource(resourceArn=ARN, tags=[{"key": "env", "value": "prod"}])
    codepipeline.untag_resource(resourceArn=ARN, tagKeys=["team"])

    assert codepipeline.list_tags_for_resource(resourceArn=ARN)["tags"] == [
        {"key": "env", "value": "prod"}
    ]


def test_tagging_a_custom_type_that_does_not_exist_is_not_found(codepipeline: Client) -> None:
    with pytest.raises(ClientError) as err:
        codepipeline.tag_resource(resourceArn=ARN, tags=[{"key": "env", "value": "prod"}])

    assert error_of(err) == (
        "ResourceNotFoundException",
        f"The account with id '{DEFAULT_ACCOUNT_ID}' does not include a custom action type "
        "'Custom/Build/Jenkins/1'",
    )


def test_an_aws_owned_type_cannot_be_tagged(codepipeline: Client) -> None:
    arn = ARN.replace("Custom/Build/Jenkins/1", "AWS/Build/CodeBuild/1")

    with pytest.raises(ClientError) as err:
        codepipeline.list_tags_for_resource(resourceArn=arn)

    assert error_of(err)[0] == "ResourceNotFoundException"


def test_a_deleted_custom_type_loses_its_tags(codepipeline: Client) -> None:
    codepipeline.create_custom_action_type(**JENKINS, tags=[{"key": "team", "value": "ci"}])
    codepipeline.delete_custom_action_type(**KEY)

    with pytest.raises(ClientError) as err:
        codepipeline.list_tags_for_resource(resourceArn=ARN)

    assert error_of(err)[0] == "ResourceNotFoundException"
