"""Named chains in one kernel, one of them current: each numbers its own turns and may hold
several conversations.

The rules for where a turn goes live here, so a shell and a script keep them alike: a turn goes
to the chain it names, else the current one (``chat`` until another is made current); a new
conversation may start a chain that does not exist yet (kept once it has a turn, the first
``chat`` becoming current), while continuing needs a chain with a turn to continue from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._chain import Chain
from ._errors import ChainUsageError
from ._turn import Turn

if TYPE_CHECKING:
    from ..api import Client

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")

DEFAULT_CHAIN = "chat"
"""The current chain until another is made current (``use``)."""


class ChainRegistry:
    """Chains by name, and which one is current."""

    def __init__(self, client: Client | None = None) -> None:
        self._client = client
        self.chains: dict[str, Chain] = {}
        self.current_name: str | None = None

    def __iter__(self) -> Iterator[Chain]:
        return iter(list(self.chains.values()))

    def __len__(self) -> int:
        return len(self.chains)

    def __contains__(self, name: object) -> bool:
        return name in self.chains

    @property
    def client(self) -> Client | None:
        return self._client

    @client.setter
    def client(self, client: Client | None) -> None:
        """A new backend: every chain sends through it from now on."""
        self._client = client
        for chain in self.chains.values():
            chain.client = client

    @property
    def current(self) -> Chain | None:
        return self.chains.get(self.current_name) if self.current_name else None

    def next_name(self) -> str:
        """The first free automatic name (``chat1``, ``chat2`` ...); reserves nothing."""
        number = len(self.chains) + 1
        while f"chat{number}" in self.chains:
            number += 1
        return f"chat{number}"

    @staticmethod
    def check_name(name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ChainUsageError(
                f"{name!r} is not a usable chain name: start with a letter, then letters, "
                "digits, '_', '.' or '-' (64 at most)."
            )
        return name

    def get(self, name: str) -> Chain:
        try:
            return self.chains[name]
        except KeyError:
            known = ", ".join(self.chains) or "none yet"
            raise ChainUsageError(f"There is no chain named {name!r} (chains: {known}).") from None

    def create(self, name: str | None = None, **defaults: Any) -> Chain:
        """A new empty chain (not current until ``use``); an existing name is an error."""
        name = self.check_name(name) if name is not None else self.next_name()
        if name in self.chains:
            raise ChainUsageError(f"A chain named {name!r} exists already.")
        chain = Chain(self._client, name=name, **defaults)
        self.chains[name] = chain
        return chain

    def add(self, chain: Chain) -> Chain:
        """Register a chain built elsewhere (``keep`` adds one once it has a turn)."""
        self.check_name(chain.name)
        if chain.name in self.chains:
            raise ChainUsageError(f"A chain named {chain.name!r} exists already.")
        chain.client = chain.client or self._client
        self.chains[chain.name] = chain
        return chain

    @property
    def default_name(self) -> str:
        """The chain a turn that names none goes to."""
        return self.current_name or DEFAULT_CHAIN

    def holds(self, chain: Chain) -> bool:
        """Whether ``chain`` is this registry's (not removed, not replaced by a load)."""
        return self.chains.get(chain.name) is chain

    def target(
        self, chain: str | None = None, *, new: bool = True, from_turn: int | None = None
    ) -> Chain:
        """The chain a turn goes to (``chain``, else the default one); changes nothing.

        A new conversation (``new``, no ``from_turn``) may go to a chain that does not exist
        yet: a fresh ``Chain`` is returned, kept by ``keep`` once it has a turn. Continuing
        (the head, or ``from_turn``) needs a kept chain, and the head a completed turn."""
        key, value = ("from_turn", "") if from_turn is not None else ("new", "False")
        name = self.check_name(chain) if chain is not None else self.default_name
        if name in self.chains:
            found = self.chains[name]
        elif new and from_turn is None:
            return Chain(self._client, name=name)
        elif chain is not None:
            raise ChainUsageError(
                f"There is no chain named {name!r} to continue ({{{key}}}). Drop {{{key}}} to "
                f"start it (chains: {', '.join(self.chains) or 'none yet'}).",
                **{key: value},
            )
        else:
            raise ChainUsageError(
                f"Nothing to continue ({{{key}}}): no chain is current yet. Send a turn without "
                "it first, or pick a chain with {chain}.",
                chain="NAME",
                **{key: value},
            )
        if not new and from_turn is None and found.head is None:
            raise ChainUsageError(
                f"Chain {name!r} has no completed turn to continue from. Drop {{new}} to start "
                "a new conversation, or branch from a turn with {from_turn}.",
                new="False",
                from_turn="N",
            )
        return found

    def keep(self, chain: Chain) -> None:
        """``chain`` took a turn: it is kept, and the first ``chat`` becomes the current chain
        (only ``use`` changes it later, so continuing always means the same chain)."""
        if not chain.turns:
            return
        if not self.holds(chain):
            self.add(chain)
        if self.current_name is None and chain.name == DEFAULT_CHAIN:
            self.current_name = chain.name

    def merge(
        self, chains: list[Chain], current: str | None, *, source: str, replace: bool = False
    ) -> list[str]:
        """Take in ``chains`` (read from ``source``, with ``current`` the current one there),
        all or nothing; the names of the chains here whose turns they replaced. A chain with a
        background turn still running is never replaced, one with turns the loaded one lacks
        only with ``replace`` (a file saved from here earlier, or later, loses nothing)."""
        loaded = {chain.name for chain in chains}
        running = [c.name for c, _ in self.running() if c.name in loaded]
        if running:
            raise ChainUsageError(
                f"Chain {running[0]!r} has a background turn still running here; wait for it "
                "or cancel it, then load. Nothing was loaded."
            )
        clash = [c.name for c in chains if c.name in self and not _kept_by(self.chains[c.name], c)]
        if clash and not replace:
            raise ChainUsageError(
                f"This kernel's chain(s) {', '.join(repr(n) for n in clash)} have turns that "
                f"{source} does not, and loading would replace them. Save them to another file "
                "first, or load with {replace} to drop them. Nothing was loaded.",
                replace="True",
            )
        for chain in chains:
            chain.client = self._client
            self.chains[chain.name] = chain
        if current in self or (current is None and chains):
            self.current_name = current or chains[0].name
        return clash

    def use(self, name: str) -> Chain:
        chain = self.get(name)
        self.current_name = name
        return chain

    def remove(self, name: str) -> None:
        self.get(name)
        del self.chains[name]
        if self.current_name == name:
            self.current_name = None

    def clear(self) -> None:
        self.chains.clear()
        self.current_name = None

    def find(self, interaction_id: str) -> tuple[Chain, Turn] | None:
        """The chain and turn an interaction id belongs to."""
        for chain in self.chains.values():
            turn = chain.find(interaction_id)
            if turn is not None:
                return chain, turn
        return None

    def running(self) -> list[tuple[Chain, Turn]]:
        """The background turns still running, with their chains."""
        return [(c, t) for c in self.chains.values() for t in c.turns if t.status == "running"]


def _kept_by(here: Chain, loaded: Chain) -> bool:
    """``loaded`` holds every turn ``here`` has, the same ones in the same order."""
    if len(here.turns) > len(loaded.turns):
        return False
    return all(
        (a.prompt, a.id, a.status) == (b.prompt, b.id, b.status)
        for a, b in zip(here.turns, loaded.turns, strict=False)
    )
