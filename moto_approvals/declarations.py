"""Pipeline declarations checked as CodePipeline checks them, before anything is stored.

botocore's model validates shapes (``validation.validate_input``); this module adds the rules
of the CodePipeline User Guide's pipeline structure reference (reference-pipeline-structure,
stage-requirements, action-requirements, pipeline-types) that no shape can express: stage
counts, unique names, where source actions go, artifact counts and flow, V2-only features.
Messages are AWS's where a real one is known, else written in AWS's style (README, "Choices
where AWS is silent").

A check is a function of a :class:`DeclarationContext` that raises a modeled error. Checks run
in registration order; :func:`register_declaration_check` adds one (for instance for custom
action types) at import time of the module that defines it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from moto_approvals.domain import Declaration
from moto_approvals.exceptions import (
    InvalidActionDeclarationException,
    InvalidStageDeclarationException,
    InvalidStructureException,
    ValidationException,
)

#: The trust policy document of an IAM role ARN, or None when the role does not exist.
RolePolicyLookup = Callable[[str], str | None]

MIN_STAGES = 2
MAX_STAGES = 50  # quotas: stages per pipeline
MAX_ACTIONS_PER_STAGE = 50  # quotas: actions per stage
CODEPIPELINE_PRINCIPAL = "codepipeline.amazonaws.com"

#: (category, owner, provider, version) -> (min in, max in, min out, max out), from the User
#: Guide's "Valid input and output artifacts for each action type" (AWS-owned types).
ARTIFACT_LIMITS: dict[tuple[str, str, str, str], tuple[int, int, int, int]] = {
    **{
        ("Source", owner, provider, "1"): (0, 0, 1, 1)
        for owner, provider in (
            ("AWS", "S3"),
            ("AWS", "CodeCommit"),
            ("AWS", "ECR"),
            ("AWS", "CodeStarSourceConnection"),
            ("ThirdParty", "GitHub"),
        )
    },
    ("Build", "AWS", "CodeBuild", "1"): (1, 5, 0, 5),
    ("Test", "AWS", "CodeBuild", "1"): (1, 5, 0, 5),
    ("Approval", "AWS", "Manual", "1"): (0, 0, 0, 0),
    ("Deploy", "AWS", "S3", "1"): (1, 1, 0, 0),
    ("Deploy", "AWS", "CloudFormation", "1"): (0, 10, 0, 1),
    ("Deploy", "AWS", "CodeDeploy", "1"): (1, 1, 0, 0),
    ("Deploy", "AWS", "ECS", "1"): (1, 1, 0, 0),
    ("Invoke", "AWS", "Lambda", "1"): (0, 5, 0, 5),
}


@dataclass(frozen=True)
class ActionAt:
    """One action declaration and where it sits."""

    stage_index: int
    stage_name: str
    action: Declaration

    @property
    def name(self) -> str:
        return str(self.action["name"])

    @property
    def type_id(self) -> tuple[str, str, str, str]:
        t = self.action["actionTypeId"]
        return (t["category"], t["owner"], t["provider"], t["version"])

    @property
    def category(self) -> str:
        return self.type_id[0]

    @property
    def run_order(self) -> int:
        return int(self.action.get("runOrder") or 1)

    def artifact_names(self, key: str) -> list[str]:
        return [str(a["name"]) for a in self.action.get(key) or []]


@dataclass(frozen=True)
class DeclarationContext:
    """What a check sees: the declaration (already valid against the model) and its place."""

    declaration: Declaration
    account_id: str
    region: str
    role_policy: RolePolicyLookup
    #: The pipeline's current declaration when this is an UpdatePipeline.
    previous: Declaration | None = None

    @property
    def stages(self) -> list[Declaration]:
        stages: list[Declaration] = self.declaration["stages"]
        return stages

    @property
    def is_v2(self) -> bool:
        return self.declaration.get("pipelineType") == "V2"

    def actions(self) -> Iterator[ActionAt]:
        for index, stage in enumerate(self.stages):
            for action in stage["actions"]:
                yield ActionAt(index, stage["name"], action)


DeclarationCheck = Callable[[DeclarationContext], None]
_CHECKS: list[DeclarationCheck] = []


def register_declaration_check(check: DeclarationCheck) -> DeclarationCheck:
    """Run ``check`` on every CreatePipeline and UpdatePipeline, after the built-in checks.

    Usable as a decorator; registering the same function twice registers it once.
    """
    if check not in _CHECKS:
        _CHECKS.append(check)
    return check


def validate_pipeline_declaration(
    declaration: Declaration,
    *,
    account_id: str,
    region: str,
    role_policy: RolePolicyLookup,
    previous: Declaration | None = None,
) -> None:
    """Raise the modeled error AWS gives for the first rule the declaration breaks."""
    reject_null_members(declaration, "pipeline")
    context = DeclarationContext(declaration, account_id, region, role_policy, previous)
    for check in _CHECKS:
        check(context)


def reject_null_members(value: Any, path: str) -> None:
    """A ``null`` inside a list is a missing member; the model's walk skips nulls."""
    if isinstance(value, dict):
        for key, item in value.items():
            reject_null_members(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            where = f"{path}.{index}.member"
            if item is None:
                raise ValidationException(
                    f"1 validation error detected: Value null at '{where}' failed to satisfy "
                    "constraint: Member must not be null"
                )
            reject_null_members(item, where)


# -- the built-in checks, in the order they run ------------------------------------------------


def _trusts_codepipeline(document: str) -> bool:
    try:
        statements = json.loads(document).get("Statement", [])
    except (ValueError, AttributeError):
        return False
    if isinstance(statements, dict):
        statements = [statements]

    def listed(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = listed(statement.get("Action", []))
        principal = statement.get("Principal")
        services = listed(principal.get("Service", [])) if isinstance(principal, dict) else []
        allows = any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions)
        if allows and (CODEPIPELINE_PRINCIPAL in services or principal == "*"):
            return True
    return False


@register_declaration_check
def _role_is_assumable(context: DeclarationContext) -> None:
    role = context.declaration["roleArn"]
    document = context.role_policy(role)
    if document is None or not _trusts_codepipeline(document):
        raise InvalidStructureException(
            f"CodePipeline is not authorized to perform AssumeRole on role {role}"
        )


@register_declaration_check
def _stage_count(context: DeclarationContext) -> None:
    count = len(context.stages)
    if count < MIN_STAGES:
        raise InvalidStructureException(
            f"Pipeline has only {count} stage(s). There should be a minimum of {MIN_STAGES} "
            "stages in a pipeline"
        )
    if count > MAX_STAGES:
        raise InvalidStructureException(
            "Pipeline has too many stages. There can only be up to "
            f"{MAX_STAGES} stages in a pipeline"
        )


@register_declaration_check
def _stages_are_well_formed(context: DeclarationContext) -> None:
    for name, seen in Counter(stage["name"] for stage in context.stages).items():
        if seen > 1:
            raise InvalidStageDeclarationException(f"Stage name '{name}' is used more than once")
    for stage in context.stages:
        count = len(stage["actions"])
        if count == 0:
            raise InvalidStageDeclarationException(
                f"Stage '{stage['name']}' has no actions. There should be a minimum of 1 "
                "action in a stage"
            )
        if count > MAX_ACTIONS_PER_STAGE:
            raise InvalidStageDeclarationException(
                f"Stage '{stage['name']}' has too many actions. There can only be up to "
                f"{MAX_ACTIONS_PER_STAGE} actions in a stage"
            )
        names = Counter(action["name"] for action in stage["actions"])
        for action_name, seen in names.items():
            if seen > 1:
                raise InvalidActionDeclarationException(
                    f"Action name '{action_name}' is used more than once in stage '{stage['name']}'"
                )


@register_declaration_check
def _v2_only_features(context: DeclarationContext) -> None:
    if context.is_v2:
        return
    declaration = context.declaration
    if declaration.get("executionMode") in ("QUEUED", "PARALLEL"):
        raise InvalidStructureException(
            "QUEUED or PARALLEL mode can only be used with V2 pipelines"
        )
    if declaration.get("variables"):
        raise InvalidStructureException("Pipeline variable can only be used with V2 pipelines")
    if declaration.get("triggers"):
        raise InvalidStructureException("Triggers on tag can only be used with V2 pipelines")
    for stage in context.stages:
        if any(stage.get(gate) for gate in ("beforeEntry", "onSuccess", "onFailure")):
            raise InvalidStageDeclarationException(
                "Stage level conditions can only be used with V2 pipelines."
            )


@register_declaration_check
def _source_actions_open_the_pipeline(context: DeclarationContext) -> None:
    for at in context.actions():
        if at.stage_index == 0 and at.category != "Source":
            raise InvalidStructureException(
                "Pipeline should start with a stage that only contains source actions"
            )
        if at.stage_index > 0 and at.category == "Source":
            raise InvalidStructureException(
                "Source actions can only be included in the first stage of the pipeline"
            )


def count_problem(name: str, action: Declaration, key: str, low: int, high: int) -> str | None:
    """AWS's message for an action with too few or too many artifacts of one kind, if so."""
    count = len(action.get(key) or [])
    kind = "input" if key == "inputArtifacts" else "output"
    if count < low:
        return (
            f"Action {name} declares {count} {kind} artifacts which is less than the "
            f"minimum count ({low})"
        )
    if count > high:
        return (
            f"Action {name} declares {count} {kind} artifacts which is greater than the "
            f"maximum count ({high})"
        )
    return None


@register_declaration_check
def _artifact_counts(context: DeclarationContext) -> None:
    for at in context.actions():
        limits = ARTIFACT_LIMITS.get(at.type_id)
        if limits is None:
            continue
        problem = count_problem(
            at.name, at.action, "inputArtifacts", limits[0], limits[1]
        ) or count_problem(at.name, at.action, "outputArtifacts", limits[2], limits[3])
        if problem:
            raise InvalidActionDeclarationException(problem)


@register_declaration_check
def _artifacts_flow_forward(context: DeclarationContext) -> None:
    actions = list(context.actions())
    outputs = Counter(name for at in actions for name in at.artifact_names("outputArtifacts"))
    for name, seen in outputs.items():
        if seen > 1:
            raise InvalidStructureException(
                "Output Artifact Bundle name must be unique within the pipeline. "
                f"{name} has been used more than once."
            )
    for at in actions:
        earlier = {
            name
            for other in actions
            if (other.stage_index, other.run_order) < (at.stage_index, at.run_order)
            for name in other.artifact_names("outputArtifacts")
        }
        for name in at.artifact_names("inputArtifacts"):
            if name not in earlier:
                raise InvalidStructureException(
                    f"Input Artifact Bundle '{name}' of action '{at.name}' in stage "
                    f"'{at.stage_name}' is not the output artifact of a preceding action"
                )


@register_declaration_check
def _namespaces_are_unique(context: DeclarationContext) -> None:
    owners: dict[str, ActionAt] = {}
    for at in context.actions():
        namespace = at.action.get("namespace")
        if namespace is None:
            continue
        if namespace in owners:
            raise InvalidActionDeclarationException(
                "Namespaces must be unique across the pipeline definition. The following occur "
                f"more than once in the pipeline. StageName=[{at.stage_name}], "
                f"ActionName=[{at.name}], Namespace=[{namespace}]"
            )
        owners[namespace] = at


@register_declaration_check
def _variable_names_are_unique(context: DeclarationContext) -> None:
    names = Counter(v["name"] for v in context.declaration.get("variables") or [])
    for name, seen in names.items():
        if seen > 1:
            raise InvalidStructureException(
                "Variable names must be unique. The following variable name is already in use: "
                f"{name}"
            )


@register_declaration_check
def _artifact_stores_cover_regions(context: DeclarationContext) -> None:
    declaration = context.declaration
    single, per_region = declaration.get("artifactStore"), declaration.get("artifactStores")
    if single is not None and per_region is not None:
        raise InvalidStructureException(
            "Pipeline cannot declare both artifactStore and artifactStores; use artifactStores "
            "for a pipeline with cross-region actions"
        )
    if single is None and per_region is None:
        raise InvalidStructureException("Pipeline must declare artifactStore or artifactStores")
    if per_region is not None and context.region not in per_region:
        raise InvalidStructureException(
            f"artifactStores must include an artifact store for the pipeline's region "
            f"'{context.region}'"
        )
    for at in context.actions():
        region = at.action.get("region") or context.region
        if region == context.region:
            continue
        if at.category == "Source":
            raise InvalidActionDeclarationException(
                f"Action '{at.name}' in stage '{at.stage_name}': source actions cannot run in "
                "another region"
            )
        if per_region is None or region not in per_region:
            raise InvalidStructureException(
                f"Action '{at.name}' in stage '{at.stage_name}' runs in region '{region}', "
                "which has no artifact store in artifactStores"
            )
