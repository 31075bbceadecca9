"""Running one turn: the prompt's request, then function tool rounds until the answer is complete.

Everything is recorded on the ``Turn`` as it happens (each request body before it is sent, each
interaction when its round ends, partial ones on failure), so a turn that fails or is interrupted
still tells the truth about what was sent and received.

Whatever goes wrong inside a turn (the server, the stream, a body that cannot be encoded, a bug
in an observer) ends it as ``failed`` or ``interrupted``: no turn is left "streaming". Text that
cannot be sent (lone surrogates) and numbers JSON cannot carry (NaN, Infinity) are replaced
before sending, and the turn says so in one line (``Turn.notices`` and ``on_notice``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..api._errors import APIError, GeminiError, StreamDroppedError
from ..api._events import (
    InteractionCompletedEvent,
    InteractionCreatedEvent,
    StepDeltaEvent,
    TextDelta,
    ThoughtSummaryDelta,
)
from ..api._retry import RetryNotice, retry_notices
from ..api._secret import scrub
from ..api._text import clean
from ._agentic import resolve_secrets
from ._options import PreparedTurn
from ._timing import TimingRecorder
from ._tools import run_call
from ._turn import JOINED_STATUSES, Turn, TurnObserver

if TYPE_CHECKING:
    from ..api import Client, Event, Interaction, Stream


def failure_message(interaction: Interaction) -> str:
    for error in (interaction.error_event, *(interaction.errors or []), interaction.error):
        if error is not None and error.message:
            code = f" ({error.code})" if error.code not in (None, "") else ""
            return f"The interaction failed{code}: {error.message}"
    return f"The interaction ended with status {interaction.status!r}."


class _Round:
    """Streams or sends one request and folds what the turn shows while it streams."""

    def __init__(
        self, client: Client, turn: Turn, observer: TurnObserver, timer: TimingRecorder
    ) -> None:
        self.client = client
        self.turn = turn
        self.observer = observer
        self.timer = timer
        self.text_started = False
        self.thought_started = False

    def _on_event(self, event: Any) -> None:
        self.timer.event(event)
        if isinstance(event, StepDeltaEvent):
            delta = event.delta
            turn = self.turn
            if isinstance(delta, TextDelta) and delta.text:
                if not self.text_started and turn.text and not turn.text.endswith("\n\n"):
                    turn.add_text("\n\n")  # a new round's answer starts a new paragraph
                self.text_started = True
                turn.add_text(delta.text)
            elif isinstance(delta, ThoughtSummaryDelta) and delta.content is not None:
                if not self.thought_started and turn.thoughts:
                    turn.add_thoughts("\n\n")
                self.thought_started = True
                turn.add_thoughts(str(getattr(delta.content, "text", "") or ""))
        elif isinstance(event, (InteractionCreatedEvent, InteractionCompletedEvent)):
            # The model that answers may not be the one asked for: show it from the start.
            reported = event.interaction
            if reported.model or reported.agent:
                self.turn.reported = (reported.model, reported.agent)
        self.observer.on_event(self.turn, event)

    def stream(self, params: dict[str, Any]) -> Interaction:
        stream: Stream[Event] = self.client.interactions.create(stream=True, **params)
        try:
            for event in stream:
                self._on_event(event)
            return stream.interaction
        except KeyboardInterrupt:
            # Keep what arrived: the partial answer is part of the record, marked interrupted.
            self.turn.interactions.append(stream.interaction)
            raise
        except StreamDroppedError as exc:
            if exc.interaction is not None:
                self.turn.interactions.append(exc.interaction)
            raise
        except Exception:
            partial = stream.interaction
            if partial.id or partial.steps:
                self.turn.interactions.append(partial)
            raise
        finally:
            stream.close()

    def send(self, params: dict[str, Any]) -> Interaction:
        interaction: Interaction = self.client.interactions.create(stream=False, **params)
        return interaction


def notify(turn: Turn, observer: TurnObserver, notice: str | None) -> None:
    """Record a one-line notice on the turn and pass it to the observer."""
    if notice:
        turn.notices.append(notice)
        observer.on_notice(turn, notice)


def _sendable(
    params: dict[str, Any], turn: Turn, observer: TurnObserver, what: str
) -> dict[str, Any]:
    """``params`` with text that cannot be sent replaced, said in one line when anything was.
    A NaN in the options is left for the client to refuse: it is a mistake, not data."""
    cleaned = clean(params, numbers=False)
    notify(turn, observer, cleaned.notice(what))
    value: dict[str, Any] = cleaned.value
    return value


def _unexpected(exc: BaseException) -> str:
    if isinstance(exc, GeminiError):
        return str(exc)
    return f"The turn failed on this side before it ended: {type(exc).__name__}: {exc}"


def run_turn(client: Client, turn: Turn, prepared: PreparedTurn, observer: TurnObserver) -> None:
    """Run ``turn`` to its end, recording everything; raises what interrupted or failed it
    (``KeyboardInterrupt``, ``APIError``, anything else) after setting the turn's status."""

    def on_retry(notice: RetryNotice) -> None:
        observer.on_retry(turn, notice)

    timer = TimingRecorder(turn.timing, turn.started_at)
    try:
        with retry_notices(on_retry):
            _run(client, turn, prepared, observer, timer)
    except KeyboardInterrupt:
        turn.status = "interrupted"
        turn.error = "Interrupted by the user; the partial answer is kept."
        raise
    except APIError as exc:
        turn.status = "failed"
        turn.error = str(exc)
        raise
    except BaseException as exc:
        turn.status = "failed"
        turn.error = _unexpected(exc)
        raise
    finally:
        timer.close()
        if turn.status != "running":
            turn.ended_at = time.time()


