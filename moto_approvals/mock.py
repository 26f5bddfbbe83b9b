"""``mock_approvals``: moto's ``mock_aws`` with the CodePipeline emulator installed.

One object serves as a decorator (bare or called, on functions and test classes) and as a
context manager. It wraps, rather than subclasses, moto's mock: moto counts nesting per mock
class, so ``mock_approvals`` and ``mock_aws`` nest in either order and share every backend,
and state is reset only when the outermost of them exits.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID

from moto_approvals.domain import ActionBehaviour, PendingApproval
from moto_approvals.models import ApprovalsBackend, approvals_backends
from moto_approvals.wiring import install

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_REGION = "us-east-1"


class Approvals:
    """The test-side handle on the emulator of one account and region.

    Public: ``account_id``, ``region_name``, :meth:`pending_approvals`, :meth:`fail_action`,
    :meth:`hold_action`, :meth:`succeed_action`, :meth:`complete_action`. It reads and steers the
    backend directly, so it works in-process and against a ``ThreadedMotoServer`` started in
    the same process.
    """

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID, region_name: str = DEFAULT_REGION):
        self.account_id = account_id
        self.region_name = region_name

    @property
    def _backend(self) -> ApprovalsBackend:
        backend: ApprovalsBackend = approvals_backends[self.account_id][self.region_name]
        return backend

    def pending_approvals(self, pipeline_name: str) -> list[PendingApproval]:
        """Manual approvals of the pipeline waiting for an answer, oldest first."""
        return self._backend.pending_approvals(pipeline_name)

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
        done = self._backend.complete_action(
            pipeline_name, stage_name, action_name, succeeded, summary, pipeline_execution_id
        )
        if not done:
            raise ValueError(
                f"No run of {pipeline_name}/{stage_name}/{action_name} is InProgress; call "
                "hold_action() before the execution reaches it."
            )
        return done

    def _set(self, pipeline: str, stage: str, action: str, behaviour: ActionBehaviour) -> None:
        self._backend.set_action_behaviour(pipeline, stage, action, behaviour)


def approvals(account_id: str = DEFAULT_ACCOUNT_ID, region_name: str = DEFAULT_REGION) -> Approvals:
    """The handle for tests that use ``@mock_approvals`` or ``@mock_aws`` as a decorator."""
    return Approvals(account_id, region_name)


class ApprovalsMock:
    """What ``mock_approvals(...)`` returns: a decorator and a context manager."""

    def __init__(
        self,
        config: dict[str, Any] | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region_name: str = DEFAULT_REGION,
    ) -> None:
        install()
        self._config = config
        self._moto: Any = None
        self.approvals = Approvals(account_id, region_name)

    def start(self) -> Approvals:
        self._moto = mock_aws(config=self._config)  # type: ignore[arg-type]  # plain dict
        self._moto.start()
        return self.approvals

    def stop(self) -> None:
        if self._moto is None:
            raise RuntimeError("mock_approvals: stop() called before start().")
        self._moto.stop()
        self._moto = None

    def __enter__(self) -> Approvals:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, func: Callable[P, T]) -> Callable[P, T]:
        # moto's mock decorates functions and test classes (per-method reset rules included).
        decorated: Callable[P, T] = mock_aws(config=self._config)(func)  # type: ignore[arg-type]
        return decorated


@overload
def mock_approvals(func: Callable[P, T]) -> Callable[P, T]: ...


@overload
def mock_approvals(
    func: None = None,
    *,
    config: dict[str, Any] | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
    region_name: str = DEFAULT_REGION,
) -> ApprovalsMock: ...


def mock_approvals(
    func: Callable[P, T] | None = None,
    *,
    config: dict[str, Any] | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
    region_name: str = DEFAULT_REGION,
) -> ApprovalsMock | Callable[P, T]:
    """Mock every AWS service with moto, CodePipeline executions and approvals included.

    Use as ``@mock_approvals``, ``@mock_approvals()`` (on a function or a test class) or
    ``with mock_approvals() as approvals:``; the context manager yields an :class:`Approvals`
    handle for ``account_id``/``region_name``. ``config`` is moto's ``mock_aws`` config.
    """
    mock = ApprovalsMock(config, account_id, region_name)
    return mock if func is None else mock(func)
