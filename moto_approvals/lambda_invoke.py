"""Lambda functions registered by the test, called in-process for Invoke actions.

The engine only records that a function is due (:meth:`JobActions.take_invocations`); the
backend turns each into an :class:`Invocation` under its lock, and the call itself happens
after the lock is released, so the handler's own boto3 calls (PutJobSuccessResult, S3) reach
the emulator, from this thread or a server's, without waiting on it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]
#: ``handler(event, context)``, as Lambda calls a Python function; its return value is unused.
LambdaHandler = Callable[[Json, Any], Any]

#: Lambda's default function timeout and memory size (Lambda Developer Guide, configuration).
DEFAULT_TIMEOUT_SECONDS = 3
DEFAULT_MEMORY_MB = 128

_log = logging.getLogger("moto_approvals")


def function_name_of(name_or_arn: str) -> str:
    """The function's name in a ``FunctionName``: a name, a partial or full ARN, a qualifier.

    ``my-fn``, ``my-fn:live``, ``123456789012:function:my-fn`` and
    ``arn:aws:lambda:us-east-1:123456789012:function:my-fn:live`` all name ``my-fn``.
    """
    parts = name_or_arn.split(":")
    if len(parts) >= 7 and parts[0] == "arn":
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2]
    return parts[0]


def function_arn(name_or_arn: str, partition: str, region: str, account_id: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    name = function_name_of(name_or_arn)
    return f"arn:{partition}:lambda:{region}:{account_id}:function:{name}"


class LambdaContext:
    """The context object a Python Lambda handler gets (Lambda Developer Guide, python-context)."""

    def __init__(self, function_name: str, invoked_function_arn: str, timeout_seconds: int):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = DEFAULT_MEMORY_MB
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        # Time the handler may use: monotonic, so freezegun's frozen clock stops it too.
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r})"


@dataclass(frozen=True)
class Registered:
    """A handler registered for a function name, with the function's timeout."""

    handler: LambdaHandler
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS


@dataclass(frozen=True)
class Invocation:
    """One call of a registered handler for one job, prepared under the backend's lock."""

    job_id: str
    pipeline_name: str
    function: Registered
    function_name: str
    function_arn: str
    event: Json

    def call(self) -> str | None:
        """Call the handler; the message of the exception it raised, if it raised one."""
        context = LambdaContext(
            self.function_name, self.function_arn, self.function.timeout_seconds
        )
        try:
            self.function.handler(self.event, context)
        except Exception as error:  # a function error fails the action (as Lambda's does)
            _log.warning(
                "Lambda handler %s failed job %s of pipeline %s",
                self.function_name,
                self.job_id,
                self.pipeline_name,
                exc_info=True,
            )
            return str(error) or type(error).__name__
        return None
