"""SecretBox: AES-GCM with a keyring, bound to each row by associated data, and key rotation over Postgres."""

from __future__ import annotations

import asyncio
import base64
import os

import pytest
from helpers import sql
from sqlalchemy import select

from podium_cp.cli import main as cli_main
from podium_cp.crypto import (
    DecryptionError,
    RotationCounts,
    SecretBox,
    SecretKeyError,
    generate_key,
    secret_aad,
    signing_key_aad,
)
from podium_cp.db import Database
from podium_cp.models import Org, Secret, SigningKey


def _key(kid: str) -> str:
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


def test_round_trip_and_fresh_nonces() -> None:
    box = SecretBox(_key("k1"))
    aad = secret_aad(1, "", "TOKEN")
    key_id, nonce, ciphertext = box.seal(b"hunter2", aad)
    assert key_id == "k1" and len(nonce) == 12
    assert b"hunter2" not in ciphertext
    assert box.open(key_id, nonce, ciphertext, aad) == b"hunter2"
    assert box.seal(b"hunter2", aad)[1:] != (nonce, ciphertext)


def test_wrong_aad_fails() -> None:
    box = SecretBox(_key("k1"))
    key_id, nonce, ciphertext = box.seal(b"hunter2", secret_aad(1, "", "TOKEN"))
    for moved in (secret_aad(2, "", "TOKEN"), secret_aad(1, "", "OTHER"), secret_aad(1, "space", "TOKEN")):
        with pytest.raises(DecryptionError):
            box.open(key_id, nonce, ciphertext, moved)


def test_tampered_ciphertext_fails() -> None:
    box = SecretBox(_key("k1"))
    aad = secret_aad(1, "", "TOKEN")
    key_id, nonce, ciphertext = box.seal(b"hunter2", aad)
    tampered = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    with pytest.raises(DecryptionError):
        box.open(key_id, nonce, tampered, aad)
    with pytest.raises(DecryptionError):
        box.open(key_id, bytes(12), ciphertext, aad)


def test_first_key_seals_every_key_opens() -> None:
    old = _key("old")
    sealed = SecretBox(old).seal(b"v", b"aad")
    box = SecretBox(f"{_key('new')},{old}")
    assert box.primary_key_id == "new" and box.key_ids == ("new", "old")
    assert box.open(*sealed, b"aad") == b"v"
    assert box.seal(b"v", b"aad")[0] == "new"
    with pytest.raises(SecretKeyError, match="no longer holds"):
        SecretBox(_key("new")).open(*sealed, b"aad")


def test_missing_or_malformed_keys_say_what_to_set() -> None:
    with pytest.raises(SecretKeyError, match="set PODIUM_SECRET_KEYS="):
        SecretBox("")
    with pytest.raises(SecretKeyError, match="kid:BASE64KEY"):
        SecretBox("justbase64")
    with pytest.raises(SecretKeyError, match="not valid base64"):
        SecretBox("k1:!!!")
    with pytest.raises(SecretKeyError, match="must be 32"):
        SecretBox("k1:" + base64.b64encode(b"short").decode())
    with pytest.raises(SecretKeyError, match="twice"):
        key = _key("k1")
        SecretBox(f"{key},{key}")


