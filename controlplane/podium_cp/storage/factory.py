"""Pick the object store from the environment: local disk under the data dir, or S3 when PODIUM_S3_ENDPOINT is set.

The PODIUM_S3_* variables are parsed here for now; they belong in `Settings` once it grows storage fields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..settings import Settings, SettingsError
from .base import ObjectStore
from .local import LocalObjectStore
from .s3 import S3ObjectStore

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class S3Config:
    """Where the S3-compatible bucket is and how to sign in to it (from PODIUM_S3_*)."""

    endpoint: str  # host[:port], no scheme
    access_key: str
    secret_key: str = field(repr=False)
    bucket: str = "podium"
    secure: bool = True
    region: str | None = None


def s3_config_from_env(environ: Mapping[str, str] | None = None) -> S3Config | None:
    """The S3 settings in `environ` (default: os.environ), or None when PODIUM_S3_ENDPOINT is unset (local disk).

    PODIUM_S3_ENDPOINT may be `host:port` or a URL; an `http://` URL means PODIUM_S3_SECURE=false.
    """
    env = os.environ if environ is None else environ
    endpoint = (env.get("PODIUM_S3_ENDPOINT") or "").strip()
    if not endpoint:
        return None
    secure: bool | None = None
    for scheme, is_secure in (("https://", True), ("http://", False)):
        if endpoint.lower().startswith(scheme):
            endpoint, secure = endpoint[len(scheme) :], is_secure
    endpoint = endpoint.rstrip("/")
    if not endpoint or "/" in endpoint:
        raise SettingsError(
            f"PODIUM_S3_ENDPOINT={env['PODIUM_S3_ENDPOINT']!r} is not host[:port] (e.g. minio.internal:9000)"
        )
    raw_secure = (env.get("PODIUM_S3_SECURE") or "").strip().lower()
    if raw_secure:
        if raw_secure not in _TRUE + _FALSE:
            raise SettingsError(f"PODIUM_S3_SECURE={raw_secure!r} is not a boolean; use true or false")
        explicit = raw_secure in _TRUE
        if secure is not None and explicit != secure:
            raise SettingsError("PODIUM_S3_SECURE contradicts the scheme of PODIUM_S3_ENDPOINT; drop one of them")
        secure = explicit
    access_key = env.get("PODIUM_S3_ACCESS_KEY") or ""
    secret_key = env.get("PODIUM_S3_SECRET_KEY") or ""
    for name, value in (("PODIUM_S3_ACCESS_KEY", access_key), ("PODIUM_S3_SECRET_KEY", secret_key)):
        if not value:
            raise SettingsError(f"PODIUM_S3_ENDPOINT is set but {name} is not; set both S3 credentials")
    return S3Config(
        endpoint=endpoint,
        access_key=access_key,
        secret_key=secret_key,
        bucket=(env.get("PODIUM_S3_BUCKET") or "podium").strip(),
        secure=True if secure is None else secure,
        region=(env.get("PODIUM_S3_REGION") or "").strip() or None,
    )


def object_store_from_settings(settings: Settings, environ: Mapping[str, str] | None = None) -> ObjectStore:
    """The installation's object store: S3 when PODIUM_S3_ENDPOINT is set, else `<data_dir>/objects` on disk."""
    s3 = s3_config_from_env(environ)
    if s3 is None:
        return LocalObjectStore(settings.data_dir / "objects")
    return S3ObjectStore(s3.endpoint, s3.access_key, s3.secret_key, s3.bucket, secure=s3.secure, region=s3.region)
