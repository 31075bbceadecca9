"""The agentic flags of a ``%%gemini`` cell, turned into ``SendOptions``.

``--mcp``, ``--file-search``, ``--maps``, ``--tool``, ``--config``, ``--format``, ``--plan``,
``--visualize`` and ``--environment`` (and the ``%config GeminiMagics`` defaults behind the first
four) are parsed here: notebook variables looked up, JSON read, and every mistake one paragraph
saying what to type instead. Building the request from them is the chain's (``chain/_agentic``);
this module only reads what the cell says.

A secret is never typed into a flag: an MCP server's token and a sandbox's credential are given
as ``{"env": "VARIABLE"}``, which the chain reads only while it sends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..chain import ChainUsageError

if TYPE_CHECKING:
    from ..chain import Chain, SendOptions
    from ._options import CellOptions
    from ._plan import Settings

_VARIABLE = re.compile(r"[A-Za-z_]\w*(?:\.\w+|\[[^\]]*\])*")
"""A notebook variable, with attributes and keys (``settings``, ``cfg.tools[0]``)."""

# --- the entry point --------------------------------------------------------------------------


def agentic_options(
    options: SendOptions,
    cell: CellOptions,
    settings: Settings,
    namespace: Mapping[str, Any],
    chain: Chain | None = None,
) -> SendOptions:
    """``options`` with what the cell's agentic flags and their ``%config`` defaults ask for.

    ``chain``: the chain the cell goes to, so a cell that continues a Deep Research plan or a
    managed agent's sandbox without naming a model or agent goes on with that agent ("go ahead"
    after a plan runs it) instead of the configured default model. Raises ``ChainUsageError``
    for a flag it cannot read."""
    import dataclasses

    from ..chain._agentic import merge

    config = _config(cell.config, namespace)
    file_search_extra = _pop_dict(config, "file_search", "--config's file_search")
    maps_extra = _pop_dict(config, "maps", "--config's maps")
    tools = [
        *(_tool(t, "%config GeminiMagics.tool_objects") for t in settings.tool_objects),
        *(obj for text in cell.tool for obj in _tools_of(text, namespace)),
    ]
    for tool in tools:
        _no_plain_secret(tool, "--tool")
    _no_plain_secret(config, "--config")
    if tools:
        config = merge({"tools": tools}, config, source="config")
    changes: dict[str, Any] = {
        "mcp_servers": _mcp_servers(cell.mcp, settings.mcp_servers, namespace) or None,
        "file_search": _file_search(
            cell.file_search or settings.file_search or None, file_search_extra, namespace
        ),
        "maps": (maps_extra or True) if (cell.maps or settings.maps or maps_extra) else None,
        "format": cell.format,
        "plan": cell.plan,
        "visualize": cell.visualize,
        "environment": _environment(cell.environment, namespace),
        "config": config or None,
    }
    if (
        cell.model is None
        and cell.agent is None
        and (cell.plan or cell.visualize or _continues_an_agent(cell, chain))
    ):
        # The configured default model (and thinking level) are a model's: without them the
        # chain picks Deep Research for a plan, or the agent of the turn continued.
        changes.update(model=None, thinking=cell.thinking)
    return dataclasses.replace(options, **changes)


def _continues_an_agent(cell: CellOptions, chain: Chain | None) -> bool:
    if chain is None or not (cell.continue_ or cell.from_turn is not None):
        return False
    try:
        parent = chain.turn(cell.from_turn) if cell.from_turn is not None else chain.head
    except ChainUsageError:
        return False  # the chain says why, in its own words, when the cell is sent
    if parent is None or not isinstance(parent.options.get("agent"), str):
        return False
    # A plan waits for its go-ahead and a managed agent's sandbox for its next task; after any
    # other agent's report a follow-up goes to the configured model, as it always did.
    return bool(parent.options.get("plan")) or parent.environment_id is not None


# --- reading one flag -------------------------------------------------------------------------


def _usage(message: str) -> Exception:
    return ChainUsageError(message)


def _read(text: str, flag: str, namespace: Mapping[str, Any], example: str) -> Any:
    """``text`` as JSON (an object or a list) or as the value of a notebook variable."""
    from ..chain._interpolate import lookup

    text = text.strip()
    if text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _usage(
                f"{flag} got {_clip(text)}, which is not valid JSON ({exc.msg} at character "
                f"{exc.pos + 1}). Put the whole object in single quotes, with double quotes "
                f"inside: {flag} {example}. Nothing was sent."
            ) from None
    if not _VARIABLE.fullmatch(text):
        raise _usage(
            f"{flag} takes JSON or the name of a variable; {_clip(text)} is neither. For "
            f"example: {flag} {example}. Nothing was sent."
        )
    try:
        return lookup(text, namespace)
    except KeyError:
        head = re.split(r"[.\[]", text, maxsplit=1)[0]
        raise _usage(
            f"Unknown variable {text!r} for {flag}: there is no {head!r} in this notebook. "
            f"Define it first, or give the JSON itself ({flag} {example}). Nothing was sent."
        ) from None


def _clip(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _wrong_type(flag: str, text: str, value: Any, wanted: str) -> Exception:
    return _usage(
        f"{flag} {text.strip()} is a {type(value).__name__}; {flag} takes {wanted}. "
        "Nothing was sent."
    )


def _as_plain(value: Any) -> Any:
    """A typed tool (``api.McpServerTool(...)``, any pydantic model) as the dict it sends."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_unset=True, by_alias=True)
    return value


