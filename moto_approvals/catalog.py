"""Pipeline definitions: every version of each declaration, its metadata and its tags.

The catalog is the one source of truth for what CreatePipeline, UpdatePipeline, GetPipeline,
ListPipelines and the tagging operations read and write. It is plain data: the clock is passed
in and nothing here touches moto (the backend mirrors each change into moto's own CodePipeline
backend, for anything else in moto that reads it).
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from moto_approvals.domain import Declaration
from moto_approvals.exceptions import (
    InvalidArnException,
    InvalidTagsException,
    PipelineNameInUseException,
    PipelineNotFoundException,
    PipelineVersionNotFoundException,
    ResourceNotFoundException,
    TooManyTagsException,
)

#: Tags per resource (CodePipeline quotas: "Maximum number of tags per resource: 50").
MAX_TAGS = 50
SYSTEM_TAG_PREFIX = "aws:"
#: AWS stops polling for source changes after 30 days without an execution (PipelineMetadata).
POLLING_IDLE_LIMIT = datetime.timedelta(days=30)
#: Source providers that poll unless ``PollForSourceChanges`` is "false" (the parameter defaults
#: to true for pipelines created through the API; ECR and connections never poll).
POLLING_SOURCES = frozenset({("AWS", "S3"), ("AWS", "CodeCommit"), ("ThirdParty", "GitHub")})
_Resource = TypeVar("_Resource")
_ACTION_DEFAULTS = {"runOrder": 1, "configuration": {}, "outputArtifacts": [], "inputArtifacts": []}


def stored_form(declaration: Declaration, version: int) -> Declaration:
    """The declaration as GetPipeline returns it: a private copy with AWS's defaults filled in."""
    stored = copy.deepcopy(declaration)
    stored["version"] = version
    stored.setdefault("pipelineType", "V1")
    stored.setdefault("executionMode", "SUPERSEDED")
    for stage in stored["stages"]:
        for action in stage["actions"]:
            for key, default in _ACTION_DEFAULTS.items():
                action.setdefault(key, copy.copy(default))
    return stored


def _polls_for_source_changes(declaration: Declaration) -> bool:
    return any(
        action["actionTypeId"]["category"] == "Source"
        and (action["actionTypeId"]["owner"], action["actionTypeId"]["provider"]) in POLLING_SOURCES
        and str((action.get("configuration") or {}).get("PollForSourceChanges", "true")).lower()
        != "false"
        for stage in declaration["stages"]
        for action in stage["actions"]
    )


def reject_system_keys(keys: Iterable[str]) -> None:
    if any(key.startswith(SYSTEM_TAG_PREFIX) for key in keys):
        raise InvalidTagsException(
            "Not allowed to modify system tags. System tags start with 'aws:'. "
            "msg=[Caller is an end user and not allowed to mutate system tags]"
        )


def check_tags(tags: Iterable[Mapping[str, str]], arn: str, existing: Mapping[str, str]) -> None:
    """Reject system tags and a tag set beyond the quota, before anything is stored."""
    given = {tag["key"]: tag["value"] for tag in tags}
    reject_system_keys(given)
    merged = {**existing, **given}
    if len(merged) > MAX_TAGS:
        raise TooManyTagsException(f"Tag limit exceeded for resource [{arn}].")


class Tagged(Protocol):
    """A resource TagResource, UntagResource and ListTagsForResource work on."""

    tags: dict[str, str]


def add_tags(resource: Tagged, arn: str, tags: Iterable[Mapping[str, str]]) -> None:
    tags = list(tags)
    check_tags(tags, arn, resource.tags)
    resource.tags.update({tag["key"]: tag["value"] for tag in tags})


def remove_tags(resource: Tagged, keys: Iterable[str]) -> None:
    keys = list(keys)
    reject_system_keys(keys)
    for key in keys:
        resource.tags.pop(key, None)


def sorted_tags(resource: Tagged) -> list[dict[str, str]]:
    return [{"key": key, "value": resource.tags[key]} for key in sorted(resource.tags)]


