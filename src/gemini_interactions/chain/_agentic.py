"""The agentic half of a turn's options, turned into request fields.

MCP servers, file search and Google Maps become ``tools[]`` entries; ``format`` a
``response_format``; ``plan`` and ``visualize`` a Deep Research ``agent_config``; ``environment``
the sandbox a managed agent works in; ``config`` is any part of the request, deep-merged last so a
flag and a config key for the same field agree or fail in one paragraph.

A secret (an MCP server's token, a sandbox's credential) is never written into options: it is
named by its environment variable, ``{"env": "NAME"}``, and read only while the request is built.
The value is remembered as a secret, so every file this package writes scrubs it, as it does the
API key; what a turn records (its options, history, export) keeps the marker, never the value.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from ..api._secret import Secret, remember_secret_env
from ._errors import ChainUsageError

DEEP_RESEARCH_AGENT = "deep-research-preview-04-2026"
"""The agent a turn goes to when it asks for a plan or charts and names no agent."""

FORMATS = ("text", "image", "audio", "video")
GENERATION_KEYS = frozenset(
    {
        "image_config",
        "max_output_tokens",
        "seed",
        "speech_config",
        "stop_sequences",
        "temperature",
        "thinking_level",
        "thinking_summaries",
        "tool_choice",
        "top_k",
        "top_p",
        "transcription_config",
        "video_config",
    }
)
"""Generation settings a ``config`` may give at its top level; they go into
``generation_config`` (``{"seed": 7}`` means ``{"generation_config": {"seed": 7}}``)."""

_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-goog-api-key"}
)


def is_env_ref(value: Any) -> bool:
    """``{"env": "NAME"}``: a secret given by the name of the environment variable holding it."""
    return isinstance(value, Mapping) and set(value) == {"env"} and isinstance(value["env"], str)


def resolve_secrets(value: Any, where: str) -> Any:
    """A copy of ``value`` with every ``{"env": "NAME"}`` replaced by that variable's value
    (remembered as a secret); a variable that is not set is a ``ChainUsageError``."""
    if is_env_ref(value):
        name = value["env"]
        found = os.environ.get(name)
        if not found:
            raise ChainUsageError(
                f"{where} names the environment variable {name}, which is not set in this "
                f"kernel: set it (os.environ[{name!r}] = ..., or in the shell that starts "
                "Jupyter) and run again. Its value is never shown or saved."
            )
        remember_secret_env(name, Secret(found))
        return found
    if isinstance(value, Mapping):
        return {k: resolve_secrets(v, where) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve_secrets(v, where) for v in value]
    return value


# --- tools -----------------------------------------------------------------------------------


def mcp_tools(servers: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """``{"name": URL}`` or ``{"name": {"url", "headers", "allowed_tools", ...}}`` as
    ``mcp_server`` tools. A header a secret travels in must be given as ``{"env": "NAME"}``."""
    tools: list[dict[str, Any]] = []
    for name, spec in (servers or {}).items():
        if not isinstance(name, str) or not name:
            raise ChainUsageError(f"An MCP server needs a name; got {name!r}.", option="mcp")
        if isinstance(spec, str):
            spec = {"url": spec}
        if not isinstance(spec, Mapping) or not isinstance(spec.get("url"), str):
            raise ChainUsageError(
                f"MCP server {name!r} needs a URL: give {{{name!r}: 'https://…'}} or a dict "
                "with 'url' (and optionally 'headers', 'allowed_tools').",
                option="mcp",
            )
        url = spec["url"]
        if not url.startswith(("https://", "http://")):
            raise ChainUsageError(
                f"MCP server {name!r} has the URL {url!r}; a remote MCP server is reached "
                "over http(s).",
                option="mcp",
            )
        tool: dict[str, Any] = {"type": "mcp_server", "name": name, **dict(spec)}
        headers = spec.get("headers")
        if headers is not None:
            if not isinstance(headers, Mapping):
                raise ChainUsageError(
                    f"MCP server {name!r}: 'headers' must be a dict of header names to values.",
                    option="mcp",
                )
            for header, value in headers.items():
                if str(header).lower() in _SECRET_HEADERS and not is_env_ref(value):
                    raise ChainUsageError(
                        f"MCP server {name!r}: the {header} header carries a secret, so it is "
                        "given by the name of the environment variable that holds it: "
                        f'{{"{header}": {{"env": "MCP_TOKEN"}}}} (with the whole value, '
                        '"Bearer …" included, in MCP_TOKEN). A secret typed into a notebook '
                        "ends up in its outputs, history and exports.",
                        option="mcp",
                    )
            tool["headers"] = dict(headers)
        allowed = spec.get("allowed_tools")
        if isinstance(allowed, list | tuple) and all(isinstance(a, str) for a in allowed):
            # A plain list of tool names is the common case: the API's form wraps it.
            tool["allowed_tools"] = [{"mode": "auto", "tools": list(allowed)}]
        tools.append(tool)
    return tools


def file_search_tool(stores: Any) -> dict[str, Any] | None:
    """``"store"``, ``["a", "b"]`` or ``{"stores": [...], "metadata_filter", "top_k"}``."""
    if stores is None or stores is False:
        return None
    extra: dict[str, Any] = {}
    if isinstance(stores, Mapping):
        extra = {k: v for k, v in stores.items() if k not in ("stores", "file_search_store_names")}
        stores = stores.get("stores", stores.get("file_search_store_names"))
    names = [s.strip() for s in stores.split(",")] if isinstance(stores, str) else stores
    if (
        not isinstance(names, list | tuple)
        or not names
        or not all(isinstance(n, str) and n for n in names)
    ):
        raise ChainUsageError(
            "File search needs the names of one or more file search stores "
            "(fileSearchStores/…); got " + repr(stores) + ".",
            option="file_search",
        )
    full = [n if n.startswith("fileSearchStores/") else f"fileSearchStores/{n}" for n in names]
    top_k = extra.get("top_k")
    if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
        raise ChainUsageError(
            f"File search's top_k must be a whole number of 1 or more; got {top_k!r}.",
            option="file_search",
        )
    return {"type": "file_search", "file_search_store_names": full, **extra}


def maps_tool(maps: Any) -> dict[str, Any] | None:
    """``True``, or ``{"latitude", "longitude", "enable_widget"}``."""
    if not maps:
        return None
    tool: dict[str, Any] = {"type": "google_maps"}
    if isinstance(maps, Mapping):
        for key in ("latitude", "longitude"):
            if key in maps and not isinstance(maps[key], int | float):
                raise ChainUsageError(
                    f"Google Maps' {key} must be a number; got {maps[key]!r}.", option="maps"
                )
        if ("latitude" in maps) != ("longitude" in maps):
            raise ChainUsageError(
                "Google Maps needs both latitude and longitude, or neither.", option="maps"
            )
        tool.update(maps)
    elif maps is not True:
        raise ChainUsageError(
            f"maps= takes True or a dict with latitude and longitude; got {maps!r}.",
            option="maps",
        )
    return tool


# --- formats, agents, environments -----------------------------------------------------------


def response_formats(format: Any) -> list[dict[str, Any]]:
    """``"image"``, ``"audio"``, ``"text"``, a ``response_format`` dict, or a list of them."""
    if format is None:
        return []
    items = list(format) if isinstance(format, list | tuple) else [format]
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            if item not in FORMATS:
                raise ChainUsageError(
                    f"Unknown answer format {item!r}; use one of {', '.join(FORMATS)} (options "
                    "such as an image's aspect ratio go in {config}).",
                    option="format",
                    config="",
                )
            out.append({"type": item})
        elif isinstance(item, Mapping) and isinstance(item.get("type"), str):
            out.append(dict(item))
        else:
            raise ChainUsageError(
                f"An answer format is a name ({', '.join(FORMATS)}) or a dict with a 'type'; "
                f"got {item!r}.",
                option="format",
            )
    return out


def deep_research_config(*, plan: bool, visualize: bool, thoughts: bool) -> dict[str, Any]:
    config: dict[str, Any] = {"type": "deep-research"}
    if plan:
        config["collaborative_planning"] = True
    if visualize:
        config["visualization"] = "auto"
    if thoughts:
        config["thinking_summaries"] = "auto"
    return config


def environment_field(environment: Any) -> Any:
    """An environment id as given, or a dict spec checked for its shape (``type`` defaults to
    ``remote``); secrets in its ``env`` must be ``{"env": "NAME"}`` references."""
    if environment is None or isinstance(environment, str):
        if isinstance(environment, str) and not environment.strip():
            raise ChainUsageError("An environment id cannot be empty.", option="environment")
        return environment
    if not isinstance(environment, Mapping):
        raise ChainUsageError(
            "environment= takes an environment id (a string) or a dict (sources, network, "
            f"env); got {type(environment).__name__}.",
            option="environment",
        )
    spec = {"type": "remote", **dict(environment)}
    env = spec.get("env")
    if env is not None:
        if not isinstance(env, Mapping):
            raise ChainUsageError(
                "The environment's 'env' must be a dict of variable names to values.",
                option="environment",
            )
        for name, value in env.items():
            if isinstance(value, Mapping) and "value" in value and not is_env_ref(value["value"]):
                raise ChainUsageError(
                    f"The sandbox variable {name} is marked as a value object; a secret value "
                    f'is given by the name of the variable that holds it here: {{"{name}": '
                    '{"env": "HOST_VARIABLE"}}. A plain string is sent as it is.',
                    option="environment",
                )
    return spec


# --- config ----------------------------------------------------------------------------------


def config_overlay(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """``config`` with its top-level generation settings moved into ``generation_config``."""
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise ChainUsageError(
            f"config= takes a dict (parts of the request); got {type(config).__name__}.",
            option="config",
        )
    out: dict[str, Any] = {}
    generation: dict[str, Any] = {}
    for key, value in config.items():
        if key in GENERATION_KEYS:
            generation[key] = value
        else:
            out[key] = copy.deepcopy(value)
    if generation:
        given = out.get("generation_config")
        if given is not None and not isinstance(given, Mapping):
            raise ChainUsageError("config's generation_config must be a dict.", option="config")
        out["generation_config"] = merge(dict(given or {}), generation, "generation_config")
    return out


def merge(
    base: dict[str, Any], overlay: Mapping[str, Any], path: str = "", source: str = "config"
) -> dict[str, Any]:
    """``overlay`` deep-merged into ``base`` (in place): dicts merge, ``tools`` lists are
    joined, equal values agree, and two different values for one field are a
    ``ChainUsageError`` naming it."""
    for key, value in overlay.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            base[key] = copy.deepcopy(value)
            continue
        have = base[key]
        if isinstance(have, dict) and isinstance(value, Mapping):
            merge(have, value, where, source)
        elif where == "tools" and isinstance(have, list) and isinstance(value, list | tuple):
            base[key] = have + [copy.deepcopy(t) for t in value if t not in have]
        elif have != value:
            raise ChainUsageError(
                f"{{{source}}} sets {where} to {_short(value)}, but the turn's other options "
                f"already set it to {_short(have)}: give it in one place.",
                option=source,
                **{source: ""},
            )
    return base


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
