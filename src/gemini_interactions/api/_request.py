"""Building create bodies and the other requests, and merging continuation hops."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ._errors import ConfigurationError
from ._wire import CREATE_FIELDS

# Pairs the official SDK refuses client-side: a model interaction and an agent one do not mix.
_EXCLUSIVE = (
    ("model", "agent"),
    ("model", "agent_config"),
    ("generation_config", "agent"),
    ("generation_config", "agent_config"),
    ("cached_content", "agent"),
    ("cached_content", "agent_config"),
)


def jsonable(value: Any) -> Any:
    """pydantic models (ours or the user's) become plain JSON data; the rest is walked."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True, by_alias=True)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _normalise_input(value: Any) -> Any:
    value = jsonable(value)
    if isinstance(value, dict) and "type" not in value and "text" in value and "role" not in value:
        return {**value, "type": "text"}
    if isinstance(value, list):
        return [_normalise_input(v) if isinstance(v, dict) else v for v in value]
    return value


def build_create_body(
    params: Mapping[str, Any], extra_body: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON body of ``POST /interactions`` from create()'s keyword arguments."""
    unknown = sorted(set(params) - set(CREATE_FIELDS))
    if unknown:
        # A typo must not silently drop part of the request.
        name = unknown[0]
        close = difflib.get_close_matches(name, CREATE_FIELDS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigurationError(
            f"create() got an unknown argument {name!r}.{hint} Fields the API does not know "
            "yet go in extra_body={...}."
        )
    body = {k: jsonable(params[k]) for k in CREATE_FIELDS if params.get(k) is not None}
    for a, b in _EXCLUSIVE:
        if a in body and b in body:
            raise ConfigurationError(f"create() takes {a!r} or {b!r}, not both.")
    if "model" not in body and "agent" not in body:
        raise ConfigurationError("create() needs a model= (or an agent=).")
    if "input" in body:
        body["input"] = _normalise_input(body["input"])
    elif "continuation_token" not in body:
        raise ConfigurationError("create() needs an input= (unless continuing with a token).")
    if body.get("store") is False and body.get("background"):
        raise ConfigurationError("store=False cannot be combined with background=True.")
    if extra_body:
        body.update(jsonable(extra_body))
    return body


def continuation_body(original: dict[str, Any], hop_id: str | None, token: str) -> dict[str, Any]:
    """The next hop's body: the same request minus ``input``, plus the token and its owner.
    With ``store: false`` nothing is stored, so the original input goes again instead."""
    body = {k: v for k, v in original.items() if k not in ("input", "previous_interaction_id")}
    body["continuation_token"] = token
    if original.get("store") is False or hop_id is None:
        if "input" in original:
            body["input"] = original["input"]
    else:
        body["previous_interaction_id"] = hop_id
    return body


@dataclass
class RequestSpec:
    """One HTTP request, before auth headers are added (they are fresh for every attempt)."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    stream: bool = False
    new_hop: bool = False
    """Its events belong to a new interaction (a continuation hop), not the current one."""


def get_spec(
    interaction_id: str,
    *,
    stream: bool = False,
    last_event_id: str | None = None,
    include_input: bool | None = None,
) -> RequestSpec:
    if not interaction_id or "/" in interaction_id:
        raise ConfigurationError(f"Not an interaction id: {interaction_id!r}.")
    params: dict[str, str] = {}
    if include_input is not None:
        params["include_input"] = "true" if include_input else "false"
    if last_event_id is not None:
        params["last_event_id"] = last_event_id
    params["stream"] = "true" if stream else "false"
    return RequestSpec("GET", f"/interactions/{interaction_id}", params=params, stream=stream)


# --- continuation hops ----------------------------------------------------------------------------


def _sum_by(a: list[Any] | None, b: list[Any] | None, key: str, value: str) -> list[Any] | None:
    if a is None and b is None:
        return None
    totals: dict[Any, int] = {}
    for item in [*(a or []), *(b or [])]:
        if isinstance(item, dict):
            totals[item.get(key)] = totals.get(item.get(key), 0) + int(item.get(value) or 0)
    return [{key: k, value: v} for k, v in totals.items()]


def merge_usage(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    if not a or not b:
        return a or b
    out = dict(b)
    for key in set(a) | set(b) | {"initial_input_tokens"}:
        x, y = a.get(key), b.get(key)
        if key == "initial_input_tokens":
            out[key] = x if x is not None else a.get("total_input_tokens")
        elif key == "grounding_tool_count":
            out[key] = _sum_by(x, y, "type", "count")
        elif key.endswith("_by_modality"):
            out[key] = _sum_by(x, y, "modality", "tokens")
        elif isinstance(x, int) and isinstance(y, int):
            out[key] = x + y
        elif y is None:
            out[key] = x
    return out


def merge_hops(hops: list[dict[str, Any]]) -> dict[str, Any]:
    """Continuation hops as one interaction, merged the way the official SDK merges them."""
    if len(hops) == 1:
        return hops[0]
    first = hops[0]
    out = dict(hops[-1])
    steps = list(first.get("steps") or [])
    usage = first.get("usage")
    for hop in hops[1:]:
        hop_steps = list(hop.get("steps") or [])
        while hop_steps and hop_steps[0].get("type") == "user_input":
            hop_steps.pop(0)
        steps.extend(hop_steps)
        usage = merge_usage(usage, hop.get("usage"))
    out["steps"] = steps
    if usage is not None:
        out["usage"] = usage
    for key in ("previous_interaction_id", "created", "input"):
        if key in first:
            out[key] = first[key]
        else:
            out.pop(key, None)
    out["continuation_ids"] = [h.get("id") for h in hops if h.get("id")]
    return out
