"""Action types: the AWS-owned ones a pipeline can use, and the account's own.

AWS-owned types are those of the User Guide's "Valid input and output artifacts for each action
type" table (:data:`moto_approvals.declarations.ARTIFACT_LIMITS`), with their artifact counts.
Custom types come from ``CreateCustomActionType`` (their jobs go to job workers through
``PollForJobs``); third-party types from ``UpdateActionType`` (``PollForThirdPartyJobs``).
A deleted custom type's id cannot be used again (DeleteCustomActionType: "you must use a string
in the version field that has never been used before"), except to restore it: "use a JSON file
that is identical to the deleted action, including the original string in the version field".
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto_approvals.catalog import check_tags
from moto_approvals.declarations import ARTIFACT_LIMITS, count_problem
from moto_approvals.domain import Declaration
from moto_approvals.exceptions import (
    ActionTypeNotFoundException,
    InvalidActionDeclarationException,
    LimitExceededException,
    RequestFailedException,
    ValidationException,
)
from moto_approvals.service import service_model

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


def type_name(key: TypeKey) -> str:
    """``<owner>/<category>/<provider>/<version>``: the type in its ARN, and its list order."""
    category, owner, provider, version = key
    return f"{owner}/{category}/{provider}/{version}"


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
    tags: dict[str, str] = field(default_factory=dict)
    #: The ActionTypeDeclaration of a third-party type, as UpdateActionType stored it.
    declaration: Json | None = None

    @property
    def owner(self) -> str:
        return self.key[1]

    @property
    def name(self) -> str:
        return type_name(self.key)

    def required(self) -> list[str]:
        return [p["name"] for p in self.properties if p.get("required")]

    def queryable(self) -> list[str]:
        return [p["name"] for p in self.properties if p.get("queryable")]

    def secrets(self) -> frozenset[str]:
        return frozenset(p["name"] for p in self.properties if p.get("secret"))

    def summary(self) -> Json:
        """ListActionTypes' ActionType (and CreateCustomActionType's)."""
        data: Json = {"id": type_id(self.key)}
        if self.settings:
            data["settings"] = dict(self.settings)
        if self.properties:
            data["actionConfigurationProperties"] = copy.deepcopy(self.properties)
        data["inputArtifactDetails"] = _artifact_details(self.inputs)
        data["outputArtifactDetails"] = _artifact_details(self.outputs)
        return data

    def fill(
        self,
        template_name: str,
        configuration: Mapping[str, str],
        external_id: str | None = None,
    ) -> str | None:
        """A URL template of the type with ``{Config:Key}`` and ``{ExternalExecutionId}`` filled.

        Only required, non-secret properties may be named (ActionConfigurationProperty: "as
        long as the configuration property is both required and not secret"); a placeholder
        naming any other property, or an execution id not yet reported, is left as written.
        """
        template = self.settings.get(template_name)
        if not template:
            return None
        fillable = {p["name"] for p in self.properties if p.get("required") and not p.get("secret")}

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "ExternalExecutionId":
                return external_id if external_id is not None else match.group(0)
            key = name.removeprefix("Config:")
            if key in fillable and key in configuration:
                return configuration[key]
            return match.group(0)

        return _PLACEHOLDER.sub(value, str(template))


@functools.cache
def _most_artifacts() -> int:
    shape = service_model().shape_for("MaximumArtifactCount")
    return int(shape.metadata["max"])


def _artifact_details(counts: tuple[int, int]) -> Json:
    # AWS's CloudFormation action takes up to 10 inputs, but ArtifactDetails' model stops at
    # 5: the listing says what the model can carry; pipelines are checked against the real count.
    low, high = counts
    most = _most_artifacts()
    return {"minimumCount": min(low, most), "maximumCount": min(high, most)}


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
            setting: urls[url]
            for setting, url in _SETTINGS_FROM_URLS.items()
            if urls.get(url) is not None
        },
        declaration=copy.deepcopy(declaration),
    )


#: ActionTypeSettings member -> ActionTypeUrls member (UpdateActionType's names for them).
_SETTINGS_FROM_URLS = {
    "entityUrlTemplate": "entityUrlTemplate",
    "executionUrlTemplate": "executionUrlTemplate",
    "revisionUrlTemplate": "revisionUrlTemplate",
    "thirdPartyConfigurationUrl": "configurationUrl",
}
#: What a queryable property's value may be in a pipeline (ActionConfigurationProperty).
_QUERYABLE_VALUE = re.compile(r"[A-Za-z0-9_-]{1,20}")


def _counts(details: Mapping[str, int]) -> tuple[int, int]:
    return (int(details["minimumCount"]), int(details["maximumCount"]))


class ActionTypeRegistry:
    """The action types of one account and region."""

    def __init__(self) -> None:
        self.aws = _aws_owned()
        self.custom: dict[TypeKey, ActionType] = {}
        self.third_party: dict[TypeKey, ActionType] = {}
        #: Deleted custom types by id: their id is usable again only to restore them as they were.
        self.retired: dict[TypeKey, ActionType] = {}

    def find(self, key: TypeKey) -> ActionType | None:
        return self.custom.get(key) or self.third_party.get(key) or self.aws.get(key)

    def secrets(self, type_id: Mapping[str, str]) -> frozenset[str]:
        """The configuration properties of a type that replies hide."""
        found = self.find(type_key(type_id))
        return found.secrets() if found is not None else frozenset()

    def listed(self, owner: str | None) -> list[ActionType]:
        """Every type (of one owner), ordered by name."""
        found = [*self.aws.values(), *self.custom.values(), *self.third_party.values()]
        return sorted((t for t in found if owner in (None, t.owner)), key=lambda t: t.name)

    # -- custom types ----------------------------------------------------------------------

    def create_custom(self, request: Json, arn: str) -> ActionType:
        """Register a custom type, or restore a deleted one from an identical definition."""
        key = (request["category"], "Custom", request["provider"], request["version"])
        action_type = ActionType(
            key=key,
            inputs=_counts(request["inputArtifactDetails"]),
            outputs=_counts(request["outputArtifactDetails"]),
            properties=copy.deepcopy(request.get("configurationProperties") or []),
            settings=dict(request.get("settings") or {}),
        )
        if key in self.custom:
            raise ValidationException(
                f"{_describe(key)} already exists; register a changed definition under a new "
                "version."
            )
        retired = self.retired.get(key)
        if retired is not None and not _same_definition(retired, action_type):
            raise ValidationException(
                f"{_describe(key)} was deleted and can be restored only with its original "
                "definition; use a version that has never been used for a new definition."
            )
        _check_custom_definition(action_type)
        if len(self.custom) >= MAX_CUSTOM_TYPES:
            raise LimitExceededException(
                f"The account already has {MAX_CUSTOM_TYPES} custom action types in this "
                "region, the most it may have; delete one first."
            )
        tags = request.get("tags") or []
        check_tags(tags, arn, {})
        action_type.tags = {tag["key"]: tag["value"] for tag in tags}
        self.retired.pop(key, None)
        self.custom[key] = action_type
        return action_type

    def delete_custom(self, key: TypeKey) -> None:
        """Mark a custom type deleted; deleting one that is not there changes nothing."""
        action_type = self.custom.pop(key, None)
        if action_type is not None:
            self.retired[key] = action_type

    # -- third-party types (GetActionType, UpdateActionType) -------------------------------

    def get_declaration(self, key: TypeKey) -> Json:
        action_type = self.third_party.get(key)
        if action_type is None or action_type.declaration is None:
            raise ActionTypeNotFoundException(
                f"{_describe(key)} does not exist; GetActionType describes the action types "
                "of providers (owner ThirdParty) registered in this account and region."
            )
        return copy.deepcopy(action_type.declaration)

    def update(self, declaration: Json) -> None:
        key = type_key(declaration["id"])
        if key[1] == "AWS":
            if key not in self.aws:
                raise ActionTypeNotFoundException(f"{_describe(key)} does not exist.")
            raise RequestFailedException(
                f"{_describe(key)} is owned by AWS; only a provider's own action types can be "
                "updated."
            )
        action_type = _from_declaration(declaration)
        _check_counts(action_type)
        self.third_party[key] = action_type

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


def _same_definition(old: ActionType, new: ActionType) -> bool:
    return (old.inputs, old.outputs, old.properties, old.settings) == (
        new.inputs,
        new.outputs,
        new.properties,
        new.settings,
    )


def _check_counts(action_type: ActionType) -> None:
    for kind, (low, high) in (("input", action_type.inputs), ("output", action_type.outputs)):
        if low > high:
            raise ValidationException(
                f"The {kind} artifact details of {_describe(action_type.key)} have a "
                f"minimumCount ({low}) greater than their maximumCount ({high})."
            )


def _check_custom_definition(action_type: ActionType) -> None:
    """Rules of ActionConfigurationProperty the model cannot state."""
    _check_counts(action_type)
    names = [p["name"] for p in action_type.properties]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValidationException(
            f"Configuration property names must be unique; '{repeated[0]}' is declared more "
            "than once."
        )
    queryable = [p for p in action_type.properties if p.get("queryable")]
    if len(queryable) > 1:
        raise ValidationException(
            "A custom action type can have at most one queryable configuration property; "
            f"{', '.join(repr(p['name']) for p in queryable)} are all queryable."
        )
    for prop in queryable:
        if not prop["required"] or prop["secret"]:
            raise ValidationException(
                f"Queryable configuration property '{prop['name']}' must be required and not "
                "secret."
            )


def _actions(declaration: Declaration) -> Iterator[Declaration]:
    for stage in declaration["stages"]:
        yield from stage["actions"]


def _check_action(action: Declaration, action_type: ActionType) -> None:
    name = action["name"]
    problem = count_problem(name, action, "inputArtifacts", *action_type.inputs) or count_problem(
        name, action, "outputArtifacts", *action_type.outputs
    )
    if problem:
        raise InvalidActionDeclarationException(problem)
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
    for key in action_type.queryable():
        if not _QUERYABLE_VALUE.fullmatch(str(configuration[key])):
            raise InvalidActionDeclarationException(
                f"Action configuration for action '{name}': the value of queryable property "
                f"'{key}' must be 1 to 20 letters, digits, underscores or hyphens"
            )
