"""The backend's pipeline operations: CRUD and tags on its catalog, written through to moto.

Each change is checked by :mod:`moto_approvals.declarations` before anything is stored, then
mirrored into moto's own CodePipeline backend for anything else in moto that reads it.
"""

from __future__ import annotations

import copy

from moto.codepipeline.models import CodePipeline
from moto.core.utils import utcnow
from moto.iam import exceptions as iam_exceptions

from moto_approvals.action_type_service import action_type_by_arn, is_action_type_arn, keep_secrets
from moto_approvals.backend_facet import BackendFacet
from moto_approvals.catalog import PipelineRecord, Tagged, add_tags, remove_tags, sorted_tags
from moto_approvals.declarations import reject_null_members, validate_pipeline_declaration
from moto_approvals.domain import Declaration
from moto_approvals.exceptions import ValidationException
from moto_approvals.validation import known_members
from moto_approvals.webhooks import is_webhook_arn


def _iam_not_found() -> type[Exception]:
    """What moto's IAM raises for a role it does not have: renamed in moto 5.1, so looked up by
    name (a plain import of either fails on one side of the supported range)."""
    for name in ("NotFoundException", "IAMNotFoundException"):
        found: type[Exception] | None = getattr(iam_exceptions, name, None)
        if found is not None:
            return found
    raise ImportError("moto.iam.exceptions has no NotFoundException: unsupported moto release")


_IAM_NOT_FOUND = _iam_not_found()


class PipelineOperations(BackendFacet):
    """CreatePipeline to ListPipelines, and the tags of every taggable resource."""

    # -- pipeline CRUD and tags: the catalog, written through to moto ----------------------

    def _role_policy(self, role_arn: str) -> str | None:
        try:
            role = self.pipelines.iam_backend.get_role_by_arn(role_arn)
        except _IAM_NOT_FOUND:
            return None
        return str(role.assume_role_policy_document)

    def _validate(self, pipeline: Declaration, previous: Declaration | None = None) -> None:
        validate_pipeline_declaration(
            pipeline,
            account_id=self.account_id,
            region=self.region_name,
            role_policy=self._role_policy,
            previous=previous,
        )
        self.action_types.check_declaration(pipeline, self.region_name)

    def _mirror(self, name: str) -> None:
        """Write the catalog's pipeline through to moto's CodePipeline backend."""
        record = self.catalog.records.get(name)
        if record is None:
            self.pipelines.pipelines.pop(name, None)
            return
        stored = self.pipelines.pipelines.get(name)
        if stored is None:
            stored = CodePipeline(self.account_id, self.region_name, copy.deepcopy(record.current))
            self.pipelines.pipelines[name] = stored
        stored.pipeline = copy.deepcopy(record.current)
        stored.tags = dict(record.tags)
        stored._created, stored._updated = record.created, record.updated

    def create_pipeline(
        self, pipeline: Declaration, tags: list[dict[str, str]] | None, caller_arn: str
    ) -> PipelineRecord:
        """Check, store (version 1) and start the first execution; nothing stays on error."""
        with self.lock:
            tags = tags or []
            reject_null_members(tags, "tags")
            self.catalog.check_name_free(pipeline["name"])
            pipeline = known_members("PipelineDeclaration", pipeline)
            self._validate(pipeline)
            now = utcnow()
            record = self.catalog.create(pipeline, tags, now)
            self._mirror(record.name)
            try:
                with self._pipeline(record.name) as runtime:
                    runtime.start_execution(now, "CreatePipeline", caller_arn)
            except ValidationException:
                # A declared variable without a default: nothing to start the first
                # execution with, so the pipeline waits for StartPipelineExecution.
                pass
            return record

    def update_pipeline(self, pipeline: Declaration) -> PipelineRecord:
        with self.lock:
            current = self.catalog.get(pipeline["name"])
            pipeline = known_members("PipelineDeclaration", pipeline)
            keep_secrets(self.action_types, pipeline, current.current)
            self._validate(pipeline, previous=current.current)
            record = self.catalog.update(pipeline, utcnow())
            self._mirror(record.name)
            with self._pipeline(record.name):  # cancels the replaced version's executions
                return record

    def delete_pipeline(self, name: str) -> None:
        with self.lock:
            self.catalog.delete(name)
            self._mirror(name)
            self._runtimes.pop(name, None)

    def get_pipeline(self, name: str, version: int | None) -> tuple[PipelineRecord, Declaration]:
        with self.lock:
            record = self.catalog.get(name)
            record.catch_up(utcnow())
            return record, record.declaration(version)

    def list_pipelines(self) -> list[PipelineRecord]:
        with self.lock:
            return [self.catalog.records[name] for name in self.catalog.sorted_names()]

    def _tagged(self, arn: str) -> Tagged:
        """The resource an ARN of this account and region names: pipeline, webhook or type."""
        if is_webhook_arn(arn):
            return self.webhooks.by_arn(arn)
        if is_action_type_arn(arn):
            return action_type_by_arn(self, arn)
        return self.catalog.by_arn(arn)

    def tag_resource(self, arn: str, tags: list[dict[str, str]]) -> None:
        with self.lock:
            reject_null_members(tags, "tags")
            resource = self._tagged(arn)
            add_tags(resource, arn, tags)
            if isinstance(resource, PipelineRecord):
                self._mirror(resource.name)

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with self.lock:
            reject_null_members(keys, "tagKeys")
            resource = self._tagged(arn)
            remove_tags(resource, keys)
            if isinstance(resource, PipelineRecord):
                self._mirror(resource.name)

    def list_tags_for_resource(self, arn: str) -> list[dict[str, str]]:
        with self.lock:
            return sorted_tags(self._tagged(arn))
