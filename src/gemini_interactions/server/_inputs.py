"""Every accepted shape of ``input`` normalised to a list of steps."""

from __future__ import annotations

from typing import Any

from ._errors import bad_request
from ._faults import UNKNOWN_STEP

CONTENT_TYPES = frozenset({"text", "image", "audio", "document", "video"})
# Blocks that were content in the legacy revision but are steps in the current one.
LEGACY_STEP_BLOCKS = frozenset(
    {
        "thought",
        "function_call",
        "function_result",
        "code_execution_call",
        "code_execution_result",
        "url_context_call",
        "url_context_result",
        "google_search_call",
        "google_search_result",
        "mcp_server_tool_call",
        "mcp_server_tool_result",
        "file_search_call",
        "file_search_result",
        "google_maps_call",
        "google_maps_result",
    }
)

# Every step type of the steps revision, plus the one this server's own fault injection emits
# (a client echoing it back in stateless history must not be refused).
STEP_TYPES = LEGACY_STEP_BLOCKS | {
    "user_input",
    "model_output",
    "retrieval_call",
    "retrieval_result",
    "processing_call",
    "processing_result",
    "tool_search_call",
    "tool_search_result",
    str(UNKNOWN_STEP["type"]),
}

Step = dict[str, Any]


def _unknown_type(where: str, kind: object, known: frozenset[str]) -> Exception:
    listed = ", ".join(sorted(known))
    return bad_request(
        f"Invalid value at '{where}.type' ({kind!r}): not a known type; expected one of {listed}."
    )


def _content(block: Any, where: str = "input", legacy: bool = False) -> dict[str, Any]:
    if isinstance(block, str):
        return {"type": "text", "text": block}
    if not isinstance(block, dict):
        raise bad_request(f"Invalid content block at '{where}': {str(block)[:80]!r}")
    if "type" not in block and "text" in block:
        return {"type": "text", **block}
    # The legacy revision carried calls and results as content blocks.
    known = CONTENT_TYPES | LEGACY_STEP_BLOCKS if legacy else CONTENT_TYPES
    if block.get("type") not in known:
        raise _unknown_type(where, block.get("type"), known)
    return dict(block)


def _is_content(item: Any) -> bool:
    return isinstance(item, str) or (
        isinstance(item, dict)
        and (item.get("type") in CONTENT_TYPES or ("type" not in item and "text" in item))
    )


def _user(blocks: list[dict[str, Any]]) -> Step:
    return {"type": "user_input", "content": blocks}


def normalise_input(value: Any, *, legacy: bool) -> list[Step]:
    """The steps a request's ``input`` stands for (``user_input``, ``function_result``, ...)."""
    if value is None:
        return []
    if isinstance(value, str):
        # Like an empty list: there is nothing to answer (the caller's 400 says so).
        return [_user([{"type": "text", "text": value}])] if value else []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise bad_request("Invalid value at 'input': expected a string, an object or a list.")
    if value and all(_is_content(item) for item in value):
        return [_user([_content(item) for item in value])]
    steps: list[Step] = []
    pending: list[dict[str, Any]] = []
    for position, item in enumerate(value):
        where = f"input[{position}]"
        if _is_content(item):
            pending.append(_content(item, where))
            continue
        if pending:
            steps.append(_user(pending))
            pending = []
        if not isinstance(item, dict):
            raise bad_request(f"Invalid value at '{where}': {str(item)[:80]!r}")
        if "role" in item and "type" not in item:
            if not legacy:
                raise bad_request(
                    "Role-based turns ({'role': ..., 'content': ...}) are not accepted by "
                    "Api-Revision 2026-05-20; send user_input / model_output steps instead."
                )
            steps.extend(_legacy_turn(item))
        elif not isinstance(item.get("type"), str):
            raise bad_request("Every item of 'input' needs a 'type'.")
        elif item["type"] in ("user_input", "model_output"):
            content = item.get("content", [])
            if not isinstance(content, list):
                raise bad_request(
                    f"Invalid value at 'input': a {item['type']} step's 'content' is a list of "
                    'content blocks, e.g. [{"type": "text", "text": "..."}].'
                )
            blocks = [_content(b, f"{where}.content[{i}]", legacy) for i, b in enumerate(content)]
            steps.append({**item, "content": blocks})
        elif item["type"] not in STEP_TYPES:
            raise _unknown_type(where, item["type"], STEP_TYPES | CONTENT_TYPES)
        else:
            steps.append(dict(item))
    if pending:
        steps.append(_user(pending))
    return steps


def _legacy_turn(turn: dict[str, Any]) -> list[Step]:
    role = turn.get("role")
    raw = turn.get("content", turn.get("parts", []))
    blocks = [raw] if isinstance(raw, str | dict) else list(raw or [])
    steps: list[Step] = []
    plain: list[dict[str, Any]] = []
    kind = "model_output" if role == "model" else "user_input"
    for block in blocks:
        content = _content(block, "input", legacy=True)
        if content.get("type") in LEGACY_STEP_BLOCKS:
            if plain:
                steps.append({"type": kind, "content": plain})
                plain = []
            steps.append(content)
        else:
            plain.append(content)
    if plain:
        steps.append({"type": kind, "content": plain})
    return steps


def texts_of(step: Step) -> list[str]:
    return [
        str(block.get("text", ""))
        for block in step.get("content") or []
        if isinstance(block, dict) and block.get("type") == "text"
    ]


def last_user_text(steps: list[Step]) -> str:
    """The text of the most recent ``user_input`` step (empty when there is none)."""
    for step in reversed(steps):
        if step.get("type") == "user_input":
            return "\n".join(texts_of(step))
    return ""


def user_turns(steps: list[Step]) -> int:
    return sum(1 for step in steps if step.get("type") == "user_input")


def function_results(steps: list[Step]) -> list[Step]:
    return [step for step in steps if step.get("type") == "function_result"]
