"""What one ``send`` asks for, checked, and turned into the request parameters of each round.

Tools, system instruction and configuration are turn-scoped in the Interactions API: they are
re-sent on every request, tool rounds included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ._agentic import (
    DEEP_RESEARCH_AGENT,
    config_overlay,
    deep_research_config,
    environment_field,
    file_search_tool,
    maps_tool,
    mcp_tools,
    merge,
    resolve_secrets,
    response_formats,
)
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
    mcp_servers: Mapping[str, Any] | None = None
    """Remote MCP servers by name: a URL, or a dict with ``url``, ``headers`` (a secret as
    ``{"env": "VARIABLE"}``) and ``allowed_tools`` (tool names)."""
    file_search: Any = None
    """File search stores: a name, a list of names, or a dict with ``stores``,
    ``metadata_filter`` and ``top_k``."""
    maps: Any = None
    """Google Maps: True, or a dict with ``latitude``, ``longitude`` and ``enable_widget``."""
    format: Any = None
    """The answer's medium: ``"image"``, ``"audio"``, ``"text"``, a ``response_format`` dict,
    or a list of them."""
    plan: bool = False
    """Deep Research's collaborative planning: the answer is a plan; continue the chain with
    "go ahead" (or edits to the plan) to run it."""
    visualize: bool = False
    """Deep Research draws charts (``visualization: auto``); they come back as images."""
    agent_config: Mapping[str, Any] | None = None
    """An agent's configuration as the API takes it (merged over what plan/visualize set)."""
    environment: Any = None
    """The sandbox a managed agent works in: an environment id, or a dict (sources, network,
    env; a secret as ``{"env": "VARIABLE"}``). Continuing a chain reuses the environment the
    turn it continues ran in."""
    config: Mapping[str, Any] | None = None
    """Any part of the request, deep-merged after every other option (generation settings
    such as ``seed`` may be given at its top level); a field set both ways must agree."""
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
    formats: list[dict[str, Any]] = field(default_factory=list)
    """``response_format`` entries beside the schema's (image, audio, ...)."""
    agent_settings: dict[str, Any] | None = None
    """The ``agent_config`` sent (plan, charts, thought summaries, as given)."""
    environment: Any = None
    """The ``environment`` sent: as given, or the environment id of the turn continued."""
    overlay: dict[str, Any] = field(default_factory=dict)
    """``config``, ready to merge (generation settings moved into ``generation_config``)."""

    def inherit_environment(self, environment_id: str | None) -> None:
        """Continue in the sandbox of the turn continued, unless this turn names its own."""
        if self.environment is None and environment_id:
            self.environment = environment_id

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
        if o.thoughts and o.agent is None:  # an agent's summaries are in its agent_config
            config["thinking_summaries"] = "auto"
        if o.temperature is not None:
            config["temperature"] = o.temperature
        if o.max_output_tokens is not None:
            config["max_output_tokens"] = o.max_output_tokens
        if config:
            params["generation_config"] = config
        formats = [self.schema.response_format] if self.schema is not None else []
        formats += [f for f in self.formats if not (formats and f == {"type": "text"})]
        if formats:
            params["response_format"] = formats[0] if len(formats) == 1 else formats
        if self.agent_settings is not None:
            params["agent_config"] = dict(self.agent_settings)
        if self.environment is not None:
            params["environment"] = self.environment
        if self.background:
            params["background"] = True
        if not o.store:
            params["store"] = False
        if o.service_tier:
            params["service_tier"] = o.service_tier
        if o.extra_body:
            params["extra_body"] = dict(o.extra_body)
        return merge(params, self.overlay) if self.overlay else params

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
        for key in ("mcp_servers", "file_search", "maps", "format", "agent_config", "config"):
            value = getattr(o, key)
            if value is not None and value is not False:
                out[key] = _json_ready(value)
        for key in ("plan", "visualize"):
            if getattr(o, key):
                out[key] = True
        if o.environment is not None:  # as given: an inherited sandbox is the turn's own record
            out["environment"] = _json_ready(o.environment)
        if o.labels.get("magic"):
            out["magic"] = o.labels["magic"]
        if o.attachments:
            out["attachments"] = o.labels.get("attachments") or [
                repr(a)[:60] if not isinstance(a, str) else a for a in o.attachments
            ]
        return out


