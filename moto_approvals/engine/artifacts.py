"""Artifacts: what an action reads and produces, in the pipeline's artifact store.

When an execution starts, each source action's revision is fixed (an S3 source: the object's
version current at that instant, or the one ``sourceRevisions`` names). When an action run
starts, before its kind starts it, :meth:`Artifacts.prepare` gives it the locations of its input
artifacts (where earlier actions of the execution put them) and fresh locations for its output
artifacts, laid out as AWS lays them out: ``<pipeline name, 20 characters>/<artifact name, 10
characters>/<random key>`` in the artifact store bucket (reference-pipeline-structure; the
EventBridge examples show ``myPipeline/SourceArti/KEYEXAMPLE``); resolves its configuration
(:mod:`~moto_approvals.engine.variables`); and copies a source's object into its output artifact.

Reading and writing S3 goes through :class:`ArtifactStore`, a port the models layer implements
over moto's S3, so the engine itself does no I/O of its own.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from moto_approvals import placeholders
from moto_approvals.domain import (
    ActionDefinition,
    ActionRun,
    ActionStatus,
    ArtifactLocation,
    PipelineExecution,
    SourceRevision,
    flat_pairs,
    s3_variables,
)
from moto_approvals.engine import variables
from moto_approvals.engine.kinds import ActionFlow
from moto_approvals.exceptions import ValidationException

#: AWS truncates the pipeline's and the artifact's names in an artifact's key.
PIPELINE_PREFIX_LENGTH = 20
ARTIFACT_PREFIX_LENGTH = 10
RANDOM_KEY_LENGTH = 7

#: The revision types StartPipelineExecution's ``sourceRevisions`` may give each provider.
_S3_REVISIONS = ("S3_OBJECT_VERSION_ID", "S3_OBJECT_KEY")
_ECR_REVISIONS = ("IMAGE_DIGEST",)
_COMMIT_REVISIONS = ("COMMIT_ID",)


def missing_object_message(bucket: str, key: str, version_id: str | None) -> str:
    """Why an S3 source action fails when its object (or the version asked for) is missing."""
    if version_id is not None:
        return (
            f"The object with key '{key}' and version ID '{version_id}' does not exist in "
            f"bucket '{bucket}'."
        )
    return f"The object with key '{key}' does not exist in bucket '{bucket}'."


@dataclass(frozen=True)
class StoredObject:
    """An S3 object as the store found it; ``handle`` is the store's own, passed back to it."""

    version_id: str | None  # None in a bucket without versioning
    etag: str
    last_modified: datetime.datetime
    #: The object's ``codepipeline-artifact-revision-summary`` metadata, if set.
    summary: str | None
    handle: object


class ArtifactStore(Protocol):
    """The artifact store and source buckets (moto's S3, implemented by the models layer)."""

    @property
    def region(self) -> str: ...

    def bucket_exists(self, bucket: str) -> bool: ...

    def source_object(self, bucket: str, key: str, version_id: str | None) -> StoredObject | None:
        """The object (the given version, else the current one), or None if it is missing."""
        ...

    def copy(self, source: StoredObject, bucket: str, key: str) -> None: ...

    def put(self, bucket: str, key: str, body: bytes) -> None: ...


class NoArtifactStore:
    """A store with no buckets: locations are computed, nothing is read or written."""

    region = "us-east-1"

    def bucket_exists(self, bucket: str) -> bool:
        return False

    def source_object(self, bucket: str, key: str, version_id: str | None) -> StoredObject | None:
        return None

    def copy(self, source: StoredObject, bucket: str, key: str) -> None:
        pass

    def put(self, bucket: str, key: str, body: bytes) -> None:
        pass


