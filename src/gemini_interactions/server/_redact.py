"""Credentials never leave the process: redaction for logs, recorded requests and cassettes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..api._secret import scrub as scrub_fragments

REDACTED = "REDACTED"
SECRET_HEADERS = frozenset(
    {
        "x-goog-api-key",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-goog-iam-authorization-token",
    }
)
SECRET_QUERY = frozenset({"key", "api_key", "access_token", "token"})
SECRET_FIELDS = frozenset(
    {
        "api_key",
        "apikey",
        "access_token",
        "refresh_token",
        "id_token",
        "client_secret",
        "password",
        "secret",
        "authorization",
        "x-goog-api-key",
        "private_key",
    }
)
# Google API keys and bearer tokens that slip into free text (error messages, echoed headers).
_KEY_PATTERN = re.compile(r"AIza[0-9A-Za-z_\-]{30,}|(?<=Bearer )[A-Za-z0-9._\-~+/]{8,}=*")


def redact_text(text: str) -> str:
    return _KEY_PATTERN.sub(REDACTED, text)


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], secrets: Iterable[str] = ()
) -> dict[str, str]:
    """Secret-named headers masked; in the others, key-shaped strings and any echoed piece of
    ``secrets`` (a server that copies the key into a header of its answer)."""
    known = set(secrets)
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {
        scrub(k.lower(), known): (REDACTED if k.lower() in SECRET_HEADERS else scrub(v, known))
        for k, v in items
    }


def redact_query(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, REDACTED if k.lower() in SECRET_QUERY else v) for k, v in pairs]


def _carries_secrets(holder: dict[Any, Any], key: Any) -> bool:
    """An MCP server's headers (its token) and a sandbox's variables (its credentials): every
    value in them is treated as a secret, whatever its name."""
    kind = holder.get("type")
    return (kind == "mcp_server" and key == "headers") or (kind == "remote" and key == "env")


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED for k in value}
    return REDACTED


def redact_json(value: Any) -> Any:
    """A copy of a JSON value with secret-named fields, MCP headers, sandbox variables and
    key-shaped strings masked."""
    if isinstance(value, dict):
        return {
            k: (
                REDACTED
                if str(k).lower() in SECRET_FIELDS
                else _masked(v)
                if _carries_secrets(value, k)
                else redact_json(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def secrets_in(headers: Mapping[str, str], query: Iterable[tuple[str, str]], body: Any) -> set[str]:
    """The credential values a request carried, to scrub them from what comes back too."""
    found: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str) and len(value.strip()) >= 6:
            # Keep the scheme readable: "Bearer REDACTED".
            bearer = value.lower().startswith("bearer ")
            found.add(value[7:].strip() if bearer else value.strip())

    for key, value in headers.items():
        if key.lower() in SECRET_HEADERS:
            add(value)
    for key, value in query:
        if key.lower() in SECRET_QUERY:
            add(value)

    def every(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                every(item)
        elif isinstance(value, list):
            for item in value:
                every(item)
        else:
            add(value)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if str(key).lower() in SECRET_FIELDS:
                    add(item)
                elif _carries_secrets(value, key):
                    every(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return found


def scrub(text: str, secrets: set[str]) -> str:
    """``text`` with every known secret value (longest first), any echoed piece of 8 or more
    characters of one (JSON-escaped or percent-encoded too), and key-shaped strings masked."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return redact_text(scrub_fragments(text, secrets, REDACTED))
