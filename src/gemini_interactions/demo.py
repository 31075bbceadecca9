"""``make demo``: the package's main job, offline (no API key, no network).

1. Runs ``notebooks/01-quickstart.ipynb`` in a real IPython kernel (nbclient): ``%load_ext``, the
   offline backend, a chain of ``%%gemini`` cells with ``--continue`` and a Python tool, and
   prints each prompt with the answer the cell showed.
2. Streams recorded Interactions API transcripts (thinking, a function call, Google Search,
   code execution, the legacy revision) through the real client and prints their timelines.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

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


QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "01-quickstart.ipynb"


def _cell_text(output: Any) -> str:
    data = output.get("data") or {}
    text = data.get("text/markdown") or data.get("text/plain") or output.get("text") or ""
    return str(text).rstrip()


def run_notebook(path: Path, out: TextIO) -> None:
    """Execute a notebook in a fresh kernel and print each magic cell with what it showed."""
    import nbformat
    from nbclient import NotebookClient

    notebook: Any = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute(stderr=subprocess.DEVNULL)  # the kernel's start-up warnings are not the demo
    for cell in notebook.cells:
        source = cell.source.strip()
        if cell.cell_type != "code" or not source.startswith("%"):
            continue
        out.write(f"\nIn  » {source}\n")
        for output in cell.get("outputs", []):
            text = _cell_text(output)
            if text:
                out.write("Out » " + text.replace("\n", "\n      ") + "\n")


def main() -> int:
    out = sys.stdout
    out.write("gemini-interactions demo, offline: no API key, no network.\n")
    if QUICKSTART.exists():
        out.write(f"\n== 1. {QUICKSTART.name} in a real kernel, through the %%gemini magics ==\n")
        run_notebook(QUICKSTART, out)
    else:
        out.write(f"\n(part 1 skipped: {QUICKSTART} ships with a source checkout, not a wheel)\n")
    out.write("\n== 2. Recorded Gemini streams through the client, folded into timelines ==\n")
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
