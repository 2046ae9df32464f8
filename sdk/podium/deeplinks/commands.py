"""`podium deep-links ls|show|rm|retention OWNER/NAME ...`: a Space's deep links from the command line.

A Space's deep links hold its visitors' inputs, so the server lists, shows and deletes them only for people with
`write` access to the Space. The commands talk to the user-facing API (docs/design/deep-links.md) through the
server and token `podium login` stored, like `podium spaces ...`; `podium.cli` defines the arguments and calls
`run(COMMAND, args)` (`ls`, `show`, `rm`, `retention`). A failure is one line on stderr (`podium deep-links COMMAND: ...`) and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from podium import platform_auth
from podium.deeplinks.snapshot import is_link_id
from podium.spaces.client import SpacesClient, SpacesError
from podium.spaces.commands import CommandError, print_table, signed_in, space_id

MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 365


class DeepLinksClient(SpacesClient):
    """The deep-link part of the Spaces API (the same server, token and error handling)."""

    def deep_links(self, owner: str, name: str) -> Iterator[dict[str, Any]]:
        """The Space's deep links, newest first."""
        return self._pages(f"/api/spaces/{owner}/{name}/deep-links", "Listing deep links")

    def deep_link(self, owner: str, name: str, link_id: str) -> dict[str, Any]:
        """One deep link, with its snapshot."""
        result: dict[str, Any] = self._call("GET", f"/api/spaces/{owner}/{name}/deep-links/{link_id}",
                                            f"Reading deep link {link_id}")
        return result

    def delete_deep_link(self, owner: str, name: str, link_id: str) -> None:
        """Delete one deep link (the server records it in the audit log)."""
        self._call("DELETE", f"/api/spaces/{owner}/{name}/deep-links/{link_id}", f"Deleting deep link {link_id}")

    def set_retention(self, owner: str, name: str, days: int) -> dict[str, Any]:
        """Keep the Space's links `days` days (existing links move to `created_at + days`); returns the Space."""
        return self.update_space(owner, name, {"deep_link_retention_days": days})


def run(command: str, args: argparse.Namespace) -> int:
    """Run `podium deep-links COMMAND` with its parsed `args`; returns the exit status."""
    try:
        return _COMMANDS[command](args)
    except (CommandError, platform_auth.PlatformAuthError) as exc:
        message = str(exc)
    except SpacesError as exc:
        message = _explain(exc, args)
    except (KeyboardInterrupt, EOFError):
        print(f"podium deep-links {command}: interrupted", file=sys.stderr)
        return 130
    print(f"podium deep-links {command}: {message}", file=sys.stderr)
    return 1


def _explain(exc: SpacesError, args: argparse.Namespace) -> str:
    space = getattr(args, "space", None)
    link_id = getattr(args, "link_id", None)
    if exc.status == 404 and exc.code == "space_not_found" and space:
        return f"no Space {space} (or you may not see it)"
    if exc.status == 404 and link_id:
        return f"no deep link {link_id} on {space}; `podium deep-links ls {space}` lists them"
    if exc.status == 403:
        return f"{exc}; a Space's deep links are for people with write access to it"
    if exc.status == 401:
        return f"{exc}; your token may have expired or been revoked: run `podium login` with a new one"
    return str(exc)


def _client(args: argparse.Namespace) -> DeepLinksClient:
    return signed_in(args.server, DeepLinksClient)


def _link_id(value: str) -> str:
    if not is_link_id(value):
        raise CommandError(f"{value!r} is not a deep-link id (the part after ?deep_link= in the link)")
    return value


def _size(size: object) -> str:
    if not isinstance(size, int):
        return ""
    return f"{size} B" if size < 1024 else f"{(size + 1023) // 1024} KB"


def _labels(labels: object, width: int = 40) -> str:
    text = ", ".join(str(label) for label in labels) if isinstance(labels, list) else ""
    return text if len(text) <= width else text[: width - 3] + "..."


def _json(value: object) -> None:
    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _ls(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    client = _client(args)
    try:
        links = list(client.deep_links(owner, name))
    finally:
        client.close()
    if args.json:
        _json(links)
        return 0
    if not links:
        print(f"No deep links on {owner}/{name}.", file=sys.stderr)
        return 0
    print_table(("ID", "CREATED", "EXPIRES", "SIZE", "OPENED", "VALUES"),
                ((link.get("id", ""), link.get("created_at"), link.get("expires_at"), _size(link.get("size_bytes")),
                  link.get("open_count") or 0, _labels(link.get("labels"))) for link in links))
    return 0


def _show(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    link_id = _link_id(args.link_id)
    client = _client(args)
    try:
        link = client.deep_link(owner, name, link_id)
    finally:
        client.close()
    if args.json:
        _json(link)
        return 0
    print(f"{owner}/{name} deep link {link_id}")
    for label, key in (("url", "url"), ("created", "created_at"), ("expires", "expires_at"),
                       ("opened", "open_count"), ("last opened", "last_opened_at"), ("app", "app_revision"),
                       ("revision", "space_revision")):
        print(f"  {label + ':':<13}{link.get(key) if link.get(key) is not None else '-'}")
    print(f"  {'size:':<13}{_size(link.get('size_bytes'))}")
    snapshot = link.get("snapshot")
    components = snapshot.get("components") if isinstance(snapshot, dict) else None
    components = components if isinstance(components, dict) else {}
    if components:
        print("values:")
        for key, entry in components.items():
            if not isinstance(entry, dict):
                continue
            shown = json.dumps(entry.get("value"), ensure_ascii=False) if "value" in entry else "(visibility only)"
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            print(f"  {entry.get('label') or key} ({entry.get('type')}): {shown}")
    return 0


def _rm(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    link_id = _link_id(args.link_id)
    client = _client(args)
    try:
        client.delete_deep_link(owner, name, link_id)
    finally:
        client.close()
    print(f"Deleted deep link {link_id} of {owner}/{name}")
    return 0


def _retention(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    days = args.days
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise CommandError(f"DAYS must be between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS}, not {days}")
    client = _client(args)
    try:
        space = client.set_retention(owner, name, days)
    finally:
        client.close()
    kept = space.get("deep_link_retention_days", days)
    print(f"Deep links of {owner}/{name} now expire {kept} day{'s' if kept != 1 else ''} after they are made "
          "(existing links too)")
    return 0


_COMMANDS = {"ls": _ls, "show": _show, "rm": _rm, "retention": _retention}


__all__ = ["DeepLinksClient", "run"]
