"""The bound on a request body, as sent and once inflated (README, "Choices where AWS is
silent")."""

from __future__ import annotations

import zlib

from moto_approvals.exceptions import RequestEntityTooLargeException, SerializationException

#: The most a request body may hold, as sent and once inflated: more is refused before it is
#: read or decompressed.
MAX_BODY_BYTES = 10 * 1024 * 1024


def too_large(size: str) -> RequestEntityTooLargeException:
    return RequestEntityTooLargeException(
        f"The request body {size} the {MAX_BODY_BYTES} bytes accepted."
    )


def inflate(data: bytes) -> bytes:
    """Inflate a gzip body, never past MAX_BODY_BYTES."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(data, MAX_BODY_BYTES + 1)
    except zlib.error:
        raise SerializationException("The request body is not valid gzip data.") from None
    if len(inflated) > MAX_BODY_BYTES:
        raise too_large("inflates to more than")
    if not inflater.eof or inflater.unused_data:
        raise SerializationException("The request body is not valid gzip data.")
    return inflated
