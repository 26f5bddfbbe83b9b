"""V2 ``triggers``: Git push and pull request filters, checked when declared, matched on events.

AWS starts a pipeline from events its connection receives from GitHub, GitLab or Bitbucket;
moto has no repository, so the test sends the event through the handle
(:meth:`~moto_approvals.handle.Approvals.push`,
:meth:`~moto_approvals.handle.Approvals.pull_request`) and this module decides, as the User
Guide describes (pipelines-triggers, pipelines-filter):

- A source action with a trigger that declares ``push`` or ``pullRequest`` filters starts the
  pipeline only on an event one of its filters matches (filters OR, criteria inside one AND);
  in a criteria, ``excludes`` win over ``includes``, and only ``excludes`` means "anything
  else". A push with tags is a tag push: tag filters judge it, branch filters never do. A push
  matches ``filePaths`` when one of its changed files does. A pull request is matched on its
  destination branch, and its ``events`` (all three when absent).
- A source action with a trigger without filters, or with none and ``DetectChanges`` not
  ``"false"``, starts on a push to its ``BranchName`` ("No filter").

The execution's trigger is ``WebhookV2`` (from a trigger's filter) or ``Webhook`` (the default
change detection) with the connection's ARN; the source action fetches the event's commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moto.core.utils import utcnow

from moto_approvals.declarations import DeclarationContext, register_declaration_check
from moto_approvals.domain import ActionDefinition, Declaration, PipelineDefinition
from moto_approvals.exceptions import (
    ConcurrentPipelineExecutionsLimitExceededException,
    InvalidStructureException,
)
from moto_approvals.globs import GlobError, compile_glob, glob_matches

if TYPE_CHECKING:
    from moto_approvals.models import ApprovalsBackend

CONNECTION_PROVIDER = "CodeStarSourceConnection"
PULL_REQUEST_EVENTS = ("OPEN", "UPDATED", "CLOSED")
#: ExecutionTrigger.triggerType of an execution a Git event started.
FILTERED_TRIGGER = "WebhookV2"
DEFAULT_TRIGGER = "Webhook"
TRIGGER_MISPLACED = (
    "Triggers for connection must reference a CodeStarSourceConnection action. Note that when "
    "you specify a trigger, you cant specify more than one trigger per source action."
)


@dataclass(frozen=True)
class GitEvent:
    """A push (``event`` None) or a pull request event on one source action's repository."""

    #: The branch pushed to; a pull request's destination branch (what filters match).
    branch: str | None = None
    tags: tuple[str, ...] = ()
    file_paths: tuple[str, ...] = ()
    #: Pull requests: OPEN, UPDATED or CLOSED, and the branch merged from.
    event: str | None = None
    source_branch: str | None = None
    commit_id: str | None = None
    commit_message: str | None = None

    @property
    def is_pull_request(self) -> bool:
        return self.event is not None


def _text(name: str, value: object, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}.")
    return value


