"""`podium-cp`: the control plane's administration commands (migrate, rotate-secrets, generate-secret-key)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from podium_cp.crypto import DecryptionError, RotationCounts, SecretBox, generate_key
from podium_cp.settings import Settings, SettingsError


def _migrate(args: argparse.Namespace) -> int:
    from podium_cp.migrate import upgrade

    upgrade(Settings.from_env().database_url, args.revision)
    print(f"database migrated to {args.revision}")
    return 0


async def _rotate(settings: Settings) -> RotationCounts:
    from podium_cp.db import Database

    box = SecretBox.from_settings(settings)
    database = Database(settings.database_url, pool_size=1, max_overflow=0)
    try:
        async with database.session() as db:
            return await box.rotate(db)
    finally:
        await database.dispose()


def _rotate_secrets(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    counts = asyncio.run(_rotate(settings))
    primary = SecretBox.from_settings(settings).primary_key_id
    print(f"re-sealed with key {primary!r}: {counts.secrets} secret(s), {counts.signing_keys} signing key(s)")
    return 0


def _generate_secret_key(args: argparse.Namespace) -> int:
    print(generate_key(args.key_id))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `podium-cp`."""
    parser = argparse.ArgumentParser(prog="podium-cp", description="Administer a Podium control plane.")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="upgrade the database (PODIUM_DATABASE_URL) to a revision")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(run=_migrate)
    rotate = commands.add_parser("rotate-secrets", help="re-seal every secret with the first key of PODIUM_SECRET_KEYS")
    rotate.set_defaults(run=_rotate_secrets)
    generate = commands.add_parser(
        "generate-secret-key", help="print a new kid:base64key entry for PODIUM_SECRET_KEYS (put it first)"
    )
    generate.add_argument("--key-id", default=None, help="the key id (default: k<date><random>)")
    generate.set_defaults(run=_generate_secret_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `podium-cp` console script."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except (SettingsError, DecryptionError) as exc:
        print(f"podium-cp: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
