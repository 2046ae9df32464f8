"""Passwords: argon2id hashes (argon2-cffi) and the minimum password policy.

Hashing is slow and memory-hungry on purpose, so `hash_password` and `verify_password` run in worker
threads, at most `MAX_CONCURRENT_HASHES` at a time (the others wait in their thread), and never on the event loop.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from podium_cp.errors import InvalidInput

MIN_LENGTH = 10
# Longer inputs only cost hashing time; no real password is this long.
MAX_LENGTH = 1000
# Each hash takes ~64 MiB and tens of milliseconds: bound how many run at once.
MAX_CONCURRENT_HASHES = 4

_hasher = PasswordHasher()  # argon2id with argon2-cffi's (RFC 9106 low-memory) defaults
# A thread semaphore, not an anyio limiter: it works whichever event loop (app, test client) calls in.
_hash_slots = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


def check_password_policy(password: str, *, username: str = "", email: str | None = None) -> None:
    """Raise InvalidInput (code `weak_password`) with a message saying what to change, if `password` is too weak."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"Passwords need at least {MIN_LENGTH} characters; a few unrelated words work well",
                           code="weak_password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"Passwords may have at most {MAX_LENGTH} characters", code="weak_password")
    lowered = password.strip().lower()
    if username and lowered == username.lower():
        raise InvalidInput("Your password must not be your username", code="weak_password")
    if email and (lowered == email.lower() or lowered == email.split("@", 1)[0].lower()):
        raise InvalidInput("Your password must not be your email address", code="weak_password")


def _hash_sync(password: str) -> str:
    with _hash_slots:
        return _hasher.hash(password)


def _verify_sync(password_hash: str, password: str) -> bool:
    with _hash_slots:
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


async def hash_password(password: str) -> str:
    """The argon2id hash of `password` (PHC string format), computed in a worker thread."""
    return await anyio.to_thread.run_sync(_hash_sync, password)


async def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash` (False also for a malformed hash); runs in a worker thread."""
    return await anyio.to_thread.run_sync(_verify_sync, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's (rehash it after a successful sign-in)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hash_sync("podium-no-such-user-dummy-password")


async def burn_verify_time(password: str) -> None:
    """Verify against a dummy hash, so that a sign-in for an unknown user takes as long as a wrong password."""
    dummy = await anyio.to_thread.run_sync(_dummy_hash)
    await verify_password(dummy, password)