def _texts(name: str, values: object) -> tuple[str, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ValueError(f"{name} must be a list of strings, got {values!r}.")
    return tuple(str(_text(name, v, optional=False)) for v in values)


def push_event(
    branch: object = None,
    tags: object = (),
    file_paths: object = (),
    commit_id: object = None,
    commit_message: object = None,
) -> GitEvent:
    """A push of a branch (with its changed files) or of tags; ValueError if malformed."""
    event = GitEvent(
        branch=_text("branch", branch),
        tags=_texts("tags", tags),
        file_paths=_texts("file_paths", file_paths),
        commit_id=_text("commit_id", commit_id),
        commit_message=_text("commit_message", commit_message),
    )
    if event.branch is None and not event.tags:
        raise ValueError("a push needs a branch or tags.")
    return event


def pull_request_event(
    event: object,
    source_branch: object,
    destination_branch: object,
    file_paths: object = (),
    commit_id: object = None,
    commit_message: object = None,
) -> GitEvent:
    """A pull request OPEN, UPDATED or CLOSED (merged); ValueError if malformed."""
    if event not in PULL_REQUEST_EVENTS:
        raise ValueError(f"event must be one of {', '.join(PULL_REQUEST_EVENTS)}, got {event!r}.")
    return GitEvent(
        branch=_text("destination_branch", destination_branch, optional=False),
        source_branch=_text("source_branch", source_branch, optional=False),
        file_paths=_texts("file_paths", file_paths),
        event=str(event),
        commit_id=_text("commit_id", commit_id),
        commit_message=_text("commit_message", commit_message),
    )


# -- matching ------------------------------------------------------------------------------


def _passes(criteria: Declaration, name: str) -> bool:
    if any(glob_matches(p, name) for p in criteria.get("excludes") or []):
        return False
    includes = criteria.get("includes") or []
    return not includes or any(glob_matches(p, name) for p in includes)


def _files_pass(criteria: Declaration | None, files: Sequence[str]) -> bool:
    return criteria is None or any(_passes(criteria, f) for f in files)


def push_matches(push: Declaration, event: GitEvent) -> bool:
    if event.tags:
        tags = push.get("tags")
        return tags is not None and any(_passes(tags, t) for t in event.tags)
    branches = push.get("branches")
    if branches is None or event.branch is None:
        return False
    return _passes(branches, event.branch) and _files_pass(push.get("filePaths"), event.file_paths)


def pull_request_matches(pull_request: Declaration, event: GitEvent) -> bool:
    if event.event not in (pull_request.get("events") or PULL_REQUEST_EVENTS):
        return False
    branches = pull_request.get("branches")
    if branches is None or event.branch is None or not _passes(branches, event.branch):
        return False
    return _files_pass(pull_request.get("filePaths"), event.file_paths)


def trigger_for(declaration: Declaration, action_name: str) -> Declaration | None:
    for trigger in declaration.get("triggers") or []:
        if trigger["gitConfiguration"]["sourceActionName"] == action_name:
            return dict(trigger["gitConfiguration"])
    return None


def decide(declaration: Declaration, action: ActionDefinition, event: GitEvent) -> str | None:
    """The trigger type the event starts the pipeline with, or None if it starts nothing."""
    git = trigger_for(declaration, action.name)
    if git is not None and (git.get("push") or git.get("pullRequest")):
        if event.is_pull_request:
            filters = git.get("pullRequest") or []
            hit = any(pull_request_matches(f, event) for f in filters)
        else:
            hit = any(push_matches(f, event) for f in git.get("push") or [])
        return FILTERED_TRIGGER if hit else None
    if git is None and action.configuration.get("DetectChanges", "true").lower() == "false":
        return None
    default_branch = action.configuration.get("BranchName")
    if event.is_pull_request or event.tags or event.branch != default_branch:
        return None
    return FILTERED_TRIGGER if git is not None else DEFAULT_TRIGGER


# -- checks at CreatePipeline and UpdatePipeline -------------------------------------------


def _check_criteria(where: str, criteria: Declaration | None) -> None:
    if criteria is None:
        return
    if not criteria.get("includes") and not criteria.get("excludes"):
        raise InvalidStructureException(f"{where} must specify includes or excludes.")
    for pattern in [*criteria.get("includes", []), *criteria.get("excludes", [])]:
        try:
            compile_glob(pattern)
        except GlobError as err:
            raise InvalidStructureException(f"{where}: {err}") from None


def _check_push(action: str, push: Declaration) -> None:
    where = f"The push filter of the trigger on source action {action}"
    if push.get("tags") is not None and (push.get("branches") or push.get("filePaths")):
        raise InvalidStructureException(
            f"{where} combines tags with branches or file paths; valid combinations are "
            "tags, branches, or branches and file paths."
        )
    if push.get("tags") is None and push.get("branches") is None:
        raise InvalidStructureException(f"{where} must specify tags or branches.")
    for key in ("tags", "branches", "filePaths"):
        _check_criteria(f"{where}, {key}", push.get(key))


def _check_pull_request(action: str, pull_request: Declaration) -> None:
    where = f"The pull request filter of the trigger on source action {action}"
    if pull_request.get("branches") is None:
        raise InvalidStructureException(f"{where} must specify branches.")
    events = pull_request.get("events") or []
    if len(set(events)) != len(events):
        raise InvalidStructureException(f"{where} lists an event more than once.")
    for key in ("branches", "filePaths"):
        _check_criteria(f"{where}, {key}", pull_request.get(key))


@register_declaration_check
def _triggers_are_well_formed(context: DeclarationContext) -> None:
    sources = {at.name: at for at in context.actions() if at.category == "Source"}
    seen: set[str] = set()
    for trigger in context.declaration.get("triggers") or []:
        git = trigger["gitConfiguration"]
        name = git["sourceActionName"]
        at = sources.get(name)
        # AWS's message (as CloudFormation users quote it) covers all three cases.
        if at is None or at.type_id[2] != CONNECTION_PROVIDER or name in seen:
            raise InvalidStructureException(TRIGGER_MISPLACED)
        seen.add(name)
        for push in git.get("push") or []:
            _check_push(name, push)
        for pull_request in git.get("pullRequest") or []:
            _check_pull_request(name, pull_request)


# -- the event ----------------------------------------------------------------------------


def connection_source(definition: PipelineDefinition, action_name: str | None) -> ActionDefinition:
    """The connection source action an event goes to (the only one, when none is named)."""
    actions = {
        a.name: a
        for a in definition.stages[0].actions
        if a.action_type_id["provider"] == CONNECTION_PROVIDER
    }
    sources = list(actions)
    if action_name is not None and not isinstance(action_name, str):
        raise ValueError(f"action_name must be a string, got {action_name!r}.")
    if not sources:
        raise ValueError(f"it has no {CONNECTION_PROVIDER} source action to send Git events to.")
    if action_name is None:
        if len(sources) != 1:
            raise ValueError(
                f"it has {len(sources)} {CONNECTION_PROVIDER} source actions "
                f"({', '.join(sources)}); name one with action_name=..."
            )
        return actions[sources[0]]
    if action_name not in actions:
        raise ValueError(
            f"{action_name!r} is not one of its {CONNECTION_PROVIDER} source actions "
            f"({', '.join(sources)})."
        )
    return actions[action_name]


def receive(
    backend: ApprovalsBackend, pipeline: str, action_name: str | None, event: GitEvent
) -> str | None:
    """Match the event against the action's trigger; the id of the execution it started."""
    with backend._pipeline(pipeline) as runtime:
        action = connection_source(runtime.definition, action_name)
        name = action.name
        trigger_type = decide(backend.catalog.get(pipeline).current, action, event)
        if trigger_type is None:
            return None
        now = utcnow()
        revision = runtime.artifacts.commit_revision(
            action,
            event.commit_id,
            branch=event.source_branch if event.is_pull_request else event.branch,
            message=event.commit_message,
        )
        detail = action.configuration.get("ConnectionArn") or name
        try:
            execution = runtime.start_execution(
                now, trigger_type, detail, action_revisions={name: revision}
            )
        except ConcurrentPipelineExecutionsLimitExceededException:
            return None  # the event is dropped, as AWS drops a start it refuses
        backend.catalog.get(pipeline).note_activity(now)
        return execution.pipeline_execution_id
