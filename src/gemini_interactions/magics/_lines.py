"""``%gemini <command>``: the line commands, each declared once in ``COMMANDS``.

A declaration is what the command does and its arguments, each written as its usage line shows
it (``N``, ``[N]``, ``--chain NAME``, ``--all``) with its help. From it come the parser (argparse,
which here never prints or exits: its complaints become one paragraph), ``%gemini CMD --help``,
``%gemini help`` and the README's reference (``_help``).
"""

from __future__ import annotations

import argparse
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._backend import parse_backend
from ..chain import Chain, ChainUsageError, Turn
from ..chain._prices import format_cost, price_table
from ..render import display_bundle
from ..render._status import model_text
from ..render._timeline_text import with_environment_column
from ._errors import MagicUsageError, TurnFailed, TurnInterrupted
from ._help import command_help, commands_help, did_you_mean, table

if TYPE_CHECKING:
    from ._session import Session


@dataclass(frozen=True)
class Command:
    """One ``%gemini`` command: what it does and its arguments as (spec, help) pairs."""

    summary: str
    args: tuple[tuple[str, str], ...] = ()
    either: bool = False
    """The arguments are alternatives (``[NAME | --all]``): at most one is given."""
    grammar: str = ""
    """A usage of its own (``backend``'s): the words go to the command as typed."""

    @property
    def usage(self) -> str:
        if self.grammar:
            return self.grammar
        specs = [spec if _positional(spec) else f"[{spec}]" for spec, _ in self.args]
        alternatives = " | ".join(spec.strip("[]") for spec in specs)
        return f"[{alternatives}]" if self.either else " ".join(specs)

    def use(self, name: str) -> str:
        """The sentence a mistake ends with: how the command is typed."""
        if self.either:
            forms = [f"`%gemini {name}`"]
            forms += [f"`%gemini {name} {spec.strip('[]').split()[0]}`" for spec, _ in self.args]
            return f"Use {', '.join(forms[:-1])} or {forms[-1]}."
        line = f"`%gemini {name} {self.usage}`".replace(" `", "`")
        positionals = [spec for spec, _ in self.args if _positional(spec)]
        if len(positionals) != 1:
            return f"Use {line}."
        most = "at most " if positionals[0].startswith("[") else ""
        return f"Use {line} with {most}one {_noun(positionals[0])}."


