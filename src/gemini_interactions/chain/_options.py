"""What one ``send`` asks for, checked, and turned into the request parameters of each round.

Tools, system instruction and configuration are turn-scoped in the Interactions API: they are
re-sent on every request, tool rounds included.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ._attach import attachment_content
from ._errors import ChainUsageError
from ._schema import ResponseSchema, response_schema
from ._tools import (
    DEFAULT_RESULT_CHARS,
    DEFAULT_TOOL_TIMEOUT,
    FunctionTool,
    tool_declarations,
)

THINKING_LEVELS = ("minimal", "low", "medium", "high", "xhigh")
DEFAULT_MODEL = "gemini-3-flash-preview"


@dataclass
class SendOptions:
    """The options of one turn (``Chain.send`` keyword arguments, and what the magic parses to)."""

    model: str | None = None
    agent: str | None = None
    system: str | None = None
    thinking: str | None = None
    thoughts: bool = False
    temperature: float | None = None
    max_output_tokens: int | None = None
    store: bool = True
    tools: Sequence[Any] = ()
    search: bool = False
    code_execution: bool = False
    url_context: bool = False
    schema: Any = None
    attachments: Sequence[Any] = ()
    background: bool = False
    stream: bool = True
    max_tool_rounds: int = 10
    tool_timeout: float | None = DEFAULT_TOOL_TIMEOUT
    """Seconds one tool call may take before it is stopped (None: no limit)."""
    tool_result_chars: int | None = DEFAULT_RESULT_CHARS
    """Characters of one tool result kept and sent to the model (None: all)."""
    generation_config: dict[str, Any] | None = None
    extra_body: dict[str, Any] | None = None
    service_tier: str | None = None
    labels: dict[str, Any] = field(default_factory=dict)
    """Readable names for the options (tool and schema names, attachment labels) for provenance."""


@dataclass
class PreparedTurn:
    """A checked ``SendOptions``: everything needed to build each round's request."""

    options: SendOptions
    functions: dict[str, FunctionTool]
    tools: list[dict[str, Any]]
    schema: ResponseSchema | None
    content: list[dict[str, Any]]
    """The attachments as content blocks (the prompt text goes first)."""

    @property
    def background(self) -> bool:
        return self.options.background or self.options.agent is not None

    def base_params(self) -> dict[str, Any]:
        """The create() parameters shared by every request of the turn (all but input/previous)."""
        o = self.options
        params: dict[str, Any] = {}
        if o.agent is not None:
            params["agent"] = o.agent
        else:
            params["model"] = o.model or DEFAULT_MODEL
        if o.system:
            params["system_instruction"] = o.system
        if self.tools:
            params["tools"] = self.tools
        config: dict[str, Any] = dict(o.generation_config or {})
        if o.thinking:
            config["thinking_level"] = o.thinking
        if o.thoughts:
            config["thinking_summaries"] = "auto"
        if o.temperature is not None:
            config["temperature"] = o.temperature
        if o.max_output_tokens is not None:
            config["max_output_tokens"] = o.max_output_tokens
        if config:
            params["generation_config"] = config
        if self.schema is not None:
            params["response_format"] = self.schema.response_format
        if self.background:
            params["background"] = True
        if not o.store:
            params["store"] = False
        if o.service_tier:
            params["service_tier"] = o.service_tier
        if o.extra_body:
            params["extra_body"] = dict(o.extra_body)
        return params

    def first_input(self, prompt: str) -> Any:
        if not self.content:
            return prompt
        return [{"type": "text", "text": prompt}, *self.content]

    def summary(self) -> dict[str, Any]:
        """The options as given, JSON-ready, defaults left out (for provenance and export)."""
        o = self.options
        out: dict[str, Any] = {}
        for key in (
            "model",
            "agent",
            "system",
            "thinking",
            "temperature",
            "max_output_tokens",
            "service_tier",
        ):
            value = getattr(o, key)
            if value is not None:
                out[key] = value
        for key in ("thoughts", "search", "code_execution", "url_context", "background"):
            if getattr(o, key):
                out[key] = True
        if not o.store:
            out["store"] = False
        if not o.stream:
            out["stream"] = False
        if self.functions:
            out["tools"] = list(self.functions)
            out["max_tool_rounds"] = o.max_tool_rounds
            if o.tool_timeout != DEFAULT_TOOL_TIMEOUT:
                out["tool_timeout"] = o.tool_timeout
            if o.tool_result_chars != DEFAULT_RESULT_CHARS:
                out["tool_result_chars"] = o.tool_result_chars
        if self.schema is not None:
            out["schema"] = o.labels.get("schema") or self.schema.name
        if o.labels.get("magic"):
            out["magic"] = o.labels["magic"]
        if o.attachments:
            out["attachments"] = o.labels.get("attachments") or [
                repr(a)[:60] if not isinstance(a, str) else a for a in o.attachments
            ]
        return out


