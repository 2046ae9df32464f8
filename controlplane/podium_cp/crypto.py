"""Secrets at rest: AES-GCM with a keyring, so keys can be rotated without losing what the old ones sealed.

The keyring comes from `PODIUM_SECRET_KEYS` ("kid:base64key,kid2:base64key", 32-byte keys). The first key seals
new values; every key opens. Each ciphertext is stored with the id of the key that sealed it, and sealed with
associated data naming its row (`secret_aad(...)`), so a ciphertext copied onto another row does not open.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.db.base import utcnow
from podium_cp.models import Secret, SigningKey
from podium_cp.settings import Settings, SettingsError

KEY_BYTES = 32
NONCE_BYTES = 12
MAX_KEY_ID = 32  # the key_id columns are String(32)
_HOW_TO_SET = (
    "set PODIUM_SECRET_KEYS=kid:BASE64KEY (32 random bytes, base64); `podium-cp generate-secret-key` prints one, "
    "and `make up` writes one into the data dir"
)


class SecretKeyError(SettingsError):
    """The keyring is missing or malformed, or a ciphertext names a key the keyring lacks."""


class DecryptionError(Exception):
    """A ciphertext does not open: tampered with, moved to another row, or sealed with another key of the same id."""


def generate_key(key_id: str | None = None) -> str:
    """A new keyring entry "kid:base64key" (a random 256-bit key) to put first in PODIUM_SECRET_KEYS."""
    kid = key_id or f"k{utcnow():%Y%m%d}{secrets.token_hex(2)}"
    return f"{kid}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def secret_aad(org_id: int, scope: str, name: str) -> bytes:
    """The associated data binding a Secret's ciphertext to its row."""
    return f"secret:{org_id}:{scope}:{name}".encode()


def signing_key_aad(kid: str) -> bytes:
    """The associated data binding a SigningKey's sealed private key to its row."""
    return f"signing-key:{kid}".encode()


def parse_keyring(spec: str) -> dict[str, bytes]:
    """Parse "kid:base64key,..." into an ordered {kid: key}; raises SecretKeyError saying what is wrong."""
    keys: dict[str, bytes] = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        kid, sep, encoded = entry.partition(":")
        kid = kid.strip()
        if not sep or not kid or len(kid) > MAX_KEY_ID:
            raise SecretKeyError(f"PODIUM_SECRET_KEYS entries look like kid:BASE64KEY (kid up to {MAX_KEY_ID} chars)")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise SecretKeyError(f"PODIUM_SECRET_KEYS: the key {kid!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise SecretKeyError(f"PODIUM_SECRET_KEYS: the key {kid!r} is {len(key)} bytes; it must be {KEY_BYTES}")
        if kid in keys:
            raise SecretKeyError(f"PODIUM_SECRET_KEYS: the key id {kid!r} appears twice")
        keys[kid] = key
    if not keys:
        raise SecretKeyError(f"No secret-encryption key is configured: {_HOW_TO_SET}")
    return keys


@dataclass(frozen=True)
class RotationCounts:
    """What `SecretBox.rotate` re-encrypted."""

    secrets: int
    signing_keys: int


class SecretBox:
    """Seals and opens secret values with the keyring; the first key seals, every key opens."""

    def __init__(self, keyring: str) -> None:
        self._keys = {kid: AESGCM(key) for kid, key in parse_keyring(keyring).items()}
        self.primary_key_id = next(iter(self._keys))

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The box for `settings.secret_keys` (raises SecretKeyError when none is configured)."""
        return cls(settings.secret_keys)

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id of the keyring, the sealing one first."""
        return tuple(self._keys)

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes, bytes]:
        """Encrypt with the primary key; returns (key_id, nonce, ciphertext) to store together."""
        nonce = os.urandom(NONCE_BYTES)
        return self.primary_key_id, nonce, self._keys[self.primary_key_id].encrypt(nonce, plaintext, aad)

    def open(self, key_id: str, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        """Decrypt what `seal` returned with the same `aad`; raises DecryptionError if it does not open."""
        cipher = self._keys.get(key_id)
        if cipher is None:
            raise SecretKeyError(
                f"A secret was sealed with key {key_id!r}, which PODIUM_SECRET_KEYS no longer holds; add it back "
                "(after the new primary key) and run `podium-cp rotate-secrets`"
            )
        try:
            return cipher.decrypt(nonce, ciphertext, aad)
        except InvalidTag:
            raise DecryptionError(
                f"A ciphertext sealed with key {key_id!r} does not open (tampered or moved)"
            ) from None

    async def rotate(self, db: AsyncSession) -> RotationCounts:
        """Re-seal with the primary key every Secret and SigningKey sealed with another key; returns the counts."""
        secret_rows = (await db.execute(select(Secret).where(Secret.key_id != self.primary_key_id))).scalars().all()
        for secret in secret_rows:
            aad = secret_aad(secret.org_id, secret.scope, secret.name)
            value = self.open(secret.key_id, secret.nonce, secret.ciphertext, aad)
            key_id, nonce, ciphertext = self.seal(value, aad)
            # updated_at stays: rotation does not change the value (and the ORM's onupdate would bump it).
            await db.execute(
                update(Secret)
                .where(Secret.id == secret.id)
                .values(key_id=key_id, nonce=nonce, ciphertext=ciphertext, updated_at=Secret.updated_at)
            )
        key_rows = (
            (await db.execute(select(SigningKey).where(SigningKey.key_id != self.primary_key_id))).scalars().all()
        )
        for signing_key in key_rows:
            aad = signing_key_aad(signing_key.kid)
            private = self.open(signing_key.key_id, signing_key.nonce, signing_key.private_key_sealed, aad)
            signing_key.key_id, signing_key.nonce, signing_key.private_key_sealed = self.seal(private, aad)
        await db.flush()
        return RotationCounts(secrets=len(secret_rows), signing_keys=len(key_rows))
