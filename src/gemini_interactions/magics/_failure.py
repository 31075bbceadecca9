"""What a failed turn or a refused one says in a cell: the chain's words, in the magic's flags.

API errors keep the server's status and message and add what the user can do; chain errors name
``send`` parameters (``from_turn=N``), which a cell writes as flags (``--from N``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamDroppedError,
)

if TYPE_CHECKING:
    from ..chain import ChainUsageError, TurnFailedError
    from ._backend import Backend

_FLAGS = {
    "from_turn": "--from",
    "schema": "--schema",
    "attachments": "--attach",
    "system": "--system",
}
"""``send`` parameters whose flag is not the parameter's name with dashes."""


def flag(name: str, value: str) -> str:
    """How a cell writes the ``send`` parameter ``name`` given ``value`` (as typed in Python):
    ``from_turn=N`` is ``--from N``, ``store=False`` is ``--no-store``, ``new=True`` is a cell
    without --continue."""
    if name == "new":
        return "a cell without --continue or --from" if value == "True" else "--continue"
    option = _FLAGS.get(name, "--" + name.replace("_", "-"))
    if value == "False":
        return f"--no-{option.removeprefix('--')}"
    if value in ("", "True"):
        return option
    return f"{option} {value}"


def usage_message(exc: ChainUsageError, schema_name: str | None = None) -> str:
    """A chain's refusal as a cell says it (flags, and the schema's name where it helps)."""
    message = exc.spelled(flag)
    if exc.option == "schema" and schema_name:
        message = f"--schema {schema_name}: {message}"
    return message


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ")")) else text + "."


def hint(error: Exception | None, backend: Backend, continuing: bool) -> str:
    """One sentence on what to do about ``error`` (empty when the message says it all)."""
    if isinstance(error, StreamDroppedError):
        return "The connection broke mid-answer; re-run the cell to ask again."
    if isinstance(error, APIConnectionError):
        if backend.kind == "live":
            return (
                "Check the network connection and re-run the cell; `%gemini backend offline` "
                "works without one."
            )
        return (
            f"Check that the server at {backend.describe().split(' (')[0]} is running, or "
            "switch with `%gemini backend offline`."
        )
    if isinstance(error, (AuthenticationError, PermissionDeniedError)):
        return (
            "Check GEMINI_API_KEY; after changing it, run `%gemini backend live` so the new "
            "key is used."
        )
    if isinstance(error, RateLimitError):
        return "A rate limit or quota was hit: wait a minute, then re-run the cell."
    if isinstance(error, NotFoundError) and continuing:
        return (
            "The interaction this turn continues is no longer on the server (deleted, expired "
            "or sent with --no-store): branch from another turn with --from N, or drop "
            "--continue to start afresh."
        )
    if isinstance(error, APIStatusError) and error.status_code >= 500:
        return "The service had a problem on its side: re-run the cell in a moment."
    return ""


def failure_message(exc: TurnFailedError, chain: str, backend: Backend) -> str:
    turn = exc.turn
    advice = hint(exc.error, backend, turn.previous_interaction_id is not None)
    parts = [f"The request failed: {_sentence(exc.spelled(flag))}"]
    if advice:
        parts.append(advice)
    parts.append(
        f"Turn {turn.number} of chain {chain!r} is recorded as {turn.status}; the chain's head "
        "did not move."
    )
    return " ".join(parts)
