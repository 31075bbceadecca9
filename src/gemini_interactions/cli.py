"""The ``gemini-interactions`` command: one subcommand per job (``serve`` for now).

Each subcommand registers itself with ``_add_<name>(subparsers)`` and runs through the function
stored as its ``run`` default, so adding a command touches nothing else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the local Interactions API server",
        description=(
            "Serve a local Gemini Interactions API: fixtures first, then a cassette, then the "
            "offline demo model. Prints its base URL as the first line on stdout."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=4010, help="port (0 = any free port)")
    serve.add_argument(
        "--fixtures", action="append", default=[], metavar="FILE", help="fixture file (repeatable)"
    )
    serve.add_argument("--cassette", metavar="FILE", help="replay recorded exchanges")
    serve.add_argument("--record", metavar="FILE", help="record mode: write a cassette here")
    serve.add_argument("--upstream", metavar="URL", help="record mode: the API to proxy to")
    serve.add_argument(
        "--data-only-framing",
        action="store_true",
        help="SSE without 'event:' lines (data-only, like aimock)",
    )
    serve.add_argument("--no-auth", action="store_true", help="accept requests without an API key")
    serve.add_argument("--seed", type=int, default=0, help="seed for deterministic ids")
    serve.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    try:
        from gemini_interactions.server import LocalServer, serve
    except ImportError as error:  # pragma: no cover - the server extra is missing
        print(f"gemini-interactions serve needs the 'server' extra: {error}", file=sys.stderr)
        return 2
    if (args.record is None) != (args.upstream is None):
        print("--record FILE and --upstream URL go together.", file=sys.stderr)
        return 2
    try:
        server = LocalServer(
            fixtures=args.fixtures,
            cassette=args.cassette,
            record=args.record,
            upstream=args.upstream,
            data_only_framing=args.data_only_framing,
            require_auth=not args.no_auth,
            seed=args.seed,
        )
    except (OSError, ValueError) as error:
        print(f"gemini-interactions serve: {error}", file=sys.stderr)
        return 2

    def ready(base_url: str) -> None:
        print(base_url, flush=True)

    serve(server, args.host, args.port, ready=ready)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gemini-interactions", description="Gemini Interactions API tools."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_serve(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
