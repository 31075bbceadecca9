"""A ``%%gemini`` cell planned in one place: what it sends, with which options, to which chain.

``plan_cell`` reads the cell (its options, prompt, the notebook's names and the ``%config``
settings) and changes nothing: a single turn, a ``--map`` run and a ``--dry-run`` all start from
its ``CellPlan``, so a mistake anywhere in a cell is found before anything is sent.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..api._secret import Secret
from ..chain import ChainUsageError, SendOptions
from ..chain._interpolate import PATH, interpolate, lookup, resolve
from ..chain._tools import BUILTIN_TOOLS, function_tool, running_tool
from ._flags import agentic_options
from ._options import CellOptions, parse_options

if TYPE_CHECKING:
    from .._kernel import KernelState
    from ..chain import Chain, ChainRegistry

_ONLY_MAP = {
    "--retry-failed": "retry_failed",
    "--fresh": "fresh",
    "--max-total-tokens": "max_total_tokens",
    "--max-cost": "max_cost",
}


class Settings(Protocol):
    """The ``%config GeminiMagics`` defaults a cell's options fall back on."""

    model: str
    thinking_level: str
    thoughts: bool
    system_instruction: str
    tools: list[str]
    max_tool_rounds: int
    tool_timeout: float
    tool_result_chars: int
    stream: bool
    mcp_servers: dict[str, Any]
    file_search: str
    maps: bool
    tool_objects: list[dict[str, Any]]


@dataclass
class MapPlan:
    """``--map NAME``: the data, and the prompt of its first element (what a dry run shows)."""

    name: str
    data: Any
    count: int
    first: str
    settings: dict[str, Any]
    """``run_map``'s keyword arguments for the run: concurrency, rpm, retry_failed, ..."""


@dataclass
class CellPlan:
    """Everything a cell does, decided: the prompt (for ``--map`` the template), the options,
    the chain and where in it the turn continues."""

    prompt: str
    options: SendOptions
    chain: Chain
    new: bool
    from_turn: int | None
    out: str | None = None
    schema_name: str | None = None
    map: MapPlan | None = None
    dry_run: bool = False

    @property
    def first_prompt(self) -> str:
        """The prompt of the first request (``--map``'s first element)."""
        return self.map.first if self.map is not None else self.prompt


def env_secrets() -> tuple[Secret, ...]:
    """The API keys in the environment (what a prompt or output must never carry), held so no
    traceback of a failing interpolation can show them."""
    names = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    held = (Secret(os.environ.get(name, "").strip()) for name in names)
    return tuple(s for s in held if len(s.get()) >= 8)


def plan_cell(
    cell: str,
    typed: str | CellOptions,
    *,
    settings: Settings,
    namespace: Mapping[str, Any],
    registry: ChainRegistry,
    hidden: Collection[str] = frozenset(),
    line: str = "",
) -> CellPlan:
    """The plan of a cell whose first line is ``%%gemini LINE`` (``typed``: the line, or it
    parsed); changes nothing. ``line`` is kept as the turn's label (default: ``typed``)."""
    opts = typed if isinstance(typed, CellOptions) else parse_options(typed)
    line = line or (typed if isinstance(typed, str) else "")
    tool = running_tool()
    if tool is not None:
        raise ChainUsageError(
            f"Tool {tool!r} ran a `%%gemini` cell while the turn that called it is still "
            "running; a tool cannot start a turn of its own (the outer turn's chain, head "
            "and numbering would change under it). Return the data the model needs instead."
        )
    prompt = cell.strip()
    if not prompt:
        raise ChainUsageError("The cell is empty: write the prompt on the lines below `%%gemini`.")
    if not opts.raw:
        # With --map, {item} and {i} are the element's, filled in per element.
        skip = {*hidden, "item", "i"} if opts.map else hidden
        prompt = interpolate(prompt, namespace, hidden=skip, secrets=env_secrets())
    if opts.context:
        from ..chain._context import context_block

        hint = "Define it first."
        described = {n: resolve(n, namespace, "--context variable", hint) for n in opts.context}
        prompt = f"{prompt}\n\n{context_block(described, opts.context_chars)}"
    if opts.map is None:
        given = [f for f, field in _ONLY_MAP.items() if getattr(opts, field) not in (None, False)]
        if given:
            raise ChainUsageError(
                f"{', '.join(given)} apply to a --map run only; nothing was sent."
            )
    options = send_options(opts, settings, namespace, line)
    new = not (opts.continue_ or opts.from_turn is not None)
    chain = registry.target(opts.chain, new=new, from_turn=opts.from_turn)
    options = agentic_options(options, opts, settings, namespace, chain)
    return CellPlan(
        prompt=prompt,
        options=options,
        chain=chain,
        new=new,
        from_turn=opts.from_turn,
        out=opts.out,
        schema_name=opts.schema_name,
        map=_map_plan(opts, prompt, namespace) if opts.map is not None else None,
        dry_run=opts.dry_run,
    )


