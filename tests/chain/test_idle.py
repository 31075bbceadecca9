"""``idle`` (google-genai 3.6): the interaction finished all its processing and waits for the
next input. A turn that ends idle answered: it joins the chain like a completed one."""

from __future__ import annotations

import json

import httpx

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain


def _stream(status: str) -> bytes:
    events = [
        {
            "event_type": "interaction.created",
            "interaction": {"id": "v1_idle", "status": "in_progress"},
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "Done."}},
        {"event_type": "step.stop", "index": 0},
        {"event_type": "interaction.completed", "interaction": {"id": "v1_idle", "status": status}},
    ]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


def test_an_idle_turn_answered_and_joins_the_chain() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=_stream("idle")
        )

    chain = Chain(Client("k", transport=httpx.MockTransport(answer), max_retries=0), name="t")
    turn = chain.send("hello")
    assert turn.status == "idle"
    assert turn.error is None
    assert turn.joined and chain.head is turn
    assert turn.output_text == "Done."
