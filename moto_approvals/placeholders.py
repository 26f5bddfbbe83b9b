"""Placeholder sources: what an execution fetches from a source moto cannot serve.

A source with no revision to read (a repository, or an S3 bucket the test never created) gets a
made-up revision when an execution starts. It is a pure function of the execution's id and the
action's name, so history stores nothing for it: the revision id is 40 hex digits (a commit id's
form), the execution's id masked, then a checksum of the action's name; the id maps back to its
execution (:func:`execution_id_of`), which is how PutActionRevision finds a revision it has seen.
The artifact is a small zip whose bytes depend only on the action and the revision.
"""

from __future__ import annotations

import functools
import hashlib
import io
import uuid
import zipfile
import zlib
from collections.abc import Mapping

# Mixed into the execution's id so that a revision id does not read as the execution's.
_MASK = 0x3C6EF372FE94F82BA54FF53A5F1D36F1

#: Configuration keys of repository sources copied into their output variables.
SOURCE_VARIABLES = {
    "BranchName": "BranchName",
    "FullRepositoryId": "FullRepositoryName",
    "RepositoryName": "RepositoryName",
    "ConnectionArn": "ConnectionArn",
}


# Cached: a run's start, GetPipelineState and the pages of history read the same few.
@functools.lru_cache(maxsize=1024)
def revision_id(pipeline_execution_id: str, action_name: str) -> str:
    """The revision the execution's source action fetches."""
    masked = int(pipeline_execution_id.replace("-", ""), 16) ^ _MASK
    return f"{masked:032x}{zlib.crc32(action_name.encode()):08x}"


def execution_id_of(revision: str) -> str | None:
    """The execution whose placeholder this revision id may be (the caller checks it is)."""
    if len(revision) != 40:
        return None
    try:
        masked = int(revision[:32], 16)
    except ValueError:
        return None
    if masked >> 128:
        return None
    return str(uuid.UUID(int=masked ^ _MASK))


def body(action_name: str, revision: str) -> bytes:
    """The placeholder artifact (same action and revision, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("PLACEHOLDER.txt", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(info, f"Placeholder artifact of {action_name} at {revision}\n")
    return buffer.getvalue()


@functools.lru_cache(maxsize=1024)
def etag(action_name: str, revision: str) -> str:
    """The ETag S3 gives the placeholder artifact (its MD5)."""
    return hashlib.md5(body(action_name, revision), usedforsecurity=False).hexdigest()


def commit_variables(
    configuration: Mapping[str, str],
    commit_id: str,
    branch: str | None = None,
    message: str | None = None,
) -> dict[str, str]:
    """A repository source's output variables: the commit, what its configuration names,
    and the branch and message when known."""
    names = {"CommitId": commit_id}
    names.update(
        (name, configuration[key]) for key, name in SOURCE_VARIABLES.items() if key in configuration
    )
    if branch is not None:
        names["BranchName"] = branch
    if message is not None:
        names["CommitMessage"] = message
    return names
