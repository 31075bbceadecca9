"""A turn of a chain, and the observer through which a turn's progress is watched.

A turn is one prompt and everything that answering it took: every request body sent (the first one
and one per tool round), every interaction received (final or partial), the tool runs, timing and
an honest status. Export and replay read turns; they never need the server again.
"""

from __future__ import annotations

import time
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._display import Bundle, mimebundle
from ._timing import StepTime
from ._tools import ToolRun

if TYPE_CHECKING:
    from ..api import Interaction
    from ..api._retry import RetryNotice

JOINED_STATUSES = frozenset({"completed", "idle", "incomplete"})
"""Statuses of a turn that may become the head: the server answered and stored something
(``idle``: answered in full and waiting for the next input, like ``completed``)."""

USAGE_KEYS = (
    "total_input_tokens",
    "total_output_tokens",
    "total_thought_tokens",
    "total_cached_tokens",
    "total_tool_use_tokens",
    "total_tokens",
)


class _TextBuffer:
    """Text that grows by small pieces: appending is O(1), reading joins once per change.

    A long answer arrives as ~100,000 deltas; ``text += delta`` would copy the whole answer on
    each one (quadratic), while readers (the live view) look at most ~10 times a second.
    """

    __slots__ = ("_joined", "_parts")

    def __init__(self, text: str = "") -> None:
        self._parts: list[str] = [text] if text else []
        self._joined: str | None = text

    def append(self, piece: str) -> None:
        if piece:
            self._parts.append(piece)
            self._joined = None

    @property
    def value(self) -> str:
        if self._joined is None:
            self._joined = "".join(self._parts)
            self._parts = [self._joined]
        return self._joined


