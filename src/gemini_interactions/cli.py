"""The ``gemini-interactions`` command: one subcommand per job (``serve`` for now).

Each subcommand registers itself with ``_add_<name>(subparsers)`` and runs through the function
stored as its ``run`` default, so adding a command touches nothing else.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gemini_interactions.server import Limits
from collections.abc import Sequence

SERVE_EPILOG = """\
examples:
  gemini-interactions serve                      offline demo model on http://127.0.0.1:4010
  gemini-interactions serve --port 0 --no-auth   any free port, no API key needed
  gemini-interactions serve --fixtures demo.json --cassette talk.json
  gemini-interactions serve --record talk.json --upstream https://generativelanguage.googleapis.com
  gemini-interactions serve --fault drop_after_events=5 --fault drops=3
  gemini-interactions serve --fault http_status=429 --fault fail_first=2 --fault retry_after=1

Point a client at the printed URL, e.g.
  Client(api_key="any", base_url="http://127.0.0.1:4010")  (any key works unless --no-auth).
Answers come from the first fixture that matches, else a cassette exchange that matches, else
the offline demo model, which always answers and says it is offline. Stop with Ctrl-C.

fault options (--fault NAME=VALUE, repeatable, applied to every request):
  http_status=429|503 fail_first=K retry_after=SECONDS   answer K requests with an error
  drop_after_events=N drops=K                           cut K streams after N events
  trickle=SECONDS trickle_bytes=B                       send streams slowly, in B-byte pieces
  error_after_events=N  malformed_after_events=N  unknown_event_after=N
  unknown_step  unknown_fields  done_sentinel           (flags: no value needed)
  latency=SECONDS  rpm=N                                answer late; 429 beyond N requests/min

