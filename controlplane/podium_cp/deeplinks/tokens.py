"""Tokens that let an app server store and read deep links of one Space or one share link.

A token is `pdl1.KID.PAYLOAD.MAC` (`podium_cp.auth.signing`, purpose `deep-links`), PAYLOAD being `{"s": SPACE_ID}`
or `{"l": SHARE_LINK_ID}`. Tokens are stateless and never expire by themselves: what they may do ends with their
Space (deleted) or share link (expired, revoked), which `deeplinks.service` checks on every call. The reconciler
mints a Space token for each replica it starts (PODIUM_DEEP_LINK_TOKEN); a share link's token is returned once,
with the link.
"""

from __future__ import annotations

from dataclasses import dataclass

from podium_cp.auth.signing import BadSignature, KeyringSigner
from podium_cp.settings import Settings

PREFIX = "pdl1."
PURPOSE = "deep-links"
MAX_TOKEN_LENGTH = 512


class DeepLinkTokenError(Exception):
    """A deep-link token that does not open: garbled, forged, signed for another purpose or by an unknown key."""


@dataclass(frozen=True)
class Scope:
    """Whose deep links a token reaches: one Space's, or one share link's (exactly one of the two is set)."""

    space_id: int | None = None
    share_link_id: str | None = None


def _signer(settings: Settings) -> KeyringSigner:
    # Raises SecretKeyError (a SettingsError) when PODIUM_SECRET_KEYS is not configured.
    return KeyringSigner(settings.secret_keys)


def mint_space_token(settings: Settings, space_id: int) -> str:
    """The token of Space `space_id`, given to its containers as PODIUM_DEEP_LINK_TOKEN."""
    return PREFIX + _signer(settings).sign(PURPOSE, {"s": space_id})


def mint_share_token(settings: Settings, share_link_id: str) -> str:
    """The token of share link `share_link_id`, returned once with the new link."""
    return PREFIX + _signer(settings).sign(PURPOSE, {"l": share_link_id})


def open_token(settings: Settings, token: str) -> Scope:
    """The scope a token stands for; raises DeepLinkTokenError when it is not a valid deep-link token."""
    if len(token) > MAX_TOKEN_LENGTH or not token.startswith(PREFIX):
        raise DeepLinkTokenError("This is not a deep-link token (they start with 'pdl1.')")
    try:
        claims = _signer(settings).open(PURPOSE, token[len(PREFIX):])
    except BadSignature:
        raise DeepLinkTokenError("This deep-link token is not valid (garbled, forged or from another server)") from None
    space_id, link_id = claims.get("s"), claims.get("l")
    if len(claims) == 1 and type(space_id) is int and space_id > 0:
        return Scope(space_id=space_id)
    if len(claims) == 1 and isinstance(link_id, str) and 0 < len(link_id) <= 36:
        return Scope(share_link_id=link_id)
    raise DeepLinkTokenError("This deep-link token names neither a Space nor a share link")