def _json_ready(value: Any) -> Any:
    """An option as JSON for provenance (secrets are ``{"env": NAME}`` markers already)."""
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


@contextmanager
def _about(option: str) -> Iterator[None]:
    """Mark a ``ChainUsageError`` raised inside as being about ``option``."""
    try:
        yield
    except ChainUsageError as exc:
        exc.option = exc.option or option
        raise


def prepare(options: SendOptions, *, check_secrets: bool = True) -> PreparedTurn:
    """Check the options and build tools, schema and attachments; ``ChainUsageError`` if wrong.

    ``check_secrets=False``: a ``{"env": NAME}`` whose variable is not set is let through (a dry
    run shows the marker, never a value, so it needs none)."""
    o = options
    if (o.plan or o.visualize) and not o.agent:
        if o.model:
            raise ChainUsageError(
                "A research plan and charts come from the Deep Research agent, not a model: "
                "drop {model} (the agent is used by default) or name it with {agent}.",
                model="",
                agent=DEEP_RESEARCH_AGENT,
            )
        o = dataclasses.replace(o, agent=DEEP_RESEARCH_AGENT)
    if (o.plan or o.visualize) and o.agent and not o.agent.startswith("deep-research"):
        raise ChainUsageError(
            f"A research plan and charts are Deep Research's; the agent {o.agent} has "
            "neither: drop {plan} and {visualize}, or leave out {agent} (Deep Research is "
            "used by default).",
            plan="True",
            visualize="True",
            agent="",
        )
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
    tools += mcp_tools(o.mcp_servers)
    tools += [t for t in (file_search_tool(o.file_search), maps_tool(o.maps)) if t is not None]
    formats = response_formats(o.format)
    agent_settings = _agent_settings(o)
    environment = environment_field(o.environment)
    overlay = config_overlay(o.config)
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
    prepared = PreparedTurn(
        o,
        {f.name: f for f in functions},
        tools,
        schema,
        content,
        formats=formats,
        agent_settings=agent_settings,
        environment=environment,
        overlay=overlay,
    )
    params = prepared.base_params()  # a config that contradicts a flag fails here, not later
    if check_secrets:  # an unset variable fails before sending
        resolve_secrets(params, "A secret of this turn")
    if o.agent is not None and "generation_config" in params:
        raise ChainUsageError(
            "Agents take no generation settings (generation_config): drop them from "
            "{config}; an agent's settings go in {agent_config}.",
            option="config",
            config="",
            agent_config="",
        )
    if o.agent is None and "agent_config" in params:
        raise ChainUsageError(
            "agent_config is for agents: name one with {agent}, or drop {agent_config}.",
            option="agent_config",
            agent="",
            agent_config="",
        )
    return prepared


def _agent_settings(o: SendOptions) -> dict[str, Any] | None:
    """The ``agent_config``: Deep Research's plan, charts and thought summaries, then what
    ``agent_config`` gives (which must agree with them)."""
    if o.agent is None:
        return dict(o.agent_config) if o.agent_config is not None else None
    settings: dict[str, Any] | None = None
    if o.plan or o.visualize or (o.thoughts and o.agent.startswith("deep-research")):
        settings = deep_research_config(plan=o.plan, visualize=o.visualize, thoughts=o.thoughts)
    if o.agent_config is not None:
        if not isinstance(o.agent_config, Mapping):
            raise ChainUsageError("agent_config= takes a dict.", option="agent_config")
        with _about("agent_config"):
            settings = merge(settings or {}, o.agent_config, "agent_config", "agent_config")
    return settings
