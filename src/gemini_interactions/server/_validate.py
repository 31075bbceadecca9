"""The create-request rules of the API that do not need server state."""

from __future__ import annotations

import json
from typing import Any

from ..api._wire import CREATE_FIELDS
from ._errors import ErrorReply, bad_request

KNOWN_FIELDS = frozenset(CREATE_FIELDS)
AUTH_MESSAGE = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)


def check_auth(headers: dict[str, str], query_key: str | None) -> None:
    bearer = headers.get("authorization", "")
    if headers.get("x-goog-api-key", "").strip() or query_key:
        return
    if bearer.lower().startswith("bearer ") and bearer[7:].strip():
        return
    raise ErrorReply(401, AUTH_MESSAGE)


# The JSON type each top-level field must have (None is always allowed: "not set").
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "agent": (str,),
    "agent_config": (dict,),
    "previous_interaction_id": (str,),
    "system_instruction": (str,),
    "tools": (list,),
    "generation_config": (dict,),
    "response_format": (dict, list),
    "response_mime_type": (str,),
    "response_modalities": (list,),
    "safety_settings": (list,),
    "stream": (bool,),
    "background": (bool,),
    "store": (bool,),
    "continuation_token": (str,),
    "service_tier": (str,),
    "labels": (dict,),
    "webhook_config": (dict,),
    "environment": (str, dict),
    "cached_content": (str,),
}
JSON_NAMES = {str: "a string", dict: "an object", list: "a list", bool: "true or false"}


def _check_types(body: dict[str, Any]) -> None:
    for key, kinds in FIELD_TYPES.items():
        value = body.get(key)
        if value is not None and not isinstance(value, kinds):
            wanted = " or ".join(JSON_NAMES[k] for k in kinds)
            raise bad_request(
                f"Invalid value at '{key}' ({json.dumps(value)[:40]}): expected {wanted}."
            )
    for position, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise bad_request(f"Invalid value at 'tools[{position}]': a tool needs a 'type'.")
        if tool["type"] == "function" and not isinstance(tool.get("name"), str):
            raise bad_request(f"Invalid value at 'tools[{position}]': a function needs a 'name'.")
    formats = body.get("response_format")
    for item in formats if isinstance(formats, list) else [formats] if formats else []:
        if not isinstance(item, dict):
            raise bad_request("Invalid value at 'response_format': expected objects.")


def validate_create(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    for key in body:
        if key not in KNOWN_FIELDS:
            raise bad_request(
                f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.'
            )
    _check_types(body)
    has_model, has_agent = bool(body.get("model")), bool(body.get("agent"))
    if has_model == has_agent:
        raise bad_request("Exactly one of 'model' or 'agent' must be set.")
    if has_agent and "generation_config" in body:
        raise bad_request("'generation_config' cannot be used with 'agent'; use 'agent_config'.")
    if has_model and "agent_config" in body:
        raise bad_request("'agent_config' can only be used with 'agent'.")
    if has_agent and "cached_content" in body:
        raise bad_request("'cached_content' cannot be used with 'agent'.")
    if body.get("store") is False and body.get("background") is True:
        raise bad_request("'background' requires the interaction to be stored ('store' != false).")
    if has_agent and body.get("background") is not True:
        raise bad_request("Agent interactions must run in the background ('background': true).")
    if "tools" in body and not isinstance(body["tools"], list):
        raise bad_request("Invalid value at 'tools': expected a list.")
    if "input" not in body and not body.get("continuation_token"):
        raise bad_request("'input' is required (unless resuming with 'continuation_token').")
    return body