_CHAIN = ("--chain NAME", "the chain (default: the current one)")
_ID = ("[ID]", "the turn's interaction id (default: the latest running turn)")
COMMANDS: dict[str, Command] = {
    "help": Command("this help (also `%gemini` alone)"),
    "history": Command("the turns of a chain (* marks the head)", (_CHAIN,)),
    "chains": Command("every chain in this kernel"),
    "use": Command("make NAME the current chain", (("NAME", "a chain (see `%gemini chains`)"),)),
    "reset": Command(
        "forget the current chain, NAME, or all chains",
        (("[NAME]", "the chain to forget"), ("--all", "forget every chain")),
        either=True,
    ),
    "show": Command("show turn N again", (("N", "a turn number (see `%gemini history`)"), _CHAIN)),
    "timeline": Command(
        "the steps of turn N, or the chain as a tree of turns, under a time axis (each step a "
        "bar as long as it took; a --map run as its latency histogram and throughput); "
        "filter, expand all, pick a turn: in the output itself; --controls: ipywidgets that "
        "recompute it, until the next cell runs",
        (
            ("[N]", "one turn's steps (default: the whole chain)"),
            _CHAIN,
            ("--controls", "ipywidgets that recompute it, until the next cell runs"),
        ),
    ),
    "usage": Command("tokens and estimated cost per chain and model"),
    "runs": Command("the --map runs in the run store: cell, done, failed, tokens, cost, file"),
    "wait": Command("wait for a background turn and show its answer", (_ID,)),
    "cancel": Command("cancel a background turn", (_ID,)),
    "export": Command(
        "the chain as a runnable notebook (--cassette: replays offline) or script",
        (
            ("PATH.ipynb|PATH.py", "the file to write: a notebook or a script"),
            _CHAIN,
            ("--turns SPEC", "only these turns and the turns they come from, e.g. 1-3,5"),
            ("--cassette", "record the answers beside it, so the notebook replays offline"),
            ("--no-outputs", "the notebook without the answers shown"),
        ),
    ),
    "save": Command(
        "every chain to a JSON file (default: beside the notebook)",
        (("[PATH.json]", "the file (default: NOTEBOOK.gemini.json beside the notebook)"),),
    ),
    "load": Command(
        "chains saved by `%gemini save` (--continue goes on from them); --replace: over "
        "same-name chains that have other turns",
        (
            ("PATH.json", "a file written by `%gemini save`"),
            ("--replace", "replace this kernel's same-name chains that have other turns"),
        ),
    ),
    "fix": Command(
        "explain the last error; --apply puts the corrected cell next",
        (("--apply", "put the corrected cell next, to run or edit"),),
    ),
    "backend": Command(
        "where cells go",
        (
            ("live", "the Gemini API (needs GEMINI_API_KEY)"),
            ("offline", "an in-process server: canned answers, no key, no network"),
            ("--fixtures FILE", "offline: answers from this fixtures file (may repeat)"),
            ("--cassette FILE", "offline: replay the answers recorded in this cassette"),
            ("enterprise", "the Gemini Enterprise Agent Platform (Vertex AI credentials)"),
            ("--project P", "enterprise: the Google Cloud project (else GOOGLE_CLOUD_PROJECT)"),
            ("--location L", "enterprise: the region or global (else GOOGLE_CLOUD_LOCATION)"),
            ("URL", "a server of this API at that URL, e.g. http://127.0.0.1:4010"),
        ),
        grammar="[live | offline [--fixtures FILE] [--cassette FILE] | enterprise | URL]",
    ),
}
"""Every ``%gemini`` command. The one list that help, ``--help``, the parser, the
unknown-command message and the dispatcher are built from, so a new command is added here."""

_NOUNS = {"NAME": "chain name", "N": "turn number", "ID": "interaction id", "SPEC": "turn spec"}
"""What a placeholder stands for in a mistake's paragraph (the others are files)."""

_CHANGES_CHAINS = frozenset({"use", "reset", "load", "backend", "cancel", "wait", "fix"})
"""Commands a tool may not run while its own turn runs (they change what that turn belongs
to); the ones that only read (history, show, timeline, export, save) it may."""


def _positional(spec: str) -> bool:
    return not spec.startswith("-")


def _noun(metavar: str) -> str:
    return _NOUNS.get(metavar.strip("[]"), "file name")


def _dest(metavar: str) -> str:
    return metavar.strip("[]").split(".")[0].lower()  # PATH.json -> path, N -> n


def _parser(command: Command) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False, allow_abbrev=False)
    for spec, _ in command.args:
        if _positional(spec):  # required ones are checked in parse(), with their own words
            parser.add_argument(_dest(spec), nargs="?", metavar=spec.strip("[]"))
        elif " " in spec:
            flag, metavar = spec.split()
            parser.add_argument(flag, metavar=metavar)
        else:
            parser.add_argument(spec, action="store_true")
    return parser