@dataclass
class PipelineRecord:
    """One pipeline: its declarations oldest first (``versions[n - 1]`` is version n)."""

    name: str
    arn: str
    versions: list[Declaration]
    created: datetime.datetime
    updated: datetime.datetime
    tags: dict[str, str] = field(default_factory=dict)
    #: The last CreatePipeline, UpdatePipeline or execution start (what polling idles from).
    last_activity: datetime.datetime | None = None
    polling_disabled_at: datetime.datetime | None = None
    _polls: tuple[int, bool] | None = field(default=None, repr=False, compare=False)

    @property
    def current(self) -> Declaration:
        return self.versions[-1]

    @property
    def polls(self) -> bool:
        """Whether the current version has a source action that polls for changes."""
        if self._polls is None or self._polls[0] != self.version:
            self._polls = (self.version, _polls_for_source_changes(self.current))
        return self._polls[1]

    @property
    def version(self) -> int:
        return len(self.versions)

    def declaration(self, version: int | None = None) -> Declaration:
        if version is None:
            return self.current
        if not 1 <= version <= self.version:
            raise PipelineVersionNotFoundException(
                f"Pipeline '{self.name}' has no version {version}; its latest version is "
                f"{self.version}."
            )
        return self.versions[version - 1]

    def catch_up(self, now: datetime.datetime) -> None:
        """Stop polling once the pipeline has idled for 30 days (at that instant)."""
        if self.polling_disabled_at is not None or self.last_activity is None:
            return
        deadline = self.last_activity + POLLING_IDLE_LIMIT
        if now >= deadline and self.polls:
            self.polling_disabled_at = deadline

    def note_activity(self, now: datetime.datetime) -> None:
        self.catch_up(now)
        self.last_activity = now

    def sorted_tags(self) -> list[dict[str, str]]:
        return sorted_tags(self)


class PipelineCatalog:
    """The pipelines of one account and region, by name."""

    def __init__(self, account_id: str, region: str, partition: str = "aws") -> None:
        self.account_id = account_id
        self.region = region
        self.partition = partition
        self.records: dict[str, PipelineRecord] = {}

    def arn(self, name: str) -> str:
        return f"arn:{self.partition}:codepipeline:{self.region}:{self.account_id}:{name}"

    def get(self, name: str) -> PipelineRecord:
        record = self.records.get(name)
        if record is None:
            raise PipelineNotFoundException(
                f"Account '{self.account_id}' does not have a pipeline with name '{name}'"
            )
        return record

    def check_name_free(self, name: str) -> None:
        if name in self.records:
            raise PipelineNameInUseException(
                f"A pipeline with the name '{name}' already exists in account '{self.account_id}'"
            )

    def create(
        self, declaration: Declaration, tags: list[dict[str, str]], now: datetime.datetime
    ) -> PipelineRecord:
        """Store a validated declaration as version 1 with its (checked) tags."""
        name = declaration["name"]
        self.check_name_free(name)
        check_tags(tags, self.arn(name), {})
        record = PipelineRecord(
            name=name,
            arn=self.arn(name),
            versions=[stored_form(declaration, 1)],
            created=now,
            updated=now,
            tags={tag["key"]: tag["value"] for tag in tags},
            last_activity=now,
        )
        self.records[name] = record
        return record

    def update(self, declaration: Declaration, now: datetime.datetime) -> PipelineRecord:
        """Store a validated declaration as the pipeline's next version."""
        record = self.get(declaration["name"])
        record.catch_up(now)
        record.versions.append(stored_form(declaration, record.version + 1))
        record.updated = now
        # An update is how AWS asks users to re-enable polling (update-change-detection).
        record.polling_disabled_at = None
        record.last_activity = now
        return record

    def delete(self, name: str) -> None:
        self.records.pop(name, None)

    def sorted_names(self) -> list[str]:
        return sorted(self.records)

    # -- tags ------------------------------------------------------------------------------

    def by_arn(self, arn: str) -> PipelineRecord:
        """The pipeline an ARN names; the ARN must address this account and region."""
        return self.resource_by_arn(arn, self.records, "pipeline")

    def resource_by_arn(
        self, arn: str, resources: Mapping[str, _Resource], kind: str, prefix: str = ""
    ) -> _Resource:
        """The resource of one kind an ARN of this account and region names, by the name
        after ``prefix`` in its resource part (``webhook:`` for a webhook's)."""
        name = self.check_arn(arn)[len(prefix) :]
        found = resources.get(name)
        if found is None:
            raise ResourceNotFoundException(
                f"The account with id '{self.account_id}' does not include a {kind} with "
                f"the name '{name}'"
            )
        return found

    def check_arn(self, arn: str) -> str:
        """The resource part of a CodePipeline ARN of this account and region."""
        parts = arn.split(":", 5)
        if (
            len(parts) != 6
            or parts[2] != "codepipeline"
            or parts[1] != self.partition
            or parts[3] != self.region
            or parts[4] != self.account_id
        ):
            raise InvalidArnException(
                f"The ARN '{arn}' does not name a CodePipeline resource of account "
                f"'{self.account_id}' in region '{self.region}'."
            )
        return parts[5]
