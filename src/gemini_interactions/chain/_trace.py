"""Turns as OpenTelemetry traces (the ``[otel]`` extra), for Phoenix, Langfuse, Jaeger & co.

``TurnTracer`` is an observer: it passes every call on to the observer it wraps (the live view)
and records the turn as one span following OpenTelemetry's GenAI semantic conventions
(``generate_content {model}``, or ``invoke_agent {agent}``), with a child span per step of the
answer (from ``Turn.timing``: when each event arrived) and an ``execute_tool {name}`` span per
run of the notebook's own function. The tool span is the current span while the function runs,
so spans the function makes itself nest under it.

Chain, turn, parent turn and cell are attributes; prompt, answer and tool arguments/results are
left out unless ``content=True``; request bodies and headers never go in (no key can leak).
Tracing never breaks a turn: an error inside it is reported once, as a warning, and ignored.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from typing import TYPE_CHECKING, Any

from ._timing import StepTime
from ._tools import ToolRun
from ._turn import Turn, TurnObserver

if TYPE_CHECKING:
    from ..api import Interaction
    from ..api._retry import RetryNotice

__all__ = ["INSTALL_HINT", "Tracing", "TurnTracer"]

INSTALL_HINT = (
    "Tracing needs OpenTelemetry: pip install 'gemini-interactions[otel]' (the SDK and its "
    "OTLP exporter), then restart the kernel."
)
_SCOPE = "gemini_interactions"
_PREFIX = "gemini_interactions"


def _ns(epoch: float) -> int:
    return int(epoch * 1e9)


def _usage_attributes(usage: dict[str, int]) -> dict[str, int]:
    keys = {
        "total_input_tokens": "gen_ai.usage.input_tokens",
        "total_output_tokens": "gen_ai.usage.output_tokens",
        "total_thought_tokens": "gen_ai.usage.reasoning.output_tokens",
        "total_cached_tokens": "gen_ai.usage.cache_read.input_tokens",
    }
    return {name: usage[key] for key, name in keys.items() if key in usage}


class TurnTracer(TurnObserver):
    """Wraps ``inner`` (or nothing) and traces each turn it sees; see the module's docstring.

    ``tracer_provider``: an OpenTelemetry ``TracerProvider`` (default: the global one, which is
    a no-op until something such as ``phoenix.otel.register()`` sets it). Raises
    ``ModuleNotFoundError`` with ``INSTALL_HINT`` when OpenTelemetry is not installed.
    """

    def __init__(
        self,
        inner: TurnObserver | None = None,
        *,
        tracer_provider: Any = None,
        content: bool = False,
    ) -> None:
        try:
            from opentelemetry import trace
        except ModuleNotFoundError:
            raise ModuleNotFoundError(INSTALL_HINT) from None
        from .. import __version__

        provider = tracer_provider or trace.get_tracer_provider()
        self.inner = inner or TurnObserver()
        self.content = content
        self._trace = trace
        self._tracer = provider.get_tracer(_SCOPE, __version__)
        self._span: Any = None
        self._tokens: list[Any] = []
        self._tool: Any = None
        self._warned = False

    # --- the wrapped observer first, then the trace (whose errors never reach the turn) ------

    def on_start(self, turn: Turn) -> None:
        self.inner.on_start(turn)
        self._safely(self._start, turn)

    def on_event(self, turn: Turn, event: Any) -> None:
        self.inner.on_event(turn, event)

    def on_round(self, turn: Turn, interaction: Interaction) -> None:
        self.inner.on_round(turn, interaction)

    def on_tool_call(self, turn: Turn, run: ToolRun) -> None:
        self.inner.on_tool_call(turn, run)
        self._safely(self._tool_start, turn, run)

    def on_tool_result(self, turn: Turn, run: ToolRun) -> None:
        self._safely(self._tool_end, turn, run)
        self.inner.on_tool_result(turn, run)

    def on_retry(self, turn: Turn, notice: RetryNotice) -> None:
        self.inner.on_retry(turn, notice)
        self._safely(self._event, "retry", {"message": str(notice)})

    def on_notice(self, turn: Turn, notice: str) -> None:
        self.inner.on_notice(turn, notice)
        self._safely(self._event, "notice", {"message": notice})

    def on_end(self, turn: Turn) -> None:
        try:
            self._safely(self._end, turn)
        finally:
            self.inner.on_end(turn)

    def _safely(self, action: Any, *args: Any) -> None:
        try:
            action(*args)
        except Exception as exc:  # a trace is never worth a failed turn
            if not self._warned:
                self._warned = True
                warnings.warn(f"Tracing this turn failed: {exc}", RuntimeWarning, stacklevel=3)

    # --- spans -------------------------------------------------------------------------------

    def _attach(self, span: Any) -> None:
        from opentelemetry import context

        self._tokens.append(context.attach(self._trace.set_span_in_context(span)))

    def _detach(self) -> None:
        from opentelemetry import context

        if self._tokens:
            context.detach(self._tokens.pop())

    def _start(self, turn: Turn) -> None:
        if self._span is not None:
            return
        request = turn.request or {}
        agent = request.get("agent")
        operation = "invoke_agent" if agent else "generate_content"
        target = str(agent or request.get("model") or turn.model or "")
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": "gcp.gemini",
            "gen_ai.conversation.id": turn.chain,
            f"{_PREFIX}.chain": turn.chain,
            f"{_PREFIX}.turn": turn.number,
        }
        if agent:
            attributes["gen_ai.agent.name"] = str(agent)
        elif target:
            attributes["gen_ai.request.model"] = target
        if turn.parent is not None:
            attributes[f"{_PREFIX}.parent_turn"] = turn.parent
        if turn.previous_interaction_id:
            attributes[f"{_PREFIX}.previous_interaction_id"] = turn.previous_interaction_id
        config = request.get("generation_config") or {}
        for key, name in (
            ("temperature", "gen_ai.request.temperature"),
            ("max_output_tokens", "gen_ai.request.max_tokens"),
            ("top_p", "gen_ai.request.top_p"),
        ):
            if isinstance(config.get(key), int | float):
                attributes[name] = config[key]
        attributes["gen_ai.request.stream"] = bool(request.get("stream"))
        if self.content:
            attributes["gen_ai.input.messages"] = json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": turn.prompt}]}],
                ensure_ascii=False,
            )
        kind = self._trace.SpanKind.CLIENT
        name = f"{operation} {target}".strip()
        self._span = self._tracer.start_span(
            name, kind=kind, attributes=attributes, start_time=_ns(turn.started_at)
        )
        self._attach(self._span)

    def _tool_start(self, turn: Turn, run: ToolRun) -> None:
        self._start(turn)
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": run.name,
            "gen_ai.tool.type": "function",
            f"{_PREFIX}.round": run.round,
        }
        if run.call_id:
            attributes["gen_ai.tool.call.id"] = run.call_id
        if self.content:
            attributes["gen_ai.tool.call.arguments"] = _json(run.arguments)
        self._tool = self._tracer.start_span(
            f"execute_tool {run.name}", kind=self._trace.SpanKind.INTERNAL, attributes=attributes
        )
        self._attach(self._tool)

    def _tool_end(self, turn: Turn, run: ToolRun) -> None:
        span, self._tool = self._tool, None
        if span is None:
            return
        self._detach()
        if self.content:
            span.set_attribute("gen_ai.tool.call.result", _json(run.result))
        if run.is_error:
            from opentelemetry.trace import Status, StatusCode

            span.set_attribute("error.type", "tool_error")
            span.set_status(Status(StatusCode.ERROR, "the function raised or was refused"))
        span.end()

    def _event(self, name: str, attributes: dict[str, Any]) -> None:
        if self._span is not None:
            self._span.add_event(name, attributes)

    def _end(self, turn: Turn) -> None:
        from opentelemetry.trace import Status, StatusCode

        self._start(turn)  # a turn refused before it was sent still gets its span
        span = self._span
        for step in turn.timing:
            if step.kind != "tool":  # traced live, so the function's own spans nest in it
                self._step_span(turn, step)
        interaction = turn.interaction
        if interaction is not None:
            if interaction.id:
                span.set_attribute("gen_ai.response.id", interaction.id)
            model = getattr(interaction, "model", None)
            if isinstance(model, str) and model:
                span.set_attribute("gen_ai.response.model", model)
        span.set_attribute("gen_ai.response.finish_reasons", [turn.status])
        span.set_attribute(f"{_PREFIX}.status", turn.status)
        span.set_attribute(f"{_PREFIX}.rounds", len(turn.requests))
        if turn.cell:
            span.set_attribute(f"{_PREFIX}.cell", turn.cell)
        for key, value in _usage_attributes(turn.usage).items():
            span.set_attribute(key, value)
        first = next((s.start for s in turn.timing if s.kind not in ("waiting", "request")), None)
        if first is not None:
            span.set_attribute("gen_ai.response.time_to_first_chunk", first)
        if self.content and turn.output_text:
            span.set_attribute(
                "gen_ai.output.messages",
                json.dumps(
                    [
                        {
                            "role": "assistant",
                            "parts": [{"type": "text", "content": turn.output_text}],
                        }
                    ],
                    ensure_ascii=False,
                ),
            )
        if turn.status not in ("completed", "incomplete", "running"):
            span.set_attribute("error.type", turn.status)
            span.set_status(Status(StatusCode.ERROR, turn.error or turn.status))
        self._detach()
        ended = turn.ended_at if turn.ended_at is not None else time.time()
        span.end(end_time=_ns(ended))
        self._span = None

    def _step_span(self, turn: Turn, step: StepTime) -> None:
        attributes: dict[str, Any] = {
            f"{_PREFIX}.step.kind": step.kind,
            f"{_PREFIX}.round": step.round,
        }
        if step.index is not None:
            attributes[f"{_PREFIX}.step.index"] = step.index
        if step.name:
            attributes["gen_ai.tool.name"] = step.name
        if step.tokens is not None:
            attributes["gen_ai.usage.output_tokens"] = step.tokens
        span = self._tracer.start_span(
            step.kind if not step.name else f"{step.kind} {step.name}",
            kind=self._trace.SpanKind.INTERNAL,
            attributes=attributes,
            start_time=_ns(turn.started_at + step.start),
        )
        span.end(end_time=_ns(turn.started_at + step.end))


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        return repr(value)


SERVICE = "gemini-interactions"


class Tracing:
    """A process's tracer provider for turns sent over OTLP/HTTP (Phoenix, Langfuse, Jaeger or
    a collector), built on the first traced turn and kept per endpoint; spans go in batches
    within about half a second, and at ``close``."""

    def __init__(self) -> None:
        self._provider: Any = None
        self._endpoint: str | None = None
        self._told = False

    def observer(self, view: TurnObserver, *, endpoint: str, content: bool) -> TurnObserver:
        """``view``, wrapped in a tracer sending to ``endpoint`` (when OpenTelemetry is
        installed; "": the provider set up in the process, else OpenTelemetry's defaults)."""
        try:
            provider = self.provider(endpoint.strip())
            return TurnTracer(view, tracer_provider=provider, content=content)
        except ModuleNotFoundError as exc:
            if not self._told:  # once: the answer still shows, untraced
                self._told = True
                print(f"This turn is not traced. {exc}", file=sys.stderr)
            return view

    def provider(self, endpoint: str) -> Any:
        try:
            from opentelemetry import trace
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ModuleNotFoundError:
            raise ModuleNotFoundError(INSTALL_HINT) from None
        configured = trace.get_tracer_provider()
        if not endpoint and isinstance(configured, TracerProvider):
            return configured  # the user set up their own tracing: join it
        if self._provider is not None and self._endpoint == endpoint:
            return self._provider
        self.close()
        provider = TracerProvider(resource=Resource.create({"service.name": SERVICE}))
        exporter = OTLPSpanExporter(endpoint=endpoint or None)
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
        self._provider, self._endpoint = provider, endpoint
        return provider

    def flush(self, timeout: float = 5.0) -> bool:
        """Send what is waiting now; False when the collector did not take it in time."""
        if self._provider is None:
            return True
        return bool(self._provider.force_flush(int(timeout * 1000)))

    def close(self) -> None:
        if self._provider is not None:
            self._provider.shutdown()
            self._provider = None
