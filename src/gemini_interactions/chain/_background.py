"""The background turns a kernel follows: their status displays, their pollers, and where their
results go when they end (the shell that starts a turn gives it its status display).

A background turn is followed (by its event stream, else by polling) through the client it
was sent with (the chain keeps it), so a backend switch while it runs does not strand it. When
it ends, its result replaces what its own cell published, and only where that is still there:
its ``-o VAR``, and ``_gemini`` unless a later cell has put its own result there. A turn whose
chain was removed from the registry (``%gemini reset``) is dropped: its poller stops and
nothing is written.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ._chain import Chain
    from ._turn import Turn


class StatusDisplay(Protocol):
    """Where a background turn's status is shown (the magics' ``render.BackgroundView``)."""

    terminal: bool

    def render(self, turn: Turn) -> Any: ...

    def dropped(self, turn: Turn) -> Any: ...


@dataclass
class Watched:
    """A running background turn, and what its cell published (to be replaced when it ends)."""

    chain: Chain
    turn: Turn
    out: str | None
    snapshot: Any
    """The object the cell put in ``_gemini`` and ``-o VAR``: a name is updated only while it
    still holds exactly this."""


class Poller:
    """Follows a background turn in a daemon thread (its event stream, else polling) and
    updates its status display."""

    def __init__(
        self, watched: Watched, follow: Background, interval: float, stream: bool = False
    ) -> None:
        self.watched, self.follow, self.interval = watched, follow, interval
        self.stream = stream
        """Follow the turn's event stream first (``Chain.follow``); polling takes over when
        it fails."""
        self.chain = watched.chain
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="gemini-poll", daemon=True)

    def _run(self) -> None:
        turn = self.watched.turn
        if self.stream:
            # The server cannot stream it (or the stream broke): polling below takes over.
            with contextlib.suppress(Exception):
                self.chain.follow(
                    turn, on_update=self._show, stop=self.stop, guard=self.follow.lock
                )
        while not self.stop.wait(self.interval) and turn.status == "running":
            with self.follow.lock:  # a reset between the poll and the write cannot slip in
                if self.stop.is_set() or not self.follow.registered(self.chain):
                    return
                try:
                    self.chain.refresh(turn)
                except Exception:  # the next %gemini wait reports errors; a poller never crashes
                    return
                view = self.follow.views.get(turn.id or "")
                if view is not None:
                    view.render(turn)
                if turn.status != "running":
                    self.follow.finished(turn)

    def _show(self, turn: Turn) -> None:
        """A streamed update of the turn (under ``follow.lock``): shown, and its result
        written once it ended."""
        if self.stop.is_set() or not self.follow.registered(self.chain):
            self.stop.set()  # ends the stream at its next event
            return
        view = self.follow.views.get(turn.id or "")
        if view is not None:
            view.render(turn)
        if turn.status != "running":
            self.follow.finished(turn)


class Background:
    """Every background turn a kernel follows (the magics' and a script's alike)."""

    def __init__(
        self,
        namespace: Callable[[], dict[str, Any]],
        registered: Callable[[Chain], bool],
    ) -> None:
        self._namespace = namespace
        self.registered = registered
        """Whether a chain is still in the kernel's registry (not removed by a reset)."""
        self.lock = threading.RLock()
        self.views: dict[str, StatusDisplay] = {}
        """Each background turn's status display, by interaction id (kept after it ends, so
        `%gemini wait` knows the answer is shown already)."""
        self.watched: dict[int, Watched] = {}
        """The turns still running whose results are still to be written (by ``id(turn)``)."""
        self.pollers: list[Poller] = []

    def __iter__(self) -> Iterator[Watched]:
        return iter(list(self.watched.values()))

    def watch(
        self,
        chain: Chain,
        turn: Turn,
        *,
        out: str | None,
        snapshot: Any,
        view: StatusDisplay,
        interval: float,
        stream: bool = True,
    ) -> None:
        """Follow ``turn``, shown in ``view``: by its event stream (``stream``), else (or when
        the stream fails) by polling it every ``interval`` seconds (0: neither; only `%gemini
        wait` polls). ``out`` and ``snapshot``: where its cell put its result (see ``Watched``)."""
        view.render(turn)
        watched = Watched(chain, turn, out, snapshot)
        with self.lock:
            self.views[turn.id or ""] = view
            self.watched[id(turn)] = watched
        self.poll(watched, interval, stream=stream)

    def rejoin(self, chain: Chain, turn: Turn, *, interval: float, view: StatusDisplay) -> None:
        """Follow again a turn that was running when its chains file was saved (``%gemini
        load``): its stream resumes after its last event id when it has one (nothing arrives
        twice), else it is polled."""
        self.watch(
            chain,
            turn,
            out=None,
            snapshot=None,
            view=view,
            interval=interval,
            stream=turn.last_event_id is not None,
        )

    def poll(self, watched: Watched, interval: float, *, stream: bool = False) -> None:
        if interval > 0:
            poller = Poller(watched, self, interval, stream)
            self.pollers = [p for p in self.pollers if p.thread.is_alive()] + [poller]
            poller.thread.start()

    def view(self, turn: Turn) -> StatusDisplay | None:
        return self.views.get(turn.id or "")

    def finished(self, turn: Turn) -> None:
        """A background turn ended (seen by `%gemini wait`, cancel or the poller): its result
        replaces its cell's snapshot where that is still in place, once."""
        with self.lock:
            watched = self.watched.get(id(turn))
            if watched is None or turn.status == "running":
                return
            del self.watched[id(turn)]
            if not self.registered(watched.chain) or not turn.joined:
                return
            namespace = self._namespace()
            for name in ("_gemini", watched.out):
                if name and name in namespace and namespace[name] is watched.snapshot:
                    namespace[name] = turn.result

    def where(self, turn: Turn) -> str:
        """Which names hold ``turn``'s result now, in words (for `%gemini wait`)."""
        result, namespace = turn.result, self._namespace()
        names = [
            name
            for name, value in list(namespace.items())
            if value is result and (name == "_gemini" or not name.startswith("_"))
        ]
        if result is None or not turn.joined:
            return "it has no result"
        if not names:
            return "_gemini holds a later cell's result (give a background cell -o VAR to keep it)"
        return "its result is in " + " and ".join(sorted(names))

    def drop_removed(self) -> None:
        """Forget the turns of chains no longer registered: no polling, no writes, and their
        displays say so instead of "running" for ever."""
        with self.lock:
            for key, watched in list(self.watched.items()):
                if not self.registered(watched.chain):
                    del self.watched[key]
                    view = self.views.pop(watched.turn.id or "", None)
                    if view is not None:
                        view.dropped(watched.turn)
            for poller in self.pollers:
                if not self.registered(poller.chain):
                    poller.stop.set()
            self.pollers = [p for p in self.pollers if not p.stop.is_set()]

    def stop(self) -> None:
        """Stop every poller (``resume`` starts them again)."""
        for poller in self.pollers:
            poller.stop.set()
        self.pollers = []

    def resume(self, interval: float) -> int:
        """Poll again every turn still followed; how many."""
        watched = [w for w in self if w.turn.status == "running" and self.registered(w.chain)]
        for item in watched:
            self.poll(item, interval, stream=item.turn.last_event_id is not None)
        return len(watched)