def _config(text: str | None, namespace: Mapping[str, Any]) -> dict[str, Any]:
    if text is None:
        return {}
    value = _read(text, "--config", namespace, """'{"seed": 7, "top_p": 0.9}'""")
    if not isinstance(value, Mapping):
        raise _wrong_type("--config", text, value, "a dict (parts of the request)")
    return dict(value)


_EXAMPLES = {
    "file_search": '{"top_k": 5, "metadata_filter": "year > 2020"}',
    "maps": '{"latitude": 38.72, "longitude": -9.14}',
}


def _pop_dict(config: dict[str, Any], key: str, what: str) -> dict[str, Any] | None:
    """``config[key]`` taken out: the options of the tool a flag adds (a ``file_search`` or
    ``maps`` key is not a request field, so it is the flag's, merged into its tool)."""
    if key not in config:
        return None
    value = config.pop(key)
    if not isinstance(value, Mapping):
        example = _EXAMPLES[key]
        raise _usage(
            f"{what} must be a dict (such as {example}); got {type(value).__name__}. "
            "Nothing was sent."
        )
    return dict(value)


def _tool(value: Any, flag: str) -> dict[str, Any]:
    value = _as_plain(value)
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        raise _usage(
            f"{flag} takes tool objects as the API takes them, each a dict with a 'type' "
            f"(retrieval, computer_use, ...); got {_clip(repr(value))}. Nothing was sent."
        )
    return dict(value)


