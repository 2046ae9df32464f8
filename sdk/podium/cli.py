"""The `podium` command line: `podium run app.py`, `podium login`, `podium logout`, `podium whoami`,
`podium spaces check|ls|info|logs|...` and `podium hardware capacity` (podium.spaces.commands), `podium push`, `podium share PORT|ls|revoke`
(podium.share_commands), `podium deep-links ls|show|rm|retention` (podium.deeplinks.commands), `podium version`.

Start-up must stay fast, so this module imports only the standard library at module level; a command
imports what it needs when it runs. To add a command, write `_add_NAME(subparsers)` that registers its
parser with `set_defaults(handler=...)` and list it in `_COMMANDS`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]


def _version() -> str:
    from podium import __version__

    return __version__


# --- podium run ----------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    """Run an app file as `__main__`, exactly like `python app.py`, with server options set."""
    import runpy

    path = os.path.abspath(args.app)
    if not os.path.isfile(path):
        print(f"podium run: no such file: {args.app}", file=sys.stderr)
        return 2
    # launch() reads these; both spellings so apps written for Gradio see the same settings.
    if args.port is not None:
        os.environ["PODIUM_SERVER_PORT"] = os.environ["GRADIO_SERVER_PORT"] = str(args.port)
    if args.host is not None:
        os.environ["PODIUM_SERVER_NAME"] = os.environ["GRADIO_SERVER_NAME"] = args.host
    # What `python app.py` would see: the app's folder first on sys.path, its own argv.
    sys.argv = [args.app]
    sys.path.insert(0, os.path.dirname(path))
    runpy.run_path(path, run_name="__main__")
    return 0


def _add_run(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run an app file (like `python app.py`)",
        description="Run an app file as __main__, like `python app.py`; its demo.launch() starts the server.",
    )
    parser.add_argument("app", help="path to the app's Python file")
    parser.add_argument("--port", type=int, help="port to serve on (sets PODIUM_SERVER_PORT)")
    parser.add_argument("--host", help="address to bind, e.g. 0.0.0.0 (sets PODIUM_SERVER_NAME)")
    parser.set_defaults(handler=_run)


# --- podium login / logout / whoami ----------------------------------------------------------------


def _add_server_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", help="the Podium installation's URL (default: $PODIUM_SERVER, else the last one signed in to)"
    )


def _read_token(args: argparse.Namespace, server: str) -> str:
    """The token from --token, stdin (`--token -` or piped input), or a hidden prompt."""
    if args.token and args.token != "-":
        return str(args.token).strip()
    if args.token == "-" or not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    import getpass

    print(f"Create an API token in {server}'s console (Account > API tokens, at /account/tokens), then paste it here.", file=sys.stderr)
    return getpass.getpass("API token: ").strip()


def _login(args: argparse.Namespace) -> int:
    """Verify an API token with the server, then store it for later commands."""
    from podium import platform_auth

    try:
        server = platform_auth.resolve_server(args.server)
        token = _read_token(args, server)
        if not token:
            print("podium login: no token given; pass --token TOKEN (or --token - to read it from stdin)",
                  file=sys.stderr)
            return 2
        who = platform_auth.whoami(server, token)
        path = platform_auth.save_token(server, token, who)
    except platform_auth.PlatformAuthError as exc:
        print(f"podium login: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("podium login: cancelled", file=sys.stderr)
        return 130
    scopes = ", ".join(who.scopes or []) or "none"
    limited = f", limited to org {who.org}" if who.org else ""
    print(f"Signed in to {server} as {who.username} (scopes: {scopes}{limited}); token stored in {path}")
    return 0


def _logout(args: argparse.Namespace) -> int:
    """Delete the stored token for a server (it keeps working until revoked)."""
    from podium import platform_auth

    try:
        server = platform_auth.resolve_server(args.server)
        entry = platform_auth.forget_token(server)
    except platform_auth.PlatformAuthError as exc:
        print(f"podium logout: {exc}", file=sys.stderr)
        return 1
    if entry is None:
        print(f"Not signed in to {server}; nothing to remove")
        return 0
    token_id = entry.get("token_id") or "{public_id}"
    print(f"Removed the stored token for {server}.")
    print(
        "The token itself still works until you revoke it: in the console (Account > API tokens) "
        f"or with DELETE {server}/api/user/tokens/{token_id}"
    )
    return 0


def _whoami(args: argparse.Namespace) -> int:
    """Print who the stored token signs in as."""
    from podium import platform_auth

    try:
        server = platform_auth.resolve_server(args.server)
        token = platform_auth.stored_token(server)
        if token is None:
            print(f"podium whoami: not signed in to {server}; run `podium login --server {server}`", file=sys.stderr)
            return 1
        who = platform_auth.whoami(server, token)
    except platform_auth.PlatformAuthError as exc:
        print(f"podium whoami: {exc}", file=sys.stderr)
        return 1
    print(f"user: {who.username}" + (f" ({who.display_name})" if who.display_name else ""))
    print(f"server: {server}")
    print(f"scopes: {', '.join(who.scopes or []) or 'none'}")
    if who.org:
        print(f"org: {who.org} (this token works only for that org)")
    if who.site_admin:
        print("site admin: yes")
    return 0


def _add_login(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "login",
        help="sign in to a Podium installation with an API token",
        description="Verify an API token with the server (GET /api/whoami) and store it, readable only by you, "
        "in $PODIUM_HOME/credentials.json (default ~/.config/podium/credentials.json).",
    )
    _add_server_option(parser)
    parser.add_argument("--token", help="the API token (pdm_...); `-` reads it from stdin; default: ask for it")
    parser.set_defaults(handler=_login)


def _add_logout(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "logout",
        help="forget the stored API token of a server",
        description="Delete the stored token; it keeps working until revoked in the console.",
    )
    _add_server_option(parser)
    parser.set_defaults(handler=_logout)


def _add_whoami(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "whoami", help="show who you are signed in as", description="Show the user, server and token scopes."
    )
    _add_server_option(parser)
    parser.set_defaults(handler=_whoami)


# --- podium spaces check --------------------------------------------------------------------------


def _spaces_check(args: argparse.Namespace) -> int:
    """Validate a Space folder: its README.md metadata and what a push would upload."""
    from podium import spaces
    from podium.spaces.bundle import size_text

    folder = args.dir
    if not os.path.isdir(folder):
        print(f"podium spaces check: {folder} is not a folder", file=sys.stderr)
        return 2
    try:
        metadata = spaces.load_metadata(folder)
    except spaces.MetadataError as exc:
        print(f"podium spaces check: {spaces.CONFIG_ERROR}: {exc}", file=sys.stderr)
        return 1
    print(f"Space folder: {os.path.abspath(folder)}")
    print("metadata (README.md):")
    for name in ("title", "emoji", "sdk", "sdk_version", "app_file", "app_port", "python_version",
                 "suggested_hardware", "sleep_time", "pinned", "license", "short_description"):
        value = getattr(metadata, name)
        if value is not None:
            print(f"  {name}: {value}")
    for key, value in metadata.extra.items():
        print(f"  {key}: {value} (not used by Podium)")
    for warning in metadata.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        manifest = spaces.build_manifest(folder)
    except spaces.BundleError as exc:
        print(f"podium spaces check: {exc}", file=sys.stderr)
        return 1
    print(f"bundle: {len(manifest.files)} files, {size_text(manifest.total_size)}, revision {manifest.digest[:16]}")
    if args.verbose:
        for entry in manifest.files:
            print(f"  {entry.mode:o} {entry.size:>12,} {entry.path}")
    if manifest.ignored and args.verbose:
        print(f"ignored: {len(manifest.ignored)}")
        for ignored in manifest.ignored:
            print(f"  {ignored.path}{'/' if ignored.is_dir else ''}  ({ignored.reason})")
    elif manifest.ignored:
        print(f"ignored: {len(manifest.ignored)} files and folders (--verbose lists them and why)")
    found = spaces.problems(folder, manifest.paths)
    if found:
        for problem in found:
            print(f"podium spaces check: {problem}", file=sys.stderr)
        return 1
    print("OK: the folder is a valid Space")
    return 0


def _add_spaces(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "spaces", help="work with Spaces: check, ls, info, logs, restart, delete, secrets, ...",
        description="Work with Podium Spaces."
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    check = commands.add_parser(
        "check",
        help="validate a Space folder before pushing it",
        description="Read README.md's front matter, bundle the folder as `podium push` would (respecting "
        ".gitignore and .podiumignore) and report problems: exits 1 with NO_APP_FILE or CONFIG_ERROR.",
    )
    check.add_argument("dir", nargs="?", default=".", help="the Space folder (default: the current folder)")
    check.add_argument("-v", "--verbose", action="store_true", help="list every file and every ignored path")
    check.set_defaults(handler=_spaces_check)
    _add_space_commands(commands)

    def _spaces_help(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=_spaces_help)


def _spaces_command(command: str) -> Handler:
    """The handler of `podium spaces COMMAND`: podium.spaces.commands, imported when it runs."""

    def handler(args: argparse.Namespace) -> int:
        from podium.spaces import commands

        return commands.run(command, args)

    return handler


def _add_space_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`podium spaces ls|info|logs|restart|pause|resume|rollback|delete|secrets|variables|hardware`."""

    def add(command: str, summary: str, space: str | None = "OWNER/NAME") -> argparse.ArgumentParser:
        sub = commands.add_parser(command, help=summary, description=summary[0].upper() + summary[1:] + ".")
        if space == "OWNER/NAME":
            sub.add_argument("space", metavar="OWNER/NAME", help="the Space")
        sub.add_argument("--server", help="the Podium server (default: the one `podium login` stored)")
        sub.set_defaults(handler=_spaces_command(command))
        return sub

    ls = add("ls", "list the Spaces you can see", space=None)
    ls.add_argument("--owner", help="only this org's or user's Spaces")
    ls.add_argument("--search", help="only Spaces whose name or title contains this")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add("info", "show a Space's settings, stage, revisions and last stage changes").add_argument(
        "--json", action="store_true", help="print JSON")
    logs = add("logs", "print a Space's runtime log, or a build's log with --build")
    logs.add_argument("--build", nargs="?", const="latest", metavar="ID",
                      help="the log of build ID (default: the latest build) instead of the running container's")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new lines (Ctrl-C stops)")
    logs.add_argument("--tail", type=int, metavar="N", help="only the last N lines (runtime log default: 200)")
    add("restart", "restart a Space's container")
    add("pause", "stop a Space until it is resumed (admins)")
    add("resume", "start a paused Space again (admins)")
    add("rollback", "deploy an earlier revision's files again, as a new revision").add_argument(
        "revision", metavar="REVISION", type=int, help="the earlier revision's number (`info` shows the latest)")
    add("delete", "delete a Space for good (admins)").add_argument(
        "--yes", "-y", action="store_true", help="do not ask; needed without a terminal")
    for kind in ("secrets", "variables"):
        parser = add(kind, f"list, set or remove a Space's {kind}")
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        lister = actions.add_parser("ls", help=f"list the {kind}" + (" (names only)" if kind == "secrets" else ""))
        setter = actions.add_parser("set", help=f"create or replace one of the {kind}")
        setter.add_argument("key", metavar="NAME", help="letters, digits and _, not starting with a digit")
        if kind == "secrets":
            setter.add_argument("--value", help="the value (default: read from stdin, or asked for without echo)")
        else:
            setter.add_argument("value", metavar="VALUE")
        remover = actions.add_parser("rm", help=f"remove one of the {kind}")
        remover.add_argument("key", metavar="NAME")
        for action in (lister, setter, remover):  # --server also after the action; SUPPRESS keeps one given before
            action.add_argument("--server", default=argparse.SUPPRESS, help="the Podium server")
    hardware = add("hardware", "list the hardware flavors, or show or change a Space's", space=None)
    hardware.add_argument("space", metavar="OWNER/NAME", nargs="?", help="the Space (default: list the flavors)")
    hardware.add_argument("--set", metavar="FLAVOR", help="move the Space to this flavor (admins)")
    hardware.add_argument("--replicas", type=int, metavar="N", help="run N replicas, 1 to 10 (admins; a cluster)")