@contextmanager
def _about(option: str) -> Iterator[None]:
    """Mark a ``ChainUsageError`` raised inside as being about ``option``."""
    try:
        yield
    except ChainUsageError as exc:
        exc.option = exc.option or option
        raise


def prepare(options: SendOptions) -> PreparedTurn:
    """Check the options and build tools, schema and attachments; ``ChainUsageError`` if wrong."""
    o = options
    if o.model and o.agent:
        raise ChainUsageError(
            "A turn goes to a model or to an agent, not both: drop {model} or {agent}.",
            model="",
            agent="",
        )
    if o.thinking is not None and o.thinking not in THINKING_LEVELS:
        raise ChainUsageError(
            f"Unknown thinking level {o.thinking!r}; use one of {', '.join(THINKING_LEVELS)}."
        )
    if o.temperature is not None and not 0.0 <= o.temperature <= 2.0:
        raise ChainUsageError(f"Temperature {o.temperature} is out of range; use 0 to 2.")
    if o.max_output_tokens is not None and o.max_output_tokens < 1:
        raise ChainUsageError("The maximum number of output tokens must be at least 1.")
    if o.max_tool_rounds < 0:
        raise ChainUsageError("The maximum number of tool rounds cannot be negative.")
    if o.tool_timeout is not None and not 0 < o.tool_timeout < float("inf"):
        raise ChainUsageError(
            f"A tool time limit of {o.tool_timeout} s cannot be kept; give {{tool_timeout}} "
            "in seconds, more than 0.",
            tool_timeout="SECONDS",
        )
    if o.tool_result_chars is not None and o.tool_result_chars < 100:
        raise ChainUsageError(
            "A tool result cut to fewer than 100 characters tells the model nothing; give "
            "{tool_result_chars} of 100 or more.",
            tool_result_chars="N",
        )
    background = o.background or o.agent is not None
    if background and not o.store:
        raise ChainUsageError(
            "A background turn must be stored (the server keeps it while it runs): drop "
            "{store} or {background}.",
            store="False",
            background="True",
        )
    if o.agent is not None and (
        o.thinking or o.temperature is not None or o.max_output_tokens is not None
    ):
        raise ChainUsageError(
            "Agents take no generation settings: drop {thinking}, {temperature} and "
            "{max_output_tokens} when using {agent}.",
            thinking="",
            temperature="",
            max_output_tokens="",
            agent="",
        )
    with _about("tools"):
        functions, tools = tool_declarations(
            o.tools, search=o.search, code_execution=o.code_execution, url_context=o.url_context
        )
    if functions and background:
        raise ChainUsageError(
            "Function tools run in this process, so they cannot be used with {background} or "
            "{agent}: drop {tools} or run in the foreground.",
            option="tools",
            background="True",
            agent="",
            tools="",
        )
    with _about("schema"):
        schema = response_schema(o.schema) if o.schema is not None else None
    with _about("attachments"):
        content = [
            attachment_content(item, label)
            for item, label in zip(
                o.attachments,
                o.labels.get("attachments") or [None] * len(o.attachments),
                strict=False,
            )
        ]
    return PreparedTurn(o, {f.name: f for f in functions}, tools, schema, content)
