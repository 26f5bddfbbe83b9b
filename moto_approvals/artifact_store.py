"""The artifact store port over moto's S3: source objects in, artifacts out.

One per backend (account and region). Buckets are looked up in the account's S3 backend, so
whatever a test created with boto3 (or a handler uploaded) is what the pipeline sees.
"""

from __future__ import annotations

import datetime
from typing import Any

from moto_approvals.engine.artifacts import StoredObject

#: S3 user metadata that AWS shows as an S3 source's revision summary (``revisionSummary``).
SUMMARY_METADATA = "x-amz-meta-codepipeline-artifact-revision-summary"


class S3ArtifactStore:
    """:class:`~moto_approvals.engine.artifacts.ArtifactStore` over moto's S3 backend."""

    def __init__(self, account_id: str, region: str, partition: str) -> None:
        self._account_id = account_id
        self._region = region
        self._partition = partition

    @property
    def region(self) -> str:
        return self._region

    def _s3(self) -> Any:
        from moto.s3.models import s3_backends  # moto's S3 only once a pipeline runs

        # moto >= 5.1 keys S3 backends by partition; 5.0 by "global".
        for name in (self._partition, "global"):
            try:
                return s3_backends[self._account_id][name]
            except KeyError:
                continue
        return None

    def _bucket(self, bucket: str, s3: Any = None) -> Any:
        from moto.s3.exceptions import MissingBucket
        from moto.s3.models import s3_backends

        s3 = s3 or self._s3()
        if s3 is None:
            return None
        # Most lookups (every request checks its S3 sources) name a bucket of the account, or
        # one that exists nowhere: answered without moto raising MissingBucket.
        owned = getattr(s3, "buckets", None)
        if isinstance(owned, dict):
            if bucket in owned:
                return owned[bucket]
            elsewhere = getattr(s3_backends, "bucket_accounts", None)
            tables = getattr(s3, "table_buckets", None) or {}
            if isinstance(elsewhere, dict) and bucket not in elsewhere and bucket not in tables:
                return None
        try:
            return s3.get_bucket(bucket)
        except MissingBucket:
            return None
        except Exception:  # another account's bucket moto will not share, a table bucket, ...
            return None

    def bucket_exists(self, bucket: str) -> bool:
        return self._bucket(bucket) is not None

    def sends_eventbridge_events(self, bucket: str) -> bool:
        """Whether the bucket's notifications send its events to EventBridge."""
        found = self._bucket(bucket)
        notifications = None if found is None else found.notification_configuration
        return getattr(notifications, "event_bridge", None) is not None

    def current_revision(self, bucket: str, key: str) -> str | None:
        """The object's current version id (its ETag without versioning), body unread; None
        when there is no such object."""
        s3 = self._s3()
        found = self._bucket(bucket, s3)
        if found is None:
            return None
        try:
            obj = s3.get_object(bucket, key)
        except Exception:  # a delete marker: the object is missing
            return None
        if obj is None:
            return None
        if found.is_versioned and str(obj.version_id) != "null":
            return str(obj.version_id)
        return str(obj.etag).strip('"')

    def source_object(self, bucket: str, key: str, version_id: str | None) -> StoredObject | None:
        s3 = self._s3()
        found = self._bucket(bucket, s3)
        if found is None:
            return None
        try:
            obj = s3.get_object(bucket, key, version_id)
        except Exception:  # a malformed version id, a delete marker: the object is missing
            return None
        if obj is None:
            return None
        versioned = bool(found.is_versioned) and str(obj.version_id) != "null"
        metadata = {str(k).lower(): str(v) for k, v in dict(obj.metadata or {}).items()}
        modified = obj.last_modified
        if isinstance(modified, datetime.datetime) and modified.tzinfo is not None:
            modified = modified.replace(tzinfo=None)
        return StoredObject(
            version_id=str(obj.version_id) if versioned else None,
            etag=str(obj.etag).strip('"'),
            last_modified=modified,
            summary=metadata.get(SUMMARY_METADATA),
            # A version is immutable; without versioning the bytes of now are the revision.
            handle=obj if versioned else bytes(obj.value),
        )

    def copy(self, source: StoredObject, bucket: str, key: str) -> None:
        handle: Any = source.handle
        body = handle if isinstance(handle, bytes) else handle.value
        self.put(bucket, key, bytes(body))

    def put(self, bucket: str, key: str, body: bytes) -> None:
        s3 = self._s3()
        if s3 is not None and self.bucket_exists(bucket):
            s3.put_object(bucket, key, body)
