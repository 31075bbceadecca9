"""``Chain``: a conversation of turns over the Interactions API, with a head and branches.

The chain never lies: a turn becomes the head only when the server gave it an id and it ended
well. Failed, interrupted and cancelled turns are kept (with what was sent and what partially
arrived) but never move the head. Branching from turn N continues from N's interaction; the old
branch stays in ``turns``. A chain may hold several conversations (``new=True`` starts one).

Numbering is like ``In[n]``: every turn that was sent takes the next number, a failed or
interrupted one too (it happened and it is recorded), so numbers never skip or get reused; a
mistake caught before sending (``ChainUsageError``) takes none.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Container, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from ..api._errors import APIError
from ._display import Bundle, mimebundle
from ._errors import ChainUsageError, TurnFailedError
from ._options import PreparedTurn, SendOptions, prepare
from ._runner import failure_message, run_turn
from ._tools import running_tool
from ._turn import JOINED_STATUSES, Turn, TurnObserver

if TYPE_CHECKING:
    from ..api import Client, Interaction
    from ._map import MapProgress, MapResult

_OPTION_NAMES = frozenset(f.name for f in dataclasses.fields(SendOptions))


@dataclasses.dataclass(frozen=True)
class Outgoing:
    """What a send (or each element of a map) goes out with: the client, the turn it
    continues (None: a new conversation) and the checked options. ``Chain.prepare`` makes it;
    nothing is sent and the chain does not change."""

    client: Client
    parent: Turn | None
    prepared: PreparedTurn

    @property
    def previous_interaction_id(self) -> str | None:
        return self.parent.id if self.parent is not None else None


class Chain:
    """A conversation: ``send`` prompts, read ``turns``, continue from the ``head`` or branch.

    ::

        chain = Chain(Client(), model="gemini-3-flash-preview")
        chain.send("Name a prime number.")
        chain.send("And the next one?")                # continues from the head
        chain.send("Name an even one.", from_turn=1)   # a branch from turn 1
        chain.send("Weather in Paris?", tools=[get_weather])
        chain.send("Something else.", new=True)       # a new conversation: turn 5, a root

    Turns are numbered in the order they are sent, whichever conversation of the chain they
    belong to (like ``In[n]``); ``turn.parent`` says which turn each one continued.
    Keyword arguments of the constructor are default options for every ``send``.
    """

    def __init__(self, client: Client | None = None, *, name: str = "chain", **defaults: Any):
        _check_option_names(defaults)
        self.client = client
        self.name = name
        self.defaults: dict[str, Any] = defaults
        self.turns: list[Turn] = []
        self._head: int | None = None
        # Background turns still running: (the head when they were sent, their schema, and the
        # client they were sent with: polls go where the turn is, whatever the chain uses now).
        self._pending: dict[int, tuple[int | None, Any, Client]] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        head = self._head if self._head is not None else "-"
        return f"Chain(name={self.name!r}, turns={len(self.turns)}, head={head})"

    def __len__(self) -> int:
        return len(self.turns)

    def _repr_mimebundle_(
        self, include: Container[str] | None = None, exclude: Container[str] | None = None
    ) -> Bundle | None:
        """The chain in a notebook: each turn's prompt and answer (``chain._display``)."""
        return mimebundle(self, include, exclude)

    # --- reading -------------------------------------------------------------------------------

    @property
    def head(self) -> Turn | None:
        """The turn the next ``send`` continues from (None: the next send starts fresh)."""
        return self.turns[self._head - 1] if self._head is not None else None

    @property
    def head_id(self) -> str | None:
        head = self.head
        return head.id if head is not None else None

    def turn(self, number: int) -> Turn:
        """Turn ``number`` (1-based; negative counts from the end, -1 is the last turn)."""
        count = len(self.turns)
        if count == 0:
            raise ChainUsageError(f"Chain {self.name!r} has no turns yet.")
        index = number - 1 if number > 0 else count + number
        if number == 0 or not 0 <= index < count:
            raise ChainUsageError(
                f"Chain {self.name!r} has no turn {number}: it has turns 1 to {count} "
                f"(or -1 to -{count} from the end)."
            )
        return self.turns[index]

    def path(self, turn: Turn | None = None) -> list[Turn]:
        """The turns from the root of ``turn``'s branch (default: the head) down to it."""
        current = turn if turn is not None else self.head
        out: list[Turn] = []
        while current is not None:
            out.append(current)
            current = self.turns[current.parent - 1] if current.parent is not None else None
        return list(reversed(out))

    def find(self, interaction_id: str) -> Turn | None:
        """The turn whose (any round's) interaction has this id."""
        for turn in reversed(self.turns):
            if any(i.id == interaction_id for i in turn.interactions):
                return turn
        return None

    def usage(self) -> dict[str, dict[str, int]]:
        """Tokens per model (or agent) over every turn, the failed ones included (they cost too)."""
        totals: dict[str, dict[str, int]] = {}
        for turn in self.turns:
            per = totals.setdefault(turn.model or "?", {})
            for key, value in turn.usage.items():
                per[key] = per.get(key, 0) + value
            per["turns"] = per.get("turns", 0) + 1
        return totals

    # --- sending -------------------------------------------------------------------------------

    def parent_for(self, new: bool = False, from_turn: int | None = None) -> Turn | None:
        """The turn a send continues: none (``new``), turn ``from_turn``, or the head; a turn
        that cannot be continued is a ``ChainUsageError`` (nothing sent, nothing changed)."""
        if new:
            if from_turn is not None:
                raise ChainUsageError(
                    "Start a new conversation ({new}) or branch from a turn ({from_turn}), "
                    "not both.",
                    new="True",
                    from_turn="N",
                )
            return None
        parent = self.turn(from_turn) if from_turn is not None else self.head
        if parent is None:
            return None
        if not parent.joined:
            state = {
                "running": "is still running in the background",
                "streaming": "is still streaming",
                "pending": "was never sent",
                "requires_action": "ran out of tool rounds",
            }.get(parent.status, f"ended {parent.status}")
            raise ChainUsageError(
                f"Turn {parent.number} of chain {self.name!r} {state}, so there is "
                "nothing to continue from; pick a completed turn with {from_turn}.",
                from_turn="N",
            )
        if not parent.store:
            if parent.parent is None:
                way, parameters = "start afresh ({new})", {"new": "True"}
            else:
                way = "branch from an earlier turn with {from_turn}"
                parameters = {"from_turn": str(parent.parent)}
            raise ChainUsageError(
                f"Turn {parent.number} of chain {self.name!r} was sent with {{store}}, so the "
                f"server kept nothing to continue from; {way}.",
                store="False",
                **parameters,
            )
        return parent

    def prepare(
        self,
        options: SendOptions | None = None,
        *,
        new: bool = False,
        from_turn: int | None = None,
        check_secrets: bool = True,
        **overrides: Any,
    ) -> Outgoing:
        """What the next send would go out with (client, parent, checked options), by the
        rules ``send`` follows; nothing is sent and the chain does not change. ``map`` prepares
        its elements' requests with it too. ``check_secrets=False``: ``{"env": NAME}`` markers
        whose variables are unset pass (``build_request`` shows markers, never values)."""
        client = self.require_client()
        options = self._options(options, overrides)
        parent = self.parent_for(new, from_turn)
        if parent is not None:
            options = _with_agent_of(parent, options)
        prepared = prepare(options, check_secrets=check_secrets)
        if parent is not None:
            # A managed agent's sandbox goes on with the conversation: continuing (or branching
            # from) a turn works in the environment that turn ran in.
            prepared.inherit_environment(parent.environment_id)
        return Outgoing(client, parent, prepared)

    def record(self, turn: Turn) -> Turn:
        """Number ``turn`` as the chain's next one and append it (a map run's turn, a turn
        built elsewhere); it never moves the head."""
        with self._lock:
            turn.number = len(self.turns) + 1
            self.turns.append(turn)
        return turn

    def restore(self, turns: Sequence[Turn], head: int | None) -> None:
        """Replace every turn with ``turns`` (numbered 1, 2, ... in order, each continuing an
        earlier one) and the head with turn ``head`` (a completed turn, or None), as a chains
        file holds them; a ``ValueError`` says what does not fit and changes nothing."""
        for index, turn in enumerate(turns, 1):
            if turn.number != index:
                raise ValueError(f"turn {turn.number} is out of order (expected {index})")
            if turn.parent is not None and not 1 <= turn.parent < index:
                raise ValueError(
                    f"turn {index} continues a turn {turn.parent} that is not before it"
                )
        if head is not None and (
            not isinstance(head, int) or not 1 <= head <= len(turns) or not turns[head - 1].joined
        ):
            raise ValueError(f"the head {head!r} is not a completed turn")
        with self._lock:
            self.turns = list(turns)
            self._head = head
            self._pending.clear()

    def _options(self, options: SendOptions | None, overrides: dict[str, Any]) -> SendOptions:
        """``options`` (or the chain's defaults) with ``overrides`` applied."""
        _check_option_names(overrides)
        if options is None:
            return SendOptions(**{**self.defaults, **overrides})
        return dataclasses.replace(options, **overrides) if overrides else options

    def map(
        self,
        template: str,
        data: Any,
        *,
        name: str = "items",
        new: bool = False,
        from_turn: int | None = None,
        concurrency: int = 4,
        rpm: float | None = None,
        on_progress: Callable[[MapProgress], None] | None = None,
        options: SendOptions | None = None,
        store: Any = None,
        retry_failed: bool = False,
        fresh: bool = False,
        max_total_tokens: int | None = None,
        max_cost: float | None = None,
        **overrides: Any,
    ) -> MapResult:
        """``template`` sent once per element of ``data`` (a list, tuple, pandas Series or
        DataFrame): ``{item}`` (``{item.col}``, ``{item[key]}``) is the element, ``{i}`` its
        position. Each element is its own interaction, chained like ``send`` (on the head,
        ``from_turn``, or none with ``new=True``); the chain keeps one turn for the whole run.
        What ``%%gemini --map`` does: see ``run_map``. Options as for ``send``.

        Every element is written to a run store (``store``: a path, default
        ``gemini_runs.sqlite`` beside the notebook, ``":memory:"`` for none) as it finishes, so
        the same call after a restart or a crash sends only the missing and failed elements
        (``retry_failed=True``: the failed ones only; ``fresh=True``: all). ``max_total_tokens``
        and ``max_cost`` (USD) stop the run before it would pass them (``MapBudgetReached``)."""
        from ._map import run_map

        _not_from_a_tool()
        return run_map(
            self,
            template,
            data,
            name=name,
            options=self._options(options, overrides),
            new=new,
            from_turn=from_turn,
            concurrency=concurrency,
            rpm=rpm,
            on_progress=on_progress,
            store=store,
            retry_failed=retry_failed,
            fresh=fresh,
            max_total_tokens=max_total_tokens,
            max_cost=max_cost,
        )

    def build_request(
        self,
        prompt: str,
        *,
        new: bool = False,
        from_turn: int | None = None,
        options: SendOptions | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """The exact first request ``send`` would make (method, url, headers, json), credentials
        redacted; nothing is sent and the chain does not change."""
        out = self.prepare(options, new=new, from_turn=from_turn, check_secrets=False, **overrides)
        prepared = out.prepared
        params = {**prepared.base_params(), "input": prepared.first_input(prompt)}
        if out.parent is not None:
            params["previous_interaction_id"] = out.parent.id
        streaming = prepared.options.stream and not prepared.background
        return out.client.interactions.build_request(stream=streaming or None, **params)

    def send(
        self,
        prompt: str,
        *,
        new: bool = False,
        from_turn: int | None = None,
        observer: TurnObserver | None = None,
        options: SendOptions | None = None,
        **overrides: Any,
    ) -> Turn:
        """Send ``prompt`` as the next turn (the next number) and return it when it ends.

        Continues from the head (the last turn that completed), from turn ``from_turn`` (of
        any conversation in the chain), or starts a new conversation with ``new=True`` (a new
        root: no ``previous_interaction_id``). Every turn that is sent takes the next number,
        failed and interrupted ones included; only a completed turn becomes the head.

        Options are keyword arguments over the chain's defaults, or one ``SendOptions`` as
        ``options=`` (used as given; keyword arguments override its fields): ``model``,
        ``agent``, ``system``, ``thinking``, ``thoughts``, ``temperature``,
        ``max_output_tokens``, ``store``, ``tools`` (callables, built-in names, raw dicts),
        ``search``, ``code_execution``, ``url_context``, ``schema`` (pydantic class, TypedDict,
        JSON-schema dict), ``attachments``, ``background``, ``stream``, ``max_tool_rounds``,
        ``tool_timeout`` (seconds per tool call, None: no limit), ``tool_result_chars``
        (characters of a result sent, None: all), ``generation_config``, ``extra_body``.

        Raises ``ChainUsageError`` (nothing sent, nothing changed) for impossible options,
        ``TurnFailedError`` when the server or the stream failed (the turn is recorded), and
        ``KeyboardInterrupt`` after recording an interrupted turn.
        """
        _not_from_a_tool()
        out = self.prepare(options, new=new, from_turn=from_turn, **overrides)
        client, parent, prepared = out.client, out.parent, out.prepared
        with self._lock:
            turn = self.record(
                Turn(
                    number=0,  # numbered by record
                    chain=self.name,
                    prompt=prompt,
                    parent=parent.number if parent is not None else None,
                    previous_interaction_id=out.previous_interaction_id,
                    options=prepared.summary(),
                    store=prepared.options.store,
                    objects=_objects(prepared),
                )
            )
            head_at_send = self._head
        watcher = observer or TurnObserver()
        try:
            run_turn(client, turn, prepared, watcher)
        except APIError as exc:
            watcher.on_end(turn)
            raise TurnFailedError(str(exc), turn, exc) from None
        except KeyboardInterrupt:
            watcher.on_end(turn)
            raise
        except Exception as exc:
            # Anything else (a body that cannot be sent, a bug in an observer) still ends the
            # turn as failed with one message; the cause stays attached for debugging.
            watcher.on_end(turn)
            raise TurnFailedError(turn.error or str(exc), turn, exc) from exc
        if turn.status == "running":
            self._pending[turn.number] = (head_at_send, prepared.schema, client)
        else:
            self._settle(turn, prepared.schema, head_at_send)
        watcher.on_end(turn)
        if turn.status == "requires_action":
            raise TurnFailedError(
                f"{turn.error} Raise the limit with {{max_tool_rounds}} to let it go on.",
                turn,
                max_tool_rounds="N",
            )
        if turn.status not in (*JOINED_STATUSES, "running"):
            raise TurnFailedError(turn.error or f"The turn ended {turn.status}.", turn)
        return turn

    def _settle(self, turn: Turn, schema: Any, head_at_send: int | None) -> None:
        """A finished turn: parse its structured answer and move the head if it joined."""
        if schema is not None and turn.joined:
            try:
                turn.parsed = schema.parse(turn.output_text)
            except ValueError as exc:
                turn.parse_error = str(exc)
        with self._lock:
            # A background turn that finishes after the user moved on does not yank the head back.
            if turn.joined and self._head == head_at_send:
                self._head = turn.number

    # --- background turns ----------------------------------------------------------------------

    def _background_turn(self, turn: Turn | int | None) -> Turn:
        if isinstance(turn, Turn):
            return turn
        if turn is not None:
            return self.turn(turn)
        for candidate in reversed(self.turns):
            if candidate.status == "running":
                return candidate
        raise ChainUsageError(f"Chain {self.name!r} has no background turn running.")

    def finish(self, turn: Turn, interaction: Interaction) -> Turn:
        """Record the latest snapshot of a background turn (idempotent; safe from a poller)."""
        with self._lock:
            if turn.status != "running":
                return turn
            if turn.interactions:
                turn.interactions[-1] = interaction
            else:
                turn.interactions.append(interaction)
            if interaction.status in ("queued", "in_progress"):
                return turn
            turn.status = interaction.status or "completed"
            turn.ended_at = time.time()
            if turn.status not in JOINED_STATUSES:
                turn.error = failure_message(interaction)
            head_at_send, schema, _ = self._pending.pop(turn.number, (None, None, None))
            self._settle(turn, schema, head_at_send)
        return turn

    def refresh(self, turn: Turn | int | None = None) -> Turn:
        """Poll a background turn once."""
        target = self._background_turn(turn)
        if target.status == "running" and target.id:
            self.finish(target, self._client_of(target).interactions.get(target.id))
        return target

    def wait(
        self,
        turn: Turn | int | None = None,
        *,
        timeout: float | None = None,
        on_progress: Callable[[Interaction], Any] | None = None,
    ) -> Turn:
        """Block until a background turn (default: the latest running one) ends."""
        target = self._background_turn(turn)
        if target.status != "running" or not target.id:
            return target

        def progress(snapshot: Interaction) -> None:
            self.finish(target, snapshot)
            if on_progress is not None:
                on_progress(snapshot)

        client = self._client_of(target)
        final = client.interactions.wait(target.id, timeout=timeout, on_progress=progress)
        return self.finish(target, final)

    def follow(
        self,
        turn: Turn | int | None = None,
        *,
        on_update: Callable[[Turn], Any] | None = None,
        stop: threading.Event | None = None,
        every: float = 0.1,
        guard: AbstractContextManager[Any] | None = None,
    ) -> Turn:
        """Follow a background turn by its event stream until it ends (or ``stop`` is set).

        A turn that was streamed before (it has a ``last_event_id``, kept in a chains file
        too) resumes from there (``GET ?stream=true&last_event_id=``) and the new events are
        folded into what it has, so nothing arrives twice; one that was not is streamed from
        its start. ``on_update(turn)`` is called at most every ``every`` seconds while it
        runs, and once when it ends, inside ``guard`` (held while the turn changes: a save
        under it never sees half an update). Errors of the stream are raised (the turn keeps
        what arrived before them): a caller falls back to polling (``refresh``/``wait``)."""
        target = self._background_turn(turn)
        if target.status != "running" or not target.id:
            return target
        interactions = self._client_of(target).interactions
        last = target.interaction
        if last is not None and target.last_event_id:
            stream = interactions.resume(last)
        else:
            stream = interactions.get(target.id, stream=True)
        guard = guard or contextlib.nullcontext()
        shown = time.monotonic()
        with stream:
            for _ in stream:
                now = time.monotonic()
                if now - shown >= every:
                    shown = now
                    with guard:
                        if stop is not None and stop.is_set():
                            return target
                        self.finish(target, stream.interaction)
                        if on_update is not None:
                            on_update(target)
        with guard:
            if stop is None or not stop.is_set():
                self.finish(target, stream.interaction)
                if on_update is not None:
                    on_update(target)
        return target

    def cancel(self, turn: Turn | int | None = None) -> Turn:
        """Cancel a background turn; it is recorded as cancelled and never becomes the head."""
        target = self._background_turn(turn)
        if target.status != "running" or not target.id:
            raise ChainUsageError(
                f"Turn {target.number} of chain {self.name!r} is {target.status}, not running; "
                "only a running background turn can be cancelled."
            )
        return self.finish(target, self._client_of(target).interactions.cancel(target.id))

    def reset(self) -> None:
        """Forget every turn."""
        with self._lock:
            self.turns.clear()
            self._head = None
            self._pending.clear()

    def client_for(self, turn: Turn) -> Client:
        """The client that reaches ``turn``'s interaction: the one a background turn was sent
        with (its server knows its id), else the chain's own."""
        return self._client_of(turn)

    def _client_of(self, turn: Turn) -> Client:
        """The client a background turn was sent with (its server knows its id)."""
        pending = self._pending.get(turn.number)
        return pending[2] if pending is not None else self.require_client()

    def require_client(self) -> Client:
        """The chain's client; a chain without one is a ``ChainUsageError``."""
        if self.client is None:
            raise ChainUsageError(
                "This chain has no client: pass Chain(Client(...)) or set chain.client."
            )
        return self.client


def _with_agent_of(parent: Turn, options: SendOptions) -> SendOptions:
    """A turn that continues an agent's turn and names neither a model nor an agent talks to
    the same agent ("go ahead" after a Deep Research plan runs the research), with the charts
    it was asked for; naming a model or agent decides otherwise."""
    agent = parent.options.get("agent")
    if options.model or options.agent or not isinstance(agent, str):
        return options
    visualize = options.visualize or bool(parent.options.get("visualize"))
    return dataclasses.replace(options, agent=agent, visualize=visualize)


def _not_from_a_tool() -> None:
    """A tool that sends a turn while its own turn runs is refused: the outer turn is not
    numbered or headed yet, so the inner one took its place (and a tool re-entering itself
    recursed until Python's stack ran out)."""
    tool = running_tool()
    if tool is not None:
        raise ChainUsageError(
            f"Tool {tool!r} tried to send a turn while the turn that called it is still "
            "running; a tool cannot start a turn of its own. Return the data the model needs "
            "instead, and let the model ask the next question."
        )


def _check_option_names(options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - _OPTION_NAMES)
    if unknown:
        raise ChainUsageError(
            f"Unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(_OPTION_NAMES))}."
        )


def _objects(prepared: PreparedTurn) -> dict[str, Any]:
    """The tool functions and the schema a turn used, kept so export can show their source."""
    out: dict[str, Any] = {name: tool.func for name, tool in prepared.functions.items()}
    if prepared.schema is not None:
        out["schema"] = prepared.schema.source
    return out
