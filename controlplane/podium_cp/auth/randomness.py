"""Secrets we hand out (session cookies, API tokens, invitation links, codes) and how we store them: sha256 only."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str = "", nbytes: int = 32) -> str:
    """A URL-safe random secret with a readable prefix (`pdm_`, `pdi_`, ...): 256 bits unless told otherwise."""
    return prefix + secrets.token_urlsafe(nbytes)


def new_public_id(prefix: str) -> str:
    """A short random identifier for URLs (not a secret)."""
    return prefix + secrets.token_hex(8)


def digest(secret: str) -> str:
    """The stored form of a high-entropy secret: its sha256, hex. Lookups go by this digest."""
    return hashlib.sha256(secret.encode()).hexdigest()
