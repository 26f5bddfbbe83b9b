"""One class per CodePipeline error shape, named exactly as the shape.

Every class subclasses moto's ``JsonRESTError`` (stable across moto 5.x), so moto's
dispatcher turns a raised error into a JSON 1.1 error response: HTTP 400 and a body
``{"__type": <shape name>, "message": <text>}``. Without an explicit message an error
carries the documentation string of its shape in botocore's model, the only official text.
"""

from __future__ import annotations

import functools
import re

from moto.core.exceptions import JsonRESTError

from moto_approvals.service import service_model

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


@functools.cache
def _documented_message(shape_name: str) -> str:
    try:
        doc = service_model().shape_for(shape_name).documentation
    except Exception:  # shape not modeled (protocol-level errors)
        return ""
    return re.sub(r"<[^>]+>", "", doc).strip()


class CodePipelineError(JsonRESTError):
    """Base class: the class name is the error code, ``code`` the HTTP status."""

    code = 400
    #: The ``__type`` on the wire, where it differs from the class name.
    wire_type: str | None = None

    def __init__(self, message: str | None = None) -> None:
        error_type = self.wire_type or type(self).__name__
        if message is None:
            message = _documented_message(error_type)
        super().__init__(error_type, message)
        self.message = message

    def get_headers(self, *args: object, **kwargs: object) -> list[tuple[str, str]]:
        return [("X-Amzn-ErrorType", self.error_type), ("Content-Type", JSON_CONTENT_TYPE)]


class ValidationException(CodePipelineError):
    pass


class SerializationException(CodePipelineError):
    """The body is not JSON, or a member has the wrong JSON type."""


class UnknownOperationException(CodePipelineError):
    """The X-Amz-Target header is missing or names no CodePipeline operation."""


class RequestEntityTooLargeException(CodePipelineError):
    """The request body, or what it inflates to, is larger than the emulator reads."""

    code = 413


class InvalidSignatureException(CodePipelineError):
    """The request is signed for, or addressed to, a region that does not exist."""


class InternalFailure(CodePipelineError):
    """A fault in the emulator itself: a bug to report, never an answer to bad input."""

    code = 500


class NotImplementedByEmulator(CodePipelineError):
    """A modeled operation this emulator does not serve."""

    code = 501
    wire_type = "NotImplemented"

    def __init__(self, operation: str) -> None:
        super().__init__(
            f"CodePipeline operation {operation} is not emulated by moto-approvals; "
            "see the README for the operations it serves."
        )


class PipelineNotFoundException(CodePipelineError):
    pass


class PipelineExecutionNotFoundException(CodePipelineError):
    pass


class StageNotFoundException(CodePipelineError):
    pass


class ActionNotFoundException(CodePipelineError):
    pass


class InvalidApprovalTokenException(CodePipelineError):
    pass


class ApprovalAlreadyCompletedException(CodePipelineError):
    pass


class InvalidNextTokenException(CodePipelineError):
    pass


class PipelineExecutionNotStoppableException(CodePipelineError):
    pass


class DuplicatedStopRequestException(CodePipelineError):
    pass


class StageNotRetryableException(CodePipelineError):
    pass


class NotLatestPipelineExecutionException(CodePipelineError):
    pass


class ConflictException(CodePipelineError):
    pass


class InvalidStructureException(CodePipelineError):
    pass


class PipelineNameInUseException(CodePipelineError):
    pass


class PipelineVersionNotFoundException(CodePipelineError):
    pass


class InvalidStageDeclarationException(CodePipelineError):
    pass


class InvalidActionDeclarationException(CodePipelineError):
    pass


class InvalidTagsException(CodePipelineError):
    pass


class TooManyTagsException(CodePipelineError):
    pass


class InvalidArnException(CodePipelineError):
    pass


class ResourceNotFoundException(CodePipelineError):
    pass


class WebhookNotFoundException(CodePipelineError):
    pass


class InvalidWebhookFilterPatternException(CodePipelineError):
    pass


class InvalidWebhookAuthenticationParametersException(CodePipelineError):
    pass


class ActionExecutionNotFoundException(CodePipelineError):
    pass


class ConditionNotOverridableException(CodePipelineError):
    pass


class ConcurrentPipelineExecutionsLimitExceededException(CodePipelineError):
    pass


class UnableToRollbackStageException(CodePipelineError):
    pass


class PipelineExecutionOutdatedException(CodePipelineError):
    pass


class JobNotFoundException(CodePipelineError):
    pass


class InvalidJobStateException(CodePipelineError):
    pass


class InvalidJobException(CodePipelineError):
    pass


class InvalidNonceException(CodePipelineError):
    pass


class InvalidClientTokenException(CodePipelineError):
    pass


class ActionTypeNotFoundException(CodePipelineError):
    pass


class LimitExceededException(CodePipelineError):
    pass


class OutputVariablesSizeExceededException(CodePipelineError):
    pass


class RequestFailedException(CodePipelineError):
    pass