def _tools_of(text: str, namespace: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One ``--tool``: a tool object, or a list of them."""
    value = _as_plain(
        _read(text, "--tool", namespace, """'{"type": "computer_use", "environment": "browser"}'""")
    )
    items = value if isinstance(value, list | tuple) else [value]
    if not items or not all(isinstance(_as_plain(i), Mapping) for i in items):
        raise _wrong_type("--tool", text, value, "a tool dict (with a 'type') or a list of them")
    return [_tool(i, "--tool") for i in items]


_SECRET_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "api_key",
        "apikey",
        "token",
        "password",
        "secret",
    }
)


def _no_plain_secret(value: Any, flag: str, key: str = "") -> None:
    """A credential typed into a tool or ``--config`` would be saved with the notebook's
    outputs, history and exports: it must name the environment variable holding it."""
    if isinstance(value, Mapping):
        if set(value) == {"env"} and isinstance(value["env"], str):
            return  # a secret named by its environment variable: the way to give one
        for k, v in value.items():
            _no_plain_secret(v, flag, str(k))
    elif isinstance(value, list | tuple):
        for item in value:
            _no_plain_secret(item, flag, key)
    elif isinstance(value, str) and value and key.lower() in _SECRET_KEYS:
        raise _usage(
            f"{flag} holds a credential in plain text ({key!r}); give it by the name of the "
            f'environment variable that holds it: "{key}": {{"env": "MY_TOKEN"}}. A secret '
            "typed into a notebook ends up in its outputs, history and exports. Nothing was sent."
        )


def _mcp_servers(
    flags: list[str], configured: Mapping[str, Any], namespace: Mapping[str, Any]
) -> dict[str, Any]:
    """Every configured server, then the cell's (a cell's server replaces one of its name)."""
    servers: dict[str, Any] = {str(k): _as_plain(v) for k, v in configured.items()}
    example = "guide=https://mcp.example.com/sse"
    for flag in flags:
        name, given, value = flag.partition("=")
        name, value = name.strip(), value.strip()
        if not name.isidentifier() and not re.fullmatch(r"[A-Za-z][\w.-]*", name):
            raise _usage(
                f"--mcp takes NAME=URL (a server name, then its address); {_clip(flag)} has no "
                f"usable name. For example: --mcp {example}. Nothing was sent."
            )
        if not given:
            if name in configured:
                continue  # sent anyway: a configured server is named to make that visible
            if name in namespace:
                servers[name] = _server(namespace[name], name, name)
                continue
            raise _usage(
                f"--mcp {name} names no server: it is neither in %config "
                f"GeminiMagics.mcp_servers nor a variable of this notebook. Give its address "
                f"(--mcp {name}=https://…) or define {name} = {{'url': …, 'headers': …, "
                "'allowed_tools': […]}} first. Nothing was sent."
            )
        if not value:
            raise _usage(f"--mcp {name}= needs an address: --mcp {example}. Nothing was sent.")
        if value.startswith(("http://", "https://")):
            base = configured.get(name)
            # The configured server's headers and allowed tools, at the address the cell gives.
            servers[name] = {**dict(base), "url": value} if isinstance(base, Mapping) else value
        else:
            servers[name] = _server(
                _read(value, f"--mcp {name}=", namespace, example.partition("=")[2]), name, value
            )
    for spec in servers.values():
        _no_plain_secret(spec, "An MCP server")
    return servers


def _server(value: Any, name: str, text: str) -> Any:
    value = _as_plain(value)
    if isinstance(value, str) or (isinstance(value, Mapping) and "url" in value):
        return value if isinstance(value, str) else dict(value)
    raise _usage(
        f"--mcp {name}={text} is a {type(value).__name__}; an MCP server is a URL or a dict "
        "with 'url' (and optionally 'headers', 'allowed_tools'). Nothing was sent."
    )


def _file_search(
    given: str | None, extra: dict[str, Any] | None, namespace: Mapping[str, Any]
) -> Any:
    if given is None:
        if extra:
            raise _usage(
                "--config has file_search settings but the cell searches no stores: add "
                "--file-search STORE. Nothing was sent."
            )
        return None
    value: Any = given
    if given.isidentifier() and isinstance(namespace.get(given), Mapping | list | tuple):
        value = namespace[given]
        value = dict(value) if isinstance(value, Mapping) else list(value)
    if extra:
        base = value if isinstance(value, dict) else {"stores": value}
        value = {**base, **extra}
    return value


def _environment(text: str | None, namespace: Mapping[str, Any]) -> Any:
    """An environment id as typed, or a dict (JSON, or a variable holding one or an id)."""
    if text is None:
        return None
    text = text.strip()
    if text.startswith("{"):
        value = _read(text, "--environment", namespace, """'{"sources": []}'""")
    elif text.isidentifier() and text in namespace:
        value = namespace[text]
    else:
        return text
    if not isinstance(value, str | Mapping):
        raise _wrong_type(
            "--environment", text, value, "an environment id or a dict (sources, network, env)"
        )
    if isinstance(value, Mapping):
        value = dict(value)
        _no_plain_secret(value, "--environment")
    return value
