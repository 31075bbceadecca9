"""What a responder sees (``TurnRequest``) and what it answers (``Reply``), plus fake usage counts.

Named apart from ``chain.Turn`` (a finished turn as the notebook keeps it): this is the server's
view of one incoming create request, before any answer exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._errors import ErrorReply
from ._faults import FaultPlan
from ._inputs import function_results, last_user_text, texts_of, user_turns

Step = dict[str, Any]


@dataclass
class TurnRequest:
    """One incoming create request, with the conversation it continues."""

    body: dict[str, Any]
    legacy: bool
    model: str | None
    agent: str | None
    tools: list[dict[str, Any]]
    history: list[Step]
    input_steps: list[Step]
    background: bool = False

    @property
    def conversation(self) -> list[Step]:
        return self.history + self.input_steps

    @property
    def user_text(self) -> str:
        return last_user_text(self.conversation)

    @property
    def turn_number(self) -> int:
        """1 for the first user turn of a chain, 2 for the next, ..."""
        return max(user_turns(self.conversation), 1)

    @property
    def function_results(self) -> list[Step]:
        return function_results(self.input_steps)

    @property
    def tool_names(self) -> set[str]:
        """Declared function names and built-in tool types (``google_search``, ...)."""
        names = set()
        for tool in self.tools:
            kind = str(tool.get("type", ""))
            names.add(str(tool.get("name", kind)) if kind == "function" else kind)
        return names

    @property
    def function_tools(self) -> list[dict[str, Any]]:
        return [t for t in self.tools if t.get("type") == "function" and t.get("name")]


@dataclass
class Reply:
    """A responder's answer: output steps and how to deliver them."""

    steps: list[Step] = field(default_factory=list)
    status: str | None = None
    chunk_size: int = 16
    latency: float = 0.0
    step_delay: float = 0.0
    usage: dict[str, Any] | None = None
    error: ErrorReply | None = None
    faults: FaultPlan | None = None
    interaction_id: str | None = None
    model: str | None = None
    hops: int = 1
    hints: dict[int, list[str]] = field(default_factory=dict)
    source: str = ""
    environment_id: str | None = None
    """The sandbox the turn ran in (reported on the interaction as ``environment_id``)."""

    def final_status(self) -> str:
        if self.status:
            return self.status
        if any(step.get("type") == "function_call" for step in self.steps):
            return "requires_action"
        return "completed"


class Responder(Protocol):
    """Something that may answer a turn; None means "not mine, ask the next one"."""

    def respond(self, turn: TurnRequest) -> Reply | None: ...


def _tokens(text: str) -> int:
    return (len(text) + 3) // 4


def _step_text(step: Step) -> str:
    kind = step.get("type")
    if kind in ("user_input", "model_output"):
        return " ".join(texts_of(step))
    if kind == "thought":
        return " ".join(str(s.get("text", "")) for s in step.get("summary") or [])
    return json.dumps({k: v for k, v in step.items() if k != "signature"}, ensure_ascii=False)


def usage_for(conversation: list[Step], steps: list[Step]) -> dict[str, Any]:
    """Fake but consistent counts: total = input + output + thought + tool use."""
    total_in = max(sum(_tokens(_step_text(s)) for s in conversation), 1)
    out = thought = tool = 0
    searches = 0
    for step in steps:
        kind = step.get("type")
        if kind == "model_output" or kind == "function_call":
            out += _tokens(_step_text(step))
        elif kind == "thought":
            thought += _tokens(_step_text(step)) + 8
        else:
            tool += _tokens(_step_text(step))
            searches += kind == "google_search_call"
    usage: dict[str, Any] = {
        "total_input_tokens": total_in,
        "total_output_tokens": out,
        "total_thought_tokens": thought,
        "total_tool_use_tokens": tool,
        "total_tokens": total_in + out + thought + tool,
    }
    if searches:
        usage["grounding_tool_count"] = [{"type": "google_search", "count": searches}]
    return usage
