"""Action types: the AWS-owned ones a pipeline can use, and the account's own.

AWS-owned types are those of the User Guide's "Valid input and output artifacts for each action
type" table (:data:`moto_approvals.declarations.ARTIFACT_LIMITS`), with their artifact counts.
Custom types come from ``CreateCustomActionType`` (their jobs go to job workers through
``PollForJobs``); third-party types from ``UpdateActionType`` (``PollForThirdPartyJobs``).
A deleted custom type's id cannot be used again (DeleteCustomActionType: "you must use a string
in the version field that has never been used before").
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto_approvals.catalog import check_tags
from moto_approvals.declarations import ARTIFACT_LIMITS
from moto_approvals.domain import ActionRun, Declaration
from moto_approvals.exceptions import (
    ActionTypeNotFoundException,
    InvalidActionDeclarationException,
    LimitExceededException,
    RequestFailedException,
    ValidationException,
)

Json = dict[str, Any]
#: (category, owner, provider, version)
TypeKey = tuple[str, str, str, str]

#: Custom action types per account and region (CodePipeline quotas: 50).
MAX_CUSTOM_TYPES = 50
_PLACEHOLDER = re.compile(r"\{(Config:[^}]+|ExternalExecutionId)\}")


def type_key(type_id: Mapping[str, str]) -> TypeKey:
    return (type_id["category"], type_id["owner"], type_id["provider"], type_id["version"])


def type_id(key: TypeKey) -> Json:
    return dict(zip(("category", "owner", "provider", "version"), key, strict=True))


def _describe(key: TypeKey) -> str:
    category, owner, provider, version = key
    return (
        f"ActionType (Category: '{category}', Provider: '{provider}', Owner: '{owner}', "
        f"Version: '{version}')"
    )


@dataclass
class ActionType:
    """One action type: its artifact counts, configuration properties and URL templates."""

    key: TypeKey
    inputs: tuple[int, int]
    outputs: tuple[int, int]
    #: ActionConfigurationProperty members (``required``, ``queryable``, ...) by name.
    properties: list[Json] = field(default_factory=list)
    #: ActionTypeSettings members (``entityUrlTemplate``, ``executionUrlTemplate``, ...).
    settings: Json = field(default_factory=dict)
    tags: list[dict[str, str]] = field(default_factory=list)
    #: The ActionTypeDeclaration of a third-party type, as UpdateActionType stored it.
    declaration: Json | None = None

    @property
    def owner(self) -> str:
        return self.key[1]

    def required(self) -> list[str]:
        return [p["name"] for p in self.properties if p.get("required")]

    def queryable(self) -> list[str]:
        return [p["name"] for p in self.properties if p.get("queryable")]

    def summary(self) -> Json:
        """ListActionTypes' ActionType (and CreateCustomActionType's)."""
        data: Json = {"id": type_id(self.key)}
        if self.settings:
            data["settings"] = dict(self.settings)
        if self.properties:
            data["actionConfigurationProperties"] = copy.deepcopy(self.properties)
        data["inputArtifactDetails"] = {
            "minimumCount": self.inputs[0],
            "maximumCount": self.inputs[1],
        }
        data["outputArtifactDetails"] = {
            "minimumCount": self.outputs[0],
            "maximumCount": self.outputs[1],
        }
        return data

    def fill(
        self, template_name: str, run: ActionRun, external_id: str | None = None
    ) -> str | None:
        """A URL template of the type with ``{Config:Key}`` and ``{ExternalExecutionId}`` filled."""
        template = self.settings.get(template_name)
        if not template:
            return None
        config = run.resolved_configuration or run.action.configuration

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "ExternalExecutionId":
                return external_id or ""
            return config.get(name.removeprefix("Config:"), "")

        return _PLACEHOLDER.sub(value, str(template))


def _aws_owned() -> dict[TypeKey, ActionType]:
    return {
        key: ActionType(key, (limits[0], limits[1]), (limits[2], limits[3]))
        for key, limits in ARTIFACT_LIMITS.items()
    }


def _from_declaration(declaration: Json) -> ActionType:
    """A third-party type from an ActionTypeDeclaration (properties say ``optional``)."""
    urls = declaration.get("urls") or {}
    return ActionType(
        key=type_key(declaration["id"]),
        inputs=_counts(declaration["inputArtifactDetails"]),
        outputs=_counts(declaration["outputArtifactDetails"]),
        properties=[
            {
                "name": p["name"],
                "required": not p["optional"],
                "key": p["key"],
                "secret": p["noEcho"],
                "queryable": bool(p.get("queryable")),
            }
            for p in declaration.get("properties") or []
        ],
        settings={
            "entityUrlTemplate": urls.get("entityUrlTemplate"),
            "executionUrlTemplate": urls.get("executionUrlTemplate"),
            "revisionUrlTemplate": urls.get("revisionUrlTemplate"),
            "thirdPartyConfigurationUrl": urls.get("configurationUrl"),
        },
        declaration=copy.deepcopy(declaration),
    )


def _counts(details: Mapping[str, int]) -> tuple[int, int]:
    return (int(details["minimumCount"]), int(details["maximumCount"]))


class ActionTypeRegistry:
    """The action types of one account and region."""

    def __init__(self) -> None:
        self.aws = _aws_owned()
        self.custom: dict[TypeKey, ActionType] = {}
        self.third_party: dict[TypeKey, ActionType] = {}
        #: Deleted custom type ids: never usable again.
        self.retired: set[TypeKey] = set()

    def find(self, key: TypeKey) -> ActionType | None:
        return self.custom.get(key) or self.third_party.get(key) or self.aws.get(key)

    def listed(self, owner: str | None) -> list[ActionType]:
        """Every type (of one owner), ordered by owner, category, provider and version."""
        found = [*self.aws.values(), *self.custom.values(), *self.third_party.values()]
        return sorted(
            (t for t in found if owner in (None, t.owner)), key=lambda t: (t.key[1], t.key)
        )

    # -- custom types ----------------------------------------------------------------------

    def create_custom(self, request: Json, arn: str) -> ActionType:
        key = (request["category"], "Custom", request["provider"], request["version"])
        if key in self.custom or key in self.retired:
            raise ValidationException(
                f"{_describe(key)} already exists or was deleted: a custom action type's version "
                "can be used only once."
            )
        if len(self.custom) >= MAX_CUSTOM_TYPES:
            raise LimitExceededException(
                f"The account already has {MAX_CUSTOM_TYPES} custom action types in this region."
            )
        tags = request.get("tags") or []
        check_tags(tags, arn, {})
        action_type = ActionType(
            key=key,
            inputs=_counts(request["inputArtifactDetails"]),
            outputs=_counts(request["outputArtifactDetails"]),
            properties=copy.deepcopy(request.get("configurationProperties") or []),
            settings=dict(request.get("settings") or {}),
            tags=[dict(t) for t in tags],
        )
        self.custom[key] = action_type
        return action_type

    def delete_custom(self, key: TypeKey) -> None:
        if self.custom.pop(key, None) is not None:
            self.retired.add(key)

    # -- third-party types (GetActionType, UpdateActionType) -------------------------------

    def get_declaration(self, key: TypeKey) -> Json:
        action_type = self.third_party.get(key)
        if action_type is None or action_type.declaration is None:
            raise ActionTypeNotFoundException()
        return copy.deepcopy(action_type.declaration)

    def update(self, declaration: Json) -> None:
        key = type_key(declaration["id"])
        if key[1] == "AWS":
            raise RequestFailedException(
                f"{_describe(key)} is owned by AWS; only a provider's own action types can be "
                "updated."
            )
        self.third_party[key] = _from_declaration(declaration)

    # -- jobs and declarations --------------------------------------------------------------

    def pollable(self, key: TypeKey, owner: str) -> ActionType:
        """The type a PollForJobs (``owner`` Custom) or PollForThirdPartyJobs may poll."""
        if key[1] != owner:
            raise ValidationException(f"ActionType with owner '{key[1]}' is not supported")
        found = (self.custom if owner == "Custom" else self.third_party).get(key)
        if found is None:
            raise ActionTypeNotFoundException()
        return found

    def check_declaration(self, declaration: Declaration, region: str) -> None:
        """Custom and third-party actions name a registered type and respect it."""
        for action in _actions(declaration):
            key = type_key(action["actionTypeId"])
            if key[1] == "AWS" or (key[1] == "ThirdParty" and key in self.aws):
                continue  # AWS's own types are checked with the rest of the structure
            action_type = self.custom.get(key) or self.third_party.get(key)
            if action_type is None:
                raise InvalidActionDeclarationException(
                    f"{_describe(key)} in action '{action['name']}' is not available in region "
                    f"'{region.upper().replace('-', '_')}'"
                )
            _check_action(action, action_type)


def _actions(declaration: Declaration) -> Iterator[Declaration]:
    for stage in declaration["stages"]:
        yield from stage["actions"]


def _check_action(action: Declaration, action_type: ActionType) -> None:
    name = action["name"]
    for member, (low, high), kind in (
        ("inputArtifacts", action_type.inputs, "input"),
        ("outputArtifacts", action_type.outputs, "output"),
    ):
        count = len(action.get(member) or [])
        if count < low:
            raise InvalidActionDeclarationException(
                f"Action {name} declares {count} {kind} artifacts which is less than the minimum "
                f"count ({low})"
            )
        if count > high:
            raise InvalidActionDeclarationException(
                f"Action {name} declares {count} {kind} artifacts which is greater than the "
                f"maximum count ({high})"
            )
    configuration = action.get("configuration") or {}
    known = {p["name"] for p in action_type.properties}
    for key in action_type.required():
        if key not in configuration:
            raise InvalidActionDeclarationException(
                f"Action configuration for action '{name}' is missing required configuration "
                f"'{key}'"
            )
    for key in configuration:
        if key not in known:
            raise InvalidActionDeclarationException(
                f"Action configuration for action '{name}' contains unknown configuration '{key}'"
            )
