"""``mock_approvals``: moto's ``mock_aws`` with the CodePipeline emulator installed.

One object serves as a decorator (bare or called, on functions and test classes) and as a
context manager. It wraps, rather than subclasses, moto's mock: moto counts nesting per mock
class, so ``mock_approvals`` and ``mock_aws`` nest in either order and share every backend,
and state is reset only when the outermost of them exits.

The handle it yields is :mod:`moto_approvals.handle`'s; the account switch is
:mod:`moto_approvals.accounts`'. Both are re-exported here, where users have imported them.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from moto import mock_aws

from moto_approvals.accounts import (
    ACCOUNT_VARIABLE,
    EnvironmentSwitch,
    checked_account_id,
    current_account_id,
)
from moto_approvals.handle import (
    DEFAULT_REGION,
    ActionNotFoundError,
    Approvals,
    PipelineNotFoundError,
    StageNotFoundError,
    approvals,
)
from moto_approvals.models import HISTORY_LIMIT_VARIABLE
from moto_approvals.wiring import install

__all__ = (
    "ACCOUNT_VARIABLE",
    "DEFAULT_REGION",
    "ActionNotFoundError",
    "Approvals",
    "ApprovalsMock",
    "PipelineNotFoundError",
    "StageNotFoundError",
    "approvals",
    "current_account_id",
    "mock_approvals",
)

P = ParamSpec("P")
T = TypeVar("T")

USAGE = (
    "use @mock_approvals, @mock_approvals(account_id=..., region_name=..., config=...) or "
    "with mock_approvals(...) as approvals:"
)


def _checked_limit(history_limit: object) -> int:
    if type(history_limit) is not int or history_limit < 1:
        raise ValueError(
            f"history_limit must be a positive number of executions, got {history_limit!r}"
        )
    return history_limit


class ApprovalsMock:
    """What ``mock_approvals(...)`` returns: a decorator and a context manager.

    With ``account_id``, the mocked block runs as that account: ``$MOTO_ACCOUNT_ID`` is set
    while it runs (moto serves every request as that account, STS included) and restored when
    it exits, so blocks nest. ``history_limit`` sets ``$MOTO_APPROVALS_HISTORY_LIMIT`` the same
    way: each pipeline keeps at most that many executions.
    """

    def __init__(
        self,
        *,
        config: dict[str, Any] | None = None,
        account_id: str | None = None,
        region_name: str = DEFAULT_REGION,
        history_limit: int | None = None,
    ) -> None:
        install()
        self._config = config
        self._switch = EnvironmentSwitch()
        if account_id is not None:
            self._switch.variables[ACCOUNT_VARIABLE] = checked_account_id(account_id)
        if history_limit is not None:
            self._switch.variables[HISTORY_LIMIT_VARIABLE] = str(_checked_limit(history_limit))
        self._moto: Any = None
        self.approvals = Approvals(account_id, region_name)

    def _moto_mock(self) -> Any:
        """moto's mock, setting and restoring the environment with each start and stop."""
        mock: Any = mock_aws(config=self._config)  # type: ignore[arg-type]  # plain dict
        if not self._switch.variables:
            return mock
        start, stop = mock.start, mock.stop

        # Instance attributes, not a subclass: moto counts nesting on the class it finds, and
        # its class decorator calls these for each test method.
        def start_as_account(*args: Any, **kwargs: Any) -> None:
            self._switch.enter()
            try:
                start(*args, **kwargs)
            except BaseException:
                self._switch.leave()
                raise

        def stop_as_account(*args: Any, **kwargs: Any) -> None:
            try:
                stop(*args, **kwargs)
            finally:
                self._switch.leave()

        mock.start, mock.stop = start_as_account, stop_as_account
        return mock

    def start(self) -> Approvals:
        self._moto = self._moto_mock()
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
        decorated: Callable[P, T] = self._moto_mock()(func)
        return decorated


@overload
def mock_approvals(func: Callable[P, T]) -> Callable[P, T]: ...


@overload
def mock_approvals(
    func: None = None,
    *,
    config: dict[str, Any] | None = None,
    account_id: str | None = None,
    region_name: str = DEFAULT_REGION,
    history_limit: int | None = None,
) -> ApprovalsMock: ...


def mock_approvals(
    func: Callable[P, T] | None = None,
    *,
    config: dict[str, Any] | None = None,
    account_id: str | None = None,
    region_name: str = DEFAULT_REGION,
    history_limit: int | None = None,
) -> ApprovalsMock | Callable[P, T]:
    """Mock every AWS service with moto, CodePipeline executions and approvals included.

    Use as ``@mock_approvals``, ``@mock_approvals()`` (on a function or a test class) or
    ``with mock_approvals() as approvals:``; the context manager yields an :class:`Approvals`
    handle for ``account_id``/``region_name``. ``account_id`` also makes the block run as that
    account (see :class:`ApprovalsMock`); without it, the current account. ``region_name`` is the
    handle's region (clients name their own). ``config`` is moto's ``mock_aws`` config.
    ``history_limit`` caps the executions each pipeline keeps (the oldest finished ones are
    dropped first; one in flight never is); without it, every execution is kept.

    Raises:
        TypeError: called with a positional argument other than the function or class to wrap.
        ValueError: ``account_id`` is not a 12-digit account ID, or ``history_limit`` is not
            a positive whole number.
    """
    if func is not None and not callable(func):
        raise TypeError(
            f"mock_approvals() takes keyword arguments only, got {func!r} as a positional "
            f"argument; {USAGE}"
        )
    mock = ApprovalsMock(
        config=config, account_id=account_id, region_name=region_name, history_limit=history_limit
    )
    return mock if func is None else mock(func)
