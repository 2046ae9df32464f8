"""Object storage behind one interface: local disk (the single-machine default) or an S3-compatible bucket.

Space bundles are stored content-addressed (`put_blob`, `has_blobs`, `get_blob`), so `podium push` sends only
files the store does not have yet.
"""

from .base import (
    BLOB_PREFIX,
    BlobDigestMismatch,
    InvalidKey,
    ObjectData,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    StorageError,
    blob_key,
    validate_key,
)
from .factory import S3Config, object_store_from_settings, s3_config_from_env
from .local import LocalObjectStore
from .s3 import S3ObjectStore

__all__ = [
    "BLOB_PREFIX",
    "BlobDigestMismatch",
    "InvalidKey",
    "LocalObjectStore",
    "ObjectData",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "S3Config",
    "S3ObjectStore",
    "StorageError",
    "blob_key",
    "object_store_from_settings",
    "s3_config_from_env",
    "validate_key",
]
