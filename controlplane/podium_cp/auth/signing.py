"""Stateless signed tokens `KID.PAYLOAD.MAC` with keys derived from the keyring (PODIUM_SECRET_KEYS).

PAYLOAD is base64url JSON; MAC is HMAC-SHA256 of PAYLOAD with a key derived from keyring entry KID for one
purpose (HMAC of the entry with the label `podium:PURPOSE:v1`). So rotating the keyring rotates every derived
key, and a token signed for one purpose (a Space sign-in ticket, a deep-link token) never opens as another.
The first keyring entry signs; every entry opens. Used by `router/space_auth.py` and `deeplinks/tokens.py`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

from podium_cp.crypto import parse_keyring

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class BadSignature(Exception):
    """A token that is garbled, names a key the keyring lacks, or whose MAC does not match (forged)."""


def b64encode(raw: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    """The bytes of unpadded base64url `text`; raises binascii.Error or ValueError when it is not (strictly: a
    character outside the alphabet is an error, not skipped, so one token has one spelling)."""
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class KeyringSigner:
    """Signs and opens `KID.PAYLOAD.MAC` tokens for named purposes (raises SecretKeyError without a keyring)."""

    def __init__(self, keyring: str) -> None:
        self._keys = parse_keyring(keyring)
        self._primary = next(iter(self._keys))

    def _mac(self, kid: str, purpose: str, payload: str) -> bytes:
        derived = hmac.new(self._keys[kid], f"podium:{purpose}:v1".encode(), hashlib.sha256).digest()
        return hmac.new(derived, payload.encode(), hashlib.sha256).digest()

    def sign(self, purpose: str, claims: dict[str, Any]) -> str:
        """`claims` as compact JSON, signed with the primary key for `purpose`."""
        payload = b64encode(json.dumps(claims, separators=(",", ":")).encode())
        return f"{self._primary}.{payload}.{b64encode(self._mac(self._primary, purpose, payload))}"

    def open(self, purpose: str, token: str) -> dict[str, Any]:
        """The claims of a token signed for `purpose`; raises BadSignature when it is garbled or forged."""
        kid, _, rest = token.partition(".")
        payload, _, mac = rest.partition(".")
        if kid not in self._keys or not payload or not mac:
            raise BadSignature("garbled token or unknown key id")
        try:
            given = b64decode(mac)
        except (binascii.Error, ValueError):
            raise BadSignature("garbled MAC") from None
        if not hmac.compare_digest(given, self._mac(kid, purpose, payload)):
            raise BadSignature("the MAC does not match")
        try:
            claims = json.loads(b64decode(payload))
        except (binascii.Error, ValueError):
            raise BadSignature("garbled payload") from None
        if not isinstance(claims, dict):
            raise BadSignature("the payload is not a JSON object")
        return claims