limits (each refusal is a JSON error in the API's shape, never a crash):
  a body over --max-body-mb is answered 413 while it is read (never buffered whole); JSON nested
  deeper than --max-json-depth, a body that is not UTF-8, or an input item of an unknown type is
  a 400; a schema asking the offline model for a huge value (minItems: 100000000) is a 400 naming
  the field. Beyond --max-stored interactions or --max-stored-mb the oldest are evicted (a GET of
  an evicted id is a 404 that says so); the request log keeps the newest --max-logged requests
  within --max-logged-mb. So memory stays flat however long the server runs.
"""


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0-65535; 0 = any free port)")
    return port


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError("seconds cannot be negative")
    return value


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the local Interactions API server (offline model, fixtures, cassettes)",
        description=(
            "Serve a local Gemini Interactions API over HTTP: both API revisions, streaming, "
            "stored chains, background runs, cancel and delete, with no network and no key. "
            "Prints its base URL as the first line on stdout."
        ),
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default: 127.0.0.1, this machine only)",
    )
    serve.add_argument(
        "--port", type=_port, default=4010, help="port (default: 4010; 0 = any free port)"
    )
    serve.add_argument(
        "--fixtures",
        action="append",
        default=[],
        metavar="FILE",
        help="scripted answers, JSON or YAML (repeatable; first match wins)",
    )
    serve.add_argument("--cassette", metavar="FILE", help="replay exchanges recorded with --record")
    serve.add_argument(
        "--strict-cassette",
        action="store_true",
        help="a request the cassette did not record is an error, not an offline answer",
    )
    serve.add_argument(
        "--record", metavar="FILE", help="record mode: proxy to --upstream, write a cassette here"
    )
    serve.add_argument(
        "--upstream", metavar="URL", help="record mode: the real API (or another server) to proxy"
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="inject a fault into every request (repeatable; see the list below)",
    )
    serve.add_argument(
        "--data-only-framing",
        action="store_true",
        help="SSE without 'event:' lines (data-only, like aimock)",
    )
    serve.add_argument(
        "--no-auth", action="store_true", help="accept requests without an API key or token"
    )
    serve.add_argument(
        "--background-seconds",
        type=_seconds,
        default=3.0,
        metavar="S",
        help="how long the offline model's background and agent runs take (default: 3)",
    )
    serve.add_argument(
        "--queue-seconds",
        type=_seconds,
        default=0.0,
        metavar="S",
        help="background runs show status 'queued' for this long first (default: 0)",
    )
    serve.add_argument(
        "--seed",
        type=int,
        default=None,
        help="repeat the same ids on every run with this seed (default: ids unique to this run, "
        "so a restarted server never continues another conversation)",
    )
    _add_limits(serve)
    serve.set_defaults(run=_run_serve)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small (at least 1)")
    return value


def _megabytes(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of MB") from None
    if not 0 < value < 1e9:
        raise argparse.ArgumentTypeError(f"{text} MB is not a usable size")
    return max(int(value * 1024 * 1024), 1)


# (flag, the Limits field it sets, in MB or a count, what it bounds): the one list the options,
# their help and the Limits built from them come from.
_LIMIT_FLAGS = (
    ("--max-body-mb", "max_body_bytes", True, "largest request body; bigger is a 413"),
    ("--max-json-depth", "max_json_depth", False, "deepest JSON nesting; deeper is a 400"),
    ("--max-stored", "max_stored", False, "interactions kept; the oldest are evicted"),
    ("--max-stored-mb", "max_stored_bytes", True, "memory for stored interactions"),
    ("--max-logged", "max_logged", False, "requests kept in the request log"),
    ("--max-logged-mb", "max_logged_bytes", True, "memory for the request log"),
)


def _add_limits(serve: argparse.ArgumentParser) -> None:
    from gemini_interactions.server._limits import MB, Limits

    defaults = Limits()
    group = serve.add_argument_group("limits")
    for flag, field, in_mb, what in _LIMIT_FLAGS:
        default = getattr(defaults, field)
        group.add_argument(
            flag,
            dest=field,
            type=_megabytes if in_mb else _count,
            default=default,
            metavar="MB" if in_mb else "N",
            help=f"{what} (default: {default // MB if in_mb else default})",
        )


def _limits(args: argparse.Namespace) -> Limits:
    from gemini_interactions.server import Limits

    return Limits(**{field: getattr(args, field) for _, field, _, _ in _LIMIT_FLAGS})


def _fail(message: str) -> int:
    print(f"gemini-interactions serve: {message}", file=sys.stderr)
    return 2


def _run_serve(args: argparse.Namespace) -> int:
    try:
        from gemini_interactions.server import FaultPlan, LocalServer, serve
    except ImportError as error:  # pragma: no cover - the server extra is missing
        return _fail(
            f"needs the 'server' extra (pip install 'gemini-interactions[server]'): {error}"
        )
    if (args.record is None) != (args.upstream is None):
        return _fail("--record FILE and --upstream URL go together.")
    if args.strict_cassette and args.cassette is None:
        return _fail("--strict-cassette needs --cassette FILE.")
    if args.record is not None and (args.fixtures or args.cassette):
        return _fail("--record proxies every request to --upstream; drop --fixtures/--cassette.")
    try:
        faults = FaultPlan.from_options(args.fault) if args.fault else None
        server = LocalServer(
            fixtures=args.fixtures,
            cassette=args.cassette,
            record=args.record,
            upstream=args.upstream,
            faults=faults,
            data_only_framing=args.data_only_framing,
            require_auth=not args.no_auth,
            seed=args.seed,
            queue_seconds=args.queue_seconds,
            strict_cassette=args.strict_cassette,
            limits=_limits(args),
        )
    except (OSError, ValueError) as error:
        return _fail(str(error))
    server.offline_model.background_seconds = args.background_seconds

    def ready(base_url: str) -> None:
        print(base_url, flush=True)

    try:
        serve(server, args.host, args.port, ready=ready)
    except OSError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        # uvicorn re-raises the Ctrl-C it caught once it has shut down: a normal stop.
        pass
    print("gemini-interactions serve: stopped.", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gemini-interactions", description="Gemini Interactions API tools."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_serve(commands)
    _add_export(commands)
    _add_replay(commands)
    return parser


def _add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export", help="a chains file (%%gemini save) as a notebook that replays offline"
    )
    export.add_argument("chains", help="the JSON file written by `%%gemini save`")
    export.add_argument("out", help="the notebook (.ipynb) or script (.py) to write")
    export.add_argument("--chain", help="which chain (default: the file's current one)")
    export.add_argument("--turns", help="which turns, e.g. 1-3,5 (their ancestors come too)")
    export.add_argument("--no-cassette", action="store_true", help="no replay cassette")
    export.set_defaults(run=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .export import (
        ChainFileError,
        ExportError,
        load_chains,
        to_notebook,
        to_script,
        write_atomic,
        write_notebook,
    )

    try:
        chains, current = load_chains(args.chains)
        from .export._store import code_note

        note = code_note(args.chains, chains)
        if note:
            print(note, file=sys.stderr)
        wanted = args.chain or current or (chains[0].name if chains else None)
        chain = next((c for c in chains if c.name == wanted), None)
        if chain is None:
            names = ", ".join(c.name for c in chains) or "none"
            print(f"error: no chain {wanted!r} in {args.chains} (chains: {names})", file=sys.stderr)
            return 2
        out = Path(args.out)
        if out.suffix == ".py":
            text, warnings = to_script(chain, turns=args.turns)
            write_atomic(out, text)
        else:
            result = to_notebook(
                chain,
                turns=args.turns,
                cassette=not args.no_cassette,
                cassette_name=f"{out.stem}.cassette.json",
                folder=out.parent,
                files_dir=f"{out.stem}_files",
            )
            warnings = result.warnings
            for note in result.notes:
                print(f"note: {note}")
            write_notebook(out, result)
    except (ChainFileError, ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"wrote {args.out}")
    return 0


def _add_replay(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = commands.add_parser(
        "replay", help="run an exported notebook offline and check every answer"
    )
    replay.add_argument("notebook", help="a notebook written by `%%gemini export --cassette`")
    replay.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    replay.set_defaults(run=_run_replay)


def _run_replay(args: argparse.Namespace) -> int:
    from .export import replay
    from .export._replay import ReplayError

    try:
        checks = replay(args.notebook, timeout=args.timeout)
    except ReplayError as exc:
        print(f"gemini-interactions replay: {exc}", file=sys.stderr)
        return 2
    for check in checks:
        print(f"turn {check.turn}: {'ok' if check.matches else 'MISMATCH'} ({check.detail})")
    bad = sum(not c.matches for c in checks)
    if not checks:
        print("no recorded turns in this notebook", file=sys.stderr)
        return 1
    print(f"{len(checks) - bad} of {len(checks)} turns match")
    return 1 if bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
