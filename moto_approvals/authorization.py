"""IAM as AWS authorizes CodePipeline: each operation on the resource AWS names for it.

With moto's IAM enforcement on (``moto.core.set_initial_no_auth_action_count``, or
``INITIAL_NO_AUTH_ACTION_COUNT`` in the environment), moto checks every action against ``*``,
so an approver allowed ``codepipeline:PutApprovalResult`` on exactly its action's ARN is
denied, a ``Deny`` on that ARN is ignored, and the denial is an XML 403 no JSON SDK parses.
Here each operation is authorized on the resource the Service Authorization Reference
("Actions, resources, and condition keys for AWS CodePipeline") lists for it, by moto's own
machinery (its request counter, signature check and policy statements), and every failure
is a JSON 1.1 error, HTTP 400, with AWS's code and message.

The check runs after the request is parsed and validated against the model, before any
lookup: the resource ARN is built from the validated members (a malformed or missing name
names no resource), and a denied call never reaches the backend, so it changes nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from moto import settings
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, IAMRequest, PermissionResult

from moto_approvals.exceptions import CodePipelineError

try:
    from moto.utilities.utils import get_partition as _partition
except ImportError:  # moto 5.0 writes every ARN in the "aws" partition

    def _partition(region: str) -> str:
        return "aws"


SERVICE = "codepipeline"


class AccessDeniedException(CodePipelineError):
    """The caller's identity-based policies do not allow the action on the resource."""


class UnrecognizedClientException(CodePipelineError):
    """The access key (or its session token) is unknown to moto's IAM and STS."""


class InvalidSignatureException(CodePipelineError):
    """The request's SigV4 signature does not match the one computed with the secret key."""


class MissingAuthenticationTokenException(CodePipelineError):
    """The request is not signed."""


# -- the resource of each operation -------------------------------------------------------


@dataclass(frozen=True)
class ResourceType:
    """A resource type of the Service Authorization Reference and where its parts come from.

    ``members`` maps each ``{placeholder}`` of ``template`` to a dotted path in the input;
    ``fixed`` gives placeholders that are constant for the operation.
    """

    name: str
    template: str
    members: tuple[tuple[str, str], ...] = ()
    fixed: tuple[tuple[str, str], ...] = ()
    #: The template is a whole ARN (taken from the input), not the part after the account.
    whole: bool = False

    def arn(self, params: Mapping[str, Any], partition: str, region: str, account: str) -> str:
        parts = dict(self.fixed)
        for placeholder, path in self.members:
            value = _member(params, path)
            # Only optional members can be absent (validation ran first): any of that type.
            parts[placeholder] = "*" if value is None else str(value)
        prefix = "" if self.whole else f"arn:{partition}:{SERVICE}:{region}:{account}:"
        return prefix + self.template.format(**parts)


def _member(params: Mapping[str, Any], path: str) -> Any:
    value: Any = params
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _pipeline(name: str = "pipelineName") -> ResourceType:
    return ResourceType("pipeline", "{pipeline}", (("pipeline", name),))


def _stage() -> ResourceType:
    members = (("pipeline", "pipelineName"), ("stage", "stageName"))
    return ResourceType("stage", "{pipeline}/{stage}", members)


def _action() -> ResourceType:
    members = (("pipeline", "pipelineName"), ("stage", "stageName"), ("action", "actionName"))
    return ResourceType("action", "{pipeline}/{stage}/{action}", members)


def _action_type(prefix: str = "", owner: str | None = None) -> ResourceType:
    parts = ("category", "provider", "version") + (() if owner else ("owner",))
    members = tuple((part, prefix + part) for part in parts)
    fixed = (("owner", owner),) if owner else ()
    template = "actiontype:{owner}/{category}/{provider}/{version}"
    return ResourceType("actiontype", template, members, fixed)


def _webhook(name: str | None) -> ResourceType:
    members = (("webhook", name),) if name else ()
    fixed = () if name else (("webhook", "*"),)
    return ResourceType("webhook", "webhook:{webhook}", members, fixed)