def test_generate_key_makes_a_usable_entry(capsys: pytest.CaptureFixture[str]) -> None:
    entry = generate_key()
    box = SecretBox(entry)
    assert box.primary_key_id == entry.split(":")[0]
    assert SecretBox(generate_key("mine")).primary_key_id == "mine"
    assert cli_main(["generate-secret-key", "--key-id", "k9"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("k9:") and SecretBox(printed).primary_key_id == "k9"


def test_cli_reports_missing_settings(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PODIUM_DATABASE_URL", raising=False)
    assert cli_main(["rotate-secrets"]) == 2
    assert "PODIUM_DATABASE_URL" in capsys.readouterr().err


def test_rotation_reseals_with_the_new_key(pg_url: str) -> None:
    old_key, new_key = _key("old"), _key("new")
    old_box, new_box = SecretBox(old_key), SecretBox(f"{new_key},{old_key}")
    new_only = SecretBox(new_key)  # after rotation the old key is no longer needed

    async def scenario() -> tuple[RotationCounts, RotationCounts]:
        database = Database(pg_url, pool_size=1, max_overflow=0)
        try:
            async with database.session() as db:
                org = Org(name="acme")
                db.add(org)
                await db.flush()
                for name in ("A", "B"):
                    key_id, nonce, ct = old_box.seal(f"value-{name}".encode(), secret_aad(org.id, "", name))
                    db.add(Secret(org_id=org.id, scope="", name=name, key_id=key_id, nonce=nonce, ciphertext=ct))
                key_id, nonce, ct = old_box.seal(b"PEM", signing_key_aad("sig1"))
                db.add(SigningKey(kid="sig1", key_id=key_id, nonce=nonce, private_key_sealed=ct, public_jwk={}))
            async with database.session() as db:  # before rotation, the new keyring opens the old ciphertexts
                for secret in (await db.execute(select(Secret))).scalars():
                    aad = secret_aad(secret.org_id, "", secret.name)
                    assert new_box.open(secret.key_id, secret.nonce, secret.ciphertext, aad).startswith(b"value-")
                before = {s.name: s.updated_at for s in (await db.execute(select(Secret))).scalars()}
            async with database.session() as db:
                first = await new_box.rotate(db)
            async with database.session() as db:
                secrets = (await db.execute(select(Secret).order_by(Secret.name))).scalars().all()
                assert {s.key_id for s in secrets} == {"new"}
                assert {s.name: s.updated_at for s in secrets} == before  # rotation is not an update of the value
                for secret in secrets:
                    value = new_only.open(
                        secret.key_id, secret.nonce, secret.ciphertext, secret_aad(secret.org_id, "", secret.name)
                    )
                    assert value == f"value-{secret.name}".encode()
                signing = (await db.execute(select(SigningKey))).scalar_one()
                assert signing.key_id == "new"
                assert new_only.open(signing.key_id, signing.nonce, signing.private_key_sealed,
                                    signing_key_aad("sig1")) == b"PEM"
                second = await new_box.rotate(db)
            return first, second
        finally:
            await database.dispose()

    first, second = asyncio.run(scenario())
    assert first == RotationCounts(secrets=2, signing_keys=1)
    assert second == RotationCounts(secrets=0, signing_keys=0)  # nothing left on the old key


def test_cli_migrate_and_rotate(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old_key, new_key = _key("old"), _key("new")
    sealed = SecretBox(old_key).seal(b"v", secret_aad(1, "", "A"))
    monkeypatch.setenv("PODIUM_DATABASE_URL", pg_url)
    monkeypatch.setenv("PODIUM_SECRET_KEYS", f"{new_key},{old_key}")
    assert cli_main(["migrate"]) == 0  # already at head: a no-op
    org_id = sql(pg_url, "INSERT INTO orgs (name, display_name, description, created_at) "
                         "VALUES ('acme', '', '', now()) RETURNING id")[0][0]
    assert org_id == 1
    sql(pg_url, "INSERT INTO secrets (org_id, scope, name, key_id, nonce, ciphertext, created_at, updated_at) "
                "VALUES (1, '', 'A', :k, :n, :c, now(), now())", k=sealed[0], n=sealed[1], c=sealed[2])
    assert cli_main(["rotate-secrets"]) == 0
    out = capsys.readouterr().out
    assert "1 secret(s)" in out and "'new'" in out
    key_id, nonce, ciphertext = sql(pg_url, "SELECT key_id, nonce, ciphertext FROM secrets")[0]
    assert key_id == "new"
    assert SecretBox(new_key).open(key_id, bytes(nonce), bytes(ciphertext), secret_aad(1, "", "A")) == b"v"