# --- podium hardware -----------------------------------------------------------------------------


def _add_hardware(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "hardware", help="the installation's hardware: how many more replicas of each flavor fit now",
        description="The installation's hardware (flavors: `podium spaces hardware`).",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    capacity = commands.add_parser(
        "capacity", help="the node pools and, per flavor, how many more replicas fit now",
        description="The runtime's node pools (nodes, GPUs, CPU, memory; free / total) and, per hardware flavor, "
        "how many more replicas fit now, as the reconciler last read them.",
    )
    capacity.add_argument("--json", action="store_true", help="print JSON instead of tables")
    capacity.add_argument("--server", help="the Podium server (default: the one `podium login` stored)")

    def _capacity(args: argparse.Namespace) -> int:
        from podium.spaces import commands

        return commands.run("capacity", args, prog="podium hardware")

    capacity.set_defaults(handler=_capacity)

    def _hardware_help(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=_hardware_help)


# --- podium deep-links ---------------------------------------------------------------------------


def _deep_links_command(command: str) -> Handler:
    """The handler of `podium deep-links COMMAND`: podium.deeplinks.commands, imported when it runs."""

    def handler(args: argparse.Namespace) -> int:
        from podium.deeplinks import commands

        return commands.run(command, args)

    return handler


def _add_deep_links(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "deep-links", help="list, show or delete a Space's deep links; set how long they are kept",
        description="A Space's deep links (links that reopen the app with a visitor's values). Needs write access "
        "to the Space and the token `podium login` stored.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(command: str, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(command, help=summary, description=summary[0].upper() + summary[1:] + ".")
        sub.add_argument("space", metavar="OWNER/NAME", help="the Space")
        sub.add_argument("--server", help="the Podium server (default: the one `podium login` stored)")
        sub.set_defaults(handler=_deep_links_command(command))
        return sub

    add("ls", "list a Space's deep links, newest first").add_argument(
        "--json", action="store_true", help="print JSON instead of a table")
    show = add("show", "show one deep link and the values it holds")
    show.add_argument("link_id", metavar="ID", help="the link's id (the part after ?deep_link=)")
    show.add_argument("--json", action="store_true", help="print JSON, snapshot included")
    add("rm", "delete one deep link").add_argument("link_id", metavar="ID", help="the link's id")
    add("retention", "set how many days a Space's deep links are kept (1 to 365)").add_argument(
        "days", metavar="DAYS", type=int, help="days from a link's creation until it expires")

    def _deep_links_help(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=_deep_links_help)


# --- podium version ------------------------------------------------------------------------------


def _print_version(args: argparse.Namespace) -> int:
    print(f"podium {_version()}")
    return 0


def _add_version(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("version", help="print Podium's version", description="Print Podium's version.")
    parser.set_defaults(handler=_print_version)


# --- podium push ----------------------------------------------------------------------------------


def _push(args: argparse.Namespace) -> int:
    """Push a Space folder to the server `podium login` stored, then follow its build and start."""
    from pathlib import Path

    from podium import platform_auth
    from podium.spaces.bundle import BundleError
    from podium.spaces.metadata import MetadataError
    from podium.spaces.push import PushError, PushOptions, SpacesClient, parse_space_id, push

    try:
        owner, name = parse_space_id(args.space)
        server = platform_auth.resolve_server(args.server)
        token = platform_auth.stored_token(server)
        if token is None:
            print(f"podium push: not signed in to {server}; run `podium login --server {server}` first", file=sys.stderr)
            return 1
        visibility = "private" if args.private else "org" if args.org else None
        options = PushOptions(
            folder=Path(args.dir), owner=owner, name=name, hardware=args.hardware, visibility=visibility,
            message=args.message or "", follow=not args.no_follow, timeout_s=args.timeout,
        )
        client = SpacesClient(server, token)
        try:
            result = push(client, options)
        finally:
            client.close()
    except (PushError, platform_auth.PlatformAuthError, MetadataError, BundleError) as exc:
        print(f"podium push: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("podium push: interrupted (what was uploaded stays on the server)", file=sys.stderr)
        return 130
    where = f" at {result.url}" if result.url else ""
    print(f"{owner}/{name}: revision {result.revision}, stage {result.stage or 'unknown'}{where}")
    return 0


def _add_push(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "push",
        help="push a Space folder to the server and follow its build",
        description="Upload a Space folder (only what the server lacks), create a revision, follow the build.",
    )
    parser.add_argument("dir", nargs="?", default=".", help="the Space's folder (default: the current one)")
    parser.add_argument("--space", required=True, help="OWNER/NAME of the Space (created when missing)")
    parser.add_argument("--hardware", help="hardware flavor, e.g. cpu-basic or t4-small")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--private", action="store_true", help="only org admins and granted teams see it")
    who.add_argument("--org", action="store_true", help="every member of the owning org sees it")
    parser.add_argument("--message", "-m", help="a note stored with the revision")
    parser.add_argument("--no-follow", action="store_true", help="return once the revision is created")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the Space to run")
    parser.add_argument("--server", help="the Podium server (default: the one `podium login` stored)")
    parser.set_defaults(handler=_push)


# --- podium share ---------------------------------------------------------------------------------


def _share(args: argparse.Namespace) -> int:
    from podium import share_commands

    return share_commands.run(args)


def _add_share(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "share",
        help="share a local app at a public URL (share link), list or revoke your links",
        description="`podium share PORT`: a public share link to the app at 127.0.0.1:PORT until Ctrl-C (links live "
        "at most 7 days). `podium share ls`: your links. `podium share revoke ID`: end one now.",
    )
    parser.add_argument("target", metavar="PORT|ls|revoke", help="the local port to share, or `ls`, or `revoke`")
    parser.add_argument("link_id", metavar="ID", nargs="?", help="with `revoke`: the link's id")
    parser.add_argument("--host", default="127.0.0.1", help="the local app's address (default 127.0.0.1)")
    parser.add_argument("--server", help="the Podium platform (default: $PODIUM_SHARE_SERVER, else $PODIUM_SERVER, "
                        "else the one `podium login` stored)")
    parser.add_argument("--expires", metavar="DURATION", help="how long the link lives: 90m, 12h, 3d (at most 7d)")
    parser.add_argument("--label", help="a note shown by `podium share ls`")
    parser.add_argument("--all", action="store_true", help="with `ls`: everyone's links (site admins)")
    parser.set_defaults(handler=_share)


_COMMANDS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    _add_run,
    _add_login,
    _add_logout,
    _add_whoami,
    _add_spaces,
    _add_push,
    _add_share,
    _add_deep_links,
    _add_hardware,
    _add_version,
)


def build_parser() -> argparse.ArgumentParser:
    """The `podium` argument parser, with one subcommand per entry of `_COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="podium",
        description="Podium: turn Python functions into web apps and APIs (Gradio-compatible).",
    )
    parser.add_argument("--version", action="version", version=f"podium {_version()}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add_command in _COMMANDS:
        add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `podium` console script and of `python -m podium`; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