#: The one table: each operation's IAM action is ``codepipeline:<Operation>``, authorized on
#: these resources (every one must be allowed); ``()`` means the reference lists no resource
#: type, so only a statement on ``*`` applies. ``TAGGED`` resources are the ARN in the input.
TAGGED = ResourceType("tagged resource", "{arn}", (("arn", "resourceArn"),), whole=True)
RESOURCES: dict[str, tuple[ResourceType, ...]] = {
    "AcknowledgeJob": (),
    "AcknowledgeThirdPartyJob": (),
    "CreateCustomActionType": (_action_type(owner="Custom"),),
    "CreatePipeline": (_pipeline("pipeline.name"),),
    "DeleteCustomActionType": (_action_type(owner="Custom"),),
    "DeletePipeline": (_pipeline("name"),),
    "DeleteWebhook": (_webhook("name"),),
    "DeregisterWebhookWithThirdParty": (_webhook("webhookName"),),
    "DisableStageTransition": (_stage(),),
    "EnableStageTransition": (_stage(),),
    "GetActionType": (),
    "GetJobDetails": (),
    "GetPipeline": (_pipeline("name"),),
    "GetPipelineExecution": (_pipeline(),),
    "GetPipelineState": (_pipeline("name"),),
    "GetThirdPartyJobDetails": (),
    "ListActionExecutions": (_pipeline(),),
    "ListActionTypes": (),
    "ListDeployActionExecutionTargets": (_pipeline(),),
    "ListPipelineExecutions": (_pipeline(),),
    "ListPipelines": (),
    "ListRuleExecutions": (_pipeline(),),
    "ListRuleTypes": (),
    "ListTagsForResource": (TAGGED,),
    "ListWebhooks": (_webhook(None),),
    "OverrideStageCondition": (_stage(),),
    "PollForJobs": (_action_type("actionTypeId."),),
    "PollForThirdPartyJobs": (),
    "PutActionRevision": (_action(),),
    "PutApprovalResult": (_action(),),
    "PutJobFailureResult": (),
    "PutJobSuccessResult": (),
    "PutThirdPartyJobFailureResult": (),
    "PutThirdPartyJobSuccessResult": (),
    "PutWebhook": (_pipeline("webhook.targetPipeline"), _webhook("webhook.name")),
    "RegisterWebhookWithThirdParty": (_webhook("webhookName"),),
    "RetryStageExecution": (_stage(),),
    "RollbackStage": (_stage(),),
    "StartPipelineExecution": (_pipeline("name"),),
    "StopPipelineExecution": (_pipeline(),),
    "TagResource": (TAGGED,),
    "UntagResource": (TAGGED,),
    "UpdateActionType": (_action_type("actionType.id."),),
    "UpdatePipeline": (_pipeline("pipeline.name"),),
}


def resource_arns(
    operation: str, params: Mapping[str, Any], partition: str, region: str, account: str
) -> list[str]:
    """The ARNs ``codepipeline:<operation>`` is authorized on; ``["*"]`` where AWS names none."""
    return [_arn(t, params, partition, region, account) for t in _resource_types(operation)]


def _resource_types(operation: str) -> tuple[ResourceType | None, ...]:
    """The operation's resource types; ``(None,)`` where AWS names none (the ARN ``*``)."""
    return RESOURCES[operation] or (None,)


def _arn(
    resource_type: ResourceType | None,
    params: Mapping[str, Any],
    partition: str,
    region: str,
    account: str,
) -> str:
    return "*" if resource_type is None else resource_type.arn(params, partition, region, account)


def resource_table() -> list[tuple[str, str, list[str]]]:
    """(resource types, resources, operations) rows for the README, from :data:`RESOURCES`.

    A resource is shown after ``arn:<partition>:codepipeline:<region>:<account>:``.
    """
    rows: dict[tuple[str, str], list[str]] = {}
    for operation, types in sorted(RESOURCES.items()):
        names = " + ".join(t.name for t in types) or "none listed"
        shown = " + ".join(_shown(t) for t in types) or "`*`"
        rows.setdefault((names, shown), []).append(operation)
    return [(names, shown, operations) for (names, shown), operations in rows.items()]


def _shown(resource_type: ResourceType) -> str:
    if resource_type.whole:
        return f"the `{resource_type.members[0][1]}` given"
    return f"`{resource_type.template.format_map(_Placeholders(resource_type.fixed))}`"


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"


# -- moto's request, judged on the operation's resource -----------------------------------

# moto >= 5.1 evaluates a statement's conditions against values passed in; 5.0 ignores them.
CONDITIONS_SUPPORTED = (
    "incoming_condition_values"
    in inspect.signature(IAMPolicyStatement.is_action_permitted).parameters
)