@dataclass
class Turn:
    """One prompt of a chain and its answer.

    ``status`` is one of ``pending`` (not sent yet), ``streaming``, ``running`` (background),
    ``completed``, ``incomplete`` (stopped early, e.g. max output tokens), ``failed``,
    ``interrupted`` (stopped by the user mid-stream), ``cancelled``, ``requires_action`` (tool
    rounds exhausted) or another status the server reported.
    """

    number: int
    """1-based position in the chain's list of turns."""
    chain: str
    prompt: str
    parent: int | None
    """The turn this one continues (the head at send time, or ``from_turn``); None: fresh."""
    previous_interaction_id: str | None
    options: dict[str, Any] = field(default_factory=dict)
    """The send options as given (JSON-ready): what export writes back as magic options."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every request body sent for this turn, exactly: the prompt, then one per tool round."""
    interactions: list[Interaction] = field(default_factory=list)
    """The interaction answering each request (partial when the turn failed or was interrupted)."""
    tool_runs: list[ToolRun] = field(default_factory=list)
    status: str = "pending"
    error: str | None = None
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    _text: _TextBuffer = field(default_factory=_TextBuffer, repr=False, compare=False)
    _thoughts: _TextBuffer = field(default_factory=_TextBuffer, repr=False, compare=False)
    parsed: Any = None
    """The answer parsed into the schema's type (with ``schema=``)."""
    parse_error: str | None = None
    store: bool = True
    notices: list[str] = field(default_factory=list)
    """One-line notes on what was changed to send the turn (e.g. characters replaced)."""
    items: Sequence[Turn] = field(default_factory=list, repr=False)
    """A ``--map`` run's elements, each its own interaction, in the input's order (empty for
    any other turn): what export and save need to send the run again."""
    cell: int | None = None
    """The execution count of the notebook cell that sent it (its ``[n]``), when known."""
    source: str | None = None
    """Where it was sent when not the live API: ``offline`` (the in-process server), with
    ``fixtures`` or a ``cassette`` when it had them, or ``local server`` (a loopback URL)."""
    objects: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The Python objects behind the options (tool functions by name, ``"schema"``): export
    writes their source into the notebook. Not saved: a loaded turn has none."""
    timing: list[StepTime] = field(default_factory=list, repr=False, compare=False)
    """When each step, wait and tool run happened, from when its events arrived (``_timing``):
    what the timeline's time axis and the traces draw. Saved with the turn."""
    reported: tuple[str | None, str | None] = field(default=(None, None), repr=False, compare=False)
    """(model, agent) as the stream's first events named them, before the round's interaction
    is recorded: what the live status line shows. Not saved: the interactions say it."""

    @property
    def text(self) -> str:
        """The answer text streamed so far over all rounds (the live view's source)."""
        return self._text.value

    @text.setter
    def text(self, value: str) -> None:
        self._text = _TextBuffer(value)

    @property
    def thoughts(self) -> str:
        """Thought summaries streamed so far."""
        return self._thoughts.value

    @thoughts.setter
    def thoughts(self, value: str) -> None:
        self._thoughts = _TextBuffer(value)

    def _repr_mimebundle_(
        self, include: Container[str] | None = None, exclude: Container[str] | None = None
    ) -> Bundle | None:
        """The turn in a notebook as the live view left it: thoughts if asked for, cards,
        answer, status line (``chain._display``)."""
        return mimebundle(self, include, exclude)

    def add_text(self, piece: str) -> None:
        """Append streamed answer text (cheap: the text is joined when next read)."""
        self._text.append(piece)

    def add_thoughts(self, piece: str) -> None:
        """Append a streamed thought summary piece."""
        self._thoughts.append(piece)

    @property
    def request(self) -> dict[str, Any] | None:
        """The first request body (the prompt's)."""
        return self.requests[0] if self.requests else None

    @property
    def interaction(self) -> Interaction | None:
        """The last interaction of the turn: the final answer when the turn completed."""
        return self.interactions[-1] if self.interactions else None

    @property
    def id(self) -> str | None:
        interaction = self.interaction
        return interaction.id if interaction is not None else None

    @property
    def environment_id(self) -> str | None:
        """The sandbox environment the turn ran in (a managed agent's), when it had one."""
        for interaction in reversed(self.interactions):
            if interaction.environment_id:
                return interaction.environment_id
        return None

    @property
    def last_event_id(self) -> str | None:
        """The id of the last stream event folded into the turn's answer (a chains file keeps
        it): a background turn's stream resumes after it (``Chain.follow``)."""
        interaction = self.interaction
        return interaction.last_event_id if interaction is not None else None

    @property
    def asked_model(self) -> str | None:
        """The model (or agent) the request named."""
        request = self.request or {}
        value = request.get("model") or request.get("agent") or self._map.get("model")
        return str(value) if value else None

    def _answered(self) -> tuple[str | None, str | None]:
        for interaction in reversed(self.interactions):
            if interaction.model or interaction.agent:
                return interaction.model, interaction.agent
        return self.reported

    @property
    def answered_model(self) -> str | None:
        """The model (or agent) the interaction reports: the one that answered, which the
        service may pick in place of the one asked for. None until the server has said."""
        model, agent = self._answered()
        value = model or agent
        return str(value) if value else None

    @property
    def model(self) -> str | None:
        """The model (or agent) that answered when the server said, else the one asked for."""
        return self.answered_model or self.asked_model

    @property
    def model_label(self) -> str | None:
        """What a person reads: the answering model, and the one asked for when it differs
        (``gemini-3-flash (asked: gemini-3-flash-preview)``)."""
        answered, asked = self.answered_model, self.asked_model
        if answered and asked and answered.rpartition("/")[2] != asked:
            return f"{answered} (asked: {asked})"
        # the same, or a name that already ends with the one asked for ("offline-demo/m")
        return answered or asked

    @property
    def _map(self) -> dict[str, Any]:
        """A ``--map`` run's record (items, model, summed usage and cost); empty otherwise."""
        found = self.options.get("map")
        return found if isinstance(found, dict) else {}

    @property
    def joined(self) -> bool:
        """Part of the conversation: the server gave it an id and it ended well."""
        return self.status in JOINED_STATUSES and bool(self.id)

    @property
    def continuable(self) -> bool:
        """A later turn can name it as ``previous_interaction_id``."""
        return self.joined and self.store

    @property
    def output_text(self) -> str:
        interaction = self.interaction
        text = interaction.output_text if interaction is not None else ""
        return text or self.text

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at

    @property
    def usage(self) -> dict[str, int]:
        """Token counts summed over every round of the turn (a map run: over its elements
        answered in that run and the ones it reused)."""
        if not self.interactions and self._map.get("usage"):
            return dict(self._map["usage"])
        totals: dict[str, int] = {}
        for interaction in self.interactions:
            if interaction.usage is None:
                continue
            for key in USAGE_KEYS:
                value = getattr(interaction.usage, key, None)
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
        return totals

    @property
    def cost(self) -> float | None:
        """An estimate in USD from the dated price table (``chain._prices``); None: the model
        (or agent, or tier) has no known price."""
        if self._map:
            value = self._map.get("cost")
            return float(value) if isinstance(value, int | float) else None
        from ._prices import cost

        return cost(self.model, self.usage, self.options.get("service_tier"))

    @property
    def result(self) -> Any:
        """What a caller wants back: the parsed object with a schema, else the interaction."""
        return self.parsed if self.parsed is not None else self.interaction

    @property
    def source_label(self) -> str | None:
        """Where the answer came from when it was not the live API, in a user's words:
        ``offline model``, ``fixture``, ``replay`` or ``local server``; None for the live API."""
        if self.source is None:
            return None
        # The offline model names itself "offline-demo/<model>" (the server's OFFLINE_MODEL);
        # a fixture or a recording answers as the model asked for.
        if (self.answered_model or "").startswith("offline-demo/"):
            return "offline model"
        return {"fixtures": "fixture", "cassette": "replay", "offline": "offline model"}.get(
            self.source, self.source
        )

    @property
    def label(self) -> str:
        """How the turn is named to a person: ``turn 3``, with its cell when known
        (``turn 3 · cell [7]``); never ``In[3]``, which reads as the cell's own count."""
        return f"turn {self.number}" + (f" · cell [{self.cell}]" if self.cell else "")

    def summary(self, words: int = 8) -> str:
        first = " ".join(self.prompt.split()[:words])
        first += " …" if len(self.prompt.split()) > words else ""
        if self._map:
            over, count = self._map.get("over", "items"), self._map.get("items", 0)
            return f"[--map {over}: {count} items] {first}"
        return first

    def provenance(self) -> dict[str, Any]:
        """What an output carries in its metadata so a saved notebook knows where it came from."""
        return {
            "chain": self.chain,
            "turn": self.number,
            **({"cell": self.cell} if self.cell else {}),
            **({"source": self.source} if self.source else {}),
            "interaction_id": self.id,
            "previous_interaction_id": self.previous_interaction_id,
            **self._who(),
            **({"environment_id": env} if (env := self.environment_id) else {}),
            "status": self.status,
            "options": self.options,
            "usage": self.usage,
            "cost_usd": self.cost,
            "rounds": len(self.requests),
            "started": _iso(self.started_at),
            "ended": _iso(self.ended_at) if self.ended_at is not None else None,
        }

    def _who(self) -> dict[str, Any]:
        """``model`` / ``agent`` as the interaction reports them (as asked until it has), and
        ``asked_model`` / ``asked_agent`` too when the answer came from another one."""
        request = self.request or {}
        asked = {"model": request.get("model"), "agent": request.get("agent")}
        model, agent = self._answered()
        who = {"model": model or asked["model"], "agent": agent or asked["agent"]}
        for key in ("model", "agent"):
            if asked[key] and who[key] != asked[key]:
                who[f"asked_{key}"] = asked[key]
        return who

    def to_dict(self) -> dict[str, Any]:
        """Everything about the turn as JSON data (for save/export)."""
        return {
            **self.provenance(),
            "prompt": self.prompt,
            "parent": self.parent,
            "requests": self.requests,
            "interactions": [i.to_dict() for i in self.interactions],
            "tool_runs": [run.to_dict() for run in self.tool_runs],
            "error": self.error,
            "notices": self.notices,
            "store": self.store,
            "text": self.output_text,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            **({"timing": [span.to_dict() for span in self.timing]} if self.timing else {}),
            **({"items": [item.to_dict() for item in self.items]} if self.items else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        """A turn back from ``to_dict`` (the run store's copy of a map element): what was sent
        and received; the Python objects behind its options are not kept."""
        from ..api import Interaction

        turn = cls(
            number=int(data.get("turn") or 0),
            chain=str(data.get("chain") or ""),
            prompt=str(data.get("prompt") or ""),
            parent=data.get("parent"),
            previous_interaction_id=data.get("previous_interaction_id"),
            options=dict(data.get("options") or {}),
            requests=list(data.get("requests") or []),
            interactions=[Interaction.model_validate(i) for i in data.get("interactions") or []],
            tool_runs=[
                ToolRun(
                    call_id=r.get("call_id"),
                    name=str(r.get("name") or ""),
                    arguments=r.get("arguments"),
                    round=int(r.get("round") or 1),
                    result=r.get("result"),
                    is_error=bool(r.get("is_error")),
                    duration=float(r.get("duration") or 0.0),
                )
                for r in data.get("tool_runs") or []
            ],
            status=str(data.get("status") or "pending"),
            error=data.get("error"),
            store=bool(data.get("store", True)),
            notices=list(data.get("notices") or []),
        )
        turn.text = str(data.get("text") or "")
        # When it ran: a --map run's time axis (latency, throughput) reads them back.
        if isinstance(data.get("started_at"), int | float):
            turn.started_at = float(data["started_at"])
        ended = data.get("ended_at")
        turn.ended_at = float(ended) if isinstance(ended, int | float) else None
        turn.timing = [StepTime.from_dict(span) for span in data.get("timing") or []]
        return turn


def token_text(usage: dict[str, Any]) -> str:
    """``452 tokens (218 in + 196 out + 38 thought)``, ``; 100 of the input cached`` when some
    was: the parts add up to the total (the export's "552 total (305 input, 156 output)" left
    the thoughts out). Empty when nothing was counted."""
    counts = {
        label: int(usage.get(key) or 0)
        for key, label in (
            ("total_input_tokens", "in"),
            ("total_output_tokens", "out"),
            ("total_thought_tokens", "thought"),
            ("total_tool_use_tokens", "tool use"),
        )
    }
    total = int(usage.get("total_tokens") or 0) or sum(counts.values())
    if not total:
        return ""
    parts = [f"{n:,} {label}" for label, n in counts.items() if n or label in ("in", "out")]
    text = f"{total:,} tokens ({' + '.join(parts)}"
    cached = int(usage.get("total_cached_tokens") or 0)
    return text + (f"; {cached:,} of the input cached)" if cached else ")")


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class TurnObserver:
    """Watches a turn as it happens; every method is a no-op here, override what you need.

    Called from the thread that sends. ``on_event`` runs for every stream event, so keep it cheap
    (the magics coalesce updates to a bounded rate).
    """

    def on_start(self, turn: Turn) -> None:
        """The turn is about to be sent (``turn.requests[-1]`` is the body)."""

    def on_event(self, turn: Turn, event: Any) -> None:
        """A typed stream event arrived; ``turn.text`` / ``turn.thoughts`` are already updated."""

    def on_round(self, turn: Turn, interaction: Interaction) -> None:
        """One request of the turn finished (the prompt's or a tool round's)."""

    def on_tool_call(self, turn: Turn, run: ToolRun) -> None:
        """A function tool is about to run (``run.result`` is not set yet)."""

    def on_tool_result(self, turn: Turn, run: ToolRun) -> None:
        """A function tool ran."""

    def on_retry(self, turn: Turn, notice: RetryNotice) -> None:
        """A request failed and will be retried after ``notice.wait`` seconds (``str(notice)``
        reads "rate limited (429), retrying in 12 s, try 2 of 5")."""

    def on_notice(self, turn: Turn, notice: str) -> None:
        """A one-line note about the turn (also in ``turn.notices``), e.g. replaced characters."""

    def on_end(self, turn: Turn) -> None:
        """The turn ended (in any status, interrupted included)."""
