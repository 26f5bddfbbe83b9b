"""The engine: every state transition of a pipeline's executions, by concern.

- :mod:`~moto_approvals.engine.flow`: the execution lifecycle and the operations on it:
  start, stop, updates, transitions (:class:`PipelineRuntime`).
- :mod:`~moto_approvals.engine.machine`: how executions move through stages: positions,
  stage locks, entering and leaving, endings and their state-change events.
- :mod:`~moto_approvals.engine.retry`, :mod:`~moto_approvals.engine.rollback`,
  :mod:`~moto_approvals.engine.overrides`: stage retry, rollback and condition overrides.
- :mod:`~moto_approvals.engine.kinds`: what an action kind shares with the flow.
- :mod:`~moto_approvals.engine.approvals`: manual approvals (tokens, answers, timeouts).
- :mod:`~moto_approvals.engine.steered`: every other action, as the test steers it.

Deterministic: no clock, thread, timer or I/O; ``now`` is passed in.
"""

from __future__ import annotations

from moto_approvals.engine.approvals import EXPIRED_SUMMARY
from moto_approvals.engine.flow import PipelineRuntime
from moto_approvals.engine.steered import FAILED_ACTION_SUMMARY

__all__ = ("EXPIRED_SUMMARY", "FAILED_ACTION_SUMMARY", "PipelineRuntime")