class CodePipelineIAMRequest(IAMRequest):
    """moto's IAM request; the verdict and the errors are AWS's for a JSON 1.1 service."""

    def check_action_permitted(self, resource: str) -> None:
        """Explicit deny beats allow; no applicable allow is an implicit deny."""
        values = _condition_values(self.account_id, self._region, resource)
        verdict = PermissionResult.NEUTRAL
        for policy in self._access_key.collect_policies():
            for statement in _statements(policy):
                result = _judge(statement, self._action, resource, values)
                if result == PermissionResult.DENIED:
                    self._deny(resource, "with an explicit deny in an identity-based policy")
                if result == PermissionResult.PERMITTED:
                    verdict = result
        if verdict != PermissionResult.PERMITTED:
            self._deny(
                resource, f"because no identity-based policy allows the {self._action} action"
            )

    def _deny(self, resource: str, reason: str) -> None:
        raise AccessDeniedException(
            f"User: {self._access_key.arn} is not authorized to perform: {self._action} "
            f"on resource: {resource} {reason}"
        )

    def _raise_access_denied(self) -> None:  # not reached: check_action_permitted decides
        raise AccessDeniedException()

    def _raise_invalid_access_key(self, reason: str) -> None:
        raise UnrecognizedClientException("The security token included in the request is invalid.")

    def _raise_signature_does_not_match(self) -> None:
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details."
        )


def _statements(policy: Any) -> list[dict[str, Any]]:
    # IAMPolicy reads every form moto stores (managed Policy, inline JSON, attached dict).
    document: Any = IAMPolicy(policy)._policy_json
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _judge(
    statement: dict[str, Any], action: str, resource: str, values: dict[str, str]
) -> PermissionResult:
    """Whether one statement allows, denies or does not apply, by moto's statement matcher.

    moto answers DENIED for any statement whose condition fails, an Allow included; in AWS such
    a statement does not apply. So the statement is asked as an Allow: PERMITTED means action,
    resource and conditions all match, and then its own effect counts.
    """
    as_allow = IAMPolicyStatement({**statement, "Effect": "Allow"})
    if CONDITIONS_SUPPORTED:
        matched = as_allow.is_action_permitted(action, resource, None, values)
    else:
        matched = as_allow.is_action_permitted(action, resource)
    if matched != PermissionResult.PERMITTED:
        return PermissionResult.NEUTRAL
    return PermissionResult.DENIED if statement.get("Effect") == "Deny" else matched


def _condition_values(account: str, region: str, resource: str) -> dict[str, str]:
    """The request context keys moto's condition engine can compare (StringEquals only)."""
    values = {"aws:RequestedRegion": region}
    for key, value in _pipeline_tags(account, region, resource).items():
        values[f"aws:ResourceTag/{key}"] = value
    return values


def _pipeline_tags(account: str, region: str, resource: str) -> dict[str, str]:
    """The tags of the pipeline a pipeline, stage or action ARN names (a stage or an action has
    none of its own; the reference lists aws:ResourceTag for both)."""
    from moto.codepipeline.models import codepipeline_backends

    parts = resource.split(":", 5)
    if len(parts) < 6 or ":" in parts[5] or parts[3:5] != [region, account]:
        return {}
    name = parts[5].split("/")[0]
    pipeline = codepipeline_backends[account][region].pipelines.get(name)
    return dict(getattr(pipeline, "tags", None) or {})


def _enforcing(response: Any) -> bool:
    """Whether moto's next ``_authenticate_and_authorize_action`` checks: the same test, on
    the counter every moto response shares (a class attribute of its authenticator mixin)."""
    return bool(response.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT)


def authorize(response: Any, operation: str, params: Mapping[str, Any]) -> None:
    """Authorize ``codepipeline:<operation>`` on its resources, as moto's enforcement is set.

    ``response`` is the moto ``BaseResponse`` handling the request; moto's own
    ``_authenticate_and_authorize_action`` counts requests against
    ``INITIAL_NO_AUTH_ACTION_COUNT``, reads the caller's key and checks the signature.

    Raises:
        AccessDeniedException, UnrecognizedClientException, InvalidSignatureException,
        MissingAuthenticationTokenException: HTTP 400, JSON 1.1.
    """
    region, account = response.region, response.current_account
    for resource_type in _resource_types(operation):
        # moto checks nothing (it only counts) until the no-auth count runs out: the ARN is
        # built only for a check (as resource_arns builds it).
        checked = _enforcing(response)
        arn = _arn(resource_type, params, _partition(region), region, account) if checked else "*"
        try:
            response._authenticate_and_authorize_action(CodePipelineIAMRequest, arn)
        except KeyError:
            if "Authorization" in response.headers:
                raise
            # moto reads the header unguarded.
            raise MissingAuthenticationTokenException("Missing Authentication Token") from None
