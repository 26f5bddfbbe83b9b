"""moto-approvals: AWS CodePipeline executions and manual approvals for moto.

Importing this package installs the emulator into moto, so plain ``@mock_aws`` tests get
GetPipelineState, PutApprovalResult and the execution operations too. The pytest plugin does
not import it until a test uses the ``approvals_mock`` fixture or marker.
"""

from __future__ import annotations

from moto_approvals.domain import ActionBehaviour, PendingApproval, PendingJob
from moto_approvals.mock import (
    ActionNotFoundError,
    Approvals,
    ApprovalsMock,
    PipelineNotFoundError,
    StageNotFoundError,
    approvals,
    mock_approvals,
)
from moto_approvals.wiring import install

__version__ = "0.1.0"

__all__ = (
    "ActionBehaviour",
    "ActionNotFoundError",
    "Approvals",
    "ApprovalsMock",
    "PendingApproval",
    "PendingJob",
    "PipelineNotFoundError",
    "StageNotFoundError",
    "__version__",
    "approvals",
    "install",
    "mock_approvals",
)

install()
