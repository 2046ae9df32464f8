"""`podium spaces ls|info|logs|restart|pause|resume|rollback|delete|secrets|variables|hardware`: a Space's life
from the command line, through the server and token `podium login` stored.

`podium.cli` defines the arguments and calls `run(COMMAND, args)`; each command here prints its result on stdout
and its notes on stderr. A failure is one line on stderr (`podium spaces COMMAND: ...`) and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from podium import platform_auth
from podium.spaces.client import SpacesClient, SpacesError

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")  # the server's rule for variable and secret names
DEFAULT_TAIL = 200
ClientT = TypeVar("ClientT", bound=SpacesClient)


class CommandError(Exception):
    """A command cannot go on; the message is the line to print."""


def run(command: str, args: argparse.Namespace, prog: str = "podium spaces") -> int:
    """Run `podium spaces COMMAND` (or `prog COMMAND`) with its parsed `args`; returns the exit status."""
    try:
        return _COMMANDS[command](args)
    except (CommandError, platform_auth.PlatformAuthError) as exc:
        message = str(exc)
    except SpacesError as exc:
        message = _explain(exc, getattr(args, "space", None))
    except (KeyboardInterrupt, EOFError):
        print(f"{prog} {command}: interrupted", file=sys.stderr)
        return 130
    print(f"{prog} {command}: {message}", file=sys.stderr)
    return 1


def _explain(exc: SpacesError, space: str | None) -> str:
    if exc.code == "space_not_found" and space:
        return f"no Space {space} (or you may not see it)"
    if exc.status == 401:
        return f"{exc}; your token may have expired or been revoked: run `podium login` with a new one"
    return str(exc)


def signed_in(server: str | None, client_type: type[ClientT]) -> ClientT:
    """A `client_type` for `server` (else the last `podium login`) with the token stored for it."""
    url = platform_auth.resolve_server(server)
    token = platform_auth.stored_token(url)
    if token is None:
        raise CommandError(f"not signed in to {url}; run `podium login --server {url}` first")
    return client_type(url, token)


def _client(args: argparse.Namespace) -> SpacesClient:
    return signed_in(args.server, SpacesClient)


def space_id(value: str) -> tuple[str, str]:
    """OWNER/NAME split in two, or a CommandError that shows the expected form."""
    owner, sep, name = value.partition("/")
    if not sep or not owner or not name or "/" in name:
        raise CommandError(f"a Space is named OWNER/NAME (e.g. acme/demo), not {value!r}")
    return owner, name


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Rows in columns as wide as their widest cell (None prints as nothing)."""
    cells = [[str(c) for c in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _json(value: object) -> None:
    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- ls, info ------------------------------------------------------------------------------------------


def _ls(args: argparse.Namespace) -> int:
    client = _client(args)
    try:
        spaces = list(client.spaces(owner=args.owner, search=args.search))
    finally:
        client.close()
    if args.json:
        _json(spaces)
        return 0
    if not spaces:
        _note("No Spaces found")
        return 0
    print_table(
        ("NAME", "STAGE", "HARDWARE", "VISIBILITY", "URL"),
        ((f"{s['owner']}/{s['name']}", s["stage"], s["hardware"], s["visibility"], s["url"]) for s in spaces),
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    client = _client(args)
    try:
        space = client.space(owner, name)
        if space is None:
            raise CommandError(f"no Space {owner}/{name} (or you may not see it)")
        stages = client.stages(owner, name, limit=5)
        builds = client.builds(owner, name, limit=1)
    finally:
        client.close()
    build = builds[0] if builds else None
    if args.json:
        _json({**space, "stages": stages, "latest_build": build})
        return 0
    stage = space["stage"] + (f" ({space['stage_message']})" if space.get("stage_message") else "")
    sleep = "never" if space["sleep_time"] == -1 else f"after {space['sleep_time']} s idle"
    fields = [
        ("title", space["title"]),
        ("sdk", space["sdk"]),
        ("stage", stage),
        ("url", space["url"]),
        ("hardware", space["hardware"]),
        ("visibility", space["visibility"]),
        ("sleeps", sleep),
        ("revisions", f"latest {space['latest_revision'] or 'none'}, serving {space['serving_revision'] or 'none'}"),
        ("latest build", f"{build['id']} (revision {build['revision']}): {build['status']}" if build else "none"),
        ("created", space["created_at"]),
        ("updated", space["updated_at"]),
    ]
    print(f"{owner}/{name}")
    for label, value in fields:
        print(f"  {label + ':':<14}{value}")
    if stages:
        print("last stage changes:")
        for event in stages:
            print(f"  {event['at']}  {event['stage']}" + (f"  {event['message']}" if event["message"] else ""))
    return 0


# --- logs ----------------------------------------------------------------------------------------------


def _logs(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    if args.tail is not None and args.tail < 0:
        raise CommandError("--tail takes a number of lines, 0 or more")
    client = _client(args)
    try:
        if args.build is not None:
            return _build_logs(client, owner, name, args)
        return _runtime_logs(client, owner, name, args)
    finally:
        client.close()


def _build_logs(client: SpacesClient, owner: str, name: str, args: argparse.Namespace) -> int:
    if args.build == "latest":
        builds = client.builds(owner, name, limit=1)
        if not builds:
            raise CommandError(f"{owner}/{name} has no builds yet; push it with `podium push`")
        build = builds[0]
    else:
        if not str(args.build).isdigit():
            raise CommandError(f"--build takes a build number, not {args.build!r}")
        build = client.build(owner, name, int(args.build))
    _note(f"Build {build['id']} (revision {build['revision']}): {build['status']}")
    if args.follow:
        client.follow_build_log(owner, name, int(build["id"]), print)
        return 0
    lines = client.build_log(owner, name, int(build["id"])).splitlines()
    for line in lines[-args.tail:] if args.tail is not None else lines:
        print(line)
    if not lines:
        _note("(no log lines yet)")
    return 0


def _runtime_logs(client: SpacesClient, owner: str, name: str, args: argparse.Namespace) -> int:
    tail = DEFAULT_TAIL if args.tail is None else args.tail
    if not args.follow:
        result = client.runtime_logs(owner, name, tail)
        for line in result["lines"]:
            print(line)
        if result.get("note"):
            _note(result["note"])
        return 0
    notes: dict[str, Callable[[str], str]] = {
        "container": lambda data: f"-- container {data} --",
        "note": lambda data: data,
    }
    for event, data in client.follow_runtime_logs(owner, name, tail):
        if event == "message":
            print(data, flush=True)
        elif event in notes:
            _note(notes[event](data))
        elif event == "error":
            raise CommandError(data)
        elif event == "end":
            _note(data)
            return 0
    return 0


# --- restart, pause, resume, delete ------------------------------------------------------------------


def _action(action: str, done: str) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        owner, name = space_id(args.space)
        client = _client(args)
        try:
            space = client.act(owner, name, action)
        finally:
            client.close()
        print(f"{owner}/{name}: {done}; stage {space['stage']}")
        return 0

    return command


def _rollback(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    client = _client(args)
    try:
        created = client.rollback(owner, name, args.revision)
    finally:
        client.close()
    print(f"{owner}/{name}: revision {created['revision']['number']} has revision {args.revision}'s files; "
          f"stage {created['stage']}")
    if created["build"] is not None:
        _note(f"Follow its build: podium spaces logs {owner}/{name} --build --follow")
    return 0


def _delete(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    client = _client(args)
    try:
        if client.space(owner, name) is None:
            raise CommandError(f"no Space {owner}/{name} (or you may not see it)")
        if not args.yes:
            if not sys.stdin.isatty():
                raise CommandError(f"not deleting {owner}/{name} without confirmation: run it in a terminal, "
                                   "or pass --yes")
            answer = input(f"Delete {owner}/{name}? It stops and is removed for good, with its revisions, "
                           f"variables and secrets. Type {owner}/{name} to confirm: ")
            if answer.strip() != f"{owner}/{name}":
                raise CommandError("not deleted: the name typed did not match")
        client.delete_space(owner, name)
    finally:
        client.close()
    print(f"Deleted {owner}/{name} (it stops and is removed shortly)")
    return 0


# --- secrets, variables --------------------------------------------------------------------------------


def _env_name(value: str, kind: str) -> str:
    if not ENV_NAME.fullmatch(value):
        raise CommandError(f"{value!r} cannot be a {kind} name: use letters, digits and _, not starting with a digit")
    return value


def _secret_value(args: argparse.Namespace) -> str:
    if args.value is not None:
        return str(args.value)
    if not sys.stdin.isatty():
        value = sys.stdin.read()
        return value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")  # the newline `echo` adds
    import getpass

    return getpass.getpass(f"Value of {args.key} (not shown): ")


def _secrets(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    client = _client(args)
    try:
        if args.action == "ls":
            secrets = client.secrets(owner, name)
            if not secrets:
                _note(f"{owner}/{name} has no secrets")
            else:
                print_table(("NAME", "UPDATED"), ((s["name"], s["updated_at"]) for s in secrets))
        elif args.action == "set":
            key = _env_name(args.key, "secret")
            client.set_secret(owner, name, key, _secret_value(args))
            print(f"Set secret {key} of {owner}/{name} (its value is never shown again)")
        else:
            key = _env_name(args.key, "secret")
            client.delete_secret(owner, name, key)
            print(f"Removed secret {key} from {owner}/{name}")
    finally:
        client.close()
    return 0


def _variables(args: argparse.Namespace) -> int:
    owner, name = space_id(args.space)
    client = _client(args)
    try:
        if args.action == "ls":
            variables = client.variables(owner, name)
            if not variables:
                _note(f"{owner}/{name} has no variables")
            else:
                print_table(("NAME", "VALUE"), ((v["name"], v["value"]) for v in variables))
        elif args.action == "set":
            key = _env_name(args.key, "variable")
            client.set_variable(owner, name, key, args.value)
            print(f"Set variable {key}={args.value} of {owner}/{name}")
        else:
            key = _env_name(args.key, "variable")
            client.delete_variable(owner, name, key)
            print(f"Removed variable {key} from {owner}/{name}")
    finally:
        client.close()
    return 0


# --- hardware ------------------------------------------------------------------------------------------


def _gpu(flavor: dict[str, Any]) -> str:
    return f"{flavor['gpu_count']}x {flavor['gpu_type']}" if flavor.get("gpu_count") else "-"


def _hardware(args: argparse.Namespace) -> int:
    if args.set and not args.space:
        raise CommandError("--set needs a Space: podium spaces hardware OWNER/NAME --set FLAVOR")
    if args.replicas is not None and not args.space:
        raise CommandError("--replicas needs a Space: podium spaces hardware OWNER/NAME --replicas N")
    if args.replicas is not None and not 1 <= args.replicas <= 10:
        raise CommandError(f"--replicas {args.replicas}: a Space runs 1 to 10 replicas")
    owner, name = space_id(args.space) if args.space else ("", "")
    client = _client(args)
    try:
        if not args.space:
            print_table(
                ("NAME", "CPU", "MEMORY", "GPU", "AVAILABLE"),
                ((f["name"], f"{f['cpu']:g}", f"{f['memory_mb'] / 1024:g} GiB", _gpu(f), "yes" if f["available"] else "no")
                 for f in client.flavors()),
            )
            return 0
        if args.replicas is not None and not args.set:
            scaled = client.update_space(owner, name, {"replicas": args.replicas})
            why = f" ({scaled['stage_message']})" if scaled["stage"] == "WAITING_FOR_HARDWARE" else ""
            print(f"{owner}/{name}: {scaled['replicas']} replica(s) of {scaled['hardware']}; stage {scaled['stage']}{why}")
            return 0
        if not args.set:
            space = client.space(owner, name)
            if space is None:
                raise CommandError(f"no Space {owner}/{name} (or you may not see it)")
            print(f"{owner}/{name}: hardware {space['hardware']}; stage {space['stage']}")
            return 0
        usable = [f["name"] for f in client.flavors() if f["available"]]
        if args.set not in usable:
            raise CommandError(f"unknown or unavailable hardware {args.set!r}; choose one of: {', '.join(usable)}")
        body: dict[str, Any] = {"hardware": args.set}
        if args.replicas is not None:
            body["replicas"] = args.replicas
        space = client.update_space(owner, name, body)
    finally:
        client.close()
    message = f" ({space['stage_message']})" if space["stage"] == "WAITING_FOR_HARDWARE" else ""
    print(f"{owner}/{name}: hardware is now {space['hardware']}; stage {space['stage']}{message}")
    return 0


def _gib(mb: float) -> str:
    return f"{mb / 1024:.1f} GiB"


def _capacity(args: argparse.Namespace) -> int:
    """`podium hardware capacity`: the node pools, then per flavor how many more replicas fit now."""
    client = _client(args)
    try:
        capacity = client.capacity()
    finally:
        client.close()
    if args.json:
        _json(capacity)
        return 0
    if capacity.get("observed_at") is None:
        _note("The runtime's capacity has not been read yet (the reconciler stores it about every 30 s)")
        return 0
    print(f"backend {capacity['backend']}, observed at {capacity['observed_at']}")
    print_table(
        ("POOL", "NODES", "GPU TYPES", "GPUS FREE", "CPU FREE", "MEMORY FREE"),
        ((p["name"], f"{p['schedulable_nodes']}/{p['nodes']}", ", ".join(p["gpu_types"]) or "-",
          f"{p['gpus_free']}/{p['gpus']}", f"{p['cpu_free']:g}/{p['cpu']:g}",
          f"{_gib(p['memory_mb_free'])}/{_gib(p['memory_mb'])}") for p in capacity["pools"]),
    )
    print()
    print_table(("FLAVOR", "GPU", "FREE"), ((f["name"], _gpu(f), f["free"]) for f in capacity["flavors"]))
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "ls": _ls,
    "info": _info,
    "logs": _logs,
    "restart": _action("restart", "restart requested"),
    "pause": _action("pause", "paused"),
    "resume": _action("resume", "resumed"),
    "rollback": _rollback,
    "delete": _delete,
    "secrets": _secrets,
    "variables": _variables,
    "hardware": _hardware,
    "capacity": _capacity,
}
