"""The `podium` command line: `podium run app.py`, `podium version`.

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


# --- podium version ------------------------------------------------------------------------------


def _print_version(args: argparse.Namespace) -> int:
    print(f"podium {_version()}")
    return 0


def _add_version(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("version", help="print Podium's version", description="Print Podium's version.")
    parser.set_defaults(handler=_print_version)


_COMMANDS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    _add_run,
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