class Artifacts:
    """Source revisions, artifact locations and resolved configurations of one pipeline."""

    def __init__(self, flow: ActionFlow, store: ArtifactStore) -> None:
        self._flow = flow
        self.store = store

    # -- when an execution starts ----------------------------------------------------------

    def fix_sources(self, overrides: list[dict[str, str]]) -> dict[str, SourceRevision]:
        """The revisions source actions fetch in a new execution (bad overrides change
        nothing): those found or named; the others fetch a placeholder, which the execution
        derives when read (:class:`~moto_approvals.domain.PlaceholderRevision`)."""
        sources = self._flow.definition.source_actions
        by_action = self._check_overrides(overrides, {a.name: a for a in sources})
        fixed = {a.name: self._revision(a, by_action.get(a.name)) for a in sources}
        return {name: revision for name, revision in fixed.items() if revision is not None}

    def _check_overrides(
        self, overrides: list[dict[str, str]], sources: dict[str, ActionDefinition]
    ) -> dict[str, dict[str, str]]:
        by_action: dict[str, dict[str, str]] = {}
        pipeline = self._flow.definition.name
        for override in overrides:
            name, kind = override["actionName"], override["revisionType"]
            action = sources.get(name)
            if action is None:
                raise ValidationException(
                    f"Source action {name} was not found in pipeline {pipeline}: "
                    "sourceRevisions may only name source actions."
                )
            if name in by_action:
                raise ValidationException(
                    f"sourceRevisions names source action {name} more than once."
                )
            if kind not in _revision_types(action):
                raise ValidationException(
                    f"Revision type {kind} is not valid for source action {name} "
                    f"(provider {action.action_type_id['provider']}); expected one of "
                    f"{', '.join(_revision_types(action))}."
                )
            by_action[name] = override
        return by_action

    def _revision(
        self, action: ActionDefinition, override: dict[str, str] | None
    ) -> SourceRevision | None:
        kind = override["revisionType"] if override else None
        value = override["revisionValue"] if override else None
        if not action.is_s3:
            return self.commit_revision(action, value) if value else None
        bucket = action.configuration.get("S3Bucket", "")
        key = action.configuration.get("S3ObjectKey", "")
        if kind == "S3_OBJECT_KEY" and value:
            key = value
        version_id = value if kind == "S3_OBJECT_VERSION_ID" else None
        if not self.store.bucket_exists(bucket):
            # A bucket the test never created: a stand-in keeps approval-only tests running.
            return self._named_placeholder(action, version_id) if version_id else None
        found = self.store.source_object(bucket, key, version_id)
        if found is None:
            return SourceRevision(
                action_name=action.name,
                revision_id=version_id or "",
                failure=missing_object_message(bucket, key, version_id),
            )
        return SourceRevision(
            action_name=action.name,
            # A bucket without versioning has no version id to show: the ETag stands in.
            revision_id=found.version_id or found.etag,
            change_identifier=found.etag,
            created=found.last_modified,
            summary=found.summary,
            variables=s3_variables(found.etag, found.version_id),
            object=found,
        )

    def _named_placeholder(self, action: ActionDefinition, version_id: str) -> SourceRevision:
        """The stand-in for an S3 version named in a bucket that does not exist."""
        etag = placeholders.etag(action.name, version_id)
        return SourceRevision(
            action_name=action.name,
            revision_id=version_id,
            change_identifier=etag,
            variables=s3_variables(etag, version_id),
        )

    def commit_revision(
        self,
        action: ActionDefinition,
        commit_id: str | None,
        branch: str | None = None,
        message: str | None = None,
    ) -> SourceRevision:
        """A repository source's revision: the commit (a made-up one when None), on ``branch``
        (else the configured one), with the source's output variables."""
        commit_id = commit_id or self._commit_id()
        return SourceRevision(
            action.name,
            commit_id,
            summary=message,
            variables=flat_pairs(
                placeholders.commit_variables(
                    action.configuration, commit_id, branch, message
                ).items()
            ),
        )

    def _commit_id(self) -> str:
        return (self._flow.new_id() + self._flow.new_id()).replace("-", "")[:40]

    # -- when an action run starts ---------------------------------------------------------

    def prepare(self, execution: PipelineExecution, run: ActionRun) -> str | None:
        """Fill the run's artifacts and resolved configuration; the failure, if it cannot run."""
        action = run.action
        # Without references the declared configuration is the resolved one: shared, not
        # copied into every run that history keeps.
        configuration, complete = action.configuration, True
        if variables.has_references(configuration):
            configuration, complete = variables.resolve(
                dict(configuration), variables.available(execution)
            )
        run.resolved_configuration = configuration
        if not complete:
            return variables.UNRESOLVED_MESSAGE.format(action=action.name)
        run.input_artifacts = self._inputs(execution, action)
        revision = execution.source_revision(action) if action.is_source else None
        if revision is not None and revision.failure is not None:
            return revision.failure
        bucket = execution.definition.artifact_bucket(action.region or self.store.region)
        if bucket is None:
            return None
        revision_id = revision.revision_id if revision is not None else None
        run.output_artifacts = tuple(
            ArtifactLocation(name, bucket, self._key(execution, name), revision_id)
            for name in action.output_artifacts
        )
        if revision is not None:
            run.show_source_variables()
            self._fetch(revision, run.output_artifacts)
        return None

    def _key(self, execution: PipelineExecution, artifact: str) -> str:
        random = self._flow.new_id().replace("-", "")[:RANDOM_KEY_LENGTH]
        pipeline = execution.pipeline_name[:PIPELINE_PREFIX_LENGTH]
        return f"{pipeline}/{artifact[:ARTIFACT_PREFIX_LENGTH]}/{random}"

    def _inputs(
        self, execution: PipelineExecution, action: ActionDefinition
    ) -> tuple[ArtifactLocation, ...]:
        return artifacts_named(execution, action.input_artifacts)

    def _fetch(self, revision: SourceRevision, outputs: Sequence[ArtifactLocation]) -> None:
        """Copy the source into its output artifact, where the store bucket exists."""
        for output in outputs:
            if not self.store.bucket_exists(output.bucket):
                continue  # locations stay computed; there is nowhere to write them
            if isinstance(revision.object, StoredObject):
                self.store.copy(revision.object, output.bucket, output.key)
            else:
                body = placeholders.body(revision.action_name, revision.revision_id)
                self.store.put(output.bucket, output.key, body)


def artifacts_named(
    execution: PipelineExecution, names: Sequence[str]
) -> tuple[ArtifactLocation, ...]:
    """Where the execution's succeeded actions put the artifacts of these names (an action's
    or a rule's input artifacts), in the order named."""
    if not names:
        return ()
    produced: dict[str, ArtifactLocation] = {}
    producers: list[Sequence[ArtifactLocation]] = []
    for earlier in variables.runs_of(execution):
        if earlier.status is ActionStatus.SUCCEEDED:
            produced.update((a.name, a) for a in earlier.output_artifacts)
            producers.append(earlier.output_artifacts)
    found = tuple(produced[name] for name in names if name in produced)
    # Usually the inputs are exactly what one earlier action produced: share its tuple (history
    # keeps every run).
    shared = next((p for p in producers if p == found and isinstance(p, tuple)), None)
    return shared if shared is not None else found


def _revision_types(action: ActionDefinition) -> tuple[str, ...]:
    if action.is_s3:
        return _S3_REVISIONS
    if action.action_type_id["provider"] == "ECR":
        return _ECR_REVISIONS
    return _COMMIT_REVISIONS