def parse(name: str, words: list[str]) -> dict[str, Any]:
    """``words`` as the keyword arguments of command ``name``; a mistake is one paragraph."""
    command = COMMANDS[name]
    if command.grammar:
        return {"words": words}
    try:
        found, extra = _parser(command).parse_known_args(words)
    except argparse.ArgumentError as exc:  # a flag without its value, or a switch with one
        flag = exc.argument_name or ""
        metavar = next((s.split()[-1] for s, _ in command.args if s.startswith(flag + " ")), "")
        need = f"needs a {_noun(metavar)}" if metavar else "takes no value"
        raise MagicUsageError(f"`%gemini {name} {flag}` {need}.") from None
    flags = [word.split("=")[0] for word in extra if word.startswith("-")]
    if flags:
        known = [spec.split()[0] for spec, _ in command.args if not _positional(spec)]
        raise MagicUsageError(
            f"`%gemini {name}` has no option `{flags[0]}`.{did_you_mean(flags[0], known)} "
            f"{command.use(name)} `%gemini {name} --help` says more."
        )
    values = vars(found)
    positionals = [spec for spec, _ in command.args if _positional(spec)]
    if extra and not positionals:
        raise MagicUsageError(f"`%gemini {name}` takes no arguments (got {' '.join(extra)}).")
    missing = [s for s in positionals if not s.startswith("[") and values[_dest(s)] is None]
    if extra or missing or (command.either and sum(map(bool, values.values())) > 1):
        raise MagicUsageError(command.use(name))
    if values.get("n") is not None:  # N, a turn number, is the one placeholder not a string
        if not values["n"].lstrip("-").isdigit():
            raise MagicUsageError(f"{values['n']!r} is not a turn number.")
        values["n"] = int(values["n"])
    return values


def _show(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table, as aligned columns (text/plain) and as Markdown."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    plain = "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells)
    markdown = table(cells[0], ([c.replace("|", "\\|") for c in r] for r in cells[1:]))
    display_bundle({"text/plain": plain.rstrip(), "text/markdown": "\n".join(markdown)})


