"""botocore's CodePipeline service model: the source of truth for shapes, enums and texts."""

from __future__ import annotations

import functools

import botocore.session
from botocore.model import ServiceModel

SERVICE_NAME = "codepipeline"
#: What the ``X-Amz-Target`` header of every CodePipeline request starts with.
TARGET_PREFIX = "CodePipeline_20150709."


@functools.cache
def service_model() -> ServiceModel:
    """The CodePipeline model; cached because loading and parsing the JSON is slow."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)
