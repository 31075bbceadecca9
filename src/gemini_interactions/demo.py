"""``make demo``: the package's main job, offline (no API key, no network).

Streams recorded Interactions API transcripts through the real client (an in-memory transport
stands in for the network) and prints, for each, the answer as it streams, then the folded
timeline of steps.
"""

from __future__ import annotations

import sys
from importlib import resources

import httpx

from .api import Client, ModelOutputStep, StepDeltaEvent, StepStartEvent, TextContent, TextDelta
from .render import timeline_text

SCENES = [
    ("What is 17*3?  (thinking, with a thought summary)", "thought_then_text.sse", None),
    ("Weather in Boston?  (a function call)", "function_call.sse", None),
    ("Who won Euro 2024?  (Google Search)", "google_search.sse", None),
    ("Sum 1..100 with code.  (code execution)", "code_execution.sse", None),
    ("hello  (the legacy outputs revision)", "legacy_outputs_text.sse", "2026-05-07"),
]


def _replay(name: str) -> httpx.MockTransport:
    body = resources.files("gemini_interactions._data").joinpath(name).read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return httpx.MockTransport(handler)


def main() -> int:
    out = sys.stdout
    out.write("gemini-interactions demo: recorded streams through the real client, offline.\n")
    for prompt, name, revision in SCENES:
        client = Client(transport=_replay(name), api_revision=revision or "2026-05-20")
        out.write(f"\n>>> {prompt}\n")
        with client.interactions.create(
            model="gemini-3-flash-preview", input=prompt, stream=True
        ) as stream:
            for event in stream:
                # a step may start with text already in it, then grow by deltas
                if isinstance(event, StepStartEvent) and isinstance(event.step, ModelOutputStep):
                    for block in event.step.content:
                        if isinstance(block, TextContent):
                            out.write(block.text)
                elif isinstance(event, StepDeltaEvent) and isinstance(event.delta, TextDelta):
                    out.write(event.delta.text)
                out.flush()
        interaction = stream.interaction
        out.write("\n" if interaction.output_text else "(no text: the model wants a tool run)\n")
        out.write(timeline_text(interaction) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