class LineCommands:
    def __init__(self, session: Session) -> None:
        self.session = session

    def run(self, line: str) -> None:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise MagicUsageError(f"Cannot read `%gemini {line}`: {exc}.") from None
        name, words = (words[0], words[1:]) if words else ("help", [])
        if name not in COMMANDS:
            known = ", ".join(COMMANDS)
            raise MagicUsageError(
                f"Unknown command `%gemini {name}`.{did_you_mean(name, COMMANDS)} Commands: "
                f"{known}. `%gemini` alone shows help."
            )
        if "--help" in words or "-h" in words:
            self._print(command_help(name))
            return
        values = parse(name, words)
        from ..chain._tools import running_tool

        tool = running_tool()
        if tool is not None and name in _CHANGES_CHAINS:
            raise MagicUsageError(
                f"Tool {tool!r} ran `%gemini {name}` while the turn that called it is still "
                "running; a tool cannot change the chains, the current chain or the backend "
                "under its own turn. Run it in a cell of its own."
            )
        if "chain" in values:
            values["chain"] = self._chain(values["chain"])
        getattr(self, name)(**values)

    def _print(self, bundle: dict[str, str]) -> None:
        if self.session.terminal():
            print(bundle["text/plain"])
        else:
            display_bundle(bundle)  # a table where Markdown renders, the wrapped text elsewhere

    def _chain(self, name: str | None) -> Chain:
        if name is not None:
            return self._get(name)
        current = self.session.registry.current
        if current is None:
            raise MagicUsageError(
                "There is no current chain yet: run a `%%gemini` cell first (or name one with "
                "--chain NAME)."
            )
        return current

    def _get(self, name: str) -> Chain:
        try:
            return self.session.registry.get(name)
        except ChainUsageError as exc:
            raise MagicUsageError(str(exc)) from None

    # --- commands: keyword arguments as parse() names them ----------------------------------------

    def help(self) -> None:
        self._print(commands_help())

    def history(self, chain: Chain) -> None:
        """The chain's turns in the order run, each with the turn it came from (``new``: it
        started a conversation), so the table reads as the chain's tree."""
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
        _show(headers, rows)

    def chains(self) -> None:
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
        _show(["chain", "turns", "head", "first prompt"], rows)

    def use(self, name: str) -> None:
        self._get(name)
        self.session.registry.use(name)
        print(f"Current chain: {name}")

    def reset(self, name: str | None, all: bool) -> None:
        registry = self.session.registry
        background = self.session.background
        if all:
            with background.lock:  # no poller writes between the removal and the drop
                registry.clear()
                background.drop_removed()
            print("Forgot every chain.")
            return
        if name is not None:
            self._get(name)
        elif registry.current_name is not None:
            name = registry.current_name
        else:
            raise MagicUsageError("There is no current chain to reset; name one or use --all.")
        with background.lock:
            registry.remove(name)
            background.drop_removed()
        print(f"Forgot chain {name!r}.")

    def show(self, n: int, chain: Chain) -> None:
        turn = self._turn(chain, n)
        self.session.answer_view(turn).on_end(turn)

    def timeline(self, n: int | None, chain: Chain, controls: bool) -> None:
        from ..render._timeline_view import TimelineView

        if n is not None:
            self._turn(chain, n)
        if not chain.turns:
            print(f"Chain {chain.name!r} has no turns.")
            return
        if self.session.terminal():
            from ..render._text import terminal_safe
            from ..render._timeline_view import timeline_bundle

            print(terminal_safe(timeline_bundle(chain, n)["text/plain"]))
            return
        TimelineView(chain, n, widgets=controls)

    def usage(self) -> None:
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
        _show([*headers, "cost"], rows)
        print(price_note())

    def runs(self) -> None:
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
        _show(headers, rows)
        print(
            f"Stored in {store.path} (items: in the last run; done and failed: what the store "
            f"holds for the cell, over all its runs). {price_note()}"
        )

    def _ended_just_now(self) -> bool:
        """The current chain's last turn ran in the background and has ended: say so (or fail
        as `wait` would have, when it ended without an answer); False when there is none."""
        chain = self.session.registry.current
        turn = chain.turns[-1] if chain is not None and chain.turns else None
        if turn is None or not (turn.options.get("background") or turn.options.get("agent")):
            return False
        if not turn.joined:
            reason = (turn.error or f"The turn ended {turn.status}.").rstrip(".")
            raise TurnFailed(
                f"{reason}. Turn {turn.number} of chain {turn.chain!r} is recorded as "
                f"{turn.status}; the chain's head did not move."
            )
        print(
            f"Turn {turn.number} of chain {turn.chain!r} has already ended ({turn.status}); "
            "its answer is shown in the cell that started it."
        )
        return True

    def _background(self, id: str | None, name: str) -> tuple[Chain, Turn]:
        registry = self.session.registry
        if id is not None:
            found = registry.find(id)
            if found is None:
                raise MagicUsageError(
                    f"No turn of any chain has the interaction id {id!r} (see `%gemini history`)."
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
        if not session.holds(turn) and chain.client_for(turn) is session.client():
            raise MagicUsageError(
                f"Turn {turn.number} of {turn.chain} ran on an offline server that is gone "
                f"(another kernel's, or an earlier backend's), so `%gemini {name}` cannot reach "
                "it; re-run its cell to ask again."
            )

    def wait(self, id: str | None) -> None:
        if id is None and not self.session.registry.running() and self._ended_just_now():
            return  # Run All, or a reader slower than the turn: it is done, as waited for
        chain, turn = self._background(id, "wait")
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

    def cancel(self, id: str | None) -> None:
        chain, turn = self._background(id, "cancel")
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

    def export(
        self, path: str, chain: Chain, turns: str | None, cassette: bool, no_outputs: bool
    ) -> None:
        from ._export import export

        export(self.session, chain, path, turns, cassette=cassette, outputs=not no_outputs)

    def save(self, path: str | None) -> None:
        from ._export import save

        save(self.session, path)

    def load(self, path: str, replace: bool) -> None:
        from ._export import load

        load(self.session, path, replace)

    def fix(self, apply: bool) -> None:
        from ._fix import run_fix

        run_fix(self.session, apply)

    def backend(self, words: list[str]) -> None:
        session = self.session
        if not words:
            print(f"Backend: {session.backend.describe()}")
            return
        if not session.set_backend(parse_backend(shlex.join(words))):
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
    prices = price_table()
    return f"Costs are estimates from the price table of {prices['as_of']} ({prices['unit']})."


def _first(chain: Chain) -> str:
    return chain.turns[0].summary(6) if chain.turns else ""
