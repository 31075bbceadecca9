"""The create-request rules of spec 12.4 that do not need server state."""

from __future__ import annotations

from typing import Any

from ._errors import ApiError, bad_request

KNOWN_FIELDS = frozenset(
    {
        "model",
        "agent",
        "agent_config",
        "input",
        "previous_interaction_id",
        "system_instruction",
        "tools",
        "generation_config",
        "response_format",
        "response_mime_type",
        "response_modalities",
        "safety_settings",
        "stream",
        "background",
        "store",
        "continuation_token",
        "service_tier",
        "labels",
        "webhook_config",
        "environment",
        "cached_content",
    }
)
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
    raise ApiError(401, AUTH_MESSAGE)


def validate_create(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    for key in body:
        if key not in KNOWN_FIELDS:
            raise bad_request(
                f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.'
            )
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