def _run(
    client: Client,
    turn: Turn,
    prepared: PreparedTurn,
    observer: TurnObserver,
    timer: TimingRecorder,
) -> None:
    cleaned_prompt = clean(turn.prompt)
    turn.prompt = cleaned_prompt.value
    base = _sendable(prepared.base_params(), turn, observer, "the options")
    streaming = prepared.options.stream and not prepared.background
    params: dict[str, Any] = {**base, "input": prepared.first_input(turn.prompt)}
    params = _sendable(params, turn, observer, "the prompt")
    if cleaned_prompt.replaced:
        notify(turn, observer, cleaned_prompt.notice("the prompt"))
    if turn.previous_interaction_id:
        params["previous_interaction_id"] = turn.previous_interaction_id
    history: list[Any] = []
    redact = _redactor(client)
    max_rounds = prepared.options.max_tool_rounds
    round_no = 0
    turn.status = "streaming" if streaming else "running"
    while True:
        turn.requests.append(
            client.interactions.build_request(stream=streaming or None, **params)["json"]
        )
        if round_no == 0:
            observer.on_start(turn)
        timer.request_sent(round_no + 1)
        runner = _Round(client, turn, observer, timer)
        # What the turn records keeps a secret's {"env": NAME}; only what is sent has its value.
        sent = resolve_secrets(params, "A secret of this turn")
        interaction = runner.stream(sent) if streaming else runner.send(sent)
        timer.round_done(interaction)
        turn.interactions.append(interaction)
        observer.on_round(turn, interaction)
        calls = interaction.function_calls
        if interaction.status != "requires_action" or not calls or prepared.background:
            break
        if round_no >= max_rounds:
            turn.status = "requires_action"
            turn.error = f"The model still asked for tools after {max_rounds} tool round(s)."
            return
        round_no += 1
        results = []
        for call in calls:
            observer.on_tool_call(turn, _pending_run(call, round_no))
            span = timer.tool_started(str(getattr(call, "name", "") or ""))
            try:
                run = run_call(
                    call,
                    prepared.functions,
                    round_no,
                    timeout=prepared.options.tool_timeout,
                    cap=prepared.options.tool_result_chars,
                    redact=redact,
                )
            finally:
                timer.tool_ended(span)
            turn.tool_runs.append(run)
            notify(turn, observer, run.notice)
            observer.on_tool_result(turn, run)
            results.append(run.result_step())
        if prepared.options.store:
            params = {**base, "input": results, "previous_interaction_id": interaction.id}
        else:
            # Nothing is stored server-side: resend the whole exchange (stateless mode).
            if not history:
                history = [{"type": "user_input", "content": _as_content(params["input"])}]
            steps = [s.to_dict() for s in interaction.steps if s.type != "user_input"]
            history = [*history, *steps, *results]
            params = {**base, "input": history}
        params = _sendable(params, turn, observer, "the tool results")
    turn.status = interaction.status or ("completed" if interaction.id else "failed")
    if prepared.background and turn.status in ("queued", "in_progress"):
        turn.status = "running"
    elif turn.status == "failed":
        turn.error = failure_message(interaction)
    elif turn.status not in (*JOINED_STATUSES, "requires_action"):
        turn.error = turn.error or failure_message(interaction)


def _redactor(client: Client) -> Callable[[str], str]:
    """Removes the client's credentials and the keys in the environment (a tool may read one
    from there, whatever the client uses) from a text, in every form ``scrub`` knows."""
    names = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    keys = [v for n in names if len(v := os.environ.get(n, "").strip()) >= 8]
    own = getattr(client, "redact", None)

    def redact(text: str) -> str:
        text = own(text) if callable(own) else text
        return scrub(text, keys) if keys else text

    return redact


def _pending_run(call: Any, round_no: int) -> Any:
    from ._tools import ToolRun

    return ToolRun(
        call_id=getattr(call, "id", None),
        name=str(getattr(call, "name", "") or ""),
        arguments=getattr(call, "arguments", None),
        round=round_no,
    )


def _as_content(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"type": "text", "text": value}]
    return list(value)
