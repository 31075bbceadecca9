"""``%gemini <command>``: each line command run against the kernel's session.

The commands are declared (and parsed) in ``_cell/_commands.py``, their tables drawn by
``render/_tables.py``; a method here is what a command does, named as the command is, its
keyword arguments as ``parse`` names them.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from .._backend import parse_backend
from .._cell._commands import CHANGES_CHAINS, parse, split, wants_help
from ..chain import Chain
from ..render import _tables as tables
from ..render import display_bundle
from ._errors import MagicUsageError, TurnFailed, TurnInterrupted

if TYPE_CHECKING:
    from ._session import Session


class LineCommands:
    def __init__(self, session: Session) -> None:
        self.session = session

    def run(self, line: str) -> None:
        name, words = split(line)
        if wants_help(words):
            from ..render._help import command_help

            self._print(command_help(name))
            return
        values = parse(name, words)
        from ..chain._tools import running_tool

        tool = running_tool()
        if tool is not None and name in CHANGES_CHAINS:
            raise MagicUsageError(
                f"Tool {tool!r} ran `%gemini {name}` while the turn that called it is still "
                "running; a tool cannot change the chains, the current chain or the backend "
                "under its own turn. Run it in a cell of its own."
            )
        if "chain" in values:
            values["chain"] = self._chain(values["chain"])
        getattr(self, name)(**values)

    def _print(self, bundle: dict[str, str] | None, nothing: str = "") -> None:
        if bundle is None:
            print(nothing)
        elif self.session.terminal():
            print(bundle["text/plain"])
        else:
            display_bundle(bundle)  # a table where Markdown renders, the wrapped text elsewhere

    def _chain(self, name: str | None) -> Chain:
        if name is not None:
            return self.session.registry.get(name)
        current = self.session.registry.current
        if current is None:
            raise MagicUsageError(
                "There is no current chain yet: run a `%%gemini` cell first (or name one with "
                "--chain NAME)."
            )
        return current

    # --- commands: keyword arguments as parse() names them ----------------------------------------

    def help(self) -> None:
        from ..render._help import commands_help

        self._print(commands_help())

    def history(self, chain: Chain) -> None:
        self._print(tables.history_table(chain), f"Chain {chain.name!r} has no turns.")

    def chains(self) -> None:
        registry = self.session.registry
        found = tables.chains_table(registry, registry.current_name)
        self._print(found, "No chains yet: run a `%%gemini` cell to start one.")

    def use(self, name: str) -> None:
        self.session.registry.get(name)
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
            self.session.registry.get(name)
        elif registry.current_name is not None:
            name = registry.current_name
        else:
            raise MagicUsageError("There is no current chain to reset; name one or use --all.")
        with background.lock:
            registry.remove(name)
            background.drop_removed()
        print(f"Forgot chain {name!r}.")

    def show(self, n: int, chain: Chain) -> None:
        turn = chain.turn(n)
        self.session.answer_view(turn).on_end(turn)

    def timeline(self, n: int | None, chain: Chain, controls: bool) -> None:
        from ..render._timeline_view import TimelineView

        if n is not None:
            chain.turn(n)
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
        found = tables.usage_table(self.session.registry)
        self._print(found, "No tokens used yet.")
        if found is not None:
            print(tables.price_note())

    def runs(self) -> None:
        store = self.session.runs_store()
        cells = store.cells()
        if not cells:
            print(f"No --map runs in {store.path} yet.")
            return
        self._print(tables.runs_table(cells))
        print(
            f"Stored in {store.path} (items: in the last run; done and failed: what the store "
            f"holds for the cell, over all its runs). {tables.price_note()}"
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

    def wait(self, id: str | None) -> None:
        if id is None and not self.session.registry.running() and self._ended_just_now():
            return  # Run All, or a reader slower than the turn: it is done, as waited for
        chain, turn = self.session.background_turn(id, "wait")
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
        chain, turn = self.session.background_turn(id, "cancel")
        chain.cancel(turn)
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
