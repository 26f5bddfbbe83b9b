"""What a pipeline declares, as the engine reads it: pipeline, stage and action definitions."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto_approvals.domain.statuses import ExecutionMode

if TYPE_CHECKING:
    pass


#: A pipeline or action declaration as CreatePipeline receives it (camelCase keys).
Declaration = dict[str, Any]


#: AWS's default lifetime of a pending manual approval (Quotas page: 7 days).
DEFAULT_APPROVAL_TIMEOUT = datetime.timedelta(days=7)


MANUAL_APPROVAL_TYPE = {
    "category": "Approval",
    "owner": "AWS",
    "provider": "Manual",
    "version": "1",
}


@dataclass(frozen=True)
class ActionDefinition:
    stage_name: str
    name: str
    run_order: int
    action_type_id: dict[str, str]
    configuration: dict[str, str]
    timeout_in_minutes: int | None
    region: str | None
    namespace: str | None
    role_arn: str | None
    #: Artifact names as declared (what the action reads, what it produces).
    input_artifacts: tuple[str, ...] = ()
    output_artifacts: tuple[str, ...] = ()

    @property
    def is_manual_approval(self) -> bool:
        return self.action_type_id == MANUAL_APPROVAL_TYPE

    @property
    def is_source(self) -> bool:
        return self.action_type_id["category"] == "Source"

    @property
    def is_s3(self) -> bool:
        return self.action_type_id["owner"] == "AWS" and self.action_type_id["provider"] == "S3"

    @property
    def approval_timeout(self) -> datetime.timedelta:
        if self.timeout_in_minutes is None:
            return DEFAULT_APPROVAL_TIMEOUT
        return datetime.timedelta(minutes=self.timeout_in_minutes)

    @classmethod
    def from_declaration(cls, stage_name: str, action: Declaration) -> ActionDefinition:
        type_id = action["actionTypeId"]
        return cls(
            stage_name=stage_name,
            name=action["name"],
            run_order=int(action.get("runOrder") or 1),
            action_type_id={
                k: str(type_id[k]) for k in ("category", "owner", "provider", "version")
            },
            configuration=dict(action.get("configuration") or {}),
            timeout_in_minutes=action.get("timeoutInMinutes"),
            region=action.get("region"),
            namespace=action.get("namespace"),
            role_arn=action.get("roleArn"),
            input_artifacts=tuple(a["name"] for a in action.get("inputArtifacts") or []),
            output_artifacts=tuple(a["name"] for a in action.get("outputArtifacts") or []),
        )


@dataclass(frozen=True)
class StageDefinition:
    name: str
    actions: tuple[ActionDefinition, ...]
    #: The stage's beforeEntry, onSuccess and onFailure declarations, as declared (V2).
    before_entry: Declaration | None = None
    on_success: Declaration | None = None
    on_failure: Declaration | None = None

    def action(self, name: str) -> ActionDefinition | None:
        return next((a for a in self.actions if a.name == name), None)

    @property
    def run_orders(self) -> list[int]:
        return sorted({a.run_order for a in self.actions})


@dataclass(frozen=True)
class PipelineDefinition:
    name: str
    version: int
    stages: tuple[StageDefinition, ...]
    execution_mode: ExecutionMode
    variables: tuple[tuple[str, str | None], ...]  # (name, defaultValue) as declared
    #: The artifact bucket of each region ("" for the single ``artifactStore``).
    artifact_stores: tuple[tuple[str, str], ...] = ()

    def artifact_bucket(self, region: str) -> str | None:
        """The bucket holding the artifacts of actions that run in ``region``."""
        stores = dict(self.artifact_stores)
        return stores.get("", stores.get(region))

    def stage(self, name: str) -> StageDefinition | None:
        return next((s for s in self.stages if s.name == name), None)

    @functools.cached_property
    def source_actions(self) -> tuple[ActionDefinition, ...]:
        return tuple(a for stage in self.stages for a in stage.actions if a.is_source)

    @functools.cached_property
    def s3_sources(self) -> tuple[ActionDefinition, ...]:
        """The first stage's S3 actions: the sources a change in S3 starts."""
        return tuple(a for a in self.stages[0].actions if a.is_s3) if self.stages else ()

    def stage_index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.stages) if s.name == name)

    @classmethod
    def from_declaration(cls, pipeline: Declaration) -> PipelineDefinition:
        # V1 pipelines have no execution mode and behave as SUPERSEDED.
        mode = pipeline.get("executionMode") if pipeline.get("pipelineType") == "V2" else None
        return cls(
            name=pipeline["name"],
            version=int(pipeline.get("version") or 1),
            stages=tuple(
                StageDefinition(
                    name=stage["name"],
                    actions=tuple(
                        ActionDefinition.from_declaration(stage["name"], action)
                        for action in stage["actions"]
                    ),
                    before_entry=stage.get("beforeEntry"),
                    on_success=stage.get("onSuccess"),
                    on_failure=stage.get("onFailure"),
                )
                for stage in pipeline["stages"]
            ),
            execution_mode=ExecutionMode(mode or ExecutionMode.SUPERSEDED.value),
            variables=tuple(
                (v["name"], v.get("defaultValue")) for v in pipeline.get("variables") or []
            ),
            artifact_stores=_artifact_stores(pipeline),
        )


def _artifact_stores(pipeline: Declaration) -> tuple[tuple[str, str], ...]:
    single = pipeline.get("artifactStore")
    if single:
        return (("", single["location"]),)
    stores = pipeline.get("artifactStores") or {}
    return tuple((region, store["location"]) for region, store in stores.items())
