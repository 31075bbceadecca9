"""What a failed turn or a refused one says in a cell: the chain's words, in the magic's flags.

Every exception a cell or a line command can end with is translated here, once (``paragraph``):
API errors keep the server's status and message and add what the user can do; chain errors name
``send`` parameters (``from_turn=N``), which a cell writes as flags (``--from N``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from ..api._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    GeminiError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamDroppedError,
)
from ..chain import ChainUsageError, MapBudgetReached, TurnFailedError
from ._errors import MagicUsageError, TurnFailed, TurnInterrupted

if TYPE_CHECKING:
    from .._backend import Backend
    from .._cell._plan import CellPlan
    from ..chain import Turn

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


def paragraph(
    exc: BaseException,
    backend: Backend | None = None,
    plan: CellPlan | None = None,
    before: int = 0,
) -> BaseException | None:
    """The one-paragraph exception a cell ends with for ``exc`` (``exc`` itself when it is one
    already; None: a bug, shown with its traceback). ``plan``: the cell's, whose turns from
    number ``before + 1`` on were added by it."""
    if isinstance(exc, (MagicUsageError, TurnFailed, TurnInterrupted)):
        return exc
    if isinstance(exc, MapBudgetReached):
        return TurnFailed(usage_message(exc))
    if isinstance(exc, ChainUsageError):
        return MagicUsageError(usage_message(exc, plan.schema_name if plan else None))
    if isinstance(exc, TurnFailedError) and backend is not None:
        return TurnFailed(failure_message(exc, exc.turn.chain, backend))
    if isinstance(exc, KeyboardInterrupt) and plan is not None:
        return TurnInterrupted(_interrupted(exc, plan, before))
    if isinstance(exc, GeminiError):
        return MagicUsageError(str(exc).strip())
    from ..export import ChainFileError, ExportError

    if isinstance(exc, (ChainFileError, ExportError)):  # a file that cannot be read or written
        return MagicUsageError(str(exc))
    return None


def fail(
    exc: BaseException,
    backend: Backend | None = None,
    plan: CellPlan | None = None,
    before: int = 0,
) -> NoReturn:
    """Raise ``exc`` as its paragraph (see ``paragraph``), or as it is when it is a bug."""
    translated = paragraph(exc, backend, plan, before)
    if translated is None or translated is exc:
        raise exc
    raise translated from None


def _interrupted(exc: KeyboardInterrupt, plan: CellPlan, before: int) -> str:
    chain, result = plan.chain, getattr(exc, "result", None)
    if plan.map is not None and result is not None:  # the run stopped; what finished is kept
        done = len(result) - len(result.failed)
        where = f" (in {plan.out})" if plan.out else ""
        return (
            f"Interrupted. The {done} finished element(s) of {plan.map.name} are kept{where}; "
            "run the cell again to send only the missing or failed ones."
        )
    if plan.map is not None:  # a Ctrl-C outside the pool's own handling (while recording)
        return (
            f"Interrupted while --map {plan.map.name} was stopping, before the run was recorded. "
            "Run the cell again: the elements that finished are in the run store and are not "
            "sent again."
        )
    if len(chain.turns) > before and chain.turns[-1].status == "interrupted":
        return (
            f"Interrupted. The partial answer is kept as turn {chain.turns[-1].number} "
            f"of chain {chain.name!r}, marked interrupted; the chain's head did not move."
        )
    return "Interrupted; nothing was recorded."


def unparsed(turn: Turn, out: str | None) -> TurnFailed:
    """An answer that does not fit the cell's schema: the turn is kept, no name is set."""
    unset = " and ".join(f"`{name}`" for name in (out, "_gemini") if name)
    reason = (turn.parse_error or "").rstrip(".")
    return TurnFailed(
        f"{reason[:1].upper()}{reason[1:]}. Turn {turn.number} of chain {turn.chain!r} "
        f"is kept as it came (`%gemini show {turn.number}`); {unset} not set."
    )


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
