"""The action type operations of the backend, and the links action types give to actions.

CreateCustomActionType, DeleteCustomActionType, ListActionTypes, GetActionType and
UpdateActionType act on the backend's :class:`~moto_approvals.action_types.ActionTypeRegistry`
under its lock. Custom types are tagged resources, named
``arn:<partition>:codepipeline:<region>:<account>:actiontype:Custom/<category>/<provider>/<version>``.

A type's URL templates become its actions' links: ``entityUrlTemplate`` the action state's
``entityUrl`` and ``revisionUrlTemplate`` its ``revisionUrl`` (both from the action's
configuration), ``executionUrlTemplate`` the ``externalExecutionUrl`` of a run once its job
reports an ``externalExecutionId``.

Secret configuration properties "are hidden from all calls except for GetJobDetails,
GetThirdPartyJobDetails, PollForJobs, and PollForThirdPartyJobs" (ActionConfigurationProperty):
replies show them as ``****``, and an UpdatePipeline that sends ``****`` back keeps the value.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto_approvals.action_types import (
    ActionType,
    ActionTypeRegistry,
    TypeKey,
    type_key,
    type_name,
)
from moto_approvals.domain import ActionDefinition, ActionRun
from moto_approvals.exceptions import ResourceNotFoundException, ValidationException

if TYPE_CHECKING:
    from moto_approvals.backend_facet import BackendFacet
    from moto_approvals.engine import PipelineRuntime
    from moto_approvals.models import ApprovalsBackend

Json = dict[str, Any]

ACTION_TYPE_RESOURCE = "actiontype:"
#: What a secret configuration value reads in every reply.
HIDDEN = "****"


def action_type_arn(backend: ApprovalsBackend, key: TypeKey) -> str:
    return backend.catalog.arn(ACTION_TYPE_RESOURCE + type_name(key))


def is_action_type_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[5].startswith(ACTION_TYPE_RESOURCE)


def action_type_by_arn(backend: BackendFacet, arn: str) -> ActionType:
    """The custom type an ARN names (the only action types an account can tag)."""
    resource = backend.catalog.check_arn(arn)[len(ACTION_TYPE_RESOURCE) :]
    parts = resource.split("/")
    found = None
    if len(parts) == 4 and parts[0] == "Custom":
        owner, category, provider, version = parts
        found = backend.action_types.custom.get((category, owner, provider, version))
    if found is None:
        raise ResourceNotFoundException(
            f"The account with id '{backend.account_id}' does not include a custom action type "
            f"'{resource}'"
        )
    return found


# -- the operations ---------------------------------------------------------------------------


def create_custom_action_type(backend: ApprovalsBackend, request: Json) -> ActionType:
    with backend.lock:
        key = (request["category"], "Custom", request["provider"], request["version"])
        return backend.action_types.create_custom(request, action_type_arn(backend, key))


def delete_custom_action_type(
    backend: ApprovalsBackend, category: str, provider: str, version: str
) -> None:
    with backend.lock:
        backend.action_types.delete_custom((category, "Custom", provider, version))


def list_action_types(
    backend: ApprovalsBackend, owner: str | None, region: str | None
) -> list[ActionType]:
    """The types of ``region`` (the backend's own by default) in the caller's account."""
    if region is not None and region != backend.region_name:
        backend = _backend_of(backend, region)
    with backend.lock:
        return backend.action_types.listed(owner)


def _backend_of(backend: ApprovalsBackend, region: str) -> ApprovalsBackend:
    from moto_approvals.models import approvals_backends

    try:
        other: ApprovalsBackend = approvals_backends[backend.account_id][region]
    except KeyError:
        raise ValidationException(
            f"regionFilter '{region}' is not a Region CodePipeline is available in."
        ) from None
    return other


def get_action_type(backend: ApprovalsBackend, key: TypeKey) -> Json:
    with backend.lock:
        return backend.action_types.get_declaration(key)


def update_action_type(backend: ApprovalsBackend, declaration: Json) -> None:
    with backend.lock:
        backend.action_types.update(declaration)


# -- links --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionLinks:
    """What GetPipelineState shows for an action from its type's URL templates."""

    entity_url: str | None = None
    revision_url: str | None = None


def _type_of(registry: ActionTypeRegistry, action: ActionDefinition) -> ActionType | None:
    return registry.find(type_key(action.action_type_id))


def action_links(
    registry: ActionTypeRegistry, runtime: PipelineRuntime
) -> dict[tuple[str, str], ActionLinks]:
    """Each action's links, by (stage, action): from its latest run's resolved configuration,
    else from the declared one."""
    links = {}
    for stage in runtime.definition.stages:
        for action in stage.actions:
            action_type = _type_of(registry, action)
            if action_type is None or not action_type.settings:
                continue
            latest = runtime.latest_run(stage.name, action.name)
            configuration = latest.configuration if latest is not None else action.configuration
            links[(stage.name, action.name)] = ActionLinks(
                entity_url=action_type.fill("entityUrlTemplate", configuration),
                revision_url=action_type.fill("revisionUrlTemplate", configuration),
            )
    return links


def link_jobs(registry: ActionTypeRegistry, runtime: PipelineRuntime) -> None:
    """Let the runtime's jobs fill their runs' links from the registry's templates."""

    def entity_url(run: ActionRun) -> str | None:
        action_type = _type_of(registry, run.action)
        return action_type.fill("entityUrlTemplate", run.configuration) if action_type else None

    def execution_url(run: ActionRun, external_id: str) -> str | None:
        action_type = _type_of(registry, run.action)
        if action_type is None:
            return None
        return action_type.fill("executionUrlTemplate", run.configuration, external_id)

    runtime.jobs.entity_url = entity_url
    runtime.jobs.execution_url = execution_url


# -- secrets ----------------------------------------------------------------------------------


def hide_secrets(registry: ActionTypeRegistry, declaration: Json) -> Json:
    """A copy of a pipeline declaration with its actions' secret values hidden."""
    shown = copy.deepcopy(declaration)
    for stage in shown["stages"]:
        for action in stage["actions"]:
            configuration = action.get("configuration") or {}
            for name in registry.secrets(action["actionTypeId"]) & configuration.keys():
                configuration[name] = HIDDEN
    return shown


def keep_secrets(registry: ActionTypeRegistry, declaration: Json, previous: Json) -> None:
    """Put back the secret values an UpdatePipeline sent as they read (``****``).

    A value is kept when the action of the same name, in the stage of the same name, had the
    same type and a value for the property in the previous version.
    """
    before = {
        (stage["name"], action["name"]): action
        for stage in previous["stages"]
        for action in stage["actions"]
    }
    for stage in declaration["stages"]:
        for action in stage["actions"]:
            old = before.get((stage["name"], action["name"]))
            configuration = action.get("configuration")
            if old is None or not configuration or old["actionTypeId"] != action["actionTypeId"]:
                continue
            for name in registry.secrets(action["actionTypeId"]):
                old_value = (old.get("configuration") or {}).get(name)
                if configuration.get(name) == HIDDEN and old_value is not None:
                    configuration[name] = old_value
