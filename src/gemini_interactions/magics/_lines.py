"""``%gemini <command>``: the line commands (``COMMANDS`` lists them) and the help built from it."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._backend import parse_backend
from ..chain import Chain, ChainUsageError, Turn
from ..chain._prices import format_cost, price_table
from ..render import display_bundle
from ..render._status import model_text
from ..render._timeline_text import with_environment_column
from ._errors import MagicUsageError, TurnFailed, TurnInterrupted

if TYPE_CHECKING:
    from ._session import Session

COMMANDS: dict[str, tuple[str, str]] = {
    "help": ("", "this help (also `%gemini` alone)"),
    "history": ("[--chain NAME]", "the turns of a chain (* marks the head)"),
    "chains": ("", "every chain in this kernel"),
    "use": ("NAME", "make NAME the current chain"),
    "reset": ("[NAME | --all]", "forget the current chain, NAME, or all chains"),
    "show": ("N [--chain NAME]", "show turn N again"),
    "timeline": (
        "[N] [--chain NAME] [--controls]",
        "the steps of turn N, or the chain as a tree of turns, under a time axis (each step a "
        "bar as long as it took; a --map run as its latency histogram and throughput); "
        "filter, expand all, pick a turn: in the output itself; --controls: ipywidgets that "
        "recompute it, until the next cell runs",
    ),
    "usage": ("", "tokens and estimated cost per chain and model"),
    "runs": ("", "the --map runs in the run store: cell, done, failed, tokens, cost, file"),
    "wait": ("[ID]", "wait for a background turn and show its answer"),
    "cancel": ("[ID]", "cancel a background turn"),
    "export": (
        "PATH.ipynb|PATH.py [--chain NAME] [--turns SPEC] [--cassette] [--no-outputs]",
        "the chain as a runnable notebook (--cassette: replays offline) or script",
    ),
    "save": ("[PATH.json]", "every chain to a JSON file (default: beside the notebook)"),
    "load": (
        "PATH.json [--replace]",
        "chains saved by `%gemini save` (--continue goes on from them); --replace: over "
        "same-name chains that have other turns",
    ),
    "fix": ("[--apply]", "explain the last error; --apply puts the corrected cell next"),
    "backend": (
        "[live | offline [--fixtures F] [--cassette F] | enterprise | http://HOST:PORT]",
        "where cells go; enterprise [--project P] [--location L]: the Gemini Enterprise Agent "
        "Platform (Vertex)",
    ),
}
"""Every ``%gemini`` command: (arguments, what it does). The one list that help, the
unknown-command message and the dispatcher are built from, so a new command is added here."""


_CHANGES_CHAINS = frozenset({"use", "reset", "load", "backend", "cancel", "wait", "fix"})
"""Commands a tool may not run while its own turn runs (they change what that turn belongs
to); the ones that only read (history, show, timeline, export, save) it may."""


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, str]:
    """A table as text/plain (aligned columns) and text/markdown."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    plain = "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells)

    def md_row(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |"

    markdown = "\n".join(
        [md_row(cells[0]), "|" + "---|" * len(headers), *(md_row(r) for r in cells[1:])]
    )
    return {"text/plain": plain.rstrip(), "text/markdown": markdown}


def _show(data: dict[str, str]) -> None:
    display_bundle(data)


class LineCommands:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.commands: dict[str, Callable[[list[str]], None]] = {
            name: getattr(self, name) for name in COMMANDS
        }

    def run(self, line: str) -> None:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise MagicUsageError(f"Cannot read `%gemini {line}`: {exc}.") from None
        if not words:
            self.help([])
            return
        name, args = words[0], words[1:]
        command = self.commands.get(name)
        if command is None:
            from ._help import did_you_mean

            known = ", ".join(COMMANDS)
            raise MagicUsageError(
                f"Unknown command `%gemini {name}`.{did_you_mean(name, COMMANDS)} Commands: "
                f"{known}. `%gemini` alone shows help."
            )
        from ..chain._tools import running_tool

        tool = running_tool()
        if tool is not None and name in _CHANGES_CHAINS:
            raise MagicUsageError(
                f"Tool {tool!r} ran `%gemini {name}` while the turn that called it is still "
                "running; a tool cannot change the chains, the current chain or the backend "
                "under its own turn. Run it in a cell of its own."
            )
        command(args)

    @staticmethod
    def _no_args(name: str, args: list[str]) -> None:
        if args:
            raise MagicUsageError(f"`%gemini {name}` takes no arguments (got {' '.join(args)}).")

    def _chain_option(self, name: str, args: list[str]) -> tuple[Chain, list[str]]:
        registry = self.session.registry
        rest = list(args)
        if "--chain" in rest:
            i = rest.index("--chain")
            if i + 1 >= len(rest):
                raise MagicUsageError(f"`%gemini {name} --chain` needs a chain name.")
            chain = self._get(rest[i + 1])
            del rest[i : i + 2]
            return chain, rest
        if registry.current is None:
            raise MagicUsageError(
                "There is no current chain yet: run a `%%gemini` cell first (or name one with "
                "--chain NAME)."
            )
        return registry.current, rest

    def _get(self, name: str) -> Chain:
        try:
            return self.session.registry.get(name)
        except ChainUsageError as exc:
            raise MagicUsageError(str(exc)) from None

    # --- commands ---------------------------------------------------------------------------------

    def help(self, args: list[str]) -> None:
        from ._help import commands_help

        bundle = commands_help()
        if self.session.terminal():
            print(bundle["text/plain"])
        else:
            _show(bundle)  # a table where Markdown renders, the wrapped text elsewhere

    def history(self, args: list[str]) -> None:
        """The chain's turns in the order run, each with the turn it came from (``new``: it
        started a conversation), so the table reads as the chain's tree."""
        chain, rest = self._chain_option("history", args)
        self._no_args("history", rest)
        head = chain.head
        rows = []
        for turn in chain.turns:
            rows.append(
                [
                    f"{turn.number}{'*' if turn is head else ''}",
                    turn.parent if turn.parent is not None else "new",
                    turn.id or _map_id(turn),
                    model_text(turn) or "-",
                    turn.status,
                    turn.usage.get("total_tokens", "-"),
                    format_cost(turn.cost) if turn.usage else "-",
                    turn.summary(),
                ]
            )
        if not rows:
            print(f"Chain {chain.name!r} has no turns.")
            return
        headers = ["turn", "from", "id", "model", "status", "tokens", "cost", "prompt"]
        with_environment_column(headers, rows, chain.turns)
        _show(_table(headers, rows))

    def chains(self, args: list[str]) -> None:
        self._no_args("chains", args)
        registry = self.session.registry
        if not len(registry):
            print("No chains yet: run a `%%gemini` cell to start one.")
            return
        rows = []
        for chain in registry:
            mark = "*" if chain.name == registry.current_name else ""
            head = chain.head
            rows.append(
                [
                    f"{chain.name}{mark}",
                    len(chain.turns),
                    head.number if head else "-",
                    _first(chain),
                ]
            )
        _show(_table(["chain", "turns", "head", "first prompt"], rows))

    def use(self, args: list[str]) -> None:
        if len(args) != 1:
            raise MagicUsageError(
                "Use `%gemini use NAME` with one chain name (see `%gemini chains`)."
            )
        self._get(args[0])
        self.session.registry.use(args[0])
        print(f"Current chain: {args[0]}")

    def reset(self, args: list[str]) -> None:
        registry = self.session.registry
        background = self.session.background
        if args == ["--all"]:
            with background.lock:  # no poller writes between the removal and the drop
                registry.clear()
                background.drop_removed()
            print("Forgot every chain.")
            return
        if len(args) > 1 or (args and args[0].startswith("-")):
            raise MagicUsageError(
                "Use `%gemini reset`, `%gemini reset NAME` or `%gemini reset --all`."
            )
        if args:
            name = args[0]
            self._get(name)
        elif registry.current_name is not None:
            name = registry.current_name
        else:
            raise MagicUsageError("There is no current chain to reset; name one or use --all.")
        with background.lock:
            registry.remove(name)
            background.drop_removed()
        print(f"Forgot chain {name!r}.")

    def show(self, args: list[str]) -> None:
        chain, rest = self._chain_option("show", args)
        if len(rest) != 1:
            raise MagicUsageError(
                "Use `%gemini show N` with one turn number (see `%gemini history`)."
            )
        try:
            number = int(rest[0])
        except ValueError:
            raise MagicUsageError(f"{rest[0]!r} is not a turn number.") from None
        turn = self._turn(chain, number)
        self.session.answer_view(turn).on_end(turn)

    def timeline(self, args: list[str]) -> None:
        from ..render._timeline_view import TimelineView

        chain, rest = self._chain_option("timeline", args)
        controls = "--controls" in rest
        rest = [a for a in rest if a != "--controls"]
        if len(rest) > 1 or any(a.startswith("-") for a in rest):
            raise MagicUsageError("Use `%gemini timeline [N] [--chain NAME] [--controls]`.")
        number: int | None = None
        if rest:
            try:
                number = int(rest[0])
            except ValueError:
                raise MagicUsageError(f"{rest[0]!r} is not a turn number.") from None
            self._turn(chain, number)
        if not chain.turns:
            print(f"Chain {chain.name!r} has no turns.")
            return
        if self.session.terminal():
            from ..render._text import terminal_safe
            from ..render._timeline_view import timeline_bundle

            print(terminal_safe(timeline_bundle(chain, number)["text/plain"]))
            return
        TimelineView(chain, number, widgets=controls)

    def usage(self, args: list[str]) -> None:
        self._no_args("usage", args)
        rows = []
        for chain in self.session.registry:
            costs: dict[str, float | None] = {}
            for turn in chain.turns:
                model = turn.model or "?"
                before = costs.get(model, 0.0)
                spent = turn.cost
                costs[model] = None if before is None or spent is None else before + spent
            for model, totals in chain.usage().items():
                rows.append(
                    [
                        chain.name,
                        model,
                        totals.get("turns", 0),
                        totals.get("total_input_tokens", 0),
                        totals.get("total_output_tokens", 0),
                        totals.get("total_thought_tokens", 0),
                        totals.get("total_cached_tokens", 0),
                        totals.get("total_tokens", 0),
                        format_cost(costs.get(model)),
                    ]
                )
        if not rows:
            print("No tokens used yet.")
            return
        headers = ["chain", "model", "turns", "input", "output", "thought", "cached", "total"]
        _show(_table([*headers, "cost"], rows))
        print(price_note())

    def runs(self, args: list[str]) -> None:
        self._no_args("runs", args)
        store = self.session.runs_store()
        cells = store.cells()
        if not cells:
            print(f"No --map runs in {store.path} yet.")
            return
        rows = [
            [
                c.chain,
                f"--map {c.over}: " + " ".join(c.template.split()[:8]),
                c.model or "-",
                c.total,
                c.done,
                c.failed,
                f"{c.tokens:,}",
                format_cost(c.cost),
                c.state,
                time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated)),
            ]
            for c in cells
        ]
        headers = ["chain", "cell", "model", "items", "done", "failed", "tokens", "cost", "state"]
        headers.append("when")
        _show(_table(headers, rows))
        print(
            f"Stored in {store.path} (items: in the last run; done and failed: what the store "
            f"holds for the cell, over all its runs). {price_note()}"
        )

    def _background(self, args: list[str], name: str) -> tuple[Chain, Turn]:
        registry = self.session.registry
        if len(args) > 1:
            raise MagicUsageError(f"Use `%gemini {name} [ID]` with at most one interaction id.")
        if args:
            found = registry.find(args[0])
            if found is None:
                raise MagicUsageError(
                    f"No turn of any chain has the interaction id {args[0]!r} (see "
                    "`%gemini history`)."
                )
            self._check_held(*found, name)
            return found
        running = registry.running()
        current = [(c, t) for c, t in running if c.name == registry.current_name]
        if not running:
            raise MagicUsageError(f"No background turn is running, so there is nothing to {name}.")
        chain, turn = (current or running)[-1]
        self._check_held(chain, turn, name)
        return chain, turn

    def _check_held(self, chain: Chain, turn: Turn, name: str) -> None:
        """A loaded turn that ran on an offline server of another kernel cannot be reached (one
        sent in this kernel keeps the client of the server it went to, also after a switch)."""
        session = self.session
        if session.backend.kind == "offline":
            session.client()
        holds = getattr(session.server, "holds", None)
        if holds is None or not turn.id or chain.client_for(turn) is not session.client():
            return
        if not holds(turn.id):
            raise MagicUsageError(
                f"Turn {turn.number} of {turn.chain} ran on an offline server that is gone "
                f"(another kernel's, or an earlier backend's), so `%gemini {name}` cannot reach "
                "it; re-run its cell to ask again."
            )

    def wait(self, args: list[str]) -> None:
        chain, turn = self._background(args, "wait")
        background = self.session.background
        try:
            chain.wait(turn)
        except KeyboardInterrupt:
            # The cell was interrupted before its answer came, so it fails like any interrupt.
            raise TurnInterrupted(
                f"Stopped waiting; turn {turn.number} is still running. `%gemini wait` again later."
            ) from None
        except Exception as exc:  # an API error while polling: say it, change nothing
            from ..api._errors import GeminiError

            if isinstance(exc, GeminiError):
                raise MagicUsageError(f"Waiting failed: {exc}") from None
            raise
        with background.lock:
            view = background.view(turn)
            if view is not None:
                view.render(turn)
            background.finished(turn)
        if view is None:  # not started by a cell of this kernel: nothing shows it yet
            self.session.answer_view(turn).on_end(turn)
        if not turn.joined:  # the turn produced no answer: this cell fails, so Run All stops
            reason = (turn.error or f"The turn ended {turn.status}.").rstrip(".")
            raise TurnFailed(
                f"{reason}. Turn {turn.number} of chain {chain.name!r} is recorded as "
                f"{turn.status}; the chain's head did not move."
            )
        if view is None:
            return
        # The answer is in the display of the cell that started the turn (updated just now).
        place = "above" if view.terminal else "in the cell that started it"
        print(
            f"Turn {turn.number} of chain {chain.name!r} is {turn.status}; its answer is shown "
            f"{place}; {background.where(turn)}."
        )

    def cancel(self, args: list[str]) -> None:
        chain, turn = self._background(args, "cancel")
        try:
            chain.cancel(turn)
        except ChainUsageError as exc:
            raise MagicUsageError(str(exc)) from None
        background = self.session.background
        with background.lock:
            background.finished(turn)
            view = background.view(turn)
            if view is not None:
                view.render(turn)
        print(f"Turn {turn.number} of chain {chain.name!r} is {turn.status}.")

    def export(self, args: list[str]) -> None:
        from . import _export

        chain, rest = self._chain_option("export", args)
        _export.export(self.session, chain, rest)

    def save(self, args: list[str]) -> None:
        from . import _export

        _export.save(self.session, args)

    def load(self, args: list[str]) -> None:
        from . import _export

        _export.load(self.session, args)

    def fix(self, args: list[str]) -> None:
        from ._fix import run_fix

        run_fix(self.session, args)

    def backend(self, args: list[str]) -> None:
        self.backend_line(shlex.join(args))

    def backend_line(self, rest: str) -> None:
        session = self.session
        if not rest:
            print(f"Backend: {session.backend.describe()}")
            return
        if not session.set_backend(parse_backend(rest)):
            print(
                f"Backend: {session.backend.describe()}, already in use: kept as it is, so "
                "its turns can still be continued."
            )
            return
        session.magics.backend = session.backend.spec()  # so `%config GeminiMagics` agrees
        print(f"Backend: {session.backend.describe()}")

    @staticmethod
    def _turn(chain: Chain, number: int) -> Turn:
        try:
            return chain.turn(number)
        except ChainUsageError as exc:
            raise MagicUsageError(str(exc)) from None


def _map_id(turn: Turn) -> str:
    """A map turn has no id of its own: its element count stands in the id column."""
    found = turn.options.get("map")
    return f"{found.get('items', 0)} items" if isinstance(found, dict) else "-"


def price_note() -> str:
    table = price_table()
    return f"Costs are estimates from the price table of {table['as_of']} ({table['unit']})."


def _first(chain: Chain) -> str:
    return chain.turns[0].summary(6) if chain.turns else ""
