"""A plain-text timeline of an interaction's steps: for terminals, logs and ``text/plain``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..api import Interaction

if TYPE_CHECKING:
    from ..chain import Turn
from ._text import short

_WIDTH = 72


def _short(value: Any, width: int = _WIDTH) -> str:
    return short(value, width)


def _texts(blocks: Any) -> str:
    return "".join(b.text for b in blocks or [] if getattr(b, "type", None) == "text")


def _describe(step: Any) -> tuple[str, str]:
    kind = step.type or "unknown"
    if kind == "user_input":
        return "user", _short(_texts(step.content))
    if kind == "model_output":
        media = [b.type for b in step.content if b.type != "text"]
        extra = f" (+{', '.join(media)})" if media else ""
        return "answer", _short(_texts(step.content)) + extra
    if kind == "thought":
        summary = _texts(step.summary)
        return "thought", _short(summary) if summary else "(signature only)"
    if kind == "function_call":
        return "call", f"{step.name}({_short(step.arguments, 50)})"
    if kind == "function_result":
        flag = " [error]" if step.is_error else ""
        return "result", f"{step.name or step.call_id}{flag}: {_short(step.result, 50)}"
    if kind == "google_search_call":
        return "search", _short(", ".join((step.arguments or {}).get("queries", [])))
    if kind == "code_execution_call":
        return "code", _short((step.arguments or {}).get("code", ""))
    if kind == "url_context_call":
        return "fetch", _short(", ".join((step.arguments or {}).get("urls", [])))
    if kind == "code_execution_result":
        return "output", _short(step.result)
    if kind.endswith("_result"):
        from ._cards import result_sources
        from ._suggestions import suggestions_of, suggestions_text

        sources = result_sources(step)  # a search result's links, not its rendered widget HTML
        if sources:
            titles = ", ".join(title or url for url, title in sources)
            return "found", _short(f"{len(sources)} source(s): {titles}")
        snippets = suggestions_of(step.result)
        if snippets:  # Google's chip: its queries, never its stylesheet
            return "found", _short(suggestions_text(snippets) or "search suggestions")
        return "found", _short(step.result)
    if kind.endswith("_call"):
        return kind.removesuffix("_call").replace("_", " "), _short(step.arguments)
    return kind, _short(step.model_dump(exclude={"type"}, exclude_none=True))


def timeline_text(interaction: Interaction) -> str:
    """One line per step, then the status and usage line."""
    lines = []
    for number, step in enumerate(interaction.steps, 1):
        label, text = _describe(step)
        lines.append(f"{number:>3}. {label:<8} {text}")
    usage = interaction.usage
    tokens = f", {usage.total_tokens} tokens" if usage and usage.total_tokens is not None else ""
    who = interaction.model or interaction.agent or "?"
    env = interaction.environment_id
    where = f" · environment {env}" if env else ""
    lines.append(f"     status {interaction.status} · {who}{tokens} · id {interaction.id}{where}")
    if interaction.error_event is not None:
        lines.append(
            f"     error {interaction.error_event.code}: {interaction.error_event.message}"
        )
    return "\n".join(lines)


def with_environment_column(
    headers: list[str], rows: list[list[Any]], turns: Sequence[Turn]
) -> None:
    """Add the sandbox each turn ran in (``%gemini history``), in place, after the model;
    a chain where no turn had one keeps the table it always had."""
    environments = [turn.environment_id or "-" for turn in turns]
    if all(env == "-" for env in environments):
        return
    at = headers.index("model") + 1 if "model" in headers else len(headers)
    headers.insert(at, "environment")
    for row, env in zip(rows, environments, strict=True):
        row.insert(at, env)
