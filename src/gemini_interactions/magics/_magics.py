"""``GeminiMagics``: the ``%%gemini`` cell magic and the ``%gemini`` line magic.

This module is imported by ``%load_ext``, so it imports only IPython and traitlets (already
loaded in any kernel); the client, pydantic models, the chain and the server load on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from traitlets import Bool, Dict, Float, Int, List, Unicode, observe, validate

from .._cell._options import docstring

if TYPE_CHECKING:
    from ._session import Session

F = TypeVar("F", bound=Callable[..., Any])
# IPython's typing of line_magic(name) returns a union mypy cannot apply as a decorator.
_line_magic_named = cast(Callable[[str], Callable[[F], F]], line_magic)


@magics_class
class GeminiMagics(Magics):
    """Talk to Gemini's Interactions API from cells: chains, branches, tools, schemas."""

    model = Unicode(
        "gemini-3-flash-preview", help="The model a cell uses unless -m/--model says otherwise."
    ).tag(config=True)
    thinking_level = Unicode(
        "", help="Default thinking level (minimal, low, medium, high, xhigh); empty: the model's."
    ).tag(config=True)
    thoughts = Bool(False, help="Ask for thought summaries by default (--thoughts).").tag(
        config=True
    )
    system_instruction = Unicode("", help="Default system instruction (-s/--system).").tag(
        config=True
    )
    tools = List(
        Unicode(), help="Names of functions in the notebook that every cell offers as tools."
    ).tag(config=True)
    max_tool_rounds = Int(10, help="Default for --max-tool-rounds.").tag(config=True)
    tool_timeout = Float(
        300.0,
        help="Seconds one tool call may take before it is stopped and the model told so "
        "(--tool-timeout); 0: no limit.",
    ).tag(config=True)
    tool_result_chars = Int(
        100_000,
        help="Characters of one tool result sent to the model; the rest is cut with a notice "
        "(--tool-result-chars); 0: no limit.",
    ).tag(config=True)
    api_version = Unicode("", help="API version path segment (default v1).").tag(config=True)
    base_url = Unicode("", help="Base URL of the live API (default: the public endpoint).").tag(
        config=True
    )
    backend = Unicode(
        "live",
        help="Where cells go: live, offline [--fixtures FILE] [--cassette FILE], enterprise "
        "[--project P] [--location L], or a server URL (the same words as `%gemini backend`, "
        "which sets it too).",
    ).tag(config=True)
    stream = Bool(True, help="Stream answers (--no-stream turns it off per cell).").tag(config=True)
    update_interval = Float(
        0.1, help="Seconds between two updates of a streaming answer (bounded refresh rate)."
    ).tag(config=True)
    poll_interval = Float(
        1.0, help="Seconds between two polls of a background turn's status display; 0: no polling."
    ).tag(config=True)

    autosave = Bool(
        False,
        help="Save every chain to a file beside the notebook after each turn (atomically; "
        "`%gemini load` reads it back after a restart).",
    ).tag(config=True)

    tracing = Bool(
        False,
        help="Send each turn as an OpenTelemetry trace (GenAI conventions: a span per turn, its "
        "steps and tool runs as children) over OTLP/HTTP to tracing_endpoint; needs "
        "pip install 'gemini-interactions[otel]'.",
    ).tag(config=True)
    tracing_endpoint = Unicode(
        "",
        help="Where traces go: an OTLP/HTTP URL such as http://127.0.0.1:6006/v1/traces "
        "(Phoenix) or http://127.0.0.1:4318/v1/traces (a collector, Jaeger); empty: a tracer "
        "provider already set up in the kernel, else OpenTelemetry's OTEL_EXPORTER_OTLP_* "
        "settings.",
    ).tag(config=True)
    tracing_content = Bool(
        False,
        help="Put prompts, answers and tool arguments and results into traces (off: only "
        "names, ids, timing and token counts).",
    ).tag(config=True)

    runs_store = Unicode(
        "",
        help="The file --map runs are kept in (SQLite); empty: beside the notebook "
        "(NAME.gemini-runs.sqlite, or gemini_runs.sqlite in the working folder).",
    ).tag(config=True)
    # Issue 17: tools every cell sends (a cell's flags add to them).
    mcp_servers = Dict(
        help="Remote MCP servers every cell offers, by name: a URL, or a dict with url, headers "
        '(a token as {"env": "VARIABLE"}, never its value) and allowed_tools; `--mcp NAME=URL` '
        "adds one for a cell, with these headers and allowed tools when NAME is here."
    ).tag(config=True)
    file_search = Unicode(
        "", help="File search stores every cell searches (STORE[,STORE], as --file-search)."
    ).tag(config=True)
    maps = Bool(False, help="Offer the Google Maps tool in every cell (--maps).").tag(config=True)
    tool_objects = List(
        Dict(),
        help="Tool objects as the API takes them (each a dict with a type) that every cell "
        "sends, as --tool does for one cell.",
    ).tag(config=True)
    prices = Dict(
        help="Prices that override or add to the packaged table, USD per million tokens: "
        "{'gemini-3-flash-preview': {'input': 0.5, 'output': 3.0, 'cached': 0.05}}."
    ).tag(config=True)

    @validate("prices")
    def _check_prices(self, proposal: Any) -> dict[str, Any]:
        """Prices the table takes; another value is refused with one line and the old stay."""
        import sys

        from ..chain._prices import set_prices

        value = dict(proposal["value"])
        try:
            set_prices(value)
        except (ValueError, TypeError) as exc:
            print(f"GeminiMagics.prices stays as it was: {exc}.", file=sys.stderr)
            return dict(self.prices)
        return value

    _good_backend = "live"
    """The last valid ``backend``, what a refused value leaves in place."""

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The kernel's chains, backend and client (built on first use)."""
        if self._session is None:
            from ._session import Session

            self._session = Session(self)
        return self._session

    @validate("backend")
    def _check_backend(self, proposal: Any) -> str:
        """A backend `%gemini backend` would take; another value is refused with one paragraph
        and the backend stays (never an error at `%load_ext` from a stale config value)."""
        import sys

        from .._backend import parse_backend
        from ..chain import ChainUsageError

        value = str(proposal["value"]).strip()
        try:
            parse_backend(value)
        except ChainUsageError as exc:
            # Not the trait's current value: within %config that is already the new one.
            print(f"GeminiMagics.backend stays {self._good_backend!r}: {exc}", file=sys.stderr)
            return self._good_backend
        self._good_backend = value
        return value

    @observe("backend", "base_url", "api_version")
    def _reconfigure(self, change: Any) -> None:
        """`%config GeminiMagics.backend/base_url/api_version` after first use takes effect on
        the next cell (the client is rebuilt then; a missing key is reported there)."""
        if self._session is not None:
            self._session.reconfigure(change["name"])

    def _guarded(self, action: Callable[[], None]) -> None:
        """Run ``action``; a user mistake or a turn without its answer fails the cell with one
        paragraph and no traceback (see ``_errors``), and a mistake changes nothing."""
        try:
            action()
        except Exception as exc:
            from ._failure import fail

            fail(exc)

    @cell_magic
    @docstring  # the usage line and every option, from their declarations
    def gemini(self, line: str, cell: str) -> None:
        """Send the cell to Gemini as a prompt; the answer streams into the cell.

        Each cell adds the next turn to the current chain: a plain cell starts a new
        conversation, --continue goes on from the head, --from N from turn N. A mistake, or a
        turn that produced no answer, fails the cell (Run All stops there) with one paragraph
        saying what to do. {name}, {name.attr} and {name[key]} in the prompt are filled in from
        the notebook when name exists there; other braces stay as typed; {{name}} is a literal
        {name}; --raw turns filling in off. %%gemini? shows this help as a table.
        """

        self._guarded(lambda: self.session.run_cell(line, cell))

    @_line_magic_named("gemini")
    def gemini_line(self, line: str) -> None:
        """%gemini COMMAND [ARGS]: a line command (history, chains, show, wait, backend, ...).

        `%gemini` alone lists every command with a short help.
        """

        def run() -> None:
            from ._lines import LineCommands

            LineCommands(self.session).run(line)

        self._guarded(run)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def detach(self) -> None:
        """Unloaded: stop polling, keep the chains, backend and client for a later load."""
        if self._session is not None:
            self._session.detach()

    def take_over(self, old: GeminiMagics) -> str:
        """Continue where ``old`` (unloaded) was: its settings and its session; says what."""
        changed = [
            name
            for name, value in old.trait_values(config=True).items()
            if value != getattr(self, name)
        ]
        for name in changed:
            setattr(self, name, getattr(old, name))  # no session yet: nothing is rebuilt
        kept = [f"the backend {old.backend}"]
        session, old._session = old._session, None
        if session is not None:
            kept[0] = f"the backend {session.backend.describe()}"
            self._session = session
            kept.append(session.attach(self))
        settings = sorted(set(changed) - {"backend"})
        if settings:
            kept.append("the settings " + ", ".join(settings))
        return "gemini_interactions reloaded; kept " + "; ".join(k for k in kept if k) + "."
