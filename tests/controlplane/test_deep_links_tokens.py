"""Deep-link tokens (podium_cp.deeplinks.tokens): minted for a Space or a share link, opened back; forged,
garbled, foreign-key and other-purpose tokens are refused. No database needed."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest
from platform_fixtures import TEST_SECRET_KEYS

from podium_cp.auth.signing import KeyringSigner
from podium_cp.crypto import SecretKeyError
from podium_cp.deeplinks.tokens import DeepLinkTokenError, Scope, mint_share_token, mint_space_token, open_token
from podium_cp.router.space_auth import SpaceSigner
from podium_cp.settings import Settings

OTHER_KEY = "k9:" + base64.b64encode(b"another-test-key-0123456789abcde").decode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url="postgresql+psycopg://unused/db", data_dir=tmp_path, secret_keys=TEST_SECRET_KEYS)


def test_space_and_share_tokens_open_to_their_scope(settings: Settings) -> None:
    token = mint_space_token(settings, 42)
    assert token.startswith("pdl1.k1.") and token.count(".") == 3
    assert open_token(settings, token) == Scope(space_id=42)
    link_id = "0d7f1c9a-4b3e-4f55-9a51-2f0c3b1de0aa"
    assert open_token(settings, mint_share_token(settings, link_id)) == Scope(share_link_id=link_id)
    # Stateless and deterministic: the same Space always gets the same token.
    assert mint_space_token(settings, 42) == token != mint_space_token(settings, 43)


def test_rotated_keyring_still_opens_tokens_of_the_old_key(settings: Settings) -> None:
    token = mint_space_token(settings, 7)
    rotated = replace(settings, secret_keys=f"{OTHER_KEY},{TEST_SECRET_KEYS}")
    assert open_token(rotated, token) == Scope(space_id=7)
    assert mint_space_token(rotated, 7).startswith("pdl1.k9.")


def _parts(token: str) -> tuple[str, str, str]:
    _, kid, payload, mac = token.split(".")
    return kid, payload, mac


def _payload(claims: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")


def test_forged_tokens_are_refused(settings: Settings) -> None:
    kid, payload, mac = _parts(mint_space_token(settings, 42))
    forged = [
        f"pdl1.{kid}.{_payload({'s': 43})}.{mac}",  # another Space, the old MAC
        f"pdl1.{kid}.{payload}.{mac[:-2]}{'AA' if not mac.endswith('AA') else 'BB'}",  # a changed MAC
        f"pdl1.{kid}.{payload}.",  # no MAC
        # Signed with a key this server does not have, under a kid it does have.
        "pdl1.k1." + ".".join(KeyringSigner(OTHER_KEY.replace("k9", "k1")).sign("deep-links", {"s": 42}).split(".")[1:]),
    ]
    for token in forged:
        with pytest.raises(DeepLinkTokenError, match="not valid"):
            open_token(settings, token)


def test_unknown_key_id_is_refused(settings: Settings) -> None:
    foreign = mint_space_token(replace(settings, secret_keys=OTHER_KEY), 42)
    with pytest.raises(DeepLinkTokenError, match="not valid"):
        open_token(settings, foreign)


def test_another_purposes_token_is_refused(settings: Settings) -> None:
    ticket = SpaceSigner.from_settings(settings).mint_ticket(1, 1, "alice/demo")
    for token in (ticket, "pdl1." + ticket):
        with pytest.raises(DeepLinkTokenError):
            open_token(settings, token)
    # Signed by the same keyring for the deep-link purpose but with claims of no known shape.
    signer = KeyringSigner(TEST_SECRET_KEYS)
    for claims in ({"u": 1, "s": "alice/demo"}, {"s": "42"}, {"s": 0}, {"s": True}, {"l": ""}, {"l": "x" * 37},
                   {"s": 1, "l": "abc"}, {}):
        with pytest.raises(DeepLinkTokenError, match="neither"):
            open_token(settings, "pdl1." + signer.sign("deep-links", claims))


def test_garbled_tokens_are_refused(settings: Settings) -> None:
    kid, payload, mac = _parts(mint_space_token(settings, 42))
    garbled = ["", "pdl1.", "pdl1...", "garbage", "pdl2." + ".".join((kid, payload, mac)), f"pdl1.{kid}.{payload}",
               f"pdl1.{kid}.{payload}.{mac}!!", f"pdl1.{kid}.{payload}.+{mac}", f"pdl1.{kid}.@@@.{mac}", "pdl1." + "A" * 600,
               f"pdl1.{kid}.{payload}.{mac}.extra", "pdl1.k1.\x00.\x00"]
    for token in garbled:
        with pytest.raises(DeepLinkTokenError):
            open_token(settings, token)
    # A MAC that matches a payload which is not JSON (or not an object) is still refused.
    signer_payload = base64.urlsafe_b64encode(b"[1, 2]").decode().rstrip("=")
    raw = KeyringSigner(TEST_SECRET_KEYS)
    token = raw.sign("deep-links", {"s": 1})
    kid, _, _ = token.partition(".")
    mac = raw._mac(kid, "deep-links", signer_payload)  # noqa: SLF001 - the only way to sign a non-object payload
    with pytest.raises(DeepLinkTokenError, match="not valid"):
        open_token(settings, f"pdl1.{kid}.{signer_payload}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}")


def test_no_keyring_no_tokens(settings: Settings) -> None:
    with pytest.raises(SecretKeyError):
        mint_space_token(replace(settings, secret_keys=""), 1)
