"""``make demo``: the quickstart notebook, offline (no API key, no network), in a real kernel.

``python -m gemini_interactions.demo [NOTEBOOK] [--out DIR]`` executes the notebook (by default
``notebooks/01-quickstart.ipynb`` of a source checkout) with nbclient in a fresh IPython kernel,
writes the executed notebook and its HTML rendering (nbconvert) under ``DIR`` (``build/demo``),
and prints a plain-text transcript and the paths. A cell that fails stops the demo with the
cell's error. The kernel gets no API key, so nothing can go live by accident.

``--recorded`` instead streams recorded Interactions API transcripts (thinking, a function call,
Google Search, code execution, the legacy revision) through the real client and prints their
timelines; it needs nothing but the package.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import httpx

from ._transcript import notebook_transcript
from .api import Client, ModelOutputStep, StepDeltaEvent, StepStartEvent, TextContent, TextDelta
from .render import timeline_text

QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "01-quickstart.ipynb"
OUT_DIR = Path("build") / "demo"
# Never handed to the demo's kernel: the demo is offline by construction, not by luck.
_KEY_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS")

SCENES = [
    ("What is 17*3?  (thinking, with a thought summary)", "thought_then_text.sse", None),
    ("Weather in Boston?  (a function call)", "function_call.sse", None),
    ("Who won Euro 2024?  (Google Search)", "google_search.sse", None),
    ("Sum 1..100 with code.  (code execution)", "code_execution.sse", None),
    ("hello  (the legacy outputs revision)", "legacy_outputs_text.sse", "2026-05-07"),
]


def execute(notebook: Path, out_dir: Path) -> tuple[Any, Path, Path, float]:
    """Run ``notebook`` in a fresh kernel (its folder as the working directory, so fixtures
    beside it are found); write the executed notebook and its HTML into ``out_dir``."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    env = {k: v for k, v in os.environ.items() if k not in _KEY_VARIABLES}
    # The kernel spec of this environment, not one in the user's home pointing elsewhere.
    env.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    nb: Any = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
    started = time.perf_counter()
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    ).execute(env=env, stderr=subprocess.DEVNULL)  # the kernel's start-up chatter is not the demo
    seconds = time.perf_counter() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / notebook.name
    nbformat.write(nb, executed)  # type: ignore[no-untyped-call]
    body, _ = HTMLExporter().from_notebook_node(nb)  # type: ignore[no-untyped-call]
    rendered = executed.with_suffix(".html")
    rendered.write_text(body, encoding="utf-8")
    return nb, executed, rendered, seconds


def run_notebook(notebook: Path, out_dir: Path, out: TextIO) -> int:
    try:
        from nbclient.exceptions import CellExecutionError
    except ImportError:
        out.write(
            "The notebook demo runs a real kernel: pip install nbclient nbconvert ipykernel "
            "(or `make demo` in the repository, which installs them).\n"
        )
        return 2
    out.write(f"gemini-interactions demo: {notebook.name}, offline (no API key, no network)\n\n")
    try:
        nb, executed, rendered, seconds = execute(notebook, out_dir)
    except CellExecutionError as exc:
        out.write(f"A cell of {notebook} failed, so the demo stops there:\n{exc}\n")
        return 1
    except Exception as exc:  # no kernel, a dead or stuck one: say so, no traceback
        out.write(f"The demo could not run {notebook.name} ({type(exc).__name__}: {exc}).\n")
        return 1
    transcript = notebook_transcript(nb.cells)
    text = out_dir / f"{notebook.stem}.txt"
    text.write_text(transcript, encoding="utf-8")
    out.write(transcript)
    out.write(f"\nRan {notebook.name} in a real kernel in {seconds:.1f} s. Open:\n")
    for path in (executed, rendered, text):
        out.write(f"  {path}\n")
    return 0


def _replay(name: str) -> httpx.MockTransport:
    body = resources.files("gemini_interactions._data").joinpath(name).read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return httpx.MockTransport(handler)


def run_recorded(out: TextIO) -> int:
    out.write("Recorded Gemini streams through the client, folded into timelines\n")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gemini_interactions.demo",
        description="Run a notebook offline in a real kernel; save it executed and as HTML.",
    )
    parser.add_argument("notebook", nargs="?", type=Path, default=QUICKSTART)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where to write (build/demo)")
    parser.add_argument(
        "--recorded", action="store_true", help="replay recorded streams through the client"
    )
    args = parser.parse_args(argv)
    if args.recorded:
        return run_recorded(sys.stdout)
    if not args.notebook.is_file():
        sys.stderr.write(
            f"No notebook at {args.notebook}: the lessons ship with a source checkout "
            "(git clone), not with the wheel. Give a notebook path, or use --recorded.\n"
        )
        return 2
    return run_notebook(args.notebook, args.out, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
