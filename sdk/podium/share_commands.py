"""`podium share PORT | ls | revoke ID`: share a local app, list your share links, revoke one (podium.share).

`podium share PORT` runs until Ctrl-C (or until the link expires or is revoked), printing the URL and its expiry.
`ls` and `revoke` need the API token `podium login` stored for the server: anonymous links belong to nobody.
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
from datetime import datetime

from podium.share import (
    MAX_LIFETIME_S,
    ShareError,
    describe_expiry,
    list_links,
    open_share,
    resolve_share_server,
    revoke_link,
    stored_token,
)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+)([smhdw])")


def parse_duration(text: str) -> int:
    """Seconds in `90m`, `12h`, `3d`, `1d12h` (units s, m, h, d, w); ShareError for anything else or over 7 days."""
    value = text.strip().lower().replace(" ", "")
    if not value or _DURATION.sub("", value):
        raise ShareError(f"--expires {text!r} is not a duration; write e.g. 90m, 12h, 3d or 1d12h")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _DURATION.findall(value))
    if seconds > MAX_LIFETIME_S:
        raise ShareError(f"--expires {text}: a share link lives at most 7 days")
    if seconds < 60:
        raise ShareError(f"--expires {text}: a share link lives at least 1 minute")
    return seconds


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def share_port(args: argparse.Namespace) -> int:
    """`podium share PORT`: open a link to host:PORT and keep it open until Ctrl-C."""
    try:
        port = int(args.target)
    except ValueError:
        print(f"podium share: {args.target!r} is neither a port nor a command (ls, revoke)", file=sys.stderr)
        return 2
    if not 0 < port < 65536:
        print(f"podium share: {port} is not a port number", file=sys.stderr)
        return 2
    local = f"http://{args.host}:{port}"
    try:
        lifetime = parse_duration(args.expires) if args.expires else None
        if not _listening(args.host, port):
            print(f"podium share: nothing answers at {local} yet; visitors get an error page until something does",
                  file=sys.stderr)
        share = open_share(port, local_host=args.host, server=args.server, lifetime_s=lifetime, label=args.label)
    except ShareError as exc:
        print(f"podium share: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"Sharing {local} at {share.url}", flush=True)
        print(f"The link expires on {describe_expiry(share.expires_at)}; its id is {share.id}. Ctrl-C stops sharing.",
              flush=True)
        while not share.stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("podium share: stopped", file=sys.stderr)
        return 0
    finally:
        share.close()
    return 1  # the link expired or was revoked (already said on the way)


def _signed_in(args: argparse.Namespace) -> tuple[str, str]:
    server = resolve_share_server(args.server)
    token = stored_token(server)
    if token is None:
        raise ShareError(f"not signed in to {server}; run `podium login --server {server}` first (links made "
                         "without signing in belong to nobody and cannot be listed or revoked)")
    return server, token


def _when(value: object) -> str:
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(value or "")


def share_ls(args: argparse.Namespace) -> int:
    """`podium share ls`: a table of your links (a site admin's `--all`: everyone's)."""
    try:
        server, token = _signed_in(args)
        links = list_links(server, token=token, everyone=args.all)
    except ShareError as exc:
        print(f"podium share ls: {exc}", file=sys.stderr)
        return 1
    if not links:
        print("No share links.")
        return 0
    rows = [("ID", "URL", "STATUS", "EXPIRES", "LABEL")]
    for link in links:
        status = str(link.get("status") or "")
        if status == "active" and link.get("connected"):
            status = "active (connected)"
        rows.append((str(link.get("id", "")), str(link.get("url", "")), status, _when(link.get("expires_at")),
                     str(link.get("label") or "")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def share_revoke(args: argparse.Namespace) -> int:
    """`podium share revoke ID`: end a link now (its tunnel stops within seconds)."""
    if not args.link_id:
        print("podium share revoke: which link? `podium share revoke ID` (`podium share ls` lists them)",
              file=sys.stderr)
        return 2
    try:
        server, token = _signed_in(args)
        revoke_link(server, args.link_id, token=token)
    except ShareError as exc:
        print(f"podium share revoke: {exc}", file=sys.stderr)
        return 1
    print(f"Revoked share link {args.link_id}")
    return 0


def run(args: argparse.Namespace) -> int:
    """The `podium share` handler: PORT, `ls` or `revoke ID`."""
    if args.target == "ls":
        return share_ls(args)
    if args.target == "revoke":
        return share_revoke(args)
    return share_port(args)