def dry_run_text(plan: CellPlan, state: KernelState) -> str:
    """``--dry-run``: the exact first request of ``plan`` as JSON (credentials redacted; for
    ``--map`` the first element's body), sending nothing."""
    chain, backend = plan.chain, state.backend
    if chain.client is None:
        chain.client = state.dry_run_client()
    request = chain.build_request(
        plan.first_prompt, new=plan.new, from_turn=plan.from_turn, options=plan.options
    )
    if plan.map is not None:
        first = json.dumps(request["json"], indent=2, ensure_ascii=False, default=str)
        return f"--map {plan.map.name}: {plan.map.count} request(s); the first:\n{first}"
    shown = {"backend": backend.describe(), **abbreviate_data(request)}
    placeholder = backend.placeholder_key
    if placeholder and shown["headers"].get("x-goog-api-key") == "***":
        shown["headers"]["x-goog-api-key"] = placeholder  # not a secret: shown as sent
    return json.dumps(shown, indent=2, ensure_ascii=False)


def abbreviate_data(value: Any, limit: int = 200) -> Any:
    """The request with long inline ``data`` (base64 attachments) cut short, so a dry run with
    a 10 MB image prints a page, not 13 MB; everything else is exactly what would be sent."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "data" and isinstance(item, str) and len(item) > limit:
                out[key] = f"{item[:48]}… ({len(item)} base64 characters, sent in full)"
            else:
                out[key] = abbreviate_data(item, limit)
        return out
    if isinstance(value, list):
        return [abbreviate_data(item, limit) for item in value]
    return value


def _map_plan(opts: CellOptions, template: str, namespace: Mapping[str, Any]) -> MapPlan:
    from ..chain._map import fill, iter_elements

    name = opts.map or ""
    data = resolve(name, namespace, "--map variable", "Define the list or DataFrame first.")
    first: str | None = None
    count = 0
    try:  # every element, before anything is sent: a bad {item.x} in element 37 is a mistake
        for i, (_, value) in enumerate(iter_elements(data)):
            filled = fill(template, value, i)
            first = filled if first is None else first
            count += 1
    except (TypeError, ValueError) as exc:
        raise ChainUsageError(f"{exc}.".replace("..", ".")) from None
    if first is None:
        raise ChainUsageError(f"--map {name}: it is empty, so there is nothing to send.")
    keys = ("concurrency", "rpm", "retry_failed", "fresh", "max_total_tokens", "max_cost")
    return MapPlan(name, data, count, first, {key: getattr(opts, key) for key in keys})


def _limit(cell: Any, config: Any) -> Any:
    """The cell's limit, else the configured one; 0 (or less, from %config) is no limit."""
    value = cell if cell is not None else config
    return value if value and value > 0 else None


def _tools(names: list[str], namespace: Mapping[str, Any]) -> list[Any]:
    tools: list[Any] = []
    for name in dict.fromkeys(names):
        if name in BUILTIN_TOOLS and name not in namespace:
            tools.append(name)
            continue
        value = resolve(name, namespace, "tool", "Define the function first, or fix --tools.")
        if not callable(value) or isinstance(value, type):
            raise ChainUsageError(
                f"Tool {name!r} is a {type(value).__name__}, not a function. --tools takes "
                "the names of Python functions (def or async def)."
            )
        if not str(getattr(value, "__name__", "")).isidentifier():
            # A lambda or a callable object: the model sees the notebook's name for it.
            value = function_tool(value, name=name.split(".")[-1].split("[")[0])
        tools.append(value)
    return tools


def send_options(
    opts: CellOptions, settings: Settings, namespace: Mapping[str, Any], line: str = ""
) -> SendOptions:
    """The turn's options: the cell's over the ``%config`` settings, names resolved from the
    notebook; the chain checks and converts them once when it sends."""
    m = settings
    tools = _tools([*m.tools, *opts.tools], namespace)
    schema = None
    if opts.schema_name is not None:
        hint = "Define a pydantic model, a TypedDict or a JSON-schema dict first."
        schema = resolve(opts.schema_name, namespace, "schema", hint)
    attachments: list[Any] = []
    for item in opts.attach:
        head = item.split(".")[0].split("[")[0]
        in_notebook = re.fullmatch(PATH, item) and head in namespace
        attachments.append(lookup(item, namespace) if in_notebook else item)
    agent = opts.agent
    return SendOptions(
        model=opts.model or (None if agent else m.model),
        agent=agent,
        system=opts.system or m.system_instruction or None,
        thinking=opts.thinking or (None if agent else m.thinking_level or None),
        thoughts=opts.thoughts or m.thoughts,
        temperature=opts.temperature,
        max_output_tokens=opts.max_output_tokens,
        store=not opts.no_store,
        tools=tools,
        search=opts.search,
        code_execution=opts.code_execution,
        url_context=opts.url_context,
        schema=schema,
        attachments=attachments,
        background=opts.background,
        stream=m.stream and not opts.no_stream,
        max_tool_rounds=(
            opts.max_tool_rounds if opts.max_tool_rounds is not None else m.max_tool_rounds
        ),
        tool_timeout=_limit(opts.tool_timeout, m.tool_timeout),
        tool_result_chars=_limit(opts.tool_result_chars, m.tool_result_chars),
        service_tier=opts.service_tier,
        labels={"schema": opts.schema_name, "attachments": opts.attach, "magic": line},
    )
