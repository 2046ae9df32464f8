"""Org roles, token scopes and Space visibilities: the vocabulary the access policy and the models share."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    """A member's role in an org (or a team's grant on a Space). Each role can do everything the lower ones can."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANKS = {Role.READ: 1, Role.WRITE: 2, Role.ADMIN: 3, Role.OWNER: 4}


class Scope(str, Enum):
    """What an API token may do: `read` only reads, `write` also changes content, `admin` also manages."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class Visibility(str, Enum):
    """Who sees a Space: everyone, every member of its org, or only those granted it (and org admins)."""

    PUBLIC = "public"
    ORG = "org"
    PRIVATE = "private"


ROLE_VALUES = tuple(r.value for r in Role)
SCOPE_VALUES = tuple(s.value for s in Scope)
VISIBILITY_VALUES = tuple(v.value for v in Visibility)
