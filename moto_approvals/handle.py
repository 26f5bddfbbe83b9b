"""The :class:`Approvals` handle: a test reads and steers the emulator of one account and region.

In-process it calls the backend; in server mode it calls the server's control API
(:mod:`moto_approvals.remote`). Either way its errors are the same plain Python exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from moto_approvals.accounts import checked_account_id, current_account_id
from moto_approvals.domain import ActionBehaviour, PendingApproval, PendingJob
from moto_approvals.exceptions import (
    ActionNotFoundException,
    PipelineNotFoundException,
    StageNotFoundException,
)
from moto_approvals.git_triggers import GitEvent, pull_request_event, push_event, receive
from moto_approvals.lambda_invoke import DEFAULT_TIMEOUT_SECONDS, LambdaHandler
from moto_approvals.models import ApprovalsBackend, approvals_backends
from moto_approvals.remote import (
    ControlAPIError,
    RemoteControl,
    process_identity,
    server_mode_endpoint,
)

DEFAULT_REGION = "us-east-1"


class PipelineNotFoundError(LookupError):
    """The handle named a pipeline that does not exist in its account and region."""


class StageNotFoundError(LookupError):
    """The handle named a stage the pipeline does not have."""


class ActionNotFoundError(LookupError):
    """The handle named an action the stage does not have."""


class Approvals:
    """The test-side handle on the emulator of one account and region.

    Public: ``account_id``, ``region_name``, ``endpoint_url``, :meth:`pending_approvals`,
    :meth:`fail_action`, :meth:`hold_action`, :meth:`succeed_action`, :meth:`complete_action`,
    :meth:`set_rule_result`, :meth:`push`, :meth:`pull_request`, :meth:`pending_jobs`,
    :meth:`register_lambda` (handlers run in the server's process: this one). Without
    ``endpoint_url`` it reads and steers the backend directly, so it works in-process and
    against a server started in the same process. With one (or under moto's
    ``TEST_SERVER_MODE=true``, the server at ``TEST_SERVER_MODE_ENDPOINT``), it does the same
    through that server's control API. Its errors are plain Python exceptions naming what was
    not found, with the account and region: :class:`PipelineNotFoundError`,
    :class:`StageNotFoundError`, :class:`ActionNotFoundError` (all ``LookupError``) and
    ``ValueError`` for misuse, in both modes.
    """

    def __init__(
        self,
        account_id: str | None = None,
        region_name: str = DEFAULT_REGION,
        *,
        endpoint_url: str | None = None,
    ):
        """``account_id`` defaults to the current account (see :func:`current_account_id`);
        ``endpoint_url`` to moto's server-mode endpoint when ``TEST_SERVER_MODE=true``.

        Raises:
            ValueError: the account ID is not 12 digits.
        """
        self.account_id = (
            current_account_id() if account_id is None else checked_account_id(account_id)
        )
        self.region_name = region_name
        self.endpoint_url = endpoint_url or server_mode_endpoint()
        self._remote = (
            None
            if self.endpoint_url is None
            else RemoteControl(self.endpoint_url, self.account_id, region_name)
        )

    @classmethod
    def in_process(cls, account_id: str, region_name: str) -> Approvals:
        """A handle on this process's backend, whatever ``TEST_SERVER_MODE`` says."""
        handle = cls(account_id, region_name)
        handle.endpoint_url, handle._remote = None, None
        return handle

    def __repr__(self) -> str:
        server = "" if self.endpoint_url is None else f", endpoint_url={self.endpoint_url!r}"
        return (
            f"Approvals(account_id={self.account_id!r}, region_name={self.region_name!r}{server})"
        )

    @contextmanager
    def _over_http(self) -> Iterator[RemoteControl]:
        """The server's control API; its errors raised as the in-process handle raises them."""
        assert self._remote is not None
        try:
            yield self._remote
        except ControlAPIError as err:
            kind = _REMOTE_ERRORS.get(err.error_type)
            if kind is None:
                raise
            raise kind(str(err)) from None

    @property
    def _backend(self) -> ApprovalsBackend:
        try:
            backend: ApprovalsBackend = approvals_backends[self.account_id][self.region_name]
        except KeyError:
            raise ValueError(
                f"region_name {self.region_name!r} is not a region moto knows for CodePipeline."
            ) from None
        return backend

    @property
    def _where(self) -> str:
        return f"account {self.account_id}, region {self.region_name}"

    @contextmanager
    def _lookup(self, pipeline: str, stage: str = "", action: str = "") -> Iterator[None]:
        """Turn the backend's AWS errors into plain exceptions that say what is missing.

        On the way out, Lambda handlers the call made due run (outside the backend's lock).
        """
        try:
            yield
            self._backend.jobs.invoke_due()
        except PipelineNotFoundException:
            raise PipelineNotFoundError(
                f"No pipeline named {pipeline!r} in {self._where}."
            ) from None
        except StageNotFoundException:
            raise StageNotFoundError(
                f"Pipeline {pipeline!r} in {self._where} has no stage named {stage!r}."
            ) from None
        except ActionNotFoundException:
            raise ActionNotFoundError(
                f"Stage {stage!r} of pipeline {pipeline!r} in {self._where} has no action "
                f"named {action!r}."
            ) from None
        except ValueError as err:
            raise ValueError(f"Pipeline {pipeline!r} in {self._where}: {err}") from None

    def pending_approvals(self, pipeline_name: str) -> list[PendingApproval]:
        """Manual approvals of the pipeline waiting for an answer, oldest first."""
        if self._remote is not None:
            with self._over_http() as remote:
                return remote.pending_approvals(pipeline_name)
        with self._lookup(pipeline_name):
            return self._backend.pending_approvals(pipeline_name)

    def pending_jobs(self, pipeline_name: str) -> list[PendingJob]:
        """Lambda invoke jobs of the pipeline waiting for an answer, oldest first.

        A held Invoke action without a registered handler waits here: call the function's
        handler with the job's ``event``; its PutJobSuccessResult / PutJobFailureResult answers.
        """
        if self._remote is not None:
            with self._over_http() as remote:
                return remote.pending_jobs(pipeline_name)
        with self._lookup(pipeline_name):
            return self._backend.jobs.pending_jobs(pipeline_name)

    def register_lambda(
        self,
        function_name: str,
        handler: LambdaHandler,
        *,
        timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        """Call ``handler(event, context)`` for every Invoke action of this account and region
        whose ``FunctionName`` names the function (by name or ARN; a qualifier is ignored).

        The handler runs in this process, after the call that started the action, with the
        backend's lock released; it answers with PutJobSuccessResult / PutJobFailureResult.
        ``timeout_seconds`` is what ``context.get_remaining_time_in_millis()`` counts down.

        Raises:
            ValueError: the handle is on a server in another process (handlers run in the
                server's process: use ``running_server``).
        """
        if self._remote is not None:
            with self._over_http() as remote:
                if remote.process_identity() != process_identity():
                    raise ValueError(
                        f"register_lambda: the server at {self.endpoint_url} runs in another "
                        "process, and a handler is called in the server's process. Start the "
                        "server in the test's process with moto_approvals.running_server()."
                    )
        self._backend.jobs.register_lambda(function_name, handler, timeout_seconds)

    def fail_action(self, pipeline_name: str, stage_name: str, action_name: str) -> None:
        """Make every later run of a non-approval action fail (a broken build, say)."""
        self._set(pipeline_name, stage_name, action_name, ActionBehaviour.FAIL)

    def hold_action(self, pipeline_name: str, stage_name: str, action_name: str) -> None:
        """Keep later runs of a non-approval action InProgress until :meth:`complete_action`."""
        self._set(pipeline_name, stage_name, action_name, ActionBehaviour.HOLD)

    def succeed_action(self, pipeline_name: str, stage_name: str, action_name: str) -> None:
        """Restore the default: the action succeeds as soon as it starts."""
        self._set(pipeline_name, stage_name, action_name, ActionBehaviour.SUCCEED)

    def complete_action(
        self,
        pipeline_name: str,
        stage_name: str,
        action_name: str,
        *,
        succeeded: bool = True,
        summary: str | None = None,
        pipeline_execution_id: str | None = None,
    ) -> int:
        """Finish held runs of the action (all, or one execution's); returns how many.

        Raises:
            ValueError: no run of that action is being held.
        """
        if self._remote is not None:
            # The server raises the ValueError below itself when nothing was held.
            with self._over_http() as remote:
                return remote.complete_action(
                    pipeline_name,
                    stage_name,
                    action_name,
                    succeeded,
                    summary,
                    pipeline_execution_id,
                )
        with self._lookup(pipeline_name, stage_name, action_name):
            done = self._backend.complete_action(
                pipeline_name, stage_name, action_name, succeeded, summary, pipeline_execution_id
            )
        if not done:
            raise ValueError(
                f"No run of {pipeline_name}/{stage_name}/{action_name} in {self._where} is "
                "InProgress; call hold_action() before the execution reaches it."
            )
        return done

    def set_rule_result(
        self, pipeline_name: str, stage_name: str, rule_name: str, result: str
    ) -> None:
        """Decide a condition rule with no moto state to read (LambdaInvoke, Commands, ...).

        ``result`` is ``"SUCCEEDED"`` (the default of a rule never set), ``"FAILED"`` or
        ``"IN_PROGRESS"`` (the rule, and the stage, wait). It applies to the rule's running
        and later runs.

        Raises:
            ValueError: no such rule, a rule evaluated against moto's state, or a bad result.
        """
        if self._remote is not None:
            with self._over_http() as remote:
                remote.set_rule_result(pipeline_name, stage_name, rule_name, result)
            return
        with self._lookup(pipeline_name, stage_name):
            self._backend.set_rule_result(pipeline_name, stage_name, rule_name, result)

    def push(
        self,
        pipeline_name: str,
        *,
        branch: str | None = None,
        tags: Sequence[str] = (),
        file_paths: Sequence[str] = (),
        commit_id: str | None = None,
        commit_message: str | None = None,
        action_name: str | None = None,
    ) -> str | None:
        """A Git push to the repository of a connection source action (the pipeline's only
        one unless ``action_name`` names it): a branch with its changed files, or tags.

        Matched against the action's trigger as AWS matches it (README, "Git triggers");
        returns the id of the execution it started, or None when it started none.

        Raises:
            ValueError: neither a branch nor tags, or no such connection source action.
        """
        event = push_event(branch, tags, file_paths, commit_id, commit_message)
        body = {
            "branch": branch,
            "tags": list(event.tags),
            "filePaths": list(event.file_paths),
            "commitId": commit_id,
            "commitMessage": commit_message,
        }
        return self._git_event(pipeline_name, action_name, "push", body, event)

    def pull_request(
        self,
        pipeline_name: str,
        *,
        source_branch: str,
        destination_branch: str,
        event: str = "OPEN",
        file_paths: Sequence[str] = (),
        commit_id: str | None = None,
        commit_message: str | None = None,
        action_name: str | None = None,
    ) -> str | None:
        """A pull request from ``source_branch`` into ``destination_branch`` is opened
        (``"OPEN"``), updated (``"UPDATED"``) or closed, merged (``"CLOSED"``).

        Matched against the action's trigger; returns the id of the execution it started (on
        the source branch's commit), or None.

        Raises:
            ValueError: a bad event or branch, or no such connection source action.
        """
        git_event = pull_request_event(
            event, source_branch, destination_branch, file_paths, commit_id, commit_message
        )
        body = {
            "event": event,
            "sourceBranch": source_branch,
            "destinationBranch": destination_branch,
            "filePaths": list(git_event.file_paths),
            "commitId": commit_id,
            "commitMessage": commit_message,
        }
        return self._git_event(pipeline_name, action_name, "pull-request", body, git_event)

    def _git_event(
        self,
        pipeline_name: str,
        action_name: str | None,
        kind: str,
        body: dict[str, Any],
        event: GitEvent,
    ) -> str | None:
        if self._remote is not None:
            with self._over_http() as remote:
                return remote.git_event(pipeline_name, kind, {**body, "actionName": action_name})
        with self._lookup(pipeline_name):
            return receive(self._backend, pipeline_name, action_name, event)

    def _set(self, pipeline: str, stage: str, action: str, behaviour: ActionBehaviour) -> None:
        if self._remote is not None:
            with self._over_http() as remote:
                remote.set_behaviour(pipeline, stage, action, behaviour.value)
            return
        with self._lookup(pipeline, stage, action):
            self._backend.set_action_behaviour(pipeline, stage, action, behaviour)


def approvals(
    account_id: str | None = None,
    region_name: str = DEFAULT_REGION,
    *,
    endpoint_url: str | None = None,
) -> Approvals:
    """The handle for tests that use ``@mock_approvals`` or ``@mock_aws`` as a decorator.

    ``account_id`` defaults to the account requests run as (``$MOTO_ACCOUNT_ID``, which
    ``mock_approvals(account_id=...)`` sets, else moto's default). ``endpoint_url`` names a
    ``moto-approvals serve`` to steer through its control API (see :class:`Approvals`).
    """
    return Approvals(account_id, region_name, endpoint_url=endpoint_url)


#: The control API's names for the handle's errors.
_REMOTE_ERRORS: dict[str, type[Exception]] = {
    "PipelineNotFoundError": PipelineNotFoundError,
    "StageNotFoundError": StageNotFoundError,
    "ActionNotFoundError": ActionNotFoundError,
    "ValueError": ValueError,
    # The path's account or region: what the in-process handle rejects as misuse.
    "AccountNotFoundError": ValueError,
    "RegionNotFoundError": ValueError,
}
